//===- Metrics.cpp - How close an answer is to the reference --------------===//
#include "reference/Metrics.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace attn::ref;

Comparison attn::ref::compare(const std::vector<double> &x, const std::vector<double> &ref) {
  assert(x.size() == ref.size() && "compared vectors differ in length");
  Comparison c;
  double signal = 0, noise = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(ref[i]))
      continue;
    if (!std::isfinite(x[i])) {
      c.finite = false;
      continue;
    }
    double e = x[i] - ref[i];
    signal += ref[i] * ref[i];
    noise += e * e;
    c.maxAbsErr = std::max(c.maxAbsErr, std::fabs(e));
  }
  c.sqnrDb = noise == 0 ? std::numeric_limits<double>::infinity()
                        : 10 * std::log10(signal / noise);
  c.relL2 = signal == 0 ? std::sqrt(noise) : std::sqrt(noise / signal);
  return c;
}

double attn::ref::norm(const std::vector<double> &x) {
  double s = 0;
  for (double v : x)
    s += v * v;
  return std::sqrt(s);
}
