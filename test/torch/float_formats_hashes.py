# Hashes PyTorch's float32 -> bf16/f16/e4m3fn/e5m2 conversions of every float32 bit pattern.
# Run where torch is installed (the GPU machine): python3 test/torch/float_formats_hashes.py > OUT
# The output is test/data/torch_float_formats_hashes.txt; NumberFormatsTorchTest recomputes the
# same hashes with attn's reference encoder, so the two agree bit for bit on all 2^32 inputs.
#
# Hash of a chunk of inputs x_i (i the float32 bit pattern) with codes c_i (NaN inputs count as
# code 0): sum_i (c_i + 1) * (i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019), modulo 2^64.
import sys
import torch

CHUNK_BITS = 26
K1 = 0x9E3779B97F4A7C15 - (1 << 64)  # as int64
K2 = 0x632BE59BD9B4E019
FORMATS = [("bf16", torch.bfloat16, torch.int16, 0xFFFF), ("f16", torch.float16, torch.int16, 0xFFFF),
           ("e4m3", torch.float8_e4m3fn, torch.uint8, 0xFF), ("e5m2", torch.float8_e5m2, torch.uint8, 0xFF)]

def chunk_hashes(device, start):
    idx = torch.arange(start, start + (1 << CHUNK_BITS), dtype=torch.int64, device=device)
    x = (idx - ((idx >> 31) << 32)).to(torch.int32).view(torch.float32)  # bit pattern idx
    nan = torch.isnan(x)
    weight = idx * K1 + K2
    out = []
    for name, dt, view, mask in FORMATS:
        code = x.to(dt).view(view).to(torch.int64) & mask
        code = torch.where(nan, torch.zeros_like(code), code)
        out.append(int(((code + 1) * weight).sum().item()) & ((1 << 64) - 1))
    return out

def main():
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"# torch {torch.__version__}, conversions on {dev} and cpu; chunk = 2^{CHUNK_BITS} inputs")
    print("# chunk " + " ".join(f[0] for f in FORMATS))
    mismatch = 0
    for c in range(1 << (32 - CHUNK_BITS)):
        start = c << CHUNK_BITS
        h_cpu = chunk_hashes("cpu", start)
        if dev != "cpu":
            h_dev = chunk_hashes(dev, start)
            if h_dev != h_cpu:
                mismatch += 1
                print(f"# chunk {c}: {dev} and cpu conversions differ", file=sys.stderr)
        print(f"{c} " + " ".join(f"{h:016x}" for h in h_cpu), flush=True)
    print(f"# {dev} vs cpu: {mismatch} chunks differ", file=sys.stderr)

main()
