#!/usr/bin/env python3
"""The Python package over the C ABI, without torch or a GPU: import, compile an example, compile
errors with file:line:col, and a host launch of the generated causal kernel through torch-like
tensors over host memory, checked against attention computed here. Run by ctest (test
`python`) with ATTN_LIBRARY and PYTHONPATH set."""
import ctypes
import math
import os
import random
import struct
import sys
import tempfile
import unittest

SOURCE = os.environ.get("ATTN_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "python"))
os.environ.setdefault("ATTN_CACHE_DIR", tempfile.mkdtemp(prefix="attn-python-test"))

import attn  # noqa: E402  (after the path is set)


def bf16_bits(x):
    """float -> bf16 bits, rounded to nearest even."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def bf16_value(bits):
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def e4m3_value(code):
    """An e4m3fn code's value (code 0x7F/0xFF, NaN, is not used here)."""
    sign = -1.0 if code & 0x80 else 1.0
    e, m = (code >> 3) & 15, code & 7
    return sign * (m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7))


class _DType:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return "torch." + self.name


class _Device:
    type, index = "cpu", None


class HostTensor:
    """Just enough of a torch tensor for attn: a contiguous, 16-byte aligned host buffer."""

    def __init__(self, shape, dtype="bfloat16", values=None):
        self.shape = tuple(shape)
        self.dtype = _DType(dtype)
        self.device = _Device()
        self.numel = math.prod(shape)
        ctype = {"bfloat16": ctypes.c_uint16, "float16": ctypes.c_uint16,
                 "float32": ctypes.c_float, "int32": ctypes.c_int32,
                 "float8_e4m3fn": ctypes.c_uint8}[dtype]
        self._raw = (ctypes.c_char * (self.numel * ctypes.sizeof(ctype) + 16))()
        address = (ctypes.addressof(self._raw) + 15) // 16 * 16
        self.items = (ctype * self.numel).from_address(address)
        if values is not None:
            for i, x in enumerate(values):
                self.items[i] = x

    def data_ptr(self):
        return ctypes.addressof(self.items)

    def stride(self):
        strides, step = [], 1
        for n in reversed(self.shape):
            strides.insert(0, step)
            step *= n
        return tuple(strides)


class PackageTest(unittest.TestCase):
    def test_compiles_an_example(self):
        kernel = attn.compile(os.path.join(SOURCE, "examples", "causal.attn"))
        self.assertIn("causal", kernel.name)
        self.assertIn(kernel.name, kernel.source)
        self.assertFalse(kernel.has_lse)
        self.assertEqual(kernel.info.head_dim_qk, 128)
        tuned = attn.compile(os.path.join(SOURCE, "examples", "causal.attn"), arch="sm_90a",
                             block_m=64, block_n=32, warps=4, mma="mma.sync")
        self.assertIn("BM = 64, BN = 32, WARPS = 4", tuned.source)
        with self.assertRaises(attn.Error) as caught:
            attn.compile(os.path.join(SOURCE, "examples", "causal.attn"), pingpong="maybe")
        self.assertEqual(str(caught.exception), "config 'pingpong': 'maybe' is not on or off")

    def test_bad_spec_raises_with_file_line_col(self):
        spec = "kernel bad {\n  q: bf16[128];\n  k: bf16[100];\n  v: bf16[128];\n  out: bf16;\n}\n"
        with self.assertRaises(attn.Error) as caught:
            attn.compile(spec)
        self.assertTrue(str(caught.exception).startswith("<spec>:3:11: error: head dim 100"),
                        str(caught.exception))
        with tempfile.NamedTemporaryFile("w", suffix=".attn", delete=False) as f:
            f.write(spec)
        try:
            with self.assertRaises(attn.Error) as caught:
                attn.compile(f.name)
            self.assertTrue(str(caught.exception).startswith(f.name + ":3:11: error:"))
        finally:
            os.unlink(f.name)
        with self.assertRaises(attn.Error) as caught:
            attn.compile("/nonexistent/spec.attn")
        self.assertIn("cannot read /nonexistent/spec.attn", str(caught.exception))

    def test_host_launch_of_the_causal_kernel(self):
        kernel = attn.compile(os.path.join(SOURCE, "examples", "causal.attn"))
        B, S, H, D = 1, 5, 2, 128
        rng = random.Random(7)
        n = B * S * H * D
        q, k, v = ([bf16_bits(rng.gauss(0, 1)) for _ in range(n)] for _ in range(3))
        tq, tk, tv = (HostTensor((B, S, H, D), values=x) for x in (q, k, v))

        def at(x, s, h):
            return [bf16_value(x[(s * H + h) * D + d]) for d in range(D)]

        want = {}
        for h in range(H):
            for i in range(S):
                qi = at(q, i, h)
                scores = [sum(a * b for a, b in zip(qi, at(k, j, h))) / math.sqrt(D)
                          for j in range(i + 1)]
                m = max(scores)
                p = [math.exp(s - m) for s in scores]
                want[i, h] = [sum(p[j] * at(v, j, h)[d] for j in range(i + 1)) / sum(p)
                              for d in range(D)]
        for splits in (0, 1, 3):  # chosen by the launch, unsplit, keys in three parts
            out = HostTensor((B, S, H, D), values=[0x7FC0] * n)  # NaN until written
            self.assertIs(kernel(tq, tk, tv, out, num_splits=splits), out)
            worst = max(abs(g - w) for (i, h), row in want.items()
                        for g, w in zip(at(out.items, i, h), row))
            self.assertLess(worst, 0.03, f"num_splits={splits}")

    def test_host_launch_of_a_paged_fp8_decode(self):
        """Every optional argument the decode step passes (lse, k_scale, v_scale, cu_seqlens_q,
        seqlens_kv, block_table) reaches the launch: two sequences of 20 and 9 keys in shuffled
        16-token pages of e4m3 K/V, 8 query heads on 2 KV heads, one query each."""
        with open(os.path.join(SOURCE, "examples", "paged_decode_gqa.attn")) as f:
            spec = f.read()
        for name in ("k", "v"):
            spec = spec.replace(f"{name}: bf16[128];", f"{name}: f8e4m3[128] scale per_tensor;")
        kernel = attn.compile(spec)
        B, Hq, Hkv, D, P = 2, 8, 2, 128, 16
        lens, table = [20, 9], [[2, 0], [3, 1]]
        rng = random.Random(11)
        codes = lambda n: [rng.choice([c for c in range(0x00, 0x50)] + [c | 0x80 for c in range(0x50)])
                           for _ in range(n)]
        q = [bf16_bits(rng.gauss(0, 1)) for _ in range(B * Hq * D)]
        kc, vc = codes(4 * P * Hkv * D), codes(4 * P * Hkv * D)
        k_scale, v_scale = 0.5, 0.25
        tq = HostTensor((B, Hq, D), values=q)
        tk, tv = (HostTensor((4, P, Hkv, D), "float8_e4m3fn", x) for x in (kc, vc))
        out = HostTensor((B, Hq, D), values=[0x7FC0] * (B * Hq * D))
        lse = HostTensor((B, Hq), "float32", [float("nan")] * (B * Hq))
        got = kernel(tq, tk, tv, out, lse=lse, k_scale=HostTensor((1,), "float32", [k_scale]),
                     v_scale=HostTensor((1,), "float32", [v_scale]),
                     cu_seqlens_q=HostTensor((B + 1,), "int32", [0, 1, 2]),
                     seqlens_kv=HostTensor((B,), "int32", lens),
                     block_table=HostTensor((B, 2), "int32", [e for row in table for e in row]))
        self.assertIs(got[0], out)
        self.assertIs(got[1], lse)
        worst_out = worst_lse = 0.0
        for b in range(B):
            rows = [table[b][j // P] * P + j % P for j in range(lens[b])]  # cache rows of its keys
            for h in range(Hq):
                kvh = h // (Hq // Hkv)
                qv = [bf16_value(q[(b * Hq + h) * D + d]) for d in range(D)]
                at = lambda x, r: [e4m3_value(x[(r * Hkv + kvh) * D + d]) for d in range(D)]
                s = [sum(a * c for a, c in zip(qv, at(kc, r))) * k_scale / math.sqrt(D) for r in rows]
                top = max(s)
                w = [math.exp(x - top) for x in s]
                want = [sum(wj * vj for wj, vj in zip(w, col)) * v_scale / sum(w)
                        for col in zip(*(at(vc, r) for r in rows))]
                got_row = [bf16_value(out.items[(b * Hq + h) * D + d]) for d in range(D)]
                worst_out = max(worst_out, max(abs(g - x) for g, x in zip(got_row, want)))
                worst_lse = max(worst_lse, abs(lse.items[b * Hq + h] - (top + math.log(sum(w)))))
        self.assertLess(worst_out, 0.03)
        self.assertLess(worst_lse, 1e-3)

    def test_launch_errors_name_the_argument(self):
        kernel = attn.compile(os.path.join(SOURCE, "examples", "causal.attn"))
        shape = (1, 4, 2, 128)
        q = HostTensor(shape, dtype="float16")
        k, v, out = HostTensor(shape), HostTensor(shape), HostTensor(shape)
        with self.assertRaises(attn.Error) as caught:
            kernel(q, k, v, out)
        self.assertEqual(str(caught.exception), "q: dtype f16, but the spec declares bf16")
        with self.assertRaises(attn.Error) as caught:
            kernel(HostTensor(shape), k, v, out, slopes=HostTensor((2,), dtype="float32"))
        self.assertIn("param 'slopes': the spec declares no such param", str(caught.exception))
        with self.assertRaises(attn.Error) as caught:
            kernel(HostTensor(shape), k, v, out, num_splits=-1)
        self.assertEqual(str(caught.exception),
                         "num_splits: -1; give 1 to 64 parts (1: no split), or 0 to have them chosen")
        with self.assertRaises(attn.Error) as caught:
            kernel(HostTensor(shape), k, v, HostTensor((1, 2, 3, 4, 5)))
        self.assertEqual(str(caught.exception), "out: 5 dimensions; a tensor has at most 4")

    def test_a_lent_workspace_is_checked_on_the_host_too(self):
        """The host build keeps its own partials, but a workspace given to it is checked as a
        CUDA launch's would be (so its fields' places in the launch struct are too)."""
        kernel = attn.compile(os.path.join(SOURCE, "examples", "causal.attn"))
        shape = (1, 4, 2, 128)
        q, k, v, out = (HostTensor(shape) for _ in range(4))
        memory = HostTensor((64,), "float32")

        class Bytes:  # n bytes at an address, as a workspace tensor shows them
            def __init__(self, address, n):
                self.address, self.n = address, n

            def data_ptr(self):
                return self.address

            def numel(self):
                return self.n

            def element_size(self):
                return 1

        self.assertEqual(kernel.workspace_bytes(q, k, v, out), 0)
        self.assertIs(kernel(q, k, v, out, workspace=Bytes(memory.data_ptr(), 256),
                             overlap_previous=True), out)
        with self.assertRaises(attn.Error) as caught:
            kernel(q, k, v, out, workspace=Bytes(memory.data_ptr() + 4, 128))
        self.assertEqual(str(caught.exception),
                         "workspace: 0x%x is not 16-byte aligned" % (memory.data_ptr() + 4))
        self.assertIs(kernel(q, k, v, out, workspace=Bytes(0, 0)), out)  # 0 bytes: none
        with self.assertRaises(attn.Error) as caught:
            kernel(q, k, v, out, workspace=Bytes(0, 64))
        self.assertIn("workspace: 64 bytes at 0x", str(caught.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
