//===- Pipeline.h - Source to attn dialect, shared by the tools -*- C++ -*-===//
#ifndef ATTN_DRIVER_PIPELINE_H
#define ATTN_DRIVER_PIPELINE_H

#include "compiler/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace attn {

/// The dialects a spec lowers through (attn, arith, math, and the ones they need).
void registerAttnDialects(mlir::DialectRegistry &registry);

/// A parsed and checked spec.
struct CheckedSpec {
  std::unique_ptr<SpecAST> ast;
  Signature signature;
};

/// Parses and checks the main buffer of `srcMgr`, reporting through `ctx`'s diagnostic engine.
/// The checks include those made on the spec's attn dialect form (it is imported, verified and
/// its mask analysed, then dropped). Null when there was an error.
std::optional<CheckedSpec> parseAndCheck(const llvm::SourceMgr &srcMgr, mlir::MLIRContext &ctx);

/// Front end, import, verification and the mask-false warning: the attn-dialect module of a
/// spec, or null on error.
mlir::OwningOpRef<mlir::ModuleOp> compileToAttn(const llvm::SourceMgr &srcMgr,
                                                mlir::MLIRContext &ctx);

/// The stages attnc can print.
enum class Stage { AST, Attn };

/// Compiles the main buffer of `srcMgr` to `stage` and prints it to `os`; failure when a
/// diagnostic was an error (already reported through `ctx`).
mlir::LogicalResult emitStage(const llvm::SourceMgr &srcMgr, mlir::MLIRContext &ctx, Stage stage,
                              llvm::raw_ostream &os);

} // namespace attn

#endif // ATTN_DRIVER_PIPELINE_H
