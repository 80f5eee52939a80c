#!/usr/bin/env python3
"""attn against PyTorch in one process, on one GPU: correctness of every example against SDPA or
FlexAttention with the same modifications, then TFLOP/s of DESIGN.md section 8's shapes (B*S =
16k tokens, 2048 hidden; D = 128 and 64) for attn, SDPA (flash, cuDNN) and FlexAttention.

    PYTHONPATH=python ATTN_LIBRARY=build/lib/libattn.so python3 bench/bench.py [--quick] [--only V,..] [--out F]

FLOPs count only unmasked (query, key) pairs: 4 * B * H * D * pairs (causal: S(S+1)/2 pairs).
"""
import argparse, json, math, os, sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import create_block_mask, flex_attention
import triton.testing

import attn

torch._dynamo.config.cache_size_limit = 1000
torch._dynamo.config.recompile_limit = 1000
torch._dynamo.config.accumulated_recompile_limit = 100000
flex = torch.compile(flex_attention, dynamic=False)
dev = "cuda"
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples")


def timed(fn):
    fn()
    torch.cuda.synchronize()
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def timed_graph(fn):
    """Median ms of fn replayed from a CUDA graph: no host time per call, as a server that
    captures its decode step sees it; None where fn cannot be captured."""
    try:
        fn()
        torch.cuda.synchronize()
        return triton.testing.do_bench_cudagraph(fn, rep=100, return_mode="median")
    except Exception as e:  # report, and keep the eager numbers
        print("   graph capture failed:", repr(e)[:120])
        return None


# The paged decode example's K and V as e4m3 codes with per-tensor scales (issue 5's fp8 step).
FP8_KV = ("k: bf16[128];\n  v: bf16[128];", "k: f8e4m3[128] scale per_tensor;\n  v: f8e4m3[128] scale per_tensor;")


def per_tensor_e4m3(x):
    """x's e4m3 codes and their scale (amax / 448, a 1-element tensor)."""
    scale = (x.float().abs().amax() / 448.0).reshape(1)
    return (x.float() / scale).to(torch.float8_e4m3fn), scale


def sqnr(x, ref):
    x, ref = x.double(), ref.double()
    return 10 * math.log10(ref.pow(2).sum().item() / max((x - ref).pow(2).sum().item(), 1e-300))


def ours(q, k, v, kernel, **kw):
    """q, k, v as [B, H, S, D] (torch's layout); our kernels take [B, S, H, D] strided views."""
    out = kernel(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), **kw)
    return (out[0] if isinstance(out, tuple) else out).transpose(1, 2)


def spec(mask="", score="", head_dim=128, extra=""):
    return f"""kernel bench {{
  q: bf16[{head_dim}]; k: bf16[{head_dim}]; v: bf16[{head_dim}]; out: bf16;
  {extra}
  {'score { ' + score + ' }' if score else ''}
  {'mask { ' + mask + ' }' if mask else ''}
}}"""


# ---- every example against PyTorch ---------------------------------------------------------

def check_examples(rows):
    torch.manual_seed(0)
    B, S, Hq = 2, 1000, 8

    def qkv(hkv, d=128, skv=S):
        q = torch.randn(B, Hq, S, d, device=dev, dtype=torch.bfloat16)
        k = torch.randn(B, hkv, skv, d, device=dev, dtype=torch.bfloat16)
        v = torch.randn(B, hkv, skv, d, device=dev, dtype=torch.bfloat16)
        return q, k, v

    def sdpa(q, k, v, **kw):
        return F.scaled_dot_product_attention(q.float(), k.float(), v.float(), enable_gqa=True, **kw)

    def fp8(x, per_head):
        amax = x.float().abs().amax(dim=(2, 3)) if per_head else x.float().abs().amax()
        scale = (amax / 448.0).clamp(min=1e-12)
        s = scale[:, :, None, None] if per_head else scale
        x8 = (x.float() / s).to(torch.float8_e4m3fn)
        return x8, scale, x8.float() * s

    def run(name, spec_file, got_fn, want_fn):
        kernel = attn.compile(os.path.join(EXAMPLES, spec_file))
        got, want = got_fn(kernel).float(), want_fn().float()
        db = sqnr(got, want)
        rows.append(dict(name=name, sqnr_db=db, max_err=(got - want).abs().max().item()))
        print(f"  {name:18s} SQNR {db:6.1f} dB  max err {rows[-1]['max_err']:.2e}", flush=True)

    q, k, v = qkv(8)
    run("causal", "causal.attn", lambda K: ours(q, k, v, K), lambda: sdpa(q, k, v, is_causal=True))
    q, k, v = qkv(4)
    cap = 50.0
    sw = lambda b, h, qi, kv: (qi >= kv) & (qi - kv < 4096)
    bm = create_block_mask(sw, B=None, H=None, Q_LEN=S, KV_LEN=S)
    run("gemma2_local", "gemma2_local.attn", lambda K: ours(q, k, v, K),
        lambda: flex(q, k, v, score_mod=lambda s, b, h, qi, kv: cap * torch.tanh(s / cap),
                     block_mask=bm, scale=1 / 12.0, enable_gqa=True))
    q, k, v = qkv(8)
    slopes = torch.exp2(-8.0 * torch.arange(1, Hq + 1, device=dev, dtype=torch.float32) / Hq)
    causal = create_block_mask(lambda b, h, qi, kv: qi >= kv, B=None, H=None, Q_LEN=S, KV_LEN=S)
    run("alibi", "alibi.attn", lambda K: ours(q, k, v, K, slopes=slopes),
        lambda: flex(q, k, v, score_mod=lambda s, b, h, qi, kv: s - slopes[h] * (qi - kv),
                     block_mask=causal))
    doc = (torch.arange(S, device=dev, dtype=torch.int32) * 4 // S).contiguous()
    dm = create_block_mask(lambda b, h, qi, kv: (qi >= kv) & (doc[qi] == doc[kv]), B=None, H=None,
                           Q_LEN=S, KV_LEN=S)
    run("document_mask", "document_mask.attn", lambda K: ours(q, k, v, K, doc=doc),
        lambda: flex(q, k, v, block_mask=dm))
    prefix = torch.tensor([100, 700], device=dev, dtype=torch.int32)
    pm = create_block_mask(lambda b, h, qi, kv: (kv < prefix[b]) | (qi >= kv), B=B, H=None,
                           Q_LEN=S, KV_LEN=S)
    run("prefix_lm", "prefix_lm.attn", lambda K: ours(q, k, v, K, prefix=prefix),
        lambda: flex(q, k, v, block_mask=pm))
    q, k, v = qkv(2)
    k8, ks, kd = fp8(k, True)
    v8, vs, vd = fp8(v, False)
    run("bf16q_fp8kv", "bf16q_fp8kv.attn",
        lambda K: ours(q, k8, v8, K, k_scale=ks.float().contiguous(), v_scale=vs.reshape(1).float()),
        lambda: sdpa(q, kd, vd, is_causal=True))
    q, k, v = qkv(8)
    q8, qs, qd = fp8(q, False)
    k8, ks, kd = fp8(k, False)
    v8, vs, vd = fp8(v, False)
    run("fp8_qkv", "fp8_qkv.attn",
        lambda K: ours(q8, k8, v8, K, q_scale=qs.reshape(1).float(), k_scale=ks.reshape(1).float(),
                       v_scale=vs.reshape(1).float()),
        lambda: sdpa(qd, kd, vd, is_causal=True))
    # Paged decode: 4 new tokens per sequence over 1000 cached keys, pages of 16 in shuffled
    # blocks; torch sees the gathered keys (q_idx = kv_len - q_len + i, as causal from the end).
    Sq, P, hkv = 4, 16, 2
    q = torch.randn(B * Sq, Hq, 128, device=dev, dtype=torch.bfloat16)
    nblk = B * (S // P + 1)
    kc = torch.randn(nblk, P, hkv, 128, device=dev, dtype=torch.bfloat16)
    vc = torch.randn_like(kc)
    table = torch.randperm(nblk, device=dev, dtype=torch.int32).reshape(B, -1).contiguous()
    lens = torch.tensor([S, S - 37], device=dev, dtype=torch.int32)
    cu = torch.tensor([0, Sq, 2 * Sq], device=dev, dtype=torch.int32)

    def paged_ref():
        outs = []
        for b in range(B):
            n = int(lens[b])
            kk = kc[table[b]].reshape(-1, hkv, 128)[:n].permute(1, 0, 2)[None]
            vv = vc[table[b]].reshape(-1, hkv, 128)[:n].permute(1, 0, 2)[None]
            qq = q[b * Sq:(b + 1) * Sq].permute(1, 0, 2)[None]
            m = torch.arange(n - Sq, n, device=dev)[:, None] >= torch.arange(n, device=dev)[None]
            outs.append(sdpa(qq, kk, vv, attn_mask=m)[0].permute(1, 0, 2))
        return torch.cat(outs)

    def paged_ours(K):
        out = K(q, kc, vc, cu_seqlens_q=cu, seqlens_kv=lens, block_table=table)
        return out[0] if isinstance(out, tuple) else out

    run("paged_decode_gqa", "paged_decode_gqa.attn", paged_ours, paged_ref)


# ---- throughput ----------------------------------------------------------------------------

def pairs(S, mask):
    if mask == "full":
        return S * S
    if mask == "window":
        W = 1024
        return sum(min(i + 1, W) for i in range(S))
    return S * (S + 1) // 2


def benchmark(rows, seqs, dims, only=None):
    for D in dims:
        for S in seqs:
            H, B = 2048 // D, max(1, 16384 // S)
            torch.manual_seed(S)
            q = torch.randn(B, H, S, D, device=dev, dtype=torch.bfloat16)
            k, v = torch.randn_like(q), torch.randn_like(q)
            causal = create_block_mask(lambda b, h, qi, kv: qi >= kv, B=None, H=None, Q_LEN=S, KV_LEN=S)
            slopes = torch.exp2(-8.0 * torch.arange(1, H + 1, device=dev, dtype=torch.float32) / H)
            ks = (k.float().abs().amax(dim=(2, 3)) / 448.0).contiguous()
            vs = (v.float().abs().amax() / 448.0).reshape(1)
            k8 = (k.float() / ks[:, :, None, None]).to(torch.float8_e4m3fn)
            v8 = (v.float() / vs).to(torch.float8_e4m3fn)
            # All three e4m3 with per-tensor scales (Q.K on fp8 tensor cores).
            qs1, ks1 = (q.float().abs().amax() / 448.0).reshape(1), (k.float().abs().amax() / 448.0).reshape(1)
            q8, k81 = (q.float() / qs1).to(torch.float8_e4m3fn), (k.float() / ks1).to(torch.float8_e4m3fn)
            variants = [("full", "full", spec(head_dim=D), {}, None),
                        ("causal", "causal", spec("causal", head_dim=D), {}, None)]
            if D == 128:
                variants += [
                    ("causal+window1024", "window", spec("causal && sliding_window(1024)"), {}, None),
                    ("causal+softcap30", "causal", spec("causal", "30.0 * tanh(s / 30.0)"), {}, None),
                    ("causal+alibi", "causal", spec("causal", "s + slopes[h] * (kv_idx - q_idx)",
                                                    extra="param slopes: f32[H];"), {"slopes": slopes}, None),
                    ("causal+fp8kv", "causal", spec("causal").replace(
                        "k: bf16[128]; v: bf16[128];",
                        "k: f8e4m3[128] scale per_head; v: f8e4m3[128] scale per_tensor;"),
                     {"k_scale": ks, "v_scale": vs}, (q, k8, v8)),
                    ("causal+fp8qkv", "causal", spec("causal").replace(
                        "q: bf16[128]; k: bf16[128]; v: bf16[128];",
                        "q: f8e4m3[128] scale per_tensor; k: f8e4m3[128] scale per_tensor;"
                        " v: f8e4m3[128] scale per_tensor;"),
                     {"q_scale": qs1, "k_scale": ks1, "v_scale": vs}, (q8, k81, v8))]
            for name, mask, text, kw, inputs in variants:
                if only and name not in only:
                    continue
                flops = 4 * B * H * D * pairs(S, mask)
                kernel = attn.compile(text)
                qq, kk, vv = inputs if inputs else (q, k, v)
                ms = timed(lambda: ours(qq, kk, vv, kernel, **kw))
                row = dict(variant=name, impl="attn", B=B, H=H, S=S, D=D, ms=ms, tflops=flops / ms / 1e9)
                rows.append(row)
                line = f"{name:18s} D={D:3d} S={S:6d} attn {row['tflops']:6.1f}"
                peers = {}
                if name in ("full", "causal"):
                    for be, tag in ((SDPBackend.FLASH_ATTENTION, "sdpa-flash"), (SDPBackend.CUDNN_ATTENTION, "sdpa-cudnn")):
                        try:
                            with sdpa_kernel([be]):
                                peers[tag] = timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=name == "causal"))
                        except Exception as e:
                            print("  ", tag, "failed:", repr(e)[:120])
                bm = None if mask == "full" else causal
                if mask == "window":
                    bm = create_block_mask(lambda b, h, qi, kv: (qi >= kv) & (qi - kv < 1024), B=None, H=None, Q_LEN=S, KV_LEN=S)
                mod = {"causal+softcap30": lambda s, b, h, qi, kv: 30.0 * torch.tanh(s / 30.0),
                       "causal+alibi": lambda s, b, h, qi, kv: s + slopes[h] * (kv - qi),
                       "causal+fp8kv": lambda s, b, h, qi, kv: s * ks[b, h]}.get(name)
                if name == "causal+fp8kv":
                    fl = lambda: flex(q, k8, v8, score_mod=mod, block_mask=bm) * vs
                elif name == "causal+fp8qkv":  # no peer takes fp8 q: the answer only, from flex
                    fl = lambda: flex((q8.float() * qs1).bfloat16(), (k81.float() * ks1).bfloat16(),
                                      (v8.float() * vs).bfloat16(), block_mask=bm)
                else:
                    fl = lambda: flex(q, k, v, score_mod=mod, block_mask=bm)
                try:
                    if name != "causal+fp8qkv":
                        peers["flex"] = timed(fl)
                except Exception as e:
                    print("   flex failed:", repr(e)[:160])
                # Same inputs, same answer: our output against the peer's.
                ref = fl().float()
                db = sqnr(ours(qq, kk, vv, kernel, **kw).float(), ref)
                row["sqnr_vs_torch_db"] = db
                for tag, pms in peers.items():
                    rows.append(dict(variant=name, impl=tag, B=B, H=H, S=S, D=D, ms=pms, tflops=flops / pms / 1e9))
                    line += f" | {tag} {flops / pms / 1e9:6.1f}"
                print(line + f"  TFLOP/s (SQNR vs flex {db:.1f} dB)", flush=True)
            del q, k, v, k8, v8, q8, k81
            torch.cuda.empty_cache()


# ---- decode ---------------------------------------------------------------------------------

def decode(rows, lens=(8192, 32768), configs=()):
    """One new token per sequence over a paged cache (pages of 16, shuffled blocks): B = 8,
    32 query / 8 KV heads, D = 128, launched as a server would (max_seqlen given, metadata not
    read back), with the default config (whose decode build takes these launches) and with
    each of `configs` (dicts of attn.compile's config keys). GB/s counts the K and V bytes
    read; tokens/s is B / time. Each is also timed replayed from a CUDA graph, without the
    per-call host time that do_bench partly exposes at these lengths. Each is timed twice: as
    launched by default, and `+overlap`, as a server that captures its step would launch it (the
    split partials in a workspace it keeps, and overlap_previous: the launch starts while the
    one before it ends). Then the mixed batch (mixed) and the same step over a dense cache
    (dense_decode)."""
    B, Hq, Hkv, D, P = 8, 32, 8, 128, 16
    bf16_spec = open(os.path.join(EXAMPLES, "paged_decode_gqa.attn")).read()
    fp8_spec = bf16_spec.replace(*FP8_KV)
    fp8q_spec = fp8_spec.replace("q: bf16[128];", "q: f8e4m3[128] scale per_tensor;")
    kernels = {"bf16": attn.compile(bf16_spec), "fp8": attn.compile(fp8_spec), "fp8q": attn.compile(fp8q_spec)}
    for c in configs:
        tag = ",".join(f"{k}={v}" for k, v in c.items())
        for dt, text in (("bf16", bf16_spec), ("fp8", fp8_spec), ("fp8q", fp8q_spec)):
            try:
                kernels[f"{dt}-{tag}"] = attn.compile(text, **{"arch": "sm_90a", **c})
            except attn.Error as e:
                print(f"  {dt} {tag}: {e}")
    for L in lens:
        torch.manual_seed(L)
        nblk = B * L // P
        q = torch.randn(B, Hq, D, device=dev, dtype=torch.bfloat16)
        kc = torch.randn(nblk, P, Hkv, D, device=dev, dtype=torch.bfloat16)
        vc = torch.randn_like(kc)
        table = torch.randperm(nblk, device=dev, dtype=torch.int32).reshape(B, -1).contiguous()
        seqlens = torch.full((B,), L, device=dev, dtype=torch.int32)
        cu = torch.arange(B + 1, device=dev, dtype=torch.int32)
        kd = kc[table].reshape(B, L, Hkv, D).transpose(1, 2).contiguous()
        vd = vc[table].reshape(B, L, Hkv, D).transpose(1, 2).contiguous()
        (k8, ks), (v8, vs), (q8, qs) = per_tensor_e4m3(kc), per_tensor_e4m3(vc), per_tensor_e4m3(q)
        want = F.scaled_dot_product_attention(q[:, :, None].float(), kd.float(), vd.float(),
                                              enable_gqa=True)[:, :, 0]
        kw = dict(max_seqlen_q=1, max_seqlen_kv=L, check_metadata=False)
        for dt, K in kernels.items():
            qq, kk, vv, sc = (q, k8, v8, {"k_scale": ks, "v_scale": vs}) if dt.startswith("fp8") else (q, kc, vc, {})
            if dt.startswith("fp8q"):
                qq, sc = q8, {**sc, "q_scale": qs}
            args = dict(cu_seqlens_q=cu, seqlens_kv=seqlens, block_table=table, **sc, **kw)
            try:
                ws = torch.empty(K.workspace_bytes(qq, kk, vv, **args), device=dev, dtype=torch.uint8)
            except attn.Error as e:  # a config this GPU cannot run (e.g. its shared memory)
                print(f"decode {dt}: {e}")
                continue
            kv_bytes = 2 * B * L * Hkv * D * kk.element_size()
            for how, extra in (("", {}), ("+overlap", {"workspace": ws, "overlap_previous": True})):
                fn = lambda: K(qq, kk, vv, **args, **extra)
                got = fn()[0].float()
                ms, gms = timed(fn), timed_graph(fn)
                row = dict(variant=f"decode-{dt}{how}", impl="attn", B=B, L=L, ms=ms, gbs=kv_bytes / ms / 1e6,
                           tokens_s=B / ms * 1e3, sqnr_db=sqnr(got, want), graph_ms=gms)
                rows.append(row)
                print(f"decode {dt + how:24s} L={L:6d} attn {row['gbs']:7.1f} GB/s {row['tokens_s']:9.0f} tok/s"
                      f"  ({ms * 1e3:.1f} us, SQNR {row['sqnr_db']:.1f} dB){graph_note(kv_bytes, gms)}", flush=True)
        q4 = q[:, :, None]
        for be, tag in ((SDPBackend.FLASH_ATTENTION, "sdpa-flash"), (SDPBackend.CUDNN_ATTENTION, "sdpa-cudnn")):
            try:
                with sdpa_kernel([be]):
                    ref_fn = lambda: F.scaled_dot_product_attention(q4, kd, vd, enable_gqa=True)
                    ms, gms = timed(ref_fn), timed_graph(ref_fn)
                kv_bytes = 2 * B * L * Hkv * D * 2
                rows.append(dict(variant="decode-bf16", impl=tag, B=B, L=L, ms=ms, gbs=kv_bytes / ms / 1e6,
                                 tokens_s=B / ms * 1e3, graph_ms=gms))
                print(f"decode bf16 L={L:6d} {tag} {kv_bytes / ms / 1e6:7.1f} GB/s {B / ms * 1e3:9.0f} tok/s"
                      f"{graph_note(kv_bytes, gms)}", flush=True)
            except Exception as e:
                print("  ", tag, "failed:", repr(e)[:120])
        del kc, vc, kd, vd, k8, v8
        torch.cuda.empty_cache()
    decode_ratios(rows)
    mixed(rows, kernels["bf16"])
    dense_decode(rows, lens)


def dense_decode(rows, lens):
    """The same decode step over a dense cache (q [B, 1, Hq, D], k and v [B, L, Hkv, D], no block
    table): the dense kernel's decode build, bf16 and fp8 K/V, from a CUDA graph."""
    B, Hq, Hkv, D = 8, 32, 8, 128
    text = open(os.path.join(EXAMPLES, "paged_decode_gqa.attn")).read()
    text = text.replace("batch = ragged;", "").replace("kv_cache = paged(16);", "")
    fp8 = text.replace(*FP8_KV)
    kernels = {"bf16": attn.compile(text), "fp8": attn.compile(fp8)}
    for L in lens:
        torch.manual_seed(L)
        q = torch.randn(B, 1, Hq, D, device=dev, dtype=torch.bfloat16)
        k = torch.randn(B, L, Hkv, D, device=dev, dtype=torch.bfloat16)
        v = torch.randn_like(k)
        (k8, ks), (v8, vs) = per_tensor_e4m3(k), per_tensor_e4m3(v)
        want = F.scaled_dot_product_attention(q.transpose(1, 2).float(), k.transpose(1, 2).float(),
                                              v.transpose(1, 2).float(), enable_gqa=True).transpose(1, 2)
        for dt, K in kernels.items():
            kk, vv, sc = (k, v, {}) if dt == "bf16" else (k8, v8, {"k_scale": ks, "v_scale": vs})
            fn = lambda: K(q, kk, vv, **sc)
            got = fn()[0].float()
            gms = timed_graph(fn)
            kv_bytes = 2 * B * L * Hkv * D * kk.element_size()
            rows.append(dict(variant=f"dense-decode-{dt}", impl="attn", B=B, L=L, graph_ms=gms,
                             gbs_graph=kv_bytes / gms / 1e6 if gms else None, sqnr_db=sqnr(got, want)))
            print(f"dense decode {dt:5s} L={L:6d} attn (SQNR {rows[-1]['sqnr_db']:.1f} dB)"
                  f"{graph_note(kv_bytes, gms)}", flush=True)
        del k, v, k8, v8
        torch.cuda.empty_cache()


def decode_ratios(rows):
    """Issue 5's bar: each fp8 decode's tokens/s against bf16's at the same length, launched the
    same way, by do_bench and from a CUDA graph."""
    ours = {(r["variant"], r["L"]): r for r in rows if r["impl"] == "attn"}
    for (variant, L), r in sorted(ours.items()):
        base = ours.get(("decode-bf16" + ("+overlap" if variant.endswith("+overlap") else ""), L))
        if base is None or not variant.startswith("decode-fp8"):
            continue
        graph = base["graph_ms"] / r["graph_ms"] if r.get("graph_ms") and base.get("graph_ms") else None
        print(f"  {variant[7:]:24s} L={L:6d} tokens/s {base['ms'] / r['ms']:.2f}x bf16"
              + (f", {graph:.2f}x from CUDA graphs" if graph else ""), flush=True)


def graph_note(kv_bytes, gms):
    return f"; CUDA graph {kv_bytes / gms / 1e6:7.1f} GB/s" if gms else ""


def mixed(rows, K, L=8192, C=2048):
    """A mixed batch in one ragged launch (8 decode sequences of one token and one prefill chunk
    of C tokens, all over L paged keys) against its two parts launched separately."""
    Hq, Hkv, D, P = 32, 8, 128, 16
    torch.manual_seed(1)
    nblk = 9 * L // P
    kc = torch.randn(nblk, P, Hkv, D, device=dev, dtype=torch.bfloat16)
    vc = torch.randn_like(kc)
    table = torch.randperm(nblk, device=dev, dtype=torch.int32).reshape(9, -1).contiguous()
    q = torch.randn(8 + C, Hq, D, device=dev, dtype=torch.bfloat16)
    lens = torch.full((9,), L, device=dev, dtype=torch.int32)
    offsets = lambda cu: torch.tensor(cu, device=dev, dtype=torch.int32)
    parts = {"one": (q, offsets(list(range(9)) + [8 + C]), slice(0, 9), C),
             "decode": (q[:8], offsets(list(range(9))), slice(0, 8), 1),
             "prefill": (q[8:], offsets([0, C]), slice(8, 9), C)}
    launch = lambda qq, cu, b, n: K(qq, kc, vc, cu_seqlens_q=cu, seqlens_kv=lens[b], block_table=table[b],
                                    max_seqlen_q=n, max_seqlen_kv=L, check_metadata=False)
    one, dec, pre = (lambda p=p: launch(*p) for p in parts.values())
    t1, td, tp = timed(one), timed(dec), timed(pre)
    rows.append(dict(variant="mixed", impl="attn", one_launch_ms=t1, decode_ms=td, prefill_ms=tp))
    print(f"mixed batch: one launch {t1 * 1e3:.1f} us, parts {td * 1e3:.1f} + {tp * 1e3:.1f} = "
          f"{(td + tp) * 1e3:.1f} us ({t1 / (td + tp):.2f}x)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="S = 1k and 4k only")
    ap.add_argument("--no-bench", action="store_true")
    ap.add_argument("--only", help="comma-separated variants to time (e.g. causal,causal+fp8kv)")
    ap.add_argument("--decode", action="store_true", help="also time paged decode (GB/s, tokens/s)")
    ap.add_argument("--decode-configs", default="",
                    help="more decode configs, ';'-separated, each key=value,... (attn.compile's keys)")
    ap.add_argument("--out", default="bench.json")
    a = ap.parse_args()
    print(torch.__version__, torch.cuda.get_device_name(), flush=True)
    rows = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "examples": [], "bench": []}
    print("examples against PyTorch (bf16 out; fp8 inputs dequantized for torch):")
    check_examples(rows["examples"])
    if not a.no_bench:
        print("TFLOP/s (B*S = 16k tokens, 2048 hidden):")
        benchmark(rows["bench"], [1024, 4096] if a.quick else [1024, 4096, 16384], [128, 64],
                  a.only.split(",") if a.only else None)
    if a.decode:
        rows["decode"] = []
        print("decode (B = 8, 32/8 heads, D = 128, paged 16):")
        configs = [dict(kv.split("=") for kv in c.split(",")) for c in a.decode_configs.split(";") if c]
        decode(rows["decode"], configs=configs)
    json.dump(rows, open(a.out, "w"), indent=1)
    bad = [r for r in rows["examples"] if r["sqnr_db"] < 35]
    if bad:
        print("FAIL:", [r["name"] for r in bad])
        sys.exit(1)


if __name__ == "__main__":
    main()
