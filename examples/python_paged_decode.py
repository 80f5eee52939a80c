#!/usr/bin/env python3
"""One decode step of a server with attn from PyTorch: a paged KV cache (vLLM's layout, pages of
16 tokens in shuffled blocks), GQA 32/8, one new token per sequence, lse for merging partial
results; checked against SDPA on the gathered keys (needs torch and a CUDA GPU).

    PYTHONPATH=python ATTN_LIBRARY=build/lib/libattn.so python3 examples/python_paged_decode.py

A server launches this every step, so it gives the longest sequences (max_seqlen_q/kv) and
turns the metadata check off once its block tables are known good: the check copies them back
and waits for the stream. The launch splits each sequence's keys across CTAs when the batch
alone would leave the GPU idle (num_splits=0, the default), and runs the kernel's decode build.
The server keeps the split's partials in a workspace of its own, and lets each step's launch
start while the kernel before it ends (overlap_previous: that kernel may write q and the
caches, not the metadata).
"""
import os

import torch
import torch.nn.functional as F

import attn

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    kernel = attn.compile(os.path.join(HERE, "paged_decode_gqa.attn"))
    B, Hq, Hkv, D, P = 8, 32, 8, 128, 16
    lens = torch.tensor([5000, 777, 4096, 1, 2048, 3001, 600, 4999], dtype=torch.int32, device="cuda")
    pages = (lens + P - 1) // P
    blocks = int(pages.sum()) + 16  # a few spare blocks
    k_cache = torch.randn(blocks, P, Hkv, D, device="cuda", dtype=torch.bfloat16)
    v_cache = torch.randn_like(k_cache)
    order = torch.randperm(blocks, device="cuda", dtype=torch.int32)
    table = torch.zeros(B, int(pages.max()), dtype=torch.int32, device="cuda")
    used = 0
    for b in range(B):
        n = int(pages[b])
        table[b, :n] = order[used:used + n]
        used += n
    q = torch.randn(B, Hq, D, device="cuda", dtype=torch.bfloat16)  # one new token per sequence
    cu_q = torch.arange(B + 1, dtype=torch.int32, device="cuda")

    step = dict(cu_seqlens_q=cu_q, seqlens_kv=lens, block_table=table, max_seqlen_q=1,
                max_seqlen_kv=int(lens.max()), check_metadata=False)
    workspace = torch.empty(kernel.workspace_bytes(q, k_cache, v_cache, **step), dtype=torch.uint8,
                            device="cuda")
    q.mul_(1.0)  # stands for the kernel before the step, which writes q
    out, lse = kernel(q, k_cache, v_cache, workspace=workspace, overlap_previous=True, **step)

    worst = 0.0
    for b in range(B):
        n = int(lens[b])
        k = k_cache[table[b, :int(pages[b])].long()].reshape(-1, Hkv, D)[:n].transpose(0, 1)[None]
        v = v_cache[table[b, :int(pages[b])].long()].reshape(-1, Hkv, D)[:n].transpose(0, 1)[None]
        want = F.scaled_dot_product_attention(q[b, :, None][None].float(), k.float(), v.float(),
                                              enable_gqa=True)[0, :, 0]
        worst = max(worst, (out[b].float() - want).abs().max().item())
    print(f"decode step over {B} sequences of {int(lens.min())}..{int(lens.max())} keys: "
          f"max abs error against SDPA (fp32) {worst:.3e}, lse[0, 0] = {lse[0, 0].item():.4f}")
    if worst > 0.03:  # bf16 output rounding is ~4e-3 here
        raise SystemExit("FAIL: attn and SDPA disagree")


if __name__ == "__main__":
    main()
