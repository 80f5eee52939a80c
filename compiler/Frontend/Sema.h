//===- Sema.h - Semantic checks of an .attn spec ----------------*- C++ -*-===//
#ifndef ATTN_FRONTEND_SEMA_H
#define ATTN_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/SourceDiagnostics.h"

namespace attn {

/// Resolves names, types every expression, evaluates constants (in place, on the AST) and
/// builds the kernel's signature. Reports every error it finds, each at its source location.
/// Returns the signature only when there was no error.
std::optional<Signature> checkSpec(SpecAST &spec, SourceDiagnostics &diags);

/// The built-in functions of score/mask expressions, for docs and suggestions.
std::vector<llvm::StringRef> builtinFunctionNames();

} // namespace attn

#endif // ATTN_FRONTEND_SEMA_H
