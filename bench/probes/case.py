"""The decode step of issue 5's bar, shared by the probes: B = 8, 32 query / 8 KV heads, D = 128,
a paged cache of 16-token pages in shuffled blocks, bf16 or fp8 e4m3 K/V with per-tensor scales,
launched as a server would (metadata not read back). The same step as bench.decode's, with its
helpers."""
import os
import sys

import torch
import attn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench import EXAMPLES, FP8_KV, per_tensor_e4m3  # noqa: E402  (after the path is set)

B, Hq, Hkv, D, P = 8, 32, 8, 128, 16
BF16 = open(os.path.join(EXAMPLES, "paged_decode_gqa.attn")).read()
FP8 = BF16.replace(*FP8_KV)
SPECS = {"bf16": BF16, "fp8": FP8}


def served(K, q, k, v, **args):
    """A callable launching K on these arguments as a server's captured step does: the split
    partials in a workspace kept across launches, each launch overlapping the one before it."""
    ws = torch.empty(K.workspace_bytes(q, k, v, **args), device="cuda", dtype=torch.uint8)
    return lambda: K(q, k, v, workspace=ws, overlap_previous=True, **args)


def kernels():
    """The bf16 and fp8 K/V builds, by name."""
    return {name: attn.compile(text) for name, text in SPECS.items()}


class Step:
    """Random inputs for L keys a sequence (seeded with L unless told), on CUDA."""

    def __init__(self, L, seed=None):
        torch.manual_seed(L if seed is None else seed)
        self.L = L
        blocks = B * L // P
        self.q = torch.randn(B, Hq, D, device="cuda", dtype=torch.bfloat16)
        self.kc = torch.randn(blocks, P, Hkv, D, device="cuda", dtype=torch.bfloat16)
        self.vc = torch.randn_like(self.kc)
        self.table = torch.randperm(blocks, device="cuda", dtype=torch.int32).reshape(B, -1).contiguous()
        self.seqlens = torch.full((B,), L, device="cuda", dtype=torch.int32)
        self.cu = torch.arange(B + 1, device="cuda", dtype=torch.int32)
        self.k8, self.ks = per_tensor_e4m3(self.kc)
        self.v8, self.vs = per_tensor_e4m3(self.vc)

    def kv(self, name):
        """The K and V caches of build `name` and its scale arguments."""
        if name == "bf16":
            return self.kc, self.vc, {}
        return self.k8, self.v8, {"k_scale": self.ks, "v_scale": self.vs}

    def kv_values(self, name):
        """The K and V values build `name` computes with, as float (fp8 dequantized)."""
        if name == "bf16":
            return self.kc.float(), self.vc.float()
        return self.k8.float() * self.ks, self.v8.float() * self.vs

    def kv_bytes(self, name):
        """The K and V bytes one step reads."""
        return 2 * B * self.L * Hkv * D * self.kv(name)[0].element_size()

    def reference(self, name):
        """fp32 attention on the values build `name` computes with (GQA: Hq / Hkv query heads a
        KV head), [B, Hq, D]."""
        k, v = self.kv_values(name)
        rows = self.table.long()
        kf = k[rows].reshape(B, self.L, Hkv, D).repeat_interleave(Hq // Hkv, 2)
        vf = v[rows].reshape(B, self.L, Hkv, D).repeat_interleave(Hq // Hkv, 2)
        s = torch.einsum("bhd,blhd->bhl", self.q.float(), kf) / D ** 0.5
        return torch.einsum("bhl,blhd->bhd", s.softmax(-1), vf)

    def error(self, out, name):
        """The largest difference of a launch's out (or (out, lse)), of any shape holding
        [B, Hq, D], from reference(name)."""
        out = out[0] if isinstance(out, tuple) else out
        return (out.float().reshape(B, Hq, D) - self.reference(name)).abs().max().item()

    def args(self, name, **kw):
        """K and V of build `name` and the rest of a launch's arguments; kw: e.g. num_splits."""
        k, v, scales = self.kv(name)
        return k, v, dict(cu_seqlens_q=self.cu, seqlens_kv=self.seqlens, block_table=self.table,
                          max_seqlen_q=1, max_seqlen_kv=self.L, check_metadata=False, **scales, **kw)

    def launch(self, K, name, **kw):
        """A callable launching K (build `name`) on these inputs; kw: e.g. num_splits."""
        k, v, args = self.args(name, **kw)
        return lambda: K(self.q, k, v, **args)

    def served(self, K, name):
        """launch(K, name) as a server's captured step makes it (bench.decode's +overlap:
        served())."""
        k, v, args = self.args(name)
        return served(K, self.q, k, v, **args)
