# Timeline of decode launches (torch.profiler/CUPTI), replayed from a CUDA graph, bf16 and fp8 K/V,
# split (0: the launch's choice) and unsplit: us per launch and each kernel's duration. The merge
# is launched to overlap the kernel, so its span starts with the kernel's and includes its wait.
# From the bundle's root: python3 bench/probes/timeline.py 256,8192
import sys
import torch
from torch.profiler import profile, ProfilerActivity
from case import Step, kernels

Ks = kernels()
for L in [int(x) for x in sys.argv[1].split(",")]:
    step = Step(L)
    for dt, K in Ks.items():
        for s in (0, 1):
            fn = step.launch(K, dt, num_splits=s)
            fn(); torch.cuda.synchronize()
            g = torch.cuda.CUDAGraph()
            st = torch.cuda.Stream()
            with torch.cuda.stream(st):
                with torch.cuda.graph(g, stream=st):
                    for _ in range(20): fn()
            torch.cuda.synchronize()
            g.replay(); torch.cuda.synchronize()
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record(); g.replay(); e1.record(); torch.cuda.synchronize()
            per = e0.elapsed_time(e1) / 20 * 1e3
            with profile(activities=[ProfilerActivity.CUDA]) as p:
                g.replay(); torch.cuda.synchronize()
            ev = sorted([e for e in p.events() if e.device_type == torch.autograd.DeviceType.CUDA],
                        key=lambda e: e.time_range.start)
            ks_ = [(e.name, e.time_range.start, e.time_range.end) for e in ev]
            dec = [k for k in ks_ if not k[0].endswith("merge")]
            mer = [k for k in ks_ if k[0].endswith("merge")]
            avg = lambda xs: sum(xs) / max(1, len(xs))
            dd = avg([e - b for _, b, e in dec[2:]]); md = avg([e - b for _, b, e in mer[2:]])
            gap_dm = avg([m[1] - d[2] for d, m in zip(dec[2:], mer[2:])]) if mer else 0
            nxt = mer if mer else dec
            gap_next = avg([d2[1] - m[2] for m, d2 in zip(nxt[2:], dec[3:])])
            other = sorted({k[0] for k in ks_} - {dec[0][0]} - ({mer[0][0]} if mer else set()))
            print(f"{dt:5s} L={L:6d} splits={s}: graph {per:6.1f} us/launch; kernel {dd:6.1f}, kernel->merge gap {gap_dm:5.1f},"
                  f" merge {md:5.1f}, gap to next {gap_next:5.1f} us; n={len(dec)},{len(mer)} other={other}", flush=True)
