//===- Passes.h - Passes on the attn dialect --------------------*- C++ -*-===//
#ifndef ATTN_DIALECT_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_TRANSFORMS_PASSES_H

#include "compiler/Spec/Config.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Pass/Pass.h"

namespace attn {

#define GEN_PASS_DECL
#include "dialects/Attn/Transforms/Passes.h.inc"

/// Where each scale of `kernel` is applied (the attn-fold-scales decision, for callers that
/// want it without running the pass). Rewrites the score region where its constant factors
/// fold into the plan (see FoldScales.cpp); a kernel that has a plan keeps it.
ScalePlanAttr planScales(KernelOp kernel);
/// True when the score region of `kernel` yields its score argument unchanged.
bool scoreIsIdentity(KernelOp kernel);

/// The attn-select-config decision for `kernel` as the dictionary the pass attaches, or an
/// error (reported on the kernel) when an override makes it illegal.
mlir::FailureOr<mlir::DictionaryAttr> selectKernelConfig(KernelOp kernel,
                                                         const ConfigOverrides &overrides);
/// The config a kernel's `config` dictionary describes.
KernelConfig configFromAttr(mlir::DictionaryAttr attr);

/// Fills the kv_bounds and tile_class regions of `kernel` from its mask, replacing what they
/// held (the attn-analyze-mask decision, for callers that want it without running the pass).
mlir::LogicalResult analyzeMask(KernelOp kernel);

/// True when the same analysis proves the mask of `kernel` false for every q_idx and kv_idx in
/// [0, 2^30), for every b and h (the front end warns about such masks).
bool isMaskEmptyEverywhere(KernelOp kernel);

#define GEN_PASS_REGISTRATION
#include "dialects/Attn/Transforms/Passes.h.inc"

} // namespace attn

#endif // ATTN_DIALECT_TRANSFORMS_PASSES_H
