//===- Signature.cpp - Legality rules of kernel signatures ----------------===//
#include "compiler/Spec/Signature.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace attn;

namespace {
struct NamedDType {
  llvm::StringRef name;
  DType type;
};
constexpr NamedDType kDTypes[] = {{"f32", DType::F32},       {"f16", DType::F16},
                                  {"bf16", DType::BF16},     {"f8e4m3", DType::F8E4M3},
                                  {"f8e5m2", DType::F8E5M2}, {"i32", DType::I32}};

struct NamedScale {
  llvm::StringRef name;
  ScaleKind kind;
};
constexpr NamedScale kScales[] = {{"per_tensor", ScaleKind::PerTensor},
                                  {"per_head", ScaleKind::PerHead},
                                  {"per_token_head", ScaleKind::PerTokenHead}};

constexpr llvm::StringRef kSupportedCombos =
    "supported: q, k and v all fp8; or q in f32/f16/bf16 with each of k and v either q's "
    "dtype or fp8";

/// Rules for one of q, k, v: dtype, head dim, scale presence.
void checkOperand(const TensorSig &t, llvm::StringRef name, SigField field,
                  std::vector<SigError> &errs) {
  if (t.dtype == DType::I32) {
    errs.push_back({field, 0,
                    llvm::formatv("'{0}' cannot be i32: i32 is only for param tensors; use "
                                  "f32, f16, bf16, f8e4m3 or f8e5m2",
                                  name)});
    return;
  }
  if (t.headDim <= 0 || t.headDim % 8 != 0 || t.headDim > kMaxHeadDim)
    errs.push_back(
        {field, 0,
         llvm::formatv("head dim {0} of '{1}' is not supported: head dims must be multiples "
                       "of 8 from 8 to {2}",
                       t.headDim, name, kMaxHeadDim)});
  if (isFP8(t.dtype) && t.scale == ScaleKind::None)
    errs.push_back({field, 0,
                    llvm::formatv("'{0}' is {1} and needs a dequantization scale: add 'scale "
                                  "per_tensor', 'scale per_head' or 'scale per_token_head'",
                                  name, dtypeName(t.dtype))});
  if (!isFP8(t.dtype) && t.scale != ScaleKind::None)
    errs.push_back({field, 0,
                    llvm::formatv("'{0}' is {1}, not quantized, and takes no scale: remove "
                                  "'scale {2}' or make it f8e4m3/f8e5m2",
                                  name, dtypeName(t.dtype), scaleName(t.scale))});
}
} // namespace

std::vector<SigError> attn::checkSignature(const Signature &sig) {
  std::vector<SigError> errs;
  checkOperand(sig.q, "q", SigField::Q, errs);
  checkOperand(sig.k, "k", SigField::K, errs);
  checkOperand(sig.v, "v", SigField::V, errs);
  if (sig.k.headDim != sig.q.headDim)
    errs.push_back({SigField::K, 0,
                    llvm::formatv("head dim {0} of 'k' must equal the head dim {1} of 'q'",
                                  sig.k.headDim, sig.q.headDim)});

  // Dtype combinations the tensor cores can run: an MMA takes two operands of one type, so an
  // fp8 q needs fp8 k (and, for P·V in fp8, fp8 v); a 16/32-bit q takes k and v either in its
  // own type or in fp8, which is dequantized to q's type in the tile load.
  if (isFP8(sig.q.dtype)) {
    for (auto [t, name, field] : {std::tuple{&sig.k, "k", SigField::K},
                                  std::tuple{&sig.v, "v", SigField::V}})
      if (!isFP8(t->dtype) && t->dtype != DType::I32)
        errs.push_back({field, 0,
                        llvm::formatv("fp8 'q' ({0}) needs fp8 '{1}', not {2}; {3}",
                                      dtypeName(sig.q.dtype), name, dtypeName(t->dtype),
                                      kSupportedCombos)});
  } else if (sig.q.dtype != DType::I32) {
    for (auto [t, name, field] : {std::tuple{&sig.k, "k", SigField::K},
                                  std::tuple{&sig.v, "v", SigField::V}})
      if (!isFP8(t->dtype) && t->dtype != sig.q.dtype && t->dtype != DType::I32)
        errs.push_back({field, 0,
                        llvm::formatv("'{0}' is {1} but 'q' is {2}; {3}", name,
                                      dtypeName(t->dtype), dtypeName(sig.q.dtype),
                                      kSupportedCombos)});
  }

  // The output: v's head dim; fp8 output is quantized with one per-tensor scale.
  if (sig.out.dtype == DType::I32)
    errs.push_back({SigField::Out, 0,
                    "'out' cannot be i32: use f32, f16, bf16, f8e4m3 or f8e5m2"});
  else if (isFP8(sig.out.dtype) && sig.out.scale != ScaleKind::PerTensor)
    errs.push_back({SigField::Out, 0,
                    llvm::formatv("fp8 'out' ({0}) needs an output scale: add 'scale "
                                  "per_tensor' (out = saturate(o / out_scale))",
                                  dtypeName(sig.out.dtype))});
  else if (!isFP8(sig.out.dtype) && sig.out.scale != ScaleKind::None)
    errs.push_back({SigField::Out, 0,
                    llvm::formatv("'out' is {0}, not quantized, and takes no scale: remove "
                                  "'scale {1}' or make it f8e4m3/f8e5m2",
                                  dtypeName(sig.out.dtype), scaleName(sig.out.scale))});
  if (sig.out.headDim != sig.v.headDim)
    errs.push_back({SigField::Out, 0,
                    llvm::formatv("head dim {0} of 'out' must equal the head dim {1} of 'v'",
                                  sig.out.headDim, sig.v.headDim)});

  if (sig.gqa && *sig.gqa < 1)
    errs.push_back({SigField::Gqa, 0,
                    llvm::formatv("gqa must be a positive number of query heads per KV head, "
                                  "got {0}",
                                  *sig.gqa)});
  if (sig.softmaxScale < 0 || !std::isfinite(sig.softmaxScale))
    errs.push_back({SigField::SoftmaxScale, 0,
                    "softmax_scale must be a positive finite number (leave it out for "
                    "1/sqrt(head dim))"});
  if (sig.kvCache == KVCache::Paged &&
      (sig.pageSize < 1 || sig.pageSize > 1024 || (sig.pageSize & (sig.pageSize - 1)) != 0))
    errs.push_back({SigField::KVCache, 0,
                    llvm::formatv("page size {0} is not supported: use a power of two from 1 "
                                  "to 1024",
                                  sig.pageSize)});

  for (size_t i = 0; i < sig.params.size(); ++i) {
    const ParamSig &p = sig.params[i];
    if (isFP8(p.dtype))
      errs.push_back({SigField::Param, i,
                      llvm::formatv("param '{0}' cannot be {1}: params are f32, f16, bf16 or "
                                    "i32",
                                    p.name, dtypeName(p.dtype))});
    if (p.dims.empty())
      errs.push_back({SigField::Param, i,
                      llvm::formatv("param '{0}' needs at least one dimension", p.name)});
    for (const ParamDim &d : p.dims)
      if (d.kind == ParamDim::Fixed && d.size < 1)
        errs.push_back({SigField::Param, i,
                        llvm::formatv("param '{0}' has extent {1}; fixed extents must be "
                                      "positive",
                                      p.name, d.size)});
  }
  return errs;
}

llvm::StringRef attn::dtypeName(DType t) {
  for (const NamedDType &d : kDTypes)
    if (d.type == t)
      return d.name;
  return "?";
}

std::optional<DType> attn::parseDType(llvm::StringRef name) {
  for (const NamedDType &d : kDTypes)
    if (d.name == name)
      return d.type;
  return std::nullopt;
}

std::vector<llvm::StringRef> attn::dtypeNames() {
  std::vector<llvm::StringRef> names;
  for (const NamedDType &d : kDTypes)
    names.push_back(d.name);
  return names;
}

bool attn::isFP8(DType t) { return t == DType::F8E4M3 || t == DType::F8E5M2; }
bool attn::isFloat(DType t) { return t != DType::I32; }

llvm::StringRef attn::scaleName(ScaleKind s) {
  for (const NamedScale &n : kScales)
    if (n.kind == s)
      return n.name;
  return "none";
}

std::optional<ScaleKind> attn::parseScale(llvm::StringRef name) {
  for (const NamedScale &n : kScales)
    if (n.name == name)
      return n.kind;
  return std::nullopt;
}

std::vector<llvm::StringRef> attn::scaleNames() {
  std::vector<llvm::StringRef> names;
  for (const NamedScale &n : kScales)
    names.push_back(n.name);
  return names;
}

llvm::StringRef attn::paramDimName(ParamDim::Kind k) {
  switch (k) {
  case ParamDim::B:
    return "B";
  case ParamDim::H:
    return "H";
  case ParamDim::Hkv:
    return "Hkv";
  case ParamDim::S:
    return "S";
  case ParamDim::Fixed:
    break;
  }
  return "";
}

std::optional<ParamDim::Kind> attn::parseParamDim(llvm::StringRef name) {
  for (ParamDim::Kind k : {ParamDim::B, ParamDim::H, ParamDim::Hkv, ParamDim::S})
    if (paramDimName(k) == name)
      return k;
  return std::nullopt;
}
