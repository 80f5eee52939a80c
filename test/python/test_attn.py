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
                 "float32": ctypes.c_float, "int32": ctypes.c_int32}[dtype]
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
