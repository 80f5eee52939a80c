//===- SourceDiagnostics.cpp - Front-end errors as MLIR diagnostics -------===//
#include "compiler/Frontend/SourceDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace attn;

mlir::Location SourceDiagnostics::loc(llvm::SMLoc pos) const {
  unsigned buf = srcMgr.getMainFileID();
  llvm::StringRef file = srcMgr.getMemoryBuffer(buf)->getBufferIdentifier();
  if (!pos.isValid())
    return mlir::FileLineColLoc::get(&ctx, file, 0, 0);
  auto [line, col] = srcMgr.getLineAndColumn(pos, buf);
  return mlir::FileLineColLoc::get(&ctx, file, line, col);
}
