# Split-count sweep at 8k (B=8, 32/8 heads, D=128, paged 16): graph us per launch for fp8 K/V and
# bf16 (s=0: the launch's own choice). From the bundle's root: python3 bench/probes/splits.py
import torch
import triton
from case import Step, kernels

step = Step(8192)
for name, K in kernels().items():
    out = []
    for s in (0, 2, 3, 4, 5, 6, 8, 12, 16):
        fn = step.launch(K, name, num_splits=s)
        fn()
        g = min(triton.testing.do_bench_cudagraph(fn, rep=100, return_mode="median") for _ in range(2))
        out.append(f"s={s}: {g*1e3:5.1f}")
    print(name, " | ".join(out), flush=True)
