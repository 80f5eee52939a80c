//===- NumberFormats.h - Exact low-precision float formats ------*- C++ -*-===//
//
// Conversions between float32 and the 16- and 8-bit formats of the spec language, rounding to
// nearest even, bit for bit as PyTorch's torch.bfloat16, torch.float16, torch.float8_e4m3fn
// and torch.float8_e5m2 convert finite float32 values. Written from the formats' definitions
// for the reference; the code generator has its own.
//
// Overflow (after rounding): bf16, f16 and e5m2 give +-inf, as IEEE formats do; e4m3fn has no
// infinities and gives NaN (0x7F | sign), as PyTorch does; saturate() clamps first for callers
// that want saturation (the quantization helpers do). NaN in: NaN out (bf16 0x7FC0, f16
// sign|0x7E00, fp8 sign|0x7F).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_REFERENCE_NUMBERFORMATS_H
#define ATTN_REFERENCE_NUMBERFORMATS_H

#include <cstdint>

namespace attn::ref {

/// A binary floating-point format narrower than float32.
enum class Format { BF16, F16, E4M3, E5M2 };

/// The bits of `x` rounded to nearest even in `f` (low 8 or 16 bits used).
uint16_t encode(Format f, float x);
/// The exact float32 value of `bits` in `f`.
float decode(Format f, uint16_t bits);
/// `x` rounded to `f` and back: the value the format can hold nearest to x.
inline float round(Format f, float x) { return decode(f, encode(f, x)); }

/// The largest finite value of `f` (bf16 3.39e38, f16 65504, e4m3 448, e5m2 57344).
float maxFinite(Format f);
/// `x` clamped to [-maxFinite, maxFinite]; NaN stays NaN.
float saturate(Format f, float x);
/// Bits per value (16 or 8).
unsigned bitWidth(Format f);

} // namespace attn::ref

#endif // ATTN_REFERENCE_NUMBERFORMATS_H
