// Quantize: amax fp8 scales per tensor, per (sequence, head) and per (token, head) checked against amax computed here, with the half-ulp error bound and saturation.
#include "reference/NumberFormats.h"
#include "reference/Quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace attn;
using namespace attn::ref;

namespace {

constexpr int64_t B = 3, S = 5, H = 4, D = 16;

/// x [B, S, H, D] in f32 with N(0, sigma) values, never zero; each (b, h) gets its own sigma
/// so that groups differ in magnitude by orders of magnitude.
Tensor randomInput(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  Tensor x(DType::F32, {B, S, H, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      float sigma = std::ldexp(1.0f, int(b * H + h) - 6); // 2^-6 .. 2^5
      for (int64_t s = 0; s < S; ++s)
        for (int64_t d = 0; d < D; ++d) {
          float v;
          do
            v = n(rng) * sigma;
          while (v == 0.0f);
          x.set({b, s, h, d}, v);
        }
    }
  return x;
}

/// Half the spacing of fp8 values around |y| (in the fp8 domain): 2^(floor(log2|y|) - M - 1)
/// for normals, half the subnormal step below the smallest normal.
double halfUlp(DType t, double y) {
  int man = t == DType::F8E4M3 ? 3 : 2, bias = t == DType::F8E4M3 ? 7 : 15;
  int e = std::max(int(std::floor(std::log2(std::fabs(y)))), 1 - bias);
  return std::ldexp(1.0, e - man - 1);
}

double maxFiniteOf(DType t) { return t == DType::F8E4M3 ? 448.0 : 57344.0; }
Format formatOf(DType t) { return t == DType::F8E4M3 ? Format::E4M3 : Format::E5M2; }

/// Checks one quantization against amax computed over each group by `groupOf` (the test's own
/// enumeration, by nested loops), and the per-element error bound.
void checkQuantized(const Tensor &x, const Quantized &q, DType to,
                    const std::function<int64_t(int64_t b, int64_t s, int64_t h)> &group,
                    int64_t groups) {
  ASSERT_EQ(int64_t(q.scale.size()), groups);
  ASSERT_EQ(q.data.dtype(), to);
  ASSERT_EQ(q.data.shape(), x.shape());
  std::vector<double> amax(size_t(groups), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t d = 0; d < D; ++d)
          amax[size_t(group(b, s, h))] =
              std::max(amax[size_t(group(b, s, h))], std::fabs(x.get({b, s, h, d})));
  const double mx = maxFiniteOf(to);
  for (int64_t g = 0; g < groups; ++g)
    EXPECT_EQ(q.scale[size_t(g)], amax[size_t(g)] > 0 ? float(amax[size_t(g)] / mx) : 1.0f)
        << "group " << g;

  int64_t atMax = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t d = 0; d < D; ++d) {
          int64_t g = group(b, s, h);
          double xv = x.get({b, s, h, d}), stored = q.data.get({b, s, h, d});
          double scale = q.scale[size_t(g)];
          ASSERT_TRUE(std::isfinite(stored)) << "overflowed at " << b << s << h << d;
          ASSERT_LE(std::fabs(stored), mx);
          if (xv == 0) {
            EXPECT_EQ(stored, 0.0);
            continue;
          }
          // In the fp8 domain y = x / scale: |stored - y| <= half an fp8 ulp at |y|, plus the
          // float32 rounding of the division (|y| * 2^-24, twice over for slack).
          double y = xv / scale;
          EXPECT_LE(std::fabs(stored - y), halfUlp(to, y) + std::fabs(y) * 0x1p-23)
              << "x=" << xv << " scale=" << scale << " stored=" << stored;
          EXPECT_EQ(std::signbit(stored), std::signbit(xv));
          if (std::fabs(xv) == amax[size_t(g)]) {
            EXPECT_EQ(stored, std::copysign(mx, xv)) << "the amax element of group " << g;
            ++atMax;
          }
        }
  int64_t nonzeroGroups = 0;
  for (double a : amax)
    nonzeroGroups += a > 0;
  EXPECT_GE(atMax, nonzeroGroups); // at least one element of every group hits max finite
}

class QuantizeTest : public ::testing::TestWithParam<DType> {};

TEST_P(QuantizeTest, PerTensor) {
  DType to = GetParam();
  Tensor x = randomInput(11);
  ScaleGroups g = scaleGroups(ScaleKind::PerTensor, H, B, B * S, nullptr, nullptr);
  EXPECT_EQ(g.count, 1);
  Quantized q = quantize(x, to, g.count, g.groupOf);
  checkQuantized(x, q, to, [](int64_t, int64_t, int64_t) { return int64_t(0); }, 1);
  // The tensor's amax is in the loudest (b, h) = (2, 3) group (sigma 2^5); e4m3's range is
  // narrow enough that the quietest group (sigma 2^-6) lands partly on subnormals, so the
  // error bound above was checked there too.
  if (to == DType::F8E4M3) {
    int subnormals = 0;
    for (int64_t s = 0; s < S; ++s)
      for (int64_t d = 0; d < D; ++d)
        subnormals += std::fabs(q.data.get({0, s, 0, d})) < std::ldexp(1.0, -6);
    EXPECT_GT(subnormals, 0);
  }
}

TEST_P(QuantizeTest, PerHead) {
  DType to = GetParam();
  Tensor x = randomInput(12);
  // One (b, h) group all zero: its scale is 1 and its data 0.
  for (int64_t s = 0; s < S; ++s)
    for (int64_t d = 0; d < D; ++d)
      x.set({1, s, 2, d}, 0.0);
  ScaleGroups g = scaleGroups(
      ScaleKind::PerHead, H, B, B * S, [](const std::vector<int64_t> &i) { return i[0]; },
      nullptr);
  EXPECT_EQ(g.count, B * H);
  Quantized q = quantize(x, to, g.count, g.groupOf);
  checkQuantized(x, q, to, [](int64_t b, int64_t, int64_t h) { return b * H + h; }, B * H);
  EXPECT_EQ(q.scale[1 * H + 2], 1.0f);
  // Scales follow the groups' magnitudes: sigma doubles from group to group.
  for (int64_t i = 1; i < B * H; ++i)
    if (i != 1 * H + 2 && i - 1 != 1 * H + 2)
      EXPECT_GT(q.scale[size_t(i)], q.scale[size_t(i - 1)] * 1.1f) << i;
}

TEST_P(QuantizeTest, PerTokenHead) {
  DType to = GetParam();
  Tensor x = randomInput(13);
  ScaleGroups g = scaleGroups(
      ScaleKind::PerTokenHead, H, B, B * S, nullptr,
      [](const std::vector<int64_t> &i) { return i[0] * S + i[1]; });
  EXPECT_EQ(g.count, B * S * H);
  Quantized q = quantize(x, to, g.count, g.groupOf);
  checkQuantized(
      x, q, to, [](int64_t b, int64_t s, int64_t h) { return (b * S + s) * H + h; }, B * S * H);
}

TEST_P(QuantizeTest, SaturatesInsteadOfOverflowing) {
  // A scale smaller than amax / max finite (as a caller with a stale scale would have) must
  // clamp to +-max finite, never give NaN/inf. quantize derives its own scale, so drive the
  // same formula it documents: encode(saturate(x / scale)).
  DType to = GetParam();
  Format f = formatOf(to);
  for (float v : {float(maxFiniteOf(to)) * 1.1f, -float(maxFiniteOf(to)) * 1.1f, 1e6f, -3e38f})
    EXPECT_EQ(decode(f, encode(f, saturate(f, v))), std::copysign(float(maxFiniteOf(to)), v));
  // And through quantize: amax = n * 2^-149 makes amax / max finite a float32 subnormal that
  // rounds down by almost half its quantum (n / max = k + 0.49 quanta, k small), so the amax
  // element divides to y = n / k past the overflow threshold (464 for e4m3, 61440 for e5m2):
  // without saturation it would encode to NaN or inf.
  int64_t n = to == DType::F8E4M3 ? 6043 : 372162; // k = 13 (y = 464.8), k = 6 (y = 62027)
  double threshold = to == DType::F8E4M3 ? 464.0 : 61440.0;
  Tensor x(DType::F32, {1, 1, 1, 2});
  x.set({0, 0, 0, 0}, std::ldexp(double(n), -149));
  x.set({0, 0, 0, 1}, -std::ldexp(double(n / 2), -149));
  Quantized q = quantize(x, to, 1, [](const std::vector<int64_t> &) { return int64_t(0); });
  ASSERT_EQ(q.scale.size(), 1u);
  EXPECT_EQ(q.scale[0], float(std::ldexp(double(n), -149) / maxFiniteOf(to)));
  EXPECT_GT(x.get({0, 0, 0, 0}) / q.scale[0], threshold); // the division overflows...
  EXPECT_EQ(q.data.get({0, 0, 0, 0}), maxFiniteOf(to));   // ...and saturates
  double y1 = x.get({0, 0, 0, 1}) / q.scale[0];
  EXPECT_TRUE(std::isfinite(q.data.get({0, 0, 0, 1})));
  EXPECT_LE(std::fabs(q.data.get({0, 0, 0, 1}) - y1), halfUlp(to, y1) * 1.0001);
}

INSTANTIATE_TEST_SUITE_P(Quant, QuantizeTest, ::testing::Values(DType::F8E4M3, DType::F8E5M2),
                         [](const ::testing::TestParamInfo<DType> &i) {
                           return i.param == DType::F8E4M3 ? std::string("e4m3")
                                                           : std::string("e5m2");
                         });

TEST(QuantForEachIndex, RowMajorOrder) {
  std::vector<std::vector<int64_t>> seen;
  forEachIndex({2, 3}, [&](const std::vector<int64_t> &i) { seen.push_back(i); });
  std::vector<std::vector<int64_t>> want = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}};
  EXPECT_EQ(seen, want);
  int calls = 0;
  forEachIndex({3, 0, 2}, [&](const std::vector<int64_t> &) { ++calls; });
  EXPECT_EQ(calls, 0);
}

} // namespace
