//===- Passes.h - Conversions between the dialects --------------*- C++ -*-===//
#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "dialects/Attn/IR/AttnOps.h"
#include "dialects/Tile/IR/TileOps.h"

#include "mlir/Pass/Pass.h"

namespace attn {

#define GEN_PASS_DECL
#include "compiler/Conversion/Passes.h.inc"

/// The tile program of one annotated attn.kernel, built before `kernel` (which stays); failure
/// (reported on the kernel) when an analysis it needs has not run.
mlir::FailureOr<tile::KernelOp> convertKernelToTile(KernelOp kernel);

#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/Passes.h.inc"

} // namespace attn

#endif // ATTN_CONVERSION_PASSES_H
