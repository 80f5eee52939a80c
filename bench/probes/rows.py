# DRAM read rate by row size: each program sums a 16 KB block of one KV head, as the decode's
# CTAs read a cache laid out [keys, 8 heads, D]. 128-byte rows (fp8, D=128) against 256-byte
# rows (bf16, D=128) and head-major contiguous blocks; the same bytes (134 MB) each time.
# From the bundle's root (needs triton): python3 bench/probes/rows.py
import torch, triton, triton.language as tl
@triton.jit
def rows_sum(x, out, n_rows, row_bytes: tl.constexpr, heads: tl.constexpr, BLOCK: tl.constexpr, HEAD_MAJOR: tl.constexpr):
    h = tl.program_id(0); c = tl.program_id(1)
    r = c * BLOCK + tl.arange(0, BLOCK)[:, None]
    b = tl.arange(0, row_bytes)[None, :]
    if HEAD_MAJOR:
        off = (h * n_rows + r).to(tl.int64) * row_bytes + b
    else:
        off = (r.to(tl.int64) * heads + h) * row_bytes + b
    v = tl.load(x + off, mask=r < n_rows, other=0)
    tl.store(out + h * tl.num_programs(1) + c, tl.sum(tl.sum(v.to(tl.int32), 1), 0))
total = 134217728
for row_bytes in (128, 256, 512):
    for head_major in (False, True):
        heads = 8; n_rows = total // (heads * row_bytes)
        x = torch.randint(0, 255, (total,), device="cuda", dtype=torch.uint8)
        BLOCK = 128 * 128 // row_bytes
        grid = (heads, triton.cdiv(n_rows, BLOCK))
        out = torch.empty(heads * grid[1], device="cuda", dtype=torch.int32)
        fn = lambda: rows_sum[grid](x, out, n_rows, row_bytes, heads, BLOCK, head_major, num_warps=4)
        fn()
        ref = x.view(-1, heads, row_bytes).to(torch.int32).sum() if not head_major else x.to(torch.int32).sum()
        assert out.sum().item() == ref.item()
        g = triton.testing.do_bench_cudagraph(fn, rep=100, return_mode="median")
        print(f"rows of {row_bytes:3d} B {'head-major' if head_major else '[keys, heads, D]'}: {g*1e3:6.1f} us {total/g/1e6:5.0f} GB/s", flush=True)
