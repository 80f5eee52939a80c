//===- Pipeline.cpp - Source to attn dialect, shared by the tools ---------===//
#include "compiler/Driver/Pipeline.h"

#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"
#include "compiler/Import/ASTToAttn.h"
#include "dialects/Attn/IR/AttnDialect.h"
#include "dialects/Attn/Transforms/Passes.h"
#include "dialects/Tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Verifier.h"

using namespace attn;

void attn::registerAttnDialects(mlir::DialectRegistry &registry) {
  registry.insert<AttnDialect, tile::TileDialect, mlir::arith::ArithDialect, mlir::math::MathDialect,
                  mlir::scf::SCFDialect, mlir::vector::VectorDialect, mlir::memref::MemRefDialect>();
}

namespace {
llvm::StringRef mainBuffer(const llvm::SourceMgr &srcMgr) {
  return srcMgr.getMemoryBuffer(srcMgr.getMainFileID())->getBuffer();
}
} // namespace

namespace {
/// Lexer, parser and Sema.
std::optional<CheckedSpec> frontEnd(const llvm::SourceMgr &srcMgr, mlir::MLIRContext &ctx) {
  SourceDiagnostics diags(ctx, srcMgr);
  std::unique_ptr<SpecAST> ast = parseSpec(mainBuffer(srcMgr), diags);
  // Semantic checks would only echo syntax errors (a declaration that did not parse is
  // "missing"), so they run on clean parses; each phase reports all of its own errors.
  if (!ast || diags.errorCount())
    return std::nullopt;
  std::optional<Signature> sig = checkSpec(*ast, diags);
  if (!sig || diags.errorCount())
    return std::nullopt;
  return CheckedSpec{std::move(ast), *sig};
}

/// Import and verification of a checked spec, and the checks made on its attn dialect form:
/// a warning at the mask when the mask analysis (attn-analyze-mask) proves it false everywhere.
mlir::OwningOpRef<mlir::ModuleOp> importAndCheck(const CheckedSpec &spec,
                                                 const llvm::SourceMgr &srcMgr,
                                                 mlir::MLIRContext &ctx) {
  ctx.loadDialect<AttnDialect, mlir::arith::ArithDialect, mlir::math::MathDialect>();
  SourceDiagnostics diags(ctx, srcMgr);
  mlir::OwningOpRef<mlir::ModuleOp> module = importSpec(*spec.ast, spec.signature, diags);
  if (failed(mlir::verify(*module)))
    return nullptr;
  module->walk([](KernelOp kernel) {
    if (isMaskEmptyEverywhere(kernel))
      mlir::emitWarning(kernel.getMask().front().getTerminator()->getLoc())
          << "mask is false for every query and key: every score is masked out and every "
             "output row is 0";
  });
  return module;
}
} // namespace

std::optional<CheckedSpec> attn::parseAndCheck(const llvm::SourceMgr &srcMgr,
                                               mlir::MLIRContext &ctx) {
  std::optional<CheckedSpec> spec = frontEnd(srcMgr, ctx);
  if (!spec || !importAndCheck(*spec, srcMgr, ctx))
    return std::nullopt;
  return spec;
}

mlir::OwningOpRef<mlir::ModuleOp> attn::compileToAttn(const llvm::SourceMgr &srcMgr,
                                                      mlir::MLIRContext &ctx) {
  std::optional<CheckedSpec> spec = frontEnd(srcMgr, ctx);
  if (!spec)
    return nullptr;
  return importAndCheck(*spec, srcMgr, ctx);
}

mlir::LogicalResult attn::emitStage(const llvm::SourceMgr &srcMgr, mlir::MLIRContext &ctx,
                                    Stage stage, llvm::raw_ostream &os) {
  if (stage == Stage::AST) {
    std::optional<CheckedSpec> spec = parseAndCheck(srcMgr, ctx);
    if (!spec)
      return mlir::failure();
    printAST(*spec->ast, os);
    return mlir::success();
  }
  mlir::OwningOpRef<mlir::ModuleOp> module = compileToAttn(srcMgr, ctx);
  if (!module)
    return mlir::failure();
  module->print(os);
  os << "\n";
  return mlir::success();
}
