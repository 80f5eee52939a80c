# Per-CTA timeline of the 8k decode step (bf16 and fp8 K/V, the launch's split), from a library
# built with cta_probe_patch.py: medians over CTAs of the times since each CTA's entry (metadata
# read, Q landed, first and last K tile waited for, store_out's entry, store_lse), the step
# between K tiles, the spread of the CTAs' ends, and the same by split part and by the CTAs on
# the SM. From the bundle's root, ATTN_LIBRARY set to the patched library:
#   python3 bench/probes/cta_timeline.py [SM clock in GHz, default 1.82: clk/ns, printed]
import sys
from collections import Counter
from statistics import median

import torch
from case import B, Hq, Step, kernels

GHZ = float(sys.argv[1]) if len(sys.argv) > 1 else 1.82
L = 8192
for name, K in kernels().items():
    st = Step(L)
    fn = st.launch(K, name)
    fn(); torch.cuda.synchronize()
    g, s = torch.cuda.CUDAGraph(), torch.cuda.Stream()
    with torch.cuda.stream(s), torch.cuda.graph(g, stream=s):
        for _ in range(10):
            fn()
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    raw = st.q.view(torch.int64).reshape(B, Hq // 4, 4, 32).cpu()  # sequence, head group, part, slot
    ctas = [(sp, r) for b in range(B) for hg in range(Hq // 4) for sp in range(4)
            for r in [raw[b, hg, sp].tolist()] if r[1] and r[6] >= r[1] and (r[9] & 0xFFFFFFFF) == L + 1]
    t0 = min(r[0] for _, r in ctas)
    per_sm = Counter(r[9] >> 32 for _, r in ctas)
    us = lambda r, i: (r[i] - r[1]) / GHZ / 1e3

    def summary(rs):
        n = [min(int(r[8]), 22) for r in rs]
        steps = [(r[11 + k] - r[10 + k]) / GHZ / 1e3 for r, m in zip(rs, n) for k in range(m - 1)]
        return (f"n {len(rs)} tiles {median(n)}: meta {median(us(r, 2) for r in rs):.2f} q {median(us(r, 3) for r in rs):.2f} "
                f"K0 {median(us(r, 10) for r in rs):.2f} last K {median(us(r, 9 + m) for r, m in zip(rs, n)):.2f} "
                f"store_out {median(us(r, 5) for r in rs):.2f} end {median(us(r, 6) for r in rs):.2f} us; "
                f"K step {median(steps) if steps else 0:.2f} (max {max(steps, default=0):.2f}); "
                f"end since the first entry {median((r[7] - t0) / 1e3 for r in rs):.2f} (max {max((r[7] - t0) / 1e3 for r in rs):.2f}) us")

    rs = [r for _, r in ctas]
    print(f"{name} L={L}: clk/ns {median((r[6] - r[1]) / max(1, r[7] - r[0]) for r in rs):.2f}; {summary(rs)}", flush=True)
    for part in sorted({sp for sp, _ in ctas}):
        print(f"  part {part}: {summary([r for sp, r in ctas if sp == part])}")
    for c in sorted(set(per_sm.values())):
        print(f"  {c} CTA(s) on the SM: {summary([r for r in rs if per_sm[r[9] >> 32] == c])}")
