//===- Lexer.cpp - Tokens of the .attn language ---------------------------===//
#include "compiler/Frontend/Lexer.h"

#include "llvm/ADT/StringSwitch.h"

#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

using namespace attn;

llvm::StringRef attn::tokSpelling(Tok t) {
  switch (t) {
  case Tok::Eof: return "end of file";
  case Tok::Error: return "invalid token";
  case Tok::Ident: return "identifier";
  case Tok::Int: return "integer";
  case Tok::Float: return "number";
  case Tok::KwKernel: return "'kernel'";
  case Tok::KwParam: return "'param'";
  case Tok::KwConst: return "'const'";
  case Tok::KwLet: return "'let'";
  case Tok::KwScore: return "'score'";
  case Tok::KwMask: return "'mask'";
  case Tok::KwScale: return "'scale'";
  case Tok::KwTrue: return "'true'";
  case Tok::KwFalse: return "'false'";
  case Tok::LBrace: return "'{'";
  case Tok::RBrace: return "'}'";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::Semi: return "';'";
  case Tok::Colon: return "':'";
  case Tok::Comma: return "','";
  case Tok::Assign: return "'='";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::Slash: return "'/'";
  case Tok::Percent: return "'%'";
  case Tok::Less: return "'<'";
  case Tok::LessEq: return "'<='";
  case Tok::Greater: return "'>'";
  case Tok::GreaterEq: return "'>='";
  case Tok::EqEq: return "'=='";
  case Tok::NotEq: return "'!='";
  case Tok::AndAnd: return "'&&'";
  case Tok::OrOr: return "'||'";
  case Tok::Bang: return "'!'";
  case Tok::Question: return "'?'";
  }
  return "token";
}

Token Lexer::make(Tok kind, const char *start) const {
  Token t;
  t.kind = kind;
  t.text = llvm::StringRef(start, cur - start);
  return t;
}

Token Lexer::error(const char *start, const llvm::Twine &msg) {
  onError(errorCtx, llvm::SMLoc::getFromPointer(start), msg);
  return make(Tok::Error, start);
}

const char *Lexer::skipSpaceAndComments() {
  while (cur != buf.end()) {
    if (std::isspace(static_cast<unsigned char>(*cur))) {
      ++cur;
    } else if (*cur == '/' && cur + 1 != buf.end() && cur[1] == '/') {
      while (cur != buf.end() && *cur != '\n')
        ++cur;
    } else if (*cur == '/' && cur + 1 != buf.end() && cur[1] == '*') {
      const char *start = cur;
      cur += 2;
      while (cur != buf.end() && !(*cur == '*' && cur + 1 != buf.end() && cur[1] == '/'))
        ++cur;
      if (cur == buf.end())
        return start;
      cur += 2;
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

// number := digit+ ('.' digit*)? (('e'|'E') ('+'|'-')? digit+)?
//         | '.' digit+ (('e'|'E') ('+'|'-')? digit+)?
Token Lexer::lexNumber(const char *start) {
  auto digits = [&] {
    while (cur != buf.end() && std::isdigit(static_cast<unsigned char>(*cur)))
      ++cur;
  };
  // Rescan from the first character: next() has consumed it, and a leading '.' makes a float.
  cur = start;
  bool isFloat = false;
  digits();
  if (cur != buf.end() && *cur == '.') {
    isFloat = true;
    ++cur;
    digits();
  }
  if (cur != buf.end() && (*cur == 'e' || *cur == 'E')) {
    const char *expStart = cur++;
    if (cur != buf.end() && (*cur == '+' || *cur == '-'))
      ++cur;
    if (cur == buf.end() || !std::isdigit(static_cast<unsigned char>(*cur))) {
      cur = expStart + 1;
      return error(start, "exponent of a number needs digits");
    }
    isFloat = true;
    digits();
  }
  if (cur != buf.end() && (std::isalpha(static_cast<unsigned char>(*cur)) || *cur == '_')) {
    while (cur != buf.end() && (std::isalnum(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
    return error(start, "a number cannot run into letters: put a space or operator between");
  }
  Token t = make(isFloat ? Tok::Float : Tok::Int, start);
  std::string text = t.text.str();
  if (isFloat) {
    errno = 0;
    t.floatValue = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && std::abs(t.floatValue) > 1.0)
      return error(start, "number is too large for a float");
    return t;
  }
  // Integers are 32-bit: positions, heads and extents on the GPU are 32-bit values.
  if (t.text.getAsInteger(10, t.intValue) || t.intValue > std::numeric_limits<int32_t>::max())
    return error(start, "integer is too large: integers are 32-bit (at most 2147483647)");
  return t;
}

Token Lexer::next() {
  // An unterminated comment runs to the end of the buffer: it is one Error token.
  if (const char *comment = skipSpaceAndComments())
    return error(comment, "unterminated '/*' comment");
  const char *start = cur;
  if (cur == buf.end())
    return make(Tok::Eof, start);
  char c = *cur++;
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    while (cur != buf.end() && (std::isalnum(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
    Token t = make(Tok::Ident, start);
    t.kind = llvm::StringSwitch<Tok>(t.text)
                 .Case("kernel", Tok::KwKernel)
                 .Case("param", Tok::KwParam)
                 .Case("const", Tok::KwConst)
                 .Case("let", Tok::KwLet)
                 .Case("score", Tok::KwScore)
                 .Case("mask", Tok::KwMask)
                 .Case("scale", Tok::KwScale)
                 .Case("true", Tok::KwTrue)
                 .Case("false", Tok::KwFalse)
                 .Default(Tok::Ident);
    return t;
  }
  if (std::isdigit(static_cast<unsigned char>(c)) ||
      (c == '.' && cur != buf.end() && std::isdigit(static_cast<unsigned char>(*cur))))
    return lexNumber(start);
  auto two = [&](char second, Tok twoKind, Tok oneKind) {
    if (cur != buf.end() && *cur == second) {
      ++cur;
      return make(twoKind, start);
    }
    return make(oneKind, start);
  };
  switch (c) {
  case '{': return make(Tok::LBrace, start);
  case '}': return make(Tok::RBrace, start);
  case '(': return make(Tok::LParen, start);
  case ')': return make(Tok::RParen, start);
  case '[': return make(Tok::LBracket, start);
  case ']': return make(Tok::RBracket, start);
  case ';': return make(Tok::Semi, start);
  case ':': return make(Tok::Colon, start);
  case ',': return make(Tok::Comma, start);
  case '+': return make(Tok::Plus, start);
  case '-': return make(Tok::Minus, start);
  case '*': return make(Tok::Star, start);
  case '/': return make(Tok::Slash, start);
  case '%': return make(Tok::Percent, start);
  case '?': return make(Tok::Question, start);
  case '<': return two('=', Tok::LessEq, Tok::Less);
  case '>': return two('=', Tok::GreaterEq, Tok::Greater);
  case '=': return two('=', Tok::EqEq, Tok::Assign);
  case '!': return two('=', Tok::NotEq, Tok::Bang);
  case '&':
    if (cur != buf.end() && *cur == '&') {
      ++cur;
      return make(Tok::AndAnd, start);
    }
    return error(start, "unexpected '&': logical and is '&&'");
  case '|':
    if (cur != buf.end() && *cur == '|') {
      ++cur;
      return make(Tok::OrOr, start);
    }
    return error(start, "unexpected '|': logical or is '||'");
  default:
    break;
  }
  if (static_cast<unsigned char>(c) >= 0x80 || !std::isprint(static_cast<unsigned char>(c)))
    return error(start, llvm::Twine("unexpected character (byte 0x") +
                            llvm::Twine::utohexstr(static_cast<unsigned char>(c)) + ")");
  return error(start, llvm::Twine("unexpected character '") + llvm::Twine(c) + "'");
}
