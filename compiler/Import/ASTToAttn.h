//===- ASTToAttn.h - From the checked AST to the attn dialect ---*- C++ -*-===//
#ifndef ATTN_IMPORT_ASTTOATTN_H
#define ATTN_IMPORT_ASTTOATTN_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/SourceDiagnostics.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace attn {

/// Builds a module holding one attn.kernel for a spec that Sema accepted (`sig` is what it
/// returned). Every op carries the FileLineColLoc of the source it came from.
mlir::OwningOpRef<mlir::ModuleOp> importSpec(const SpecAST &spec, const Signature &sig,
                                             SourceDiagnostics &diags);

} // namespace attn

#endif // ATTN_IMPORT_ASTTOATTN_H
