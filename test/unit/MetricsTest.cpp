// Metrics: SQNR, max abs error, relative L2 and the finite flag against values derived by hand.
#include "reference/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace attn::ref;

namespace {

std::vector<double> randomVector(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(0.0, 3.0);
  std::vector<double> v(n);
  for (double &x : v)
    do
      x = dist(rng);
    while (x == 0.0);
  return v;
}

TEST(Metrics, RelativeErrorOf1e3Is60dB) {
  // x = ref (1 + 1e-3): noise = 1e-6 Σ ref², so SQNR = 10 log10(1e6) = 60 dB, rel L2 = 1e-3 and
  // the max error is 1e-3 max |ref|, whatever ref is.
  std::vector<double> ref = randomVector(1000, 1), x(ref.size());
  double maxRef = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    x[i] = ref[i] * (1 + 1e-3);
    maxRef = std::max(maxRef, std::fabs(ref[i]));
  }
  Comparison c = compare(x, ref);
  EXPECT_NEAR(c.sqnrDb, 60.0, 1e-9);
  EXPECT_NEAR(c.relL2, 1e-3, 1e-12);
  EXPECT_NEAR(c.maxAbsErr, 1e-3 * maxRef, 1e-15 * maxRef);
  EXPECT_TRUE(c.finite);
  // 1e-2 relative: 40 dB.
  for (size_t i = 0; i < ref.size(); ++i)
    x[i] = ref[i] * (1 - 1e-2);
  EXPECT_NEAR(compare(x, ref).sqnrDb, 40.0, 1e-9);
}

TEST(Metrics, EqualVectorsHaveInfiniteSqnr) {
  std::vector<double> ref = randomVector(64, 2);
  Comparison c = compare(ref, ref);
  EXPECT_EQ(c.sqnrDb, std::numeric_limits<double>::infinity());
  EXPECT_EQ(c.maxAbsErr, 0.0);
  EXPECT_EQ(c.relL2, 0.0);
  EXPECT_TRUE(c.finite);
}

TEST(Metrics, MaxAbsErrAndSqnrByHand) {
  // ref = (3, -4), x = (3.5, -4): errors (0.5, 0): max 0.5, SQNR 10 log10(25 / 0.25) = 20 dB,
  // rel L2 0.5 / 5 = 0.1.
  Comparison c = compare({3.5, -4.0}, {3.0, -4.0});
  EXPECT_DOUBLE_EQ(c.maxAbsErr, 0.5);
  EXPECT_NEAR(c.sqnrDb, 20.0, 1e-12);
  EXPECT_NEAR(c.relL2, 0.1, 1e-15);
  // One large error among small ones decides the max.
  std::vector<double> ref = randomVector(100, 3), x = ref;
  x[37] += 0.25;
  x[80] -= 0.125;
  EXPECT_DOUBLE_EQ(compare(x, ref).maxAbsErr, 0.25);
  EXPECT_NEAR(norm({3.0, -4.0}), 5.0, 1e-15);
  EXPECT_NEAR(norm({1.0, 2.0, 2.0}), 3.0, 1e-15);
}

TEST(Metrics, NonFiniteValuesClearTheFiniteFlag) {
  std::vector<double> ref = randomVector(16, 4), x = ref;
  x[5] = std::numeric_limits<double>::quiet_NaN();
  Comparison c = compare(x, ref);
  EXPECT_FALSE(c.finite);
  // The NaN is left out of the sums: the rest are equal.
  EXPECT_EQ(c.maxAbsErr, 0.0);
  x[5] = -std::numeric_limits<double>::infinity();
  EXPECT_FALSE(compare(x, ref).finite);
  // Where ref itself is not finite (a fully masked row's lse), the element is skipped.
  std::vector<double> r2 = ref, x2 = ref;
  r2[3] = x2[3] = -std::numeric_limits<double>::infinity();
  Comparison c2 = compare(x2, r2);
  EXPECT_TRUE(c2.finite);
  EXPECT_EQ(c2.sqnrDb, std::numeric_limits<double>::infinity());
}

} // namespace
