# Does the K/V layout change the decode's streaming rate? The bar's step (B = 8, 32/8 heads,
# D = 128, served launches) on three layouts of the same keys: vLLM's paged cache (16-token pages
# in shuffled blocks: a head's token is a 128-byte row for fp8, 256 for bf16, one every
# Hkv * D elements), a dense [B, L, Hkv, D] cache (the same rows in order) and a dense cache
# stored head-major ([B, Hkv, L, D], passed permuted: a head's keys are contiguous). Prints graph
# us per launch, GB/s of K/V and the error against an fp32 reference.
#   python3 layout.py [L ...]
import sys
import triton
import attn
from case import B, BF16, D, FP8, Hkv, Hq, Step, served

DENSE = {n: s.replace("  batch = ragged;\n", "").replace("  kv_cache = paged(16);\n", "")
         for n, s in {"bf16": BF16, "fp8": FP8}.items()}


def timed(fn):
    return min(triton.testing.do_bench_cudagraph(fn, rep=200, return_mode="median") for _ in range(2))


Ks = {n: attn.compile(s) for n, s in {"bf16": BF16, "fp8": FP8}.items()}
Kd = {n: attn.compile(s) for n, s in DENSE.items()}
for L in [int(a) for a in sys.argv[1:]] or [8192, 32768]:
    step = Step(L)
    res = {}
    for name in ("bf16", "fp8"):
        # paged: the bar's step; then dense caches holding the same codes
        layouts = {"paged": step.served(Ks[name], name)}
        rows = step.table.long()
        k, v, scales = step.kv(name)
        k, v = (t[rows].reshape(B, L, Hkv, D) for t in (k, v))
        q4 = step.q.reshape(B, 1, Hq, D)
        head_major = lambda t: t.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3)
        for lname, (kl, vl) in (("dense", (k, v)), ("head-major", (head_major(k), head_major(v)))):
            layouts[lname] = served(Kd[name], q4, kl, vl, **scales)
        for lname, fn in layouts.items():
            err = step.error(fn(), name)
            g = timed(fn)
            res[name, lname] = g
            print(f"{name:4s} {lname:10s} L={L:5d} err {err:.1e} graph {g*1e3:6.1f} us "
                  f"{step.kv_bytes(name)/g/1e6:5.0f} GB/s", flush=True)
    for lname in ("paged", "dense", "head-major"):
        print(f"ratio {lname:10s} L={L}: {res['bf16', lname]/res['fp8', lname]:.3f}x", flush=True)
