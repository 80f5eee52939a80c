# Decode configs as issue 5's bar launches them (Step.served: a lent workspace,
# overlap_previous): graph us per launch of the fp8 K/V step at 8k and 32k for the default
# build and each config given (attn.compile's keys), bf16's default beside them, twice over in
# turn, and each one's largest error against an fp32 reference. From the bundle's root:
#   python3 bench/probes/configs.py block_n=128,warps=4,stages=3 block_n=128,warps=4,stages=2
import sys

import attn
import torch
import triton
from case import FP8, Step, kernels


def parse(text):
    return dict(kv.split("=") for kv in text.split(","))


builds = [(name, "", K) for name, K in kernels().items()]
for text in sys.argv[1:]:
    try:
        builds.append(("fp8", text, attn.compile(FP8, arch="sm_90a", **parse(text))))
    except attn.Error as e:
        print(f"{text}: {e}", flush=True)
for L in (8192, 32768):
    step = Step(L)
    times, errs = {}, {}
    for _ in range(2):
        for name, text, K in builds:
            fn = step.served(K, name)
            errs[(name, text)] = step.error(fn(), name)
            g = triton.testing.do_bench_cudagraph(fn, rep=200, return_mode="median")
            times.setdefault((name, text), []).append(g * 1e3)
    bf16 = min(times[("bf16", "")])
    for (name, text), ts in times.items():
        print(f"L={L:5d} {name:4s} {text or 'default':36s} " + " ".join(f"{t:6.1f}" for t in ts)
              + f" us  ratio {bf16 / min(ts):.3f}x  err {errs[(name, text)]:.1e}", flush=True)
    torch.cuda.empty_cache()
