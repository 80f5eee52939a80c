//===- SourceDiagnostics.h - Front-end errors as MLIR diagnostics -*- C++ -*-===//
//
// The front end reports through MLIR's diagnostic engine, so front-end errors, verifier errors
// and pass errors look alike: `file:line:col: error: message`, the source line and a caret
// (printed by mlir::SourceMgrDiagnosticHandler). This class maps buffer positions to
// FileLineColLoc and counts errors.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_FRONTEND_SOURCEDIAGNOSTICS_H
#define ATTN_FRONTEND_SOURCEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SourceMgr.h"

namespace attn {

class SourceDiagnostics {
public:
  SourceDiagnostics(mlir::MLIRContext &ctx, const llvm::SourceMgr &srcMgr)
      : ctx(ctx), srcMgr(srcMgr) {}

  /// The FileLineColLoc of a position in the main buffer.
  mlir::Location loc(llvm::SMLoc pos) const;

  mlir::InFlightDiagnostic error(llvm::SMLoc pos) {
    ++errors;
    return mlir::emitError(loc(pos));
  }
  mlir::InFlightDiagnostic warning(llvm::SMLoc pos) { return mlir::emitWarning(loc(pos)); }

  unsigned errorCount() const { return errors; }
  mlir::MLIRContext &context() const { return ctx; }

private:
  mlir::MLIRContext &ctx;
  const llvm::SourceMgr &srcMgr;
  unsigned errors = 0;
};

} // namespace attn

#endif // ATTN_FRONTEND_SOURCEDIAGNOSTICS_H
