//===- Signature.h - What a kernel takes and returns ------------*- C++ -*-===//
//
// The data-independent part of an attention spec: the dtype, head dim and scale granularity of
// each tensor, the batch and KV-cache layouts, the GQA ratio and the parameter tensors. One
// function, checkSignature, holds every legality rule so that the front end (with source
// locations) and the attn dialect's verifier (on hand-written IR) reject the same things with
// the same words.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_SPEC_SIGNATURE_H
#define ATTN_SPEC_SIGNATURE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attn {

/// Element types of spec tensors. I32 is only legal for parameter tensors.
enum class DType { F32, F16, BF16, F8E4M3, F8E5M2, I32 };

/// How a quantized tensor's dequantization scale is laid out.
enum class ScaleKind {
  None,        ///< not quantized
  PerTensor,   ///< one float32
  PerHead,     ///< float32 [B, H] (H of that tensor: H_q for q, H_kv for k and v)
  PerTokenHead ///< float32 [B, S, H] (per position and head)
};

/// How a batch of sequences is laid out in q/out (and k/v when not paged).
enum class BatchLayout { Dense, Ragged };
/// How keys and values are stored.
enum class KVCache { Contiguous, Paged };

/// One of q, k, v or out.
struct TensorSig {
  DType dtype = DType::BF16;
  int64_t headDim = 0;
  ScaleKind scale = ScaleKind::None;
};

/// A symbolic or fixed extent of a parameter tensor.
struct ParamDim {
  enum Kind { B, H, Hkv, S, Fixed } kind = Fixed;
  int64_t size = 0; ///< for Fixed
  /// The extent for a launch's batch, query heads, KV heads and longest KV length.
  int64_t extent(int64_t b, int64_t hq, int64_t hkv, int64_t s) const {
    return kind == B ? b : kind == H ? hq : kind == Hkv ? hkv : kind == S ? s : size;
  }
  bool operator==(const ParamDim &o) const { return kind == o.kind && size == o.size; }
};

/// A tensor read by index inside score/mask (ALiBi slopes, document ids, ...).
struct ParamSig {
  std::string name;
  DType dtype = DType::F32;
  std::vector<ParamDim> dims;
};

/// Everything about a kernel but its score and mask expressions.
struct Signature {
  TensorSig q, k, v, out;
  bool lse = false;
  std::optional<int64_t> gqa; ///< query heads per KV head; unset: any ratio at run time
  double softmaxScale = 0;    ///< 0 means the default, 1/sqrt(head dim of q)
  BatchLayout batch = BatchLayout::Dense;
  KVCache kvCache = KVCache::Contiguous;
  int64_t pageSize = 0; ///< tokens per page when paged
  std::vector<ParamSig> params;
};

/// The part of a signature a legality error is about, so that callers can point at it.
enum class SigField { Q, K, V, Out, Lse, Gqa, SoftmaxScale, KVCache, Param };

struct SigError {
  SigField field;
  size_t paramIndex = 0; ///< for SigField::Param
  std::string message;
};

/// Every rule the hardware path imposes on a signature; empty when it is legal.
std::vector<SigError> checkSignature(const Signature &sig);

/// The largest head dim the tile library supports.
constexpr int64_t kMaxHeadDim = 256;

llvm::StringRef dtypeName(DType t);
std::optional<DType> parseDType(llvm::StringRef name);
/// All dtype spellings, for "did you mean" suggestions.
std::vector<llvm::StringRef> dtypeNames();
bool isFP8(DType t);
bool isFloat(DType t);

llvm::StringRef scaleName(ScaleKind s);
std::optional<ScaleKind> parseScale(llvm::StringRef name);
std::vector<llvm::StringRef> scaleNames();

llvm::StringRef paramDimName(ParamDim::Kind k);
std::optional<ParamDim::Kind> parseParamDim(llvm::StringRef name);

} // namespace attn

#endif // ATTN_SPEC_SIGNATURE_H
