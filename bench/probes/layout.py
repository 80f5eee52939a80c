# Does the K/V layout change the decode's streaming rate? The bar's step (B = 8, 32/8 heads,
# D = 128, served launches) on three layouts of the same keys: vLLM's paged cache (16-token pages
# in shuffled blocks: a head's token is a 128-byte row for fp8, 256 for bf16, one every
# Hkv * D elements), a dense [B, L, Hkv, D] cache (the same rows in order) and a dense cache
# stored head-major ([B, Hkv, L, D], passed permuted: a head's keys are contiguous). Prints graph
# us per launch, GB/s of K/V and the error against an fp32 reference.
#   python3 layout.py [L ...]
import sys
import torch
import triton
import attn
from case import B, BF16, D, FP8, Hkv, Hq, Step
from bench import per_tensor_e4m3

DENSE = {n: s.replace("  batch = ragged;\n", "").replace("  kv_cache = paged(16);\n", "")
         for n, s in {"bf16": BF16, "fp8": FP8}.items()}


def reference(q, k, v):
    """fp32 attention of q [B, Hq, D] on dense k, v [B, L, Hkv, D] (float)."""
    k = k.repeat_interleave(Hq // Hkv, 2)
    v = v.repeat_interleave(Hq // Hkv, 2)
    s = torch.einsum("bhd,blhd->bhl", q.float(), k) / D ** 0.5
    return torch.einsum("bhl,blhd->bhd", s.softmax(-1), v)


def timed(fn):
    return min(triton.testing.do_bench_cudagraph(fn, rep=200, return_mode="median") for _ in range(2))


def served(K, q, k, v, **args):
    ws = torch.empty(K.workspace_bytes(q, k, v, **args), device="cuda", dtype=torch.uint8)
    return lambda: K(q, k, v, workspace=ws, overlap_previous=True, **args)


Ks = {n: attn.compile(s) for n, s in {"bf16": BF16, "fp8": FP8}.items()}
Kd = {n: attn.compile(s) for n, s in DENSE.items()}
for L in [int(a) for a in sys.argv[1:]] or [8192, 32768]:
    step = Step(L)
    res = {}
    for name in ("bf16", "fp8"):
        # paged: the bar's step
        fn = step.served(Ks[name], name)
        kf, vf = step.kv_values(name)
        rows = step.table.long()
        kd = kf[rows].reshape(B, L, Hkv, D)
        vd = vf[rows].reshape(B, L, Hkv, D)
        ref = reference(step.q, kd, vd)
        layouts = {"paged": (fn, lambda o: o.reshape(B, Hq, D))}
        # dense caches holding the same values
        raw_k = step.kc[rows].reshape(B, L, Hkv, D)
        raw_v = step.vc[rows].reshape(B, L, Hkv, D)
        if name == "fp8":
            raw_k = (raw_k.float() / step.ks).to(torch.float8_e4m3fn)
            raw_v = (raw_v.float() / step.vs).to(torch.float8_e4m3fn)
        scales = {} if name == "bf16" else {"k_scale": step.ks, "v_scale": step.vs}
        q4 = step.q.reshape(B, 1, Hq, D)
        tok = (raw_k.contiguous(), raw_v.contiguous())
        head = (raw_k.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3),
                raw_v.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3))
        for lname, (k, v) in (("dense", tok), ("head-major", head)):
            layouts[lname] = (served(Kd[name], q4, k, v, **scales), lambda o: o.reshape(B, Hq, D))
        for lname, (fn, shape) in layouts.items():
            o = fn()
            o = o[0] if isinstance(o, tuple) else o
            err = (shape(o).float() - ref).abs().max().item()
            g = timed(fn)
            res[name, lname] = g
            print(f"{name:4s} {lname:10s} L={L:5d} err {err:.1e} graph {g*1e3:6.1f} us "
                  f"{step.kv_bytes(name)/g/1e6:5.0f} GB/s", flush=True)
    for lname in ("paged", "dense", "head-major"):
        print(f"ratio {lname:10s} L={L}: {res['bf16', lname]/res['fp8', lname]:.3f}x", flush=True)
