//===- Quantize.h - amax scaling to fp8, for tests and benchmarks -*- C++ -*-===//
#ifndef ATTN_REFERENCE_QUANTIZE_H
#define ATTN_REFERENCE_QUANTIZE_H

#include "reference/Tensor.h"

#include <functional>

namespace attn::ref {

/// Quantized data and its float32 dequantization scales: x ~= decode(data) * scale[group].
struct Quantized {
  Tensor data;
  std::vector<float> scale;
};

/// Which scale group an element (by its index) belongs to.
using GroupFn = std::function<int64_t(const std::vector<int64_t> &idx)>;

/// Quantizes `x` to fp8 `to` with one scale per group: scale = amax(|x| over the group) /
/// max finite of `to` (1 for an all-zero group), data = saturate(x / scale) rounded to nearest
/// even. Saturation keeps values whose division rounds past the maximum finite.
Quantized quantize(const Tensor &x, DType to, int64_t groups, const GroupFn &groupOf);

/// The scale groups of a tensor laid out [..., H, D] by granularity: per_tensor one group;
/// per_head (sequence, head) with `sequenceOf(idx)` giving the sequence; per_token_head
/// (token, head) with `tokenOf(idx)` giving the token's row in the scale tensor.
struct ScaleGroups {
  int64_t count;
  GroupFn groupOf;
};
ScaleGroups scaleGroups(ScaleKind kind, int64_t heads, int64_t sequences, int64_t tokens,
                        std::function<int64_t(const std::vector<int64_t> &)> sequenceOf,
                        std::function<int64_t(const std::vector<int64_t> &)> tokenOf);

/// Calls `fn` with every index of `shape` in row-major order.
void forEachIndex(const std::vector<int64_t> &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn);

} // namespace attn::ref

#endif // ATTN_REFERENCE_QUANTIZE_H
