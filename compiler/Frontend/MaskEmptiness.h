//===- MaskEmptiness.h - Proving a mask false everywhere --------*- C++ -*-===//
#ifndef ATTN_FRONTEND_MASKEMPTINESS_H
#define ATTN_FRONTEND_MASKEMPTINESS_H

#include "compiler/Frontend/AST.h"

namespace attn {

/// True when the typed mask expression is provably false for every q_idx >= 0, kv_idx >= 0.
/// Sound but incomplete: it reasons over boxes of (q_idx, kv_idx, q_idx - kv_idx) built from
/// comparisons of those with constants and from the closed-form built-ins; anything else is
/// taken as possibly true.
bool isMaskEmpty(const Expr &mask);

} // namespace attn

#endif // ATTN_FRONTEND_MASKEMPTINESS_H
