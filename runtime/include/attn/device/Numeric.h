//===- Numeric.h - Storage types and exact conversions, GPU and host -*- C++ -*-===//
//
// The dtypes a kernel reads and writes, kept as their bits, with conversions to and from
// float. Widening (fp8/bf16/f16 -> float, e4m3/e5m2 -> bf16/f16) is exact. Narrowing rounds to
// nearest even; fp8 narrowing saturates to the largest finite value (NaN stays NaN). On the GPU
// these are single PTX conversions; the host versions compute the same bits in plain C++.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_NUMERIC_H
#define ATTN_DEVICE_NUMERIC_H

#if defined(__CUDACC_RTC__) || defined(__CUDACC__)
#define ATTN_GPU 1
#define ATTN_FN __device__ __forceinline__
#define ATTN_UNROLL _Pragma("unroll")
#else
#define ATTN_FN inline
#define ATTN_UNROLL
#include <cmath>
#include <cstring>
#endif

namespace attn {
namespace dev {

typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

struct bf16 { u16 bits; };
struct f16 { u16 bits; };
struct e4m3 { u8 bits; };
struct e5m2 { u8 bits; };

ATTN_FN u32 f2u(float x) {
#ifdef ATTN_GPU
  return __float_as_uint(x);
#else
  u32 u;
  std::memcpy(&u, &x, 4);
  return u;
#endif
}
ATTN_FN float u2f(u32 u) {
#ifdef ATTN_GPU
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, 4);
  return x;
#endif
}

/// -infinity (a masked score).
ATTN_FN float neg_inf() { return u2f(0xFF800000u); }

// ---- widening: exact ----------------------------------------------------------------------

ATTN_FN float to_float(float x) { return x; }
ATTN_FN float to_float(bf16 x) { return u2f(u32(x.bits) << 16); }
ATTN_FN float to_float(f16 x) {
#ifdef ATTN_GPU
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(x.bits));
  return f;
#else
  u32 sign = u32(x.bits >> 15) << 31, e = (x.bits >> 10) & 31, m = x.bits & 1023;
  if (e == 31)
    return u2f(sign | 0x7F800000u | (m << 13));
  if (e == 0) // subnormal or zero: m * 2^-24
    return u2f(sign) + (sign ? -1.0f : 1.0f) * float(m) * 5.9604644775390625e-8f;
  return u2f(sign | ((e + 112) << 23) | (m << 13));
#endif
}
/// e4m3fn: bias 7, no infinities, S.1111.111 is NaN.
ATTN_FN float to_float(e4m3 x) {
  u32 sign = u32(x.bits >> 7) << 31, e = (x.bits >> 3) & 15, m = x.bits & 7;
  if (e == 15 && m == 7)
    return u2f(sign | 0x7FC00000u);
  if (e == 0)
    return u2f(sign) + (sign ? -1.0f : 1.0f) * float(m) * 0.001953125f; // m * 2^-9
  return u2f(sign | ((e + 120) << 23) | (m << 20));
}
/// e5m2: the top byte of an f16.
ATTN_FN float to_float(e5m2 x) { return to_float(f16{u16(x.bits << 8)}); }

// ---- narrowing: round to nearest even -----------------------------------------------------

template <class T> struct Narrow;

template <> struct Narrow<float> {
  ATTN_FN static float from(float x) { return x; }
};
template <> struct Narrow<bf16> {
  ATTN_FN static bf16 from(float x) {
#ifdef ATTN_GPU
    u16 r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(x));
    return bf16{r};
#else
    u32 u = f2u(x);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u)
      return bf16{u16(0x7FC0)};
    u += 0x7FFFu + ((u >> 16) & 1);
    return bf16{u16(u >> 16)};
#endif
  }
};
template <> struct Narrow<f16> {
  ATTN_FN static f16 from(float x) {
#ifdef ATTN_GPU
    u16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r) : "f"(x));
    return f16{r};
#else
    u32 u = f2u(x), sign = (u >> 16) & 0x8000u, a = u & 0x7FFFFFFFu;
    if (a > 0x7F800000u)
      return f16{u16(sign | 0x7E00u)};
    if (a >= 0x477FF000u) // rounds to 65520 or more: infinity
      return f16{u16(sign | 0x7C00u)};
    if (a < 0x38800000u) { // below 2^-14: subnormal, exact multiple of 2^-24 after rounding
      float mag = u2f(a) * 16777216.0f; // in units of 2^-24, exact
      float r = mag + 12582912.0f - 12582912.0f; // round to nearest even integer
      return f16{u16(sign | u32(r))};
    }
    u32 r = a + 0xFFFu + ((a >> 13) & 1);
    return f16{u16(sign | ((r - 0x38000000u) >> 13))};
#endif
  }
};

namespace detail {
/// Rounds |x| to a float with `mbits` mantissa bits, exponent at least `emin` (subnormals below),
/// to nearest even; returns the rounded magnitude.
ATTN_FN float round_mantissa(float a, int mbits, int emin) {
  // Quantum: 2^(max(exponent(a), emin) - mbits). Adding and subtracting 1.5 * 2^23 * quantum
  // rounds to a multiple of the quantum, to nearest even, in float arithmetic.
  int e = int((f2u(a) >> 23) & 255) - 127;
  if (e < emin)
    e = emin;
  float quantum = u2f(u32(e - mbits + 127) << 23);
  float big = quantum * 12582912.0f;
  return (a + big) - big;
}
/// An fp8 code with MBITS mantissa bits, least normal exponent EMIN and exponent bias BIAS,
/// rounded to nearest even and saturated to +-maxv; NaN becomes S.1111111 (NaN in both formats).
template <int MBITS, int EMIN, int BIAS> ATTN_FN u8 encode_fp8(float x, float maxv) {
  u32 u = f2u(x), sign = (u >> 24) & 0x80u;
  float a = u2f(u & 0x7FFFFFFFu);
  if (!(a == a))
    return u8(sign | 0x7Fu);
  // Far above the range (where round_mantissa's constant would overflow) it saturates anyway.
  float r = a >= 2 * maxv ? maxv : round_mantissa(a, MBITS, EMIN);
  if (r > maxv)
    r = maxv; // saturate
  if (r == 0.0f)
    return u8(sign);
  u32 ru = f2u(r);
  int e = int((ru >> 23) & 255) - 127;
  if (e < EMIN) // subnormal: r = m * 2^(EMIN - MBITS)
    return u8(sign | u32(r * u2f(u32(MBITS - EMIN + 127) << 23)));
  u32 m = (ru >> (23 - MBITS)) & ((1u << MBITS) - 1);
  return u8(sign | (u32(e + BIAS) << MBITS) | m);
}
} // namespace detail

/// fp8 narrowing saturates (the output of a kernel: o / out_scale, clamped to +-max).
template <> struct Narrow<e4m3> {
  ATTN_FN static e4m3 from(float x) {
#if defined(ATTN_GPU) && __CUDA_ARCH__ >= 890
    u16 r;
    asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(r) : "f"(0.0f), "f"(x));
    return e4m3{u8(r & 0xFF)};
#else
    return e4m3{detail::encode_fp8<3, -6, 7>(x, 448.0f)};
#endif
  }
};
template <> struct Narrow<e5m2> {
  ATTN_FN static e5m2 from(float x) {
#if defined(ATTN_GPU) && __CUDA_ARCH__ >= 890
    u16 r;
    asm("cvt.rn.satfinite.e5m2x2.f32 %0, %1, %2;" : "=h"(r) : "f"(0.0f), "f"(x));
    return e5m2{u8(r & 0xFF)};
#else
    return e5m2{detail::encode_fp8<2, -14, 15>(x, 57344.0f)};
#endif
  }
};

template <class T> ATTN_FN T narrow(float x) { return Narrow<T>::from(x); }

/// The exponent s for which a row of bf16 values with largest magnitude m enters f16 exactly as
/// row * 2^s: m * 2^s lies in [2^14, 2^15) (no overflow; every bf16 value from m * 2^-31 up keeps
/// all its bits), clamped to [-126, 126]; 0 when m is 0, infinite or NaN.
ATTN_FN int f16_row_shift(float m) {
  u32 e = (f2u(m) >> 23) & 0xFF;
  if (!(m > 0.0f) || e == 0xFF)
    return 0;
  int s = 14 - (int(e) - 127); // a subnormal m (e = 0) gets the clamp's 126
  return s < -126 ? -126 : s > 126 ? 126 : s;
}
/// 2^s for s in [-126, 127], exactly.
ATTN_FN float exp2i(int s) { return u2f(u32(s + 127) << 23); }

/// Two floats packed as the MMA operand type (bf16x2 or f16x2), low half first.
template <class T> struct Pack2;
template <> struct Pack2<bf16> {
  ATTN_FN static u32 of(float lo, float hi) {
#ifdef ATTN_GPU
    u32 r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
#else
    return u32(narrow<bf16>(lo).bits) | (u32(narrow<bf16>(hi).bits) << 16);
#endif
  }
};
template <> struct Pack2<f16> {
  ATTN_FN static u32 of(float lo, float hi) {
#ifdef ATTN_GPU
    u32 r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
#else
    return u32(narrow<f16>(lo).bits) | (u32(narrow<f16>(hi).bits) << 16);
#endif
  }
};
template <class T> ATTN_FN u32 pack2(float lo, float hi) { return Pack2<T>::of(lo, hi); }

// ---- math the score expressions use (the emitter calls these by name) -------------------

#ifdef ATTN_GPU
ATTN_FN float fexp2(float x) {
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
}
/// tanh as one hardware instruction (the softcap of every score: anything more costs as much
/// as the softmax's own exp2). tanh.approx.f32's relative error is about 2^-11 (PTX ISA), so a
/// softcapped score cap * tanh(s / cap) is off by at most about cap * 2^-11 in absolute terms:
/// below bf16's rounding of P (2^-8 relative) for |score| up to 8, about 6x it for a score
/// saturated at cap = 50. docs/language.md, "Precision".
ATTN_FN float m_tanh(float x) {
  float y;
  asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}
ATTN_FN float m_exp(float x) { return expf(x); }
ATTN_FN float m_exp2(float x) { return exp2f(x); }
ATTN_FN float m_log(float x) { return logf(x); }
ATTN_FN float m_log2(float x) { return log2f(x); }
ATTN_FN float m_sqrt(float x) { return sqrtf(x); }
ATTN_FN float m_rsqrt(float x) { return rsqrtf(x); }
ATTN_FN float m_abs(float x) { return fabsf(x); }
/// Division as the score functions use it (s / cap): the hardware's approximate division,
/// within 2 ulp for divisors below 2^126 in magnitude.
ATTN_FN float m_divf(float a, float b) { return __fdividef(a, b); }
#else
ATTN_FN float m_divf(float a, float b) { return a / b; }
ATTN_FN float fexp2(float x) { return std::exp2(x); }
ATTN_FN float m_tanh(float x) { return std::tanh(x); }
ATTN_FN float m_exp(float x) { return std::exp(x); }
ATTN_FN float m_exp2(float x) { return std::exp2(x); }
ATTN_FN float m_log(float x) { return std::log(x); }
ATTN_FN float m_log2(float x) { return std::log2(x); }
ATTN_FN float m_sqrt(float x) { return std::sqrt(x); }
ATTN_FN float m_rsqrt(float x) { return 1.0f / std::sqrt(x); }
ATTN_FN float m_abs(float x) { return std::fabs(x); }
#endif
/// max/min as arith.maximumf/minimumf: NaN in, NaN out.
ATTN_FN float m_maximumf(float a, float b) { return a != a || b != b ? a + b : (a > b ? a : b); }
ATTN_FN float m_minimumf(float a, float b) { return a != a || b != b ? a + b : (a < b ? a : b); }
ATTN_FN float m_max(float a, float b) { return a > b ? a : b; }
ATTN_FN float m_min(float a, float b) { return a < b ? a : b; }
ATTN_FN int m_maxi(int a, int b) { return a > b ? a : b; }
ATTN_FN int m_mini(int a, int b) { return a < b ? a : b; }
/// i32 arithmetic of the spec wraps (two's complement), as the reference's does.
ATTN_FN int m_addi(int a, int b) { return int(u32(a) + u32(b)); }
ATTN_FN int m_subi(int a, int b) { return int(u32(a) - u32(b)); }
ATTN_FN int m_muli(int a, int b) { return int(u32(a) * u32(b)); }
/// Truncating division and remainder; x / 0 is 0 here (the reference reports it as an error,
/// and a kernel must not trap), INT_MIN / -1 wraps.
ATTN_FN int m_divsi(int a, int b) { return b == 0 ? 0 : b == -1 ? m_subi(0, a) : a / b; }
ATTN_FN int m_remsi(int a, int b) { return b == 0 || b == -1 ? 0 : a % b; }
ATTN_FN int m_absi(int a) { return a < 0 ? m_subi(0, a) : a; }

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_NUMERIC_H
