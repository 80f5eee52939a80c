//===- NumberFormats.cpp - Exact low-precision float formats --------------===//
//
// One generic encoder: a format is (exponent bits, mantissa bits, whether it has infinities).
// A finite float32 x is written as m * 2^e with an integer m of 24 bits, shifted to the target's
// mantissa width (the shift is larger for the target's subnormals), and rounded to nearest
// even on the bits shifted out. A carry out of the mantissa bumps the exponent, which is how a
// value rounds up to the next binade, to the smallest normal, or to overflow.
//
//===----------------------------------------------------------------------===//
#include "reference/NumberFormats.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace attn::ref;

namespace {

struct Layout {
  int expBits, manBits;
  bool hasInf; ///< IEEE-style: all-ones exponent is inf/NaN. e4m3fn: only S.1111.111 is NaN.
  int bias() const { return (1 << (expBits - 1)) - 1; }
  unsigned width() const { return 1 + expBits + manBits; }
  uint32_t nanBits() const { return hasInf ? ((1u << expBits) - 1) << manBits | 1u << (manBits - 1) : (1u << (width() - 1)) - 1; }
  uint32_t infBits() const { return ((1u << expBits) - 1) << manBits; }
  /// The largest finite magnitude's bits.
  uint32_t maxBits() const { return hasInf ? infBits() - 1 : nanBits() - 1; }
};

Layout layout(Format f) {
  switch (f) {
  case Format::BF16: return {8, 7, true};
  case Format::F16: return {5, 10, true};
  case Format::E4M3: return {4, 3, false};
  case Format::E5M2: return {5, 2, true};
  }
  return {8, 7, true};
}

uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

} // namespace

unsigned attn::ref::bitWidth(Format f) { return layout(f).width(); }

uint16_t attn::ref::encode(Format f, float x) {
  Layout L = layout(f);
  uint32_t u = bitsOf(x);
  uint32_t sign = (u >> 31) << (L.width() - 1);
  if (std::isnan(x))
    // PyTorch: bf16 NaN is 0x7FC0 whatever the sign; f16 and fp8 keep the sign; fp8 NaN is
    // all ones (0x7F), e5m2's too, not its quiet-NaN pattern 0x7E.
    return f == Format::BF16 ? 0x7FC0 : uint16_t(sign | (L.width() == 8 ? 0x7F : L.nanBits()));
  uint32_t overflow = L.hasInf ? L.infBits() : L.nanBits();
  if (std::isinf(x))
    return uint16_t(sign | overflow);
  uint32_t exp32 = (u >> 23) & 0xFF, man32 = u & 0x7FFFFF;
  if (exp32 == 0 && man32 == 0)
    return uint16_t(sign);
  // |x| = m * 2^(e - 23) with m a 24-bit integer whose top bit is set (float32 subnormals are
  // normalized here, so every input takes the same path).
  uint64_t m = exp32 ? (man32 | 0x800000) : man32;
  int e = exp32 ? int(exp32) - 127 : -126;
  while (m < 0x800000) {
    m <<= 1;
    --e;
  }
  // The target exponent field for |x| (0 for its subnormals), and the shift that brings m to
  // the target's mantissa width at that exponent.
  int targetExp = e + L.bias();
  int shift = 23 - L.manBits;
  if (targetExp <= 0) { // subnormal in the target: the mantissa counts units of 2^(1-bias-man)
    shift += 1 - targetExp;
    targetExp = 0;
  }
  uint64_t q, rem, half;
  if (shift >= 63) {
    q = 0;
    rem = m;
    half = ~uint64_t(0); // x is below half the smallest subnormal: rounds to zero
  } else {
    q = m >> shift;
    rem = m & ((uint64_t(1) << shift) - 1);
    half = shift ? uint64_t(1) << (shift - 1) : 1;
  }
  if (shift && (rem > half || (rem == half && (q & 1))))
    ++q; // round to nearest, ties to even
  // q holds the mantissa with the hidden bit (normals) or without (subnormals). Combine with
  // the exponent field: for normals, drop the hidden bit and add it into the exponent, so a
  // carry to 2^(manBits+1) moves to the next exponent; for subnormals a carry to 2^manBits is
  // exactly the smallest normal (exponent field 1, mantissa 0).
  uint64_t bits = targetExp == 0 ? q : (uint64_t(targetExp - 1) << L.manBits) + q;
  if (bits > L.maxBits())
    return uint16_t(sign | overflow);
  return uint16_t(sign | bits);
}

float attn::ref::decode(Format f, uint16_t raw) {
  Layout L = layout(f);
  uint32_t bits = raw & ((1u << L.width()) - 1);
  bool neg = bits >> (L.width() - 1);
  uint32_t expField = (bits >> L.manBits) & ((1u << L.expBits) - 1);
  uint32_t man = bits & ((1u << L.manBits) - 1);
  uint32_t mag = bits & ((1u << (L.width() - 1)) - 1);
  float v;
  if (L.hasInf && expField == (1u << L.expBits) - 1)
    v = man ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else if (!L.hasInf && mag == L.nanBits())
    v = std::numeric_limits<float>::quiet_NaN();
  else if (expField == 0)
    v = std::ldexp(float(man), 1 - L.bias() - L.manBits);
  else
    v = std::ldexp(float(man | 1u << L.manBits), int(expField) - L.bias() - L.manBits);
  return neg ? -v : v;
}

float attn::ref::maxFinite(Format f) { return decode(f, uint16_t(layout(f).maxBits())); }

float attn::ref::saturate(Format f, float x) {
  float m = maxFinite(f);
  return std::isnan(x) ? x : std::fmax(-m, std::fmin(m, x));
}
