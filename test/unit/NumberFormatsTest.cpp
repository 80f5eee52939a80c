// NumberFormats: every bf16/f16/e4m3fn/e5m2 code decoded, and float32 sweeps encoded, against an independent closed-form decoder and a table-search encoder written here.
#include "reference/NumberFormats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace attn::ref;

namespace {

/// A format as its definition states it: 1 sign bit, `e` exponent bits with bias
/// 2^(e-1) - 1, `m` mantissa bits; IEEE-like formats reserve the all-ones exponent for inf
/// (mantissa 0) and NaN; e4m3fn ("finite") has no inf and only S.1111.111 is NaN.
struct Def {
  Format f;
  const char *name;
  int e, m;
  bool ieee;
  unsigned width() const { return 1 + e + m; }
  uint32_t codes() const { return 1u << width(); }
  uint32_t signBit() const { return 1u << (width() - 1); }
};

const Def kDefs[] = {{Format::BF16, "bf16", 8, 7, true},
                     {Format::F16, "f16", 5, 10, true},
                     {Format::E4M3, "e4m3fn", 4, 3, false},
                     {Format::E5M2, "e5m2", 5, 2, true}};

const Def &def(Format f) {
  for (const Def &d : kDefs)
    if (d.f == f)
      return d;
  return kDefs[0];
}

/// The value of `code` by the textbook formula, in long double:
/// (-1)^s * 2^(1-bias) * (m / 2^M) for subnormals, (-1)^s * 2^(E-bias) * (1 + m / 2^M) else.
long double closedForm(const Def &d, uint32_t code, bool *isNaN) {
  uint32_t s = code >> (d.e + d.m);
  uint32_t E = (code >> d.m) & ((1u << d.e) - 1);
  uint32_t M = code & ((1u << d.m) - 1);
  int bias = (1 << (d.e - 1)) - 1;
  long double sign = s ? -1.0L : 1.0L;
  *isNaN = false;
  uint32_t allOnes = (1u << d.e) - 1;
  if (d.ieee && E == allOnes) {
    if (M != 0) {
      *isNaN = true;
      return 0;
    }
    return sign * std::numeric_limits<long double>::infinity();
  }
  if (!d.ieee && E == allOnes && M == (1u << d.m) - 1) {
    *isNaN = true;
    return 0;
  }
  long double frac = (long double)M / std::pow(2.0L, d.m);
  if (E == 0)
    return sign * std::pow(2.0L, 1 - bias) * frac;
  return sign * std::pow(2.0L, int(E) - bias) * (1.0L + frac);
}

constexpr float kInf = std::numeric_limits<float>::infinity();

uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
float fromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// An encoder that knows nothing of bit manipulation: the non-negative finite values of the
/// format, decoded by closedForm, are a sorted table indexed by their code; a magnitude rounds
/// to the nearer of its two neighbours in the table, a tie to the even code. Above the largest
/// finite value the table continues with one virtual entry, max + ulp(max) (code max+1), as if
/// the exponent range were unbounded; rounding to it is overflow: inf for IEEE formats, NaN
/// (0x7F | sign) for e4m3fn.
class TableEncoder {
public:
  explicit TableEncoder(const Def &d) : d(d) {
    for (uint32_t c = 0; c < d.signBit(); ++c) {
      bool nan;
      long double v = closedForm(d, c, &nan);
      if (nan || std::isinf(v))
        break;
      values.push_back(v);
    }
    maxCode = uint32_t(values.size()) - 1;
    long double ulp = values[maxCode] - values[maxCode - 1];
    values.push_back(values[maxCode] + ulp); // virtual: code maxCode + 1
  }

  uint32_t maxFiniteCode() const { return maxCode; }
  long double maxFiniteValue() const { return values[maxCode]; }

  uint16_t encode(float x) const {
    uint32_t sign = std::signbit(x) ? d.signBit() : 0;
    if (std::isnan(x)) {
      if (d.f == Format::BF16)
        return 0x7FC0;
      if (d.f == Format::F16)
        return uint16_t(sign | 0x7E00);
      return uint16_t(sign | 0x7F);
    }
    uint32_t overflow = d.ieee ? ((1u << d.e) - 1) << d.m : 0x7F;
    long double a = std::fabs((long double)x);
    if (std::isinf(x) || a > values.back())
      return uint16_t(sign | overflow);
    // First entry >= a.
    size_t hi = size_t(std::lower_bound(values.begin(), values.end(), a) - values.begin());
    uint32_t code;
    if (values[hi] == a) {
      code = uint32_t(hi);
    } else {
      size_t lo = hi - 1; // a > values[0] = 0, so hi >= 1
      // Compare a - lo with hi - a exactly: 2a against lo + hi (neighbours: the sum is exact
      // in long double's 64-bit mantissa).
      long double twice = 2 * a, mid = values[lo] + values[hi];
      if (twice < mid)
        code = uint32_t(lo);
      else if (twice > mid)
        code = uint32_t(hi);
      else
        code = uint32_t(lo % 2 == 0 ? lo : hi);
    }
    if (code > maxCode)
      return uint16_t(sign | overflow);
    return uint16_t(sign | code);
  }

private:
  const Def &d;
  std::vector<long double> values;
  uint32_t maxCode = 0;
};

/// Same float32 bit pattern, or both NaN.
::testing::AssertionResult sameFloat(float got, long double want) {
  if (std::isnan(got) && std::isnan(want))
    return ::testing::AssertionSuccess();
  float w = float(want);
  if ((long double)w != want && !std::isnan(want))
    return ::testing::AssertionFailure() << "expected value " << double(want)
                                         << " is not a float32";
  if (bitsOf(got) == bitsOf(w))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got << " want " << w;
}

class FormatsTest : public ::testing::TestWithParam<Format> {};

std::string formatName(const ::testing::TestParamInfo<Format> &info) {
  return def(info.param).name;
}

TEST_P(FormatsTest, DecodeEveryCodeMatchesClosedForm) {
  const Def &d = def(GetParam());
  uint32_t nans = 0, infs = 0;
  for (uint32_t c = 0; c < d.codes(); ++c) {
    bool nan;
    long double want = closedForm(d, c, &nan);
    float got = decode(d.f, uint16_t(c));
    if (nan) {
      ++nans;
      EXPECT_TRUE(std::isnan(got)) << d.name << " code 0x" << std::hex << c;
      continue;
    }
    infs += std::isinf(want);
    EXPECT_TRUE(sameFloat(got, want)) << d.name << " code 0x" << std::hex << c;
  }
  // NaN/inf census: IEEE formats have 2 * (2^M - 1) NaNs and two infinities; e4m3fn has two
  // NaNs (0x7F, 0xFF) and no infinity.
  if (d.ieee) {
    EXPECT_EQ(nans, 2 * ((1u << d.m) - 1));
    EXPECT_EQ(infs, 2u);
  } else {
    EXPECT_EQ(nans, 2u);
    EXPECT_EQ(infs, 0u);
  }
}

TEST_P(FormatsTest, EncodeOfDecodeIsIdentityOnNonNaNCodes) {
  const Def &d = def(GetParam());
  uint32_t checked = 0;
  for (uint32_t c = 0; c < d.codes(); ++c) {
    float x = decode(d.f, uint16_t(c));
    if (std::isnan(x))
      continue;
    EXPECT_EQ(encode(d.f, x), c) << d.name << " code 0x" << std::hex << c;
    ++checked;
  }
  EXPECT_EQ(checked, d.codes() - (d.ieee ? 2 * ((1u << d.m) - 1) : 2u));
  // -0 keeps its sign, +0 is 0.
  EXPECT_EQ(encode(d.f, -0.0f), d.signBit());
  EXPECT_EQ(encode(d.f, 0.0f), 0u);
  EXPECT_TRUE(std::signbit(decode(d.f, uint16_t(d.signBit()))));
}

TEST_P(FormatsTest, TableEncoderAgreesWithClosedFormOnCodes) {
  // The test's own encoder must be right before it judges anything: every finite code maps
  // back to itself through it.
  const Def &d = def(GetParam());
  TableEncoder te(d);
  for (uint32_t c = 0; c < d.codes(); ++c) {
    bool nan;
    long double v = closedForm(d, c, &nan);
    if (nan)
      continue;
    ASSERT_EQ(te.encode(float(v)), c) << d.name << " code 0x" << std::hex << c;
  }
}

TEST_P(FormatsTest, DenseFloat32SweepMatchesTableEncoder) {
  const Def &d = def(GetParam());
  TableEncoder te(d);
  std::mt19937_64 rng(0x5eed + unsigned(d.f));
  std::uniform_int_distribution<uint32_t> low16(0, 0xFFFF);
  uint64_t mismatches = 0, checked = 0;
  for (uint32_t top = 0; top < 0x10000; ++top) {
    for (uint32_t low : {0x0000u, 0x8000u, 0x8001u, 0x7FFFu, 0x1000u, 0x0FFFu, 0x1001u,
                         low16(rng)}) {
      float x = fromBits(top << 16 | low);
      uint16_t got = encode(d.f, x), want = te.encode(x);
      ++checked;
      if (got != want && ++mismatches <= 10)
        ADD_FAILURE() << d.name << " encode(bits 0x" << std::hex << (top << 16 | low) << " = "
                      << x << ") = 0x" << got << ", want 0x" << want;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << checked;
}

TEST_P(FormatsTest, TiesBetweenConsecutiveValuesRoundToEven) {
  // Every midpoint between consecutive non-negative finite values (each a float32: it needs
  // one bit more than the format, and bf16's subnormal midpoints are 2^-134 multiples), of
  // either sign, and the float32 values one ulp either side of it.
  const Def &d = def(GetParam());
  TableEncoder te(d);
  uint32_t maxCode = te.maxFiniteCode();
  uint64_t ties = 0;
  for (uint32_t c = 0; c < maxCode; ++c) {
    bool nan;
    long double lo = closedForm(d, c, &nan), hi = closedForm(d, c + 1, &nan);
    long double mid = (lo + hi) / 2;
    float m = float(mid);
    if ((long double)m != mid)
      continue;
    ++ties;
    uint32_t even = c % 2 == 0 ? c : c + 1;
    for (float sgn : {1.0f, -1.0f}) {
      uint32_t sb = sgn < 0 ? d.signBit() : 0;
      ASSERT_EQ(encode(d.f, sgn * m), sb | even) << d.name << " tie " << double(mid);
      ASSERT_EQ(te.encode(sgn * m), sb | even);
      float below = std::nextafter(m, 0.0f), above = std::nextafter(m, kInf);
      ASSERT_EQ(encode(d.f, sgn * below), sb | c) << d.name << " below tie " << double(mid);
      ASSERT_EQ(encode(d.f, sgn * above), sb | (c + 1)) << d.name << " above tie " << double(mid);
    }
  }
  EXPECT_EQ(ties, uint64_t(maxCode)); // every midpoint is a float32, bf16's subnormal ones too
}

TEST_P(FormatsTest, SubnormalsOfTheFormatAndOfFloat32) {
  const Def &d = def(GetParam());
  TableEncoder te(d);
  int bias = (1 << (d.e - 1)) - 1;
  long double tiny = std::pow(2.0L, 1 - bias - d.m); // smallest subnormal
  // Every subnormal code and the smallest normal, both signs.
  for (uint32_t man = 1; man <= (1u << d.m); ++man) {
    long double v = man * tiny;
    float x = float(v);
    if ((long double)x != v)
      continue;
    EXPECT_EQ(encode(d.f, x), man) << d.name;
    EXPECT_EQ(encode(d.f, -x), d.signBit() | man) << d.name;
  }
  // Half the smallest subnormal is a tie between 0 (even) and the smallest subnormal: 0.
  // Anything above it rounds up to the smallest subnormal.
  float half = float(tiny / 2);
  if ((long double)half == tiny / 2) {
    EXPECT_EQ(encode(d.f, half), 0u) << d.name;
    EXPECT_EQ(encode(d.f, -half), d.signBit()) << d.name;
    EXPECT_EQ(encode(d.f, std::nextafter(half, 1.0f)), 1u) << d.name;
    // 1.5 tiny ties between codes 1 and 2: even is 2.
    EXPECT_EQ(encode(d.f, float(1.5L * tiny)), 2u) << d.name;
  }
  // float32 subnormals: every power of two and some random ones, against the table encoder
  // (all round to +-0 but for bf16, whose subnormals cover float32's down to 2^-133).
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<uint32_t> man(1, 0x7FFFFF);
  for (int i = 0; i < 23; ++i) {
    float x = fromBits(1u << i);
    EXPECT_EQ(encode(d.f, x), te.encode(x)) << d.name << " 2^" << (i - 149);
    EXPECT_EQ(encode(d.f, -x), te.encode(-x)) << d.name;
  }
  for (int i = 0; i < 20000; ++i) {
    float x = fromBits(man(rng) | (i % 2 ? 0x80000000u : 0));
    ASSERT_EQ(encode(d.f, x), te.encode(x)) << d.name << " " << x;
  }
  if (d.f != Format::BF16) {
    EXPECT_EQ(encode(d.f, fromBits(0x7FFFFF)), 0u); // largest float32 subnormal -> +0
    EXPECT_EQ(encode(d.f, fromBits(0x807FFFFF)), d.signBit());
  } else {
    // bf16 keeps float32's exponent: 2^-133 is its smallest subnormal, 2^-134 a tie to 0.
    EXPECT_EQ(encode(d.f, std::ldexp(1.0f, -133)), 1u);
    EXPECT_EQ(encode(d.f, std::ldexp(1.0f, -134)), 0u);
    EXPECT_EQ(encode(d.f, std::ldexp(1.5f, -134)), 1u);
  }
}

TEST_P(FormatsTest, MaxFiniteAndOverflow) {
  const Def &d = def(GetParam());
  TableEncoder te(d);
  float mx = float(te.maxFiniteValue());
  EXPECT_EQ(maxFinite(d.f), mx);
  uint32_t maxCode = te.maxFiniteCode();
  uint32_t overflow = d.ieee ? ((1u << d.e) - 1) << d.m : 0x7F;
  for (float sgn : {1.0f, -1.0f}) {
    uint32_t sb = sgn < 0 ? d.signBit() : 0;
    EXPECT_EQ(encode(d.f, sgn * mx), sb | maxCode);
    EXPECT_EQ(encode(d.f, sgn * std::nextafter(mx, kInf)), sb | maxCode); // rounds back down
    EXPECT_EQ(encode(d.f, sgn * std::numeric_limits<float>::infinity()), sb | overflow);
    EXPECT_EQ(encode(d.f, sgn * std::numeric_limits<float>::max()), sb | overflow);
    EXPECT_EQ(saturate(d.f, sgn * std::numeric_limits<float>::max()), sgn * mx);
    EXPECT_EQ(saturate(d.f, sgn * std::nextafter(mx, kInf)), sgn * mx);
    EXPECT_EQ(saturate(d.f, sgn * mx), sgn * mx);
    EXPECT_EQ(saturate(d.f, sgn * std::numeric_limits<float>::infinity()), sgn * mx);
    EXPECT_EQ(encode(d.f, saturate(d.f, sgn * std::numeric_limits<float>::max())),
              sb | maxCode);
  }
  EXPECT_EQ(saturate(d.f, 1.25f), 1.25f);
  EXPECT_EQ(saturate(d.f, -0.75f), -0.75f);
  EXPECT_TRUE(std::isnan(saturate(d.f, std::numeric_limits<float>::quiet_NaN())));
  // The overflow threshold: max + ulp/2 is a tie between max (odd code) and the virtual next
  // value (even): it overflows for IEEE formats, whose max code is odd... and e4m3fn's max
  // code 0x7E is even, so its tie stays at 448.
  bool nan;
  long double ulp = te.maxFiniteValue() - closedForm(d, maxCode - 1, &nan);
  float tie = float(te.maxFiniteValue() + ulp / 2);
  ASSERT_EQ((long double)tie, te.maxFiniteValue() + ulp / 2);
  EXPECT_EQ(encode(d.f, tie), maxCode % 2 ? overflow : maxCode);
  EXPECT_EQ(encode(d.f, std::nextafter(tie, 0.0f)), maxCode);
  EXPECT_EQ(encode(d.f, std::nextafter(tie, kInf)), overflow);
  EXPECT_EQ(encode(d.f, -std::nextafter(tie, kInf)), d.signBit() | overflow);
}

TEST_P(FormatsTest, NaNEncodings) {
  const Def &d = def(GetParam());
  float qnan = std::numeric_limits<float>::quiet_NaN();
  float negNaN = fromBits(0xFFC00000u), payload = fromBits(0x7F800001u);
  switch (d.f) {
  case Format::BF16:
    EXPECT_EQ(encode(d.f, qnan), 0x7FC0);
    EXPECT_EQ(encode(d.f, negNaN), 0x7FC0);
    EXPECT_EQ(encode(d.f, payload), 0x7FC0);
    break;
  case Format::F16:
    EXPECT_EQ(encode(d.f, qnan), 0x7E00);
    EXPECT_EQ(encode(d.f, negNaN), 0xFE00);
    EXPECT_EQ(encode(d.f, payload), 0x7E00);
    break;
  default:
    EXPECT_EQ(encode(d.f, qnan), 0x7F) << d.name;
    EXPECT_EQ(encode(d.f, negNaN), 0xFF) << d.name;
    EXPECT_EQ(encode(d.f, payload), 0x7F) << d.name;
    break;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, FormatsTest,
                         ::testing::Values(Format::BF16, Format::F16, Format::E4M3, Format::E5M2),
                         formatName);

TEST(FormatsConstants, MaxFiniteValues) {
  EXPECT_EQ(maxFinite(Format::E4M3), 448.0f);
  EXPECT_EQ(maxFinite(Format::E5M2), 57344.0f);
  EXPECT_EQ(maxFinite(Format::F16), 65504.0f);
  // bf16: (2 - 2^-7) * 2^127 = 0x7F7F.
  EXPECT_EQ(maxFinite(Format::BF16), std::ldexp(255.0f, 120));
  EXPECT_EQ(bitsOf(maxFinite(Format::BF16)), 0x7F7F0000u);
  EXPECT_EQ(saturate(Format::E4M3, 1000.0f), 448.0f);
  EXPECT_EQ(saturate(Format::E4M3, -1000.0f), -448.0f);
  EXPECT_EQ(saturate(Format::E5M2, 1e6f), 57344.0f);
  EXPECT_EQ(saturate(Format::F16, -1e6f), -65504.0f);
  EXPECT_EQ(bitWidth(Format::BF16), 16u);
  EXPECT_EQ(bitWidth(Format::F16), 16u);
  EXPECT_EQ(bitWidth(Format::E4M3), 8u);
  EXPECT_EQ(bitWidth(Format::E5M2), 8u);
}

TEST(FormatsConstants, HandDerivedEdges) {
  // e4m3fn: 464 is the midpoint of 448 (0x7E, even) and the NaN code 0x7F: stays 448;
  // anything above it overflows to NaN.
  EXPECT_EQ(encode(Format::E4M3, 464.0f), 0x7E);
  EXPECT_EQ(encode(Format::E4M3, -464.0f), 0xFE);
  EXPECT_EQ(encode(Format::E4M3, 464.0001f), 0x7F);
  EXPECT_EQ(encode(Format::E4M3, -464.0001f), 0xFF);
  EXPECT_EQ(encode(Format::E4M3, 1e9f), 0x7F);
  EXPECT_TRUE(std::isnan(round(Format::E4M3, 500.0f)));
  // e5m2: 61440 is the midpoint of 57344 (0x7B, odd) and 65536 (inf): overflows.
  EXPECT_EQ(encode(Format::E5M2, 61440.0f), 0x7C);
  EXPECT_EQ(encode(Format::E5M2, -61440.0f), 0xFC);
  EXPECT_EQ(encode(Format::E5M2, 61439.996f), 0x7B);
  // f16: 65520 is the midpoint of 65504 (0x7BFF, odd) and 65536: inf.
  EXPECT_EQ(encode(Format::F16, 65520.0f), 0x7C00);
  EXPECT_EQ(encode(Format::F16, 65519.996f), 0x7BFF);
  // bf16 keeps float32's range: float max rounds up to inf, 0x7F7F8000 (the midpoint) too.
  EXPECT_EQ(encode(Format::BF16, fromBits(0x7F7F8000u)), 0x7F80);
  EXPECT_EQ(encode(Format::BF16, fromBits(0x7F7F7FFFu)), 0x7F7F);
  // A few values by hand.
  EXPECT_EQ(encode(Format::E4M3, 1.0f), 0x38);
  EXPECT_EQ(encode(Format::E4M3, -2.0f), 0xC0);
  EXPECT_EQ(encode(Format::E4M3, 0.015625f), 0x08); // 2^-6: exponent field 1, the smallest normal
  EXPECT_EQ(decode(Format::E4M3, 0x07), 7 * std::ldexp(1.0f, -9)); // the largest subnormal
  EXPECT_EQ(decode(Format::E4M3, 0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(decode(Format::E5M2, 0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(decode(Format::F16, 0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(encode(Format::F16, 1.0f / 3.0f), 0x3555);
  EXPECT_EQ(encode(Format::BF16, 1.0f / 3.0f), 0x3EAB);
  EXPECT_EQ(encode(Format::BF16, 3.140625f), 0x4049);
}

} // namespace
