//===- Parser.h - Recursive-descent parser for .attn specs ------*- C++ -*-===//
#ifndef ATTN_FRONTEND_PARSER_H
#define ATTN_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Lexer.h"
#include "compiler/Frontend/SourceDiagnostics.h"

namespace attn {

/// Parses the main buffer of `diags`' source manager. Syntax errors are reported and the parser
/// recovers at the next ';' or declaration so that one run shows several; the result is null
/// only when nothing could be parsed (no `kernel` header).
std::unique_ptr<SpecAST> parseSpec(llvm::StringRef source, SourceDiagnostics &diags);

/// The deepest expression nesting accepted; deeper input is rejected with an error rather than
/// risking the stack in later recursive passes.
constexpr unsigned kMaxExprDepth = 200;

} // namespace attn

#endif // ATTN_FRONTEND_PARSER_H
