// Lexer: every token kind and keyword, number forms, comments, and malformed input (Tok::Error, the error callback's byte offset and message, lexing going on after an error).
#include "compiler/Frontend/Lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace attn;

namespace {

struct LexError {
  size_t offset;
  std::string message;
};

/// Lexes all of `src` (including the final Eof), recording errors with byte offsets.
struct Lexed {
  std::string src;
  std::vector<Token> tokens;
  std::vector<LexError> errors;

  explicit Lexed(std::string s) : src(std::move(s)) {
    Lexer lexer(src, &Lexed::onError, this);
    // A source of N bytes cannot have more than N + 1 tokens; the bound catches a lexer
    // that stops advancing.
    for (size_t i = 0; i <= src.size() + 1; ++i) {
      tokens.push_back(lexer.next());
      if (tokens.back().is(Tok::Eof))
        break;
    }
  }
  static void onError(void *self, llvm::SMLoc loc, const llvm::Twine &msg) {
    auto *l = static_cast<Lexed *>(self);
    l->errors.push_back({size_t(loc.getPointer() - l->src.data()), msg.str()});
  }
  std::vector<Tok> kinds() const {
    std::vector<Tok> k;
    for (const Token &t : tokens)
      k.push_back(t.kind);
    return k;
  }
  size_t offset(const Token &t) const { return t.text.data() - src.data(); }
};

TEST(Lexer, EmptyInputIsEof) {
  Lexed l("");
  ASSERT_EQ(l.tokens.size(), 1u);
  EXPECT_TRUE(l.tokens[0].is(Tok::Eof));
  EXPECT_TRUE(l.errors.empty());
  Lexed ws(" \t\n\r\n  ");
  ASSERT_EQ(ws.tokens.size(), 1u);
  EXPECT_TRUE(ws.tokens[0].is(Tok::Eof));
  EXPECT_EQ(ws.offset(ws.tokens[0]), 7u);
}

TEST(Lexer, Keywords) {
  Lexed l("kernel param const let score mask scale true false");
  std::vector<Tok> want = {Tok::KwKernel, Tok::KwParam, Tok::KwConst,
                           Tok::KwLet,    Tok::KwScore, Tok::KwMask,
                           Tok::KwScale,  Tok::KwTrue,  Tok::KwFalse, Tok::Eof};
  EXPECT_EQ(l.kinds(), want);
  EXPECT_TRUE(l.errors.empty());
  EXPECT_EQ(l.tokens[3].text, "let");
  EXPECT_EQ(l.offset(l.tokens[3]), 19u); // after "kernel param const " (7 + 6 + 6 bytes)
}

TEST(Lexer, KeywordPrefixesAndCaseAreIdentifiers) {
  Lexed l("kernels Kernel _let let_ scale2 True q_idx _ x9");
  for (size_t i = 0; i + 1 < l.tokens.size(); ++i)
    EXPECT_TRUE(l.tokens[i].is(Tok::Ident)) << "token " << i << " '" << l.tokens[i].text.str() << "'";
  ASSERT_EQ(l.tokens.size(), 10u);
  EXPECT_EQ(l.tokens[6].text, "q_idx");
  EXPECT_EQ(l.tokens[7].text, "_");
  EXPECT_EQ(l.tokens[8].text, "x9");
}

TEST(Lexer, PunctuationAndOperators) {
  Lexed l("{ } ( ) [ ] ; : , = + - * / % < <= > >= == != && || ! ?");
  std::vector<Tok> want = {Tok::LBrace,  Tok::RBrace,    Tok::LParen,  Tok::RParen,
                           Tok::LBracket, Tok::RBracket, Tok::Semi,    Tok::Colon,
                           Tok::Comma,   Tok::Assign,    Tok::Plus,    Tok::Minus,
                           Tok::Star,    Tok::Slash,     Tok::Percent, Tok::Less,
                           Tok::LessEq,  Tok::Greater,   Tok::GreaterEq, Tok::EqEq,
                           Tok::NotEq,   Tok::AndAnd,    Tok::OrOr,    Tok::Bang,
                           Tok::Question, Tok::Eof};
  EXPECT_EQ(l.kinds(), want);
  EXPECT_TRUE(l.errors.empty());
  // Two-character operators span both bytes.
  EXPECT_EQ(l.tokens[16].text, "<=");
  EXPECT_EQ(l.tokens[21].text, "&&");
}

TEST(Lexer, OperatorsWithoutSpacesUseLongestMatch) {
  // "a<=b>=c==d!=e" and "!!x" and "a=-b": no spaces between tokens.
  Lexed l("a<=b>=c==d!=e !!x a=-b <<");
  std::vector<Tok> want = {Tok::Ident, Tok::LessEq, Tok::Ident, Tok::GreaterEq, Tok::Ident,
                           Tok::EqEq,  Tok::Ident,  Tok::NotEq, Tok::Ident,     Tok::Bang,
                           Tok::Bang,  Tok::Ident,  Tok::Ident, Tok::Assign,    Tok::Minus,
                           Tok::Ident, Tok::Less,   Tok::Less,  Tok::Eof};
  EXPECT_EQ(l.kinds(), want);
  EXPECT_TRUE(l.errors.empty());
}

TEST(Lexer, TokSpellingOfEveryKind) {
  EXPECT_EQ(tokSpelling(Tok::Eof), "end of file");
  EXPECT_EQ(tokSpelling(Tok::Error), "invalid token");
  EXPECT_EQ(tokSpelling(Tok::Ident), "identifier");
  EXPECT_EQ(tokSpelling(Tok::Int), "integer");
  EXPECT_EQ(tokSpelling(Tok::Float), "number");
  EXPECT_EQ(tokSpelling(Tok::KwKernel), "'kernel'");
  EXPECT_EQ(tokSpelling(Tok::KwScale), "'scale'");
  EXPECT_EQ(tokSpelling(Tok::LessEq), "'<='");
  EXPECT_EQ(tokSpelling(Tok::OrOr), "'||'");
  EXPECT_EQ(tokSpelling(Tok::Question), "'?'");
}

TEST(Lexer, Integers) {
  Lexed l("0 7 42 007 2147483647");
  ASSERT_EQ(l.tokens.size(), 6u);
  std::vector<int64_t> want = {0, 7, 42, 7, 2147483647};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(l.tokens[i].is(Tok::Int)) << i;
    EXPECT_EQ(l.tokens[i].intValue, want[i]) << i;
  }
  EXPECT_EQ(l.tokens[3].text, "007");
  EXPECT_TRUE(l.errors.empty());
}

TEST(Lexer, NegativeNumbersAreMinusThenNumber) {
  Lexed l("-5 -2.5");
  std::vector<Tok> want = {Tok::Minus, Tok::Int, Tok::Minus, Tok::Float, Tok::Eof};
  EXPECT_EQ(l.kinds(), want);
  EXPECT_EQ(l.tokens[1].intValue, 5);
  EXPECT_DOUBLE_EQ(l.tokens[3].floatValue, 2.5);
}

TEST(Lexer, Floats) {
  struct Case {
    const char *text;
    double value;
  } cases[] = {{"1.5", 1.5},   {"1e-3", 0.001}, {".5", 0.5},      {"2.", 2.0},
               {"1e3", 1000.0}, {"2.5E+2", 250.0}, {".25e1", 2.5}, {"0.0", 0.0},
               {"3.e1", 30.0},  {"1E0", 1.0}};
  for (const Case &c : cases) {
    Lexed l(c.text);
    ASSERT_EQ(l.tokens.size(), 2u) << c.text;
    EXPECT_TRUE(l.tokens[0].is(Tok::Float)) << c.text;
    EXPECT_EQ(l.tokens[0].text, c.text);
    EXPECT_DOUBLE_EQ(l.tokens[0].floatValue, c.value) << c.text;
    EXPECT_TRUE(l.errors.empty()) << c.text;
  }
}

TEST(Lexer, NumberBoundaries) {
  // "1.5.5" is 1.5 then .5; "x.5" is an identifier then .5; "3-1" is int minus int.
  Lexed a("1.5.5");
  ASSERT_EQ(a.kinds(), (std::vector<Tok>{Tok::Float, Tok::Float, Tok::Eof}));
  EXPECT_DOUBLE_EQ(a.tokens[0].floatValue, 1.5);
  EXPECT_DOUBLE_EQ(a.tokens[1].floatValue, 0.5);
  Lexed b("x.5");
  ASSERT_EQ(b.kinds(), (std::vector<Tok>{Tok::Ident, Tok::Float, Tok::Eof}));
  Lexed c("3-1");
  ASSERT_EQ(c.kinds(), (std::vector<Tok>{Tok::Int, Tok::Minus, Tok::Int, Tok::Eof}));
  EXPECT_EQ(c.tokens[2].intValue, 1);
}

TEST(Lexer, LineCommentsAreSkipped) {
  Lexed l("a // b c && @ \xff\nd // at the end, no newline");
  ASSERT_EQ(l.kinds(), (std::vector<Tok>{Tok::Ident, Tok::Ident, Tok::Eof}));
  EXPECT_EQ(l.tokens[1].text, "d");
  EXPECT_EQ(l.offset(l.tokens[1]), 16u);
  EXPECT_TRUE(l.errors.empty());
}

TEST(Lexer, BlockCommentsAreSkipped) {
  // A block comment spans lines, does not nest, and "/**/" is a complete comment.
  Lexed l("a /* b\n @ & */ c/**/d /* /* */ e /*/ */ f");
  ASSERT_EQ(l.kinds(),
            (std::vector<Tok>{Tok::Ident, Tok::Ident, Tok::Ident, Tok::Ident, Tok::Ident, Tok::Eof}));
  EXPECT_EQ(l.tokens[1].text, "c");
  EXPECT_EQ(l.tokens[2].text, "d");
  EXPECT_EQ(l.tokens[3].text, "e");
  EXPECT_EQ(l.tokens[4].text, "f");
  EXPECT_TRUE(l.errors.empty());
}

TEST(Lexer, SlashThatIsNotACommentIsDivision) {
  Lexed l("a / b /c");
  EXPECT_EQ(l.kinds(),
            (std::vector<Tok>{Tok::Ident, Tok::Slash, Tok::Ident, Tok::Slash, Tok::Ident, Tok::Eof}));
}

// Each malformed input gives exactly one Tok::Error token and one callback at its start.
struct ErrorCase {
  const char *src;
  size_t offset;           ///< byte offset of the error (and of the Error token)
  const char *tokenText;   ///< the Error token's text
  const char *message;
};

class LexerErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LexerErrors, ReportsOnceAtTheRightOffset) {
  const ErrorCase &c = GetParam();
  Lexed l(c.src);
  ASSERT_EQ(l.errors.size(), 1u) << c.src;
  EXPECT_EQ(l.errors[0].offset, c.offset);
  EXPECT_EQ(l.errors[0].message, c.message);
  size_t errorTokens = 0;
  for (const Token &t : l.tokens)
    if (t.is(Tok::Error)) {
      ++errorTokens;
      EXPECT_EQ(l.offset(t), c.offset);
      EXPECT_EQ(t.text, c.tokenText);
    }
  EXPECT_EQ(errorTokens, 1u);
  EXPECT_TRUE(l.tokens.back().is(Tok::Eof));
}

INSTANTIATE_TEST_SUITE_P(
    Lexer, LexerErrors,
    ::testing::Values(
        ErrorCase{"a /* never closed", 2, "/* never closed", "unterminated '/*' comment"},
        ErrorCase{"x /*/", 2, "/*/", "unterminated '/*' comment"},
        ErrorCase{"true & false", 5, "&", "unexpected '&': logical and is '&&'"},
        ErrorCase{"a | b", 2, "|", "unexpected '|': logical or is '||'"},
        ErrorCase{"a @ b", 2, "@", "unexpected character '@'"},
        ErrorCase{"x . y", 2, ".", "unexpected character '.'"},
        ErrorCase{"x #", 2, "#", "unexpected character '#'"},
        ErrorCase{"ab \xff", 3, "\xff", "unexpected character (byte 0xff)"},
        ErrorCase{"\x80", 0, "\x80", "unexpected character (byte 0x80)"},
        ErrorCase{"a\x01", 1, "\x01", "unexpected character (byte 0x1)"},
        ErrorCase{"n = 2147483648", 4, "2147483648",
                  "integer is too large: integers are 32-bit (at most 2147483647)"},
        ErrorCase{"99999999999999999999999", 0, "99999999999999999999999",
                  "integer is too large: integers are 32-bit (at most 2147483647)"},
        ErrorCase{"x = 1e;", 4, "1e", "exponent of a number needs digits"},
        ErrorCase{"2.5e+", 0, "2.5e", "exponent of a number needs digits"},
        ErrorCase{"  12abc", 2, "12abc",
                  "a number cannot run into letters: put a space or operator between"},
        ErrorCase{"1.5f", 0, "1.5f",
                  "a number cannot run into letters: put a space or operator between"},
        ErrorCase{"3_000", 0, "3_000",
                  "a number cannot run into letters: put a space or operator between"},
        ErrorCase{"1e999", 0, "1e999", "number is too large for a float"}));

TEST(Lexer, UnterminatedCommentIsAnErrorTokenThenEof) {
  Lexed l("a /* b");
  ASSERT_EQ(l.kinds(), (std::vector<Tok>{Tok::Ident, Tok::Error, Tok::Eof}));
  ASSERT_EQ(l.errors.size(), 1u);
  // The Eof after it is at the very end of the buffer.
  EXPECT_EQ(l.offset(l.tokens[2]), 6u);
}

TEST(Lexer, LexingGoesOnAfterErrors) {
  //            0         1         2         3
  //            0123456789012345678901234567890123456
  Lexed l("a @ b & c 12abc d 1e e 4294967296 f | g");
  std::vector<Tok> want = {Tok::Ident, Tok::Error, Tok::Ident, Tok::Error, Tok::Ident,
                           Tok::Error, Tok::Ident, Tok::Error, Tok::Ident, Tok::Error,
                           Tok::Ident, Tok::Error, Tok::Ident, Tok::Eof};
  ASSERT_EQ(l.kinds(), want);
  std::vector<std::string> names;
  for (const Token &t : l.tokens)
    if (t.is(Tok::Ident))
      names.push_back(t.text.str());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  ASSERT_EQ(l.errors.size(), 6u);
  std::vector<size_t> offsets = {2, 6, 10, 18, 23, 36};
  for (size_t i = 0; i < offsets.size(); ++i)
    EXPECT_EQ(l.errors[i].offset, offsets[i]) << i;
  EXPECT_EQ(l.errors[3].message, "exponent of a number needs digits");
}

TEST(Lexer, BadExponentResumesRightAfterTheE) {
  // "1e+2" lexes as a float; "1e+" is an error covering "1e", then '+' is its own token.
  Lexed l("1e+ 2");
  ASSERT_EQ(l.kinds(), (std::vector<Tok>{Tok::Error, Tok::Plus, Tok::Int, Tok::Eof}));
  EXPECT_EQ(l.tokens[0].text, "1e");
  EXPECT_EQ(l.tokens[2].intValue, 2);
}

TEST(Lexer, MultiByteCharacterReportsEachByte) {
  // UTF-8 'é' is C3 A9: the lexer works on bytes and reports both, and still finds 'x'.
  Lexed l("\xc3\xa9x");
  ASSERT_EQ(l.kinds(), (std::vector<Tok>{Tok::Error, Tok::Error, Tok::Ident, Tok::Eof}));
  ASSERT_EQ(l.errors.size(), 2u);
  EXPECT_EQ(l.errors[0].message, "unexpected character (byte 0xc3)");
  EXPECT_EQ(l.errors[1].offset, 1u);
  EXPECT_EQ(l.errors[1].message, "unexpected character (byte 0xa9)");
}

TEST(Lexer, TokenRangeCoversTheText) {
  Lexed l("  <=  ");
  const Token &t = l.tokens[0];
  EXPECT_EQ(t.loc().getPointer(), l.src.data() + 2);
  EXPECT_EQ(t.range().End.getPointer(), l.src.data() + 4);
}

} // namespace
