//===- Quantize.cpp - amax scaling to fp8, for tests and benchmarks -------===//
#include "reference/Quantize.h"

#include "reference/NumberFormats.h"

#include <cmath>

using namespace attn;
using namespace attn::ref;

void attn::ref::forEachIndex(const std::vector<int64_t> &shape,
                             const std::function<void(const std::vector<int64_t> &)> &fn) {
  for (int64_t s : shape)
    if (s == 0)
      return;
  std::vector<int64_t> idx(shape.size(), 0);
  while (true) {
    fn(idx);
    int64_t i = int64_t(shape.size()) - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < shape[i])
        break;
      idx[i] = 0;
    }
    if (i < 0)
      return;
  }
}

Quantized attn::ref::quantize(const Tensor &x, DType to, int64_t groups, const GroupFn &groupOf) {
  Format f = to == DType::F8E4M3 ? Format::E4M3 : Format::E5M2;
  std::vector<double> amax(size_t(groups), 0.0);
  forEachIndex(x.shape(), [&](const std::vector<int64_t> &i) {
    double &a = amax[size_t(groupOf(i))];
    a = std::max(a, std::fabs(x.get(i)));
  });
  Quantized q{Tensor(to, x.shape()), std::vector<float>(size_t(groups))};
  for (int64_t g = 0; g < groups; ++g)
    q.scale[g] = amax[g] > 0 ? float(amax[g] / maxFinite(f)) : 1.0f;
  forEachIndex(x.shape(), [&](const std::vector<int64_t> &i) {
    float v = float(x.get(i) / q.scale[size_t(groupOf(i))]);
    q.data.setBits(i, encode(f, saturate(f, v)));
  });
  return q;
}

ScaleGroups attn::ref::scaleGroups(ScaleKind kind, int64_t heads, int64_t sequences,
                                   int64_t tokens,
                                   std::function<int64_t(const std::vector<int64_t> &)> sequenceOf,
                                   std::function<int64_t(const std::vector<int64_t> &)> tokenOf) {
  auto headOf = [](const std::vector<int64_t> &i) { return i[i.size() - 2]; };
  switch (kind) {
  case ScaleKind::PerHead:
    return {sequences * heads, [=](const std::vector<int64_t> &i) {
              return sequenceOf(i) * heads + headOf(i);
            }};
  case ScaleKind::PerTokenHead:
    return {tokens * heads,
            [=](const std::vector<int64_t> &i) { return tokenOf(i) * heads + headOf(i); }};
  default:
    return {1, [](const std::vector<int64_t> &) { return int64_t(0); }};
  }
}
