//===- RandomProblem.cpp - Random launches of a spec ----------------------===//
#include "reference/RandomProblem.h"

#include "reference/NumberFormats.h"
#include "reference/Quantize.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <numeric>
#include <random>

using namespace attn;
using namespace attn::ref;

llvm::Expected<ProblemShape> attn::ref::parseShape(llvm::StringRef text) {
  ProblemShape s;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',', -1, false);
  for (llvm::StringRef part : parts) {
    auto [key, value] = part.split('=');
    key = key.trim();
    int64_t n = 0;
    if (value.trim().getAsInteger(10, n) || n < 1 || n > (int64_t(1) << 24))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("--shape: '{0}' needs a positive integer value, e.g. {1}=4", part, key));
    int64_t *slot = key == "b"     ? &s.b
                    : key == "hq"  ? &s.hq
                    : key == "hkv" ? &s.hkv
                    : key == "sq"  ? &s.sq
                    : key == "skv" ? &s.skv
                                   : nullptr;
    if (!slot)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("--shape: unknown key '{0}': the keys are b, hq, hkv, sq, skv", key));
    *slot = n;
  }
  if (s.hq % s.hkv != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("--shape: hkv={0} must divide hq={1}", s.hkv, s.hq));
  return s;
}

namespace {

/// Draws N(0, 1) values that are never exactly zero.
struct Normal {
  std::mt19937_64 rng;
  std::normal_distribution<float> dist{0.0f, 1.0f};
  float operator()() {
    float x;
    do
      x = dist(rng);
    while (x == 0.0f);
    return x;
  }
};

/// One of q, k, v: fills `exact` (f32) with random values and derives the stored tensor and
/// its scales from it.
void fill(Normal &rng, const TensorSig &sig, const std::vector<int64_t> &shape,
          const ScaleGroups &groups, Tensor &stored, Tensor &exact, std::vector<float> &scale) {
  exact = Tensor(DType::F32, shape);
  forEachIndex(shape, [&](const std::vector<int64_t> &i) { exact.set(i, rng()); });
  if (isFP8(sig.dtype)) {
    Quantized q = quantize(exact, sig.dtype, groups.count, groups.groupOf);
    stored = q.data;
    scale = q.scale;
    return;
  }
  stored = Tensor(sig.dtype, shape);
  forEachIndex(shape, [&](const std::vector<int64_t> &i) { stored.set(i, exact.get(i)); });
}

} // namespace

RandomProblem attn::ref::makeRandomProblem(const Signature &sig, const ProblemShape &shape,
                                           uint64_t seed) {
  Normal rng{std::mt19937_64(seed)};
  RandomProblem r;
  Problem &p = r.problem;
  const int64_t B = shape.b;
  bool ragged = sig.batch == BatchLayout::Ragged, paged = sig.kvCache == KVCache::Paged;

  // Sequence lengths.
  std::vector<int64_t> qLen(B, shape.sq), kvLen(B, shape.skv);
  if (ragged) {
    std::uniform_int_distribution<int64_t> kvDist((shape.skv + 1) / 2, shape.skv);
    p.cuSeqlensQ = {0};
    p.cuSeqlensKV = {0};
    for (int64_t b = 0; b < B; ++b) {
      kvLen[b] = kvDist(rng.rng);
      int64_t want = shape.qLens.empty() ? shape.sq : shape.qLens[size_t(b) % shape.qLens.size()];
      qLen[b] = std::min(want, kvLen[b]);
      p.cuSeqlensQ.push_back(int32_t(p.cuSeqlensQ.back() + qLen[b]));
      p.cuSeqlensKV.push_back(int32_t(p.cuSeqlensKV.back() + kvLen[b]));
    }
  }
  int64_t tq = ragged ? p.cuSeqlensQ.back() : B * shape.sq;
  std::vector<int64_t> tokenSeq; // sequence of each packed row (ragged)
  auto seqOfRow = [&](const std::vector<int32_t> &cu, int64_t row) {
    return int64_t(std::upper_bound(cu.begin(), cu.end(), int32_t(row)) - cu.begin()) - 1;
  };

  // q.
  std::vector<int64_t> qShape = ragged ? std::vector<int64_t>{tq, shape.hq, sig.q.headDim}
                                       : std::vector<int64_t>{B, shape.sq, shape.hq, sig.q.headDim};
  std::vector<int32_t> cuQ = p.cuSeqlensQ;
  ScaleGroups qGroups = scaleGroups(
      sig.q.scale, shape.hq, B, tq,
      [=](const std::vector<int64_t> &i) { return ragged ? seqOfRow(cuQ, i[0]) : i[0]; },
      [=](const std::vector<int64_t> &i) { return ragged ? i[0] : i[0] * shape.sq + i[1]; });
  fill(rng, sig.q, qShape, qGroups, p.q, r.exact.q, p.qScale);

  // k and v.
  std::vector<int64_t> kvShape;
  std::function<int64_t(const std::vector<int64_t> &)> seqOf, tokenOf;
  int64_t kvTokens = 0;
  if (paged) {
    const int64_t P = sig.pageSize;
    int64_t maxBlocks = 0, used = 0;
    for (int64_t b = 0; b < B; ++b) {
      maxBlocks = std::max(maxBlocks, (kvLen[b] + P - 1) / P);
      used += (kvLen[b] + P - 1) / P;
    }
    int64_t numBlocks = used + 3; // spare blocks hold random data nobody may read
    std::vector<int32_t> ids(static_cast<size_t>(numBlocks));
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng.rng);
    p.blockTable = Tensor(DType::I32, {B, std::max<int64_t>(maxBlocks, 1)});
    std::vector<int64_t> owner(size_t(numBlocks), 0);
    size_t next = 0;
    for (int64_t b = 0; b < B; ++b) {
      p.seqLensKV.push_back(int32_t(kvLen[b]));
      for (int64_t j = 0; j < p.blockTable.shape()[1]; ++j) {
        bool inUse = j < (kvLen[b] + P - 1) / P;
        int32_t id = inUse ? ids[next++] : ids.back();
        if (inUse)
          owner[size_t(id)] = b;
        p.blockTable.setBits({b, j}, uint32_t(id));
      }
    }
    kvShape = {numBlocks, P, shape.hkv, 0};
    kvTokens = numBlocks * P;
    seqOf = [owner](const std::vector<int64_t> &i) { return owner[size_t(i[0])]; };
    tokenOf = [P](const std::vector<int64_t> &i) { return i[0] * P + i[1]; };
  } else if (ragged) {
    kvTokens = p.cuSeqlensKV.back();
    kvShape = {kvTokens, shape.hkv, 0};
    std::vector<int32_t> cuKV = p.cuSeqlensKV;
    seqOf = [=](const std::vector<int64_t> &i) { return seqOfRow(cuKV, i[0]); };
    tokenOf = [](const std::vector<int64_t> &i) { return i[0]; };
  } else {
    kvTokens = B * shape.skv;
    kvShape = {B, shape.skv, shape.hkv, 0};
    seqOf = [](const std::vector<int64_t> &i) { return i[0]; };
    tokenOf = [=](const std::vector<int64_t> &i) { return i[0] * shape.skv + i[1]; };
  }
  for (bool isV : {false, true}) {
    const TensorSig &ts = isV ? sig.v : sig.k;
    std::vector<int64_t> s = kvShape;
    s.back() = ts.headDim;
    ScaleGroups g = scaleGroups(ts.scale, shape.hkv, B, kvTokens, seqOf, tokenOf);
    fill(rng, ts, s, g, isV ? p.v : p.k, isV ? r.exact.v : r.exact.k, isV ? p.vScale : p.kScale);
  }
  if (isFP8(sig.out.dtype))
    p.outScale = 0.25f; // the output's amax is below 1: a quarter keeps it inside e4m3/e5m2

  // Params.
  std::uniform_real_distribution<float> unit(0.05f, 1.0f);
  std::uniform_int_distribution<int32_t> upTo(0, int32_t(shape.skv));
  int64_t maxKV = *std::max_element(kvLen.begin(), kvLen.end());
  for (const ParamSig &ps : sig.params) {
    std::vector<int64_t> dims;
    for (const ParamDim &d : ps.dims)
      dims.push_back(d.extent(B, shape.hq, shape.hkv, maxKV));
    Tensor t(ps.dtype, dims);
    bool overS = !ps.dims.empty() && ps.dims.back().kind == ParamDim::S;
    forEachIndex(dims, [&](const std::vector<int64_t> &i) {
      if (ps.dtype != DType::I32)
        t.set(i, unit(rng.rng));
      else
        t.set(i, overS ? double(i.back() * 4 / std::max<int64_t>(maxKV, 1)) : double(upTo(rng.rng)));
    });
    p.params[ps.name] = t;
  }

  // The unquantized twin: same layout and params, float32 inputs, no scales.
  r.exact.cuSeqlensQ = p.cuSeqlensQ;
  r.exact.cuSeqlensKV = p.cuSeqlensKV;
  r.exact.seqLensKV = p.seqLensKV;
  r.exact.blockTable = p.blockTable;
  r.exact.params = p.params;
  r.exactSig = sig;
  for (TensorSig *t : {&r.exactSig.q, &r.exactSig.k, &r.exactSig.v}) {
    t->dtype = DType::F32;
    t->scale = ScaleKind::None;
  }
  r.exactSig.out = {DType::F32, sig.out.headDim, ScaleKind::None};
  return r;
}
