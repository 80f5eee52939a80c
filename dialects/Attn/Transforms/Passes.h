//===- Passes.h - Passes on the attn dialect --------------------*- C++ -*-===//
#ifndef ATTN_DIALECT_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_TRANSFORMS_PASSES_H

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Pass/Pass.h"

namespace attn {

#define GEN_PASS_DECL
#include "dialects/Attn/Transforms/Passes.h.inc"

/// Where each scale of `kernel` is applied (the attn-fold-scales decision, for callers that
/// want it without running the pass).
ScalePlanAttr planScales(KernelOp kernel);

#define GEN_PASS_REGISTRATION
#include "dialects/Attn/Transforms/Passes.h.inc"

} // namespace attn

#endif // ATTN_DIALECT_TRANSFORMS_PASSES_H
