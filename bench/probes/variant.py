# One library variant: fp8 K/V and bf16 paged decode (B=8, 32/8 heads, D=128, paged 16) at 8k and
# 32k, launched as issue 5's bar is measured (Step.served: a lent workspace, overlap_previous).
# Prints graph and do_bench us per launch, GB/s, the ratio and the error against an fp32
# reference. To compare builds, run it once per bundle, from each bundle's root, with its
# own ATTN_LIBRARY and ATTN_CACHE_DIR: python3 bench/probes/variant.py <tag>
import sys
import triton
from case import Step, kernels

tag = sys.argv[1]
Ks = kernels()


for L in (8192, 32768):
    step = Step(L)
    res = {}
    for name, K in Ks.items():
        fn = step.served(K, name)
        err = step.error(fn(), name)
        g = min(triton.testing.do_bench_cudagraph(fn, rep=200, return_mode="median") for _ in range(2))
        d = triton.testing.do_bench(fn, rep=200, return_mode="median")
        by = step.kv_bytes(name)
        res[name] = (g, d)
        print(f"{tag:16s} {name:4s} L={L:5d} err {err:.1e} graph {g*1e3:6.1f} us {by/g/1e6:5.0f} GB/s | do_bench {d*1e3:6.1f} us {by/d/1e6:5.0f} GB/s", flush=True)
    print(f"{tag:16s} ratio L={L}: graph {res['bf16'][0]/res['fp8'][0]:.3f}x do_bench {res['bf16'][1]/res['fp8'][1]:.3f}x", flush=True)
