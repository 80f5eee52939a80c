//===- DeviceNumericTest.cpp - The device library's conversions, host build -===//
//
// runtime/include/attn/device/Numeric.h compiled for the host (as generated kernels are in CI)
// against the reference's exact formats (reference/NumberFormats), which share no code with it:
// every 8- and 16-bit code widens exactly, and narrowing rounds to nearest even on a dense sweep
// of float32 (fp8 saturating where the reference's e4m3 would give NaN).
//
//===----------------------------------------------------------------------===//
#include "reference/NumberFormats.h"
#include "runtime/include/attn/device/Numeric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace dev = attn::dev;
using attn::ref::Format;

namespace {
uint32_t bitsOf(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
float floatOf(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}
bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || bitsOf(a) == bitsOf(b); }

/// Float32 inputs: a stride through all bit patterns plus random ones near the formats' ranges.
std::vector<float> sweep() {
  std::vector<float> xs;
  for (uint64_t u = 0; u < (1ull << 32); u += 4099)
    xs.push_back(floatOf(uint32_t(u)));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> e(-30, 18);
  for (int i = 0; i < 200000; ++i)
    xs.push_back((i & 1 ? -1 : 1) * std::exp2(e(rng)));
  return xs;
}
} // namespace

TEST(DeviceNumeric, EveryCodeWidensExactly) {
  for (uint32_t c = 0; c < 256; ++c) {
    EXPECT_TRUE(same(dev::to_float(dev::e4m3{uint8_t(c)}), attn::ref::decode(Format::E4M3, c))) << c;
    EXPECT_TRUE(same(dev::to_float(dev::e5m2{uint8_t(c)}), attn::ref::decode(Format::E5M2, c))) << c;
  }
  for (uint32_t c = 0; c < 65536; ++c) {
    EXPECT_TRUE(same(dev::to_float(dev::bf16{uint16_t(c)}), attn::ref::decode(Format::BF16, c))) << c;
    EXPECT_TRUE(same(dev::to_float(dev::f16{uint16_t(c)}), attn::ref::decode(Format::F16, c))) << c;
  }
}

TEST(DeviceNumeric, NarrowingRoundsToNearestEven) {
  int bad = 0;
  for (float x : sweep()) {
    bad += !same(dev::to_float(dev::narrow<dev::bf16>(x)), attn::ref::round(Format::BF16, x));
    bad += !same(dev::to_float(dev::narrow<dev::f16>(x)), attn::ref::round(Format::F16, x));
    // fp8 narrowing in a kernel saturates (fp8 out): the reference's saturate, then round.
    bad += !same(dev::to_float(dev::narrow<dev::e4m3>(x)),
                 attn::ref::round(Format::E4M3, attn::ref::saturate(Format::E4M3, x)));
    bad += !same(dev::to_float(dev::narrow<dev::e5m2>(x)),
                 attn::ref::round(Format::E5M2, attn::ref::saturate(Format::E5M2, x)));
  }
  EXPECT_EQ(bad, 0);
}

TEST(DeviceNumeric, Bf16RowsEnterF16ExactlyAfterTheirShift) {
  // For every positive finite bf16 m (a row's largest magnitude): m * 2^s lies in [2^14, 2^15)
  // unless the clamp at 126 applies (then below), and the row's values x from m down to
  // m * 2^-31 (all of them when clamped) survive x * 2^s -> f16 -> * 2^-s unchanged.
  std::mt19937 rng(5);
  int bad = 0;
  for (uint32_t code = 1; code < 0x7F80; ++code) {
    float m = dev::to_float(dev::bf16{uint16_t(code)});
    int s = dev::f16_row_shift(m);
    float top = m * dev::exp2i(s);
    bool clamped = top < 16384.0f;
    bad += !(clamped ? s == 126 : top < 32768.0f);
    float lowest = clamped ? 0.0f : std::ldexp(m, -31);
    std::uniform_int_distribution<uint32_t> pick(1, code);
    for (int i = 0; i < 24; ++i) {
      uint32_t xc = i == 0 ? code : pick(rng);
      float x = dev::to_float(dev::bf16{uint16_t(xc)});
      if (x < lowest)
        continue;
      float back = dev::to_float(dev::narrow<dev::f16>(x * dev::exp2i(s))) * dev::exp2i(-s);
      bad += !same(back, x) + !same(-dev::to_float(dev::narrow<dev::f16>(-x * dev::exp2i(s))) * dev::exp2i(-s), x);
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(dev::f16_row_shift(0.0f), 0);
  EXPECT_EQ(dev::f16_row_shift(INFINITY), 0);
  EXPECT_EQ(dev::f16_row_shift(NAN), 0);
  EXPECT_EQ(dev::f16_row_shift(1.0f), 14);
  EXPECT_EQ(dev::f16_row_shift(65504.0f), -1);
  for (int e = -126; e <= 127; ++e)
    EXPECT_EQ(dev::exp2i(e), std::ldexp(1.0f, e)) << e;
}

TEST(DeviceNumeric, IntegerArithmeticWrapsAndNeverTraps) {
  EXPECT_EQ(dev::m_addi(INT32_MAX, 1), INT32_MIN);
  EXPECT_EQ(dev::m_muli(65536, 65536), 0);
  EXPECT_EQ(dev::m_divsi(7, 0), 0);
  EXPECT_EQ(dev::m_divsi(INT32_MIN, -1), INT32_MIN);
  EXPECT_EQ(dev::m_remsi(INT32_MIN, -1), 0);
  EXPECT_EQ(dev::m_divsi(-7, 2), -3); // truncating, as C and the reference
  EXPECT_EQ(dev::m_remsi(-7, 2), -1);
}
