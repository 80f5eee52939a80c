//===- AttnAttrs.h - Attributes of the attn dialect -------------*- C++ -*-===//
#ifndef ATTN_DIALECT_ATTNATTRS_H
#define ATTN_DIALECT_ATTNATTRS_H

#include "compiler/Spec/Signature.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/Hashing.h"

namespace attn {
inline llvm::hash_code hash_value(const ParamDim &d) {
  return llvm::hash_combine(static_cast<int>(d.kind), d.size);
}

/// The MLIR type of a spec dtype (bf16 -> bf16, f8e4m3 -> f8E4M3FN, i32 -> i32, ...).
mlir::Type toMLIRType(mlir::MLIRContext *ctx, DType t);
/// The spec dtype of an MLIR type, if it is one.
std::optional<DType> fromMLIRType(mlir::Type t);
} // namespace attn

#define GET_ATTRDEF_CLASSES
#include "dialects/Attn/IR/AttnAttrs.h.inc"

namespace attn {
/// The spec form of a tensor attribute; an unsupported element type maps to I32, which
/// checkSignature rejects with a message naming the supported dtypes.
TensorSig tensorSig(TensorAttr t);
} // namespace attn

#endif // ATTN_DIALECT_ATTNATTRS_H
