#!/usr/bin/env python3
"""Causal attention with attn from PyTorch, checked against SDPA (needs torch and a CUDA GPU).

    PYTHONPATH=python ATTN_LIBRARY=build/lib/libattn.so python3 examples/python_causal.py

attn's dense layout is [B, S, H, D] (any strides with a unit-stride head dim), so torch's
[B, H, S, D] tensors go in as transposed views, without copies.
"""
import os

import torch
import torch.nn.functional as F

import attn

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    kernel = attn.compile(os.path.join(HERE, "causal.attn"))  # or the spec's text
    print(f"compiled {kernel.name} (CUDA C++: {len(kernel.source)} characters)")

    B, H, S, D = 2, 8, 1000, 128
    q, k, v = (torch.randn(B, H, S, D, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    # Launches on torch.cuda.current_stream(); out is allocated as [B, S, H, D].
    out = kernel(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)).transpose(1, 2)
    want = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), is_causal=True)
    err = (out.float() - want).abs().max().item()
    print(f"max abs error against SDPA (fp32): {err:.3e}")

    # Bad arguments raise attn.Error naming the argument and what was expected.
    try:
        kernel(q.transpose(1, 2).half(), k.transpose(1, 2), v.transpose(1, 2))
    except attn.Error as e:
        print(f"attn.Error: {e}")

    # A spec with an error: the message points at it (<spec>:line:col).
    try:
        attn.compile("kernel k {\n  q: bf16[100];\n  k: bf16[100];\n  v: bf16[100];\n  out: bf16;\n}")
    except attn.Error as e:
        print(str(e).splitlines()[0])


if __name__ == "__main__":
    main()
