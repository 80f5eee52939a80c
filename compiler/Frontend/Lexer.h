//===- Lexer.h - Tokens of the .attn language -------------------*- C++ -*-===//
#ifndef ATTN_FRONTEND_LEXER_H
#define ATTN_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>

namespace attn {

enum class Tok {
  Eof,
  Error, ///< a malformed token; the lexer has already reported it
  Ident,
  Int,
  Float,
  // Keywords.
  KwKernel,
  KwParam,
  KwConst,
  KwLet,
  KwScore,
  KwMask,
  KwScale,
  KwTrue,
  KwFalse,
  // Punctuation and operators.
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Semi,
  Colon,
  Comma,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Less,
  LessEq,
  Greater,
  GreaterEq,
  EqEq,
  NotEq,
  AndAnd,
  OrOr,
  Bang,
  Question,
};

/// How a token kind is spelled in messages ("'{'", "identifier", ...).
llvm::StringRef tokSpelling(Tok t);

struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text; ///< points into the source buffer
  int64_t intValue = 0;
  double floatValue = 0;

  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(text.data()); }
  llvm::SMRange range() const {
    return {loc(), llvm::SMLoc::getFromPointer(text.data() + text.size())};
  }
  bool is(Tok t) const { return kind == t; }
};

/// Splits a buffer into tokens. Malformed input (a stray character, an unterminated comment,
/// an integer that does not fit in 32 bits) becomes a Tok::Error token, reported through the
/// callback once; the lexer never stops early.
class Lexer {
public:
  using ErrorFn = void (*)(void *ctx, llvm::SMLoc loc, const llvm::Twine &msg);
  Lexer(llvm::StringRef buffer, ErrorFn onError, void *ctx)
      : buf(buffer), cur(buffer.begin()), onError(onError), errorCtx(ctx) {}

  Token next();

private:
  Token make(Tok kind, const char *start) const;
  Token error(const char *start, const llvm::Twine &msg);
  Token lexNumber(const char *start);
  /// Skips whitespace and comments; returns the start of an unterminated '/*' comment (having
  /// moved to the end of the buffer), else null.
  const char *skipSpaceAndComments();

  llvm::StringRef buf;
  const char *cur;
  ErrorFn onError;
  void *errorCtx;
};

} // namespace attn

#endif // ATTN_FRONTEND_LEXER_H
