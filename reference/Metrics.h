//===- Metrics.h - How close an answer is to the reference ------*- C++ -*-===//
#ifndef ATTN_REFERENCE_METRICS_H
#define ATTN_REFERENCE_METRICS_H

#include <vector>

namespace attn::ref {

struct Comparison {
  double sqnrDb = 0;   ///< 10 log10(Σ ref² / Σ (x - ref)²); +inf when equal
  double maxAbsErr = 0;
  double relL2 = 0;    ///< ‖x - ref‖ / ‖ref‖
  bool finite = true;  ///< false if x has a NaN or inf where ref is finite
};

/// Compares `x` against `ref` element by element (same length).
Comparison compare(const std::vector<double> &x, const std::vector<double> &ref);

/// ‖x‖₂.
double norm(const std::vector<double> &x);

} // namespace attn::ref

#endif // ATTN_REFERENCE_METRICS_H
