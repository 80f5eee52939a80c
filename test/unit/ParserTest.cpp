// Parser: operator precedence and associativity, let blocks, declaration fields, error reporting and recovery, and the expression nesting limit.
#include "DiagnosticCapture.h"

#include "compiler/Frontend/Parser.h"

#include <gtest/gtest.h>

using namespace attn;
using namespace attn::test;

namespace {

/// The tree as a fully parenthesized S-expression, e.g. "(+ a (* b c))".
std::string sexpr(const Expr &e) {
  auto list = [&](std::string head) {
    for (const ExprPtr &a : e.args)
      head += " " + sexpr(*a);
    return "(" + head + ")";
  };
  switch (e.kind) {
  case Expr::IntLit: return std::to_string(e.intValue);
  case Expr::FloatLit: {
    char buf[32];
    snprintf(buf, sizeof buf, "%gf", e.floatValue);
    return buf;
  }
  case Expr::BoolLit: return e.boolValue ? "true" : "false";
  case Expr::Name: return e.name;
  case Expr::Unary: return list(e.unOp == UnaryOp::Neg ? "neg" : "!");
  case Expr::Binary: return list(opSpelling(e.binOp).str());
  case Expr::Ternary: return list("?:");
  case Expr::Call: return list("call " + e.name);
  case Expr::Index: return list("index " + e.name);
  case Expr::Let: return list("let " + e.name);
  }
  return "<bad>";
}

std::string text(llvm::SMRange r) {
  return std::string(r.Start.getPointer(), r.End.getPointer() - r.Start.getPointer());
}

/// Parses `expr` as the body of a score block and returns it as an S-expression ("" on error).
std::string parseScore(const std::string &expr, unsigned *errors = nullptr) {
  DiagnosticCapture dc;
  unsigned n = 0;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel t { score { " + expr + " } }", &n);
  if (errors)
    *errors = n;
  if (!spec || !spec->score)
    return "";
  return sexpr(*spec->score);
}

struct PrecCase {
  const char *src;
  const char *tree;
};

class ParserPrecedence : public ::testing::TestWithParam<PrecCase> {};

TEST_P(ParserPrecedence, Shape) {
  unsigned errors = 0;
  EXPECT_EQ(parseScore(GetParam().src, &errors), GetParam().tree) << GetParam().src;
  EXPECT_EQ(errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Parser, ParserPrecedence,
    ::testing::Values(
        // Multiplicative over additive, both left-associative.
        PrecCase{"a + b * c", "(+ a (* b c))"}, PrecCase{"a * b + c", "(+ (* a b) c)"},
        PrecCase{"a - b - c", "(- (- a b) c)"}, PrecCase{"a - b + c", "(+ (- a b) c)"},
        PrecCase{"a / b / c", "(/ (/ a b) c)"}, PrecCase{"a % b * c", "(* (% a b) c)"},
        PrecCase{"a / b % c", "(% (/ a b) c)"},
        // Logical: && over ||, both left-associative.
        PrecCase{"a || b && c", "(|| a (&& b c))"},
        PrecCase{"a && b || c && d", "(|| (&& a b) (&& c d))"},
        PrecCase{"a || b || c", "(|| (|| a b) c)"}, PrecCase{"a && b && c", "(&& (&& a b) c)"},
        // Relational over equality over &&; arithmetic over relational.
        PrecCase{"a == b < c", "(== a (< b c))"},
        PrecCase{"a < b == c >= d", "(== (< a b) (>= c d))"},
        PrecCase{"a != b == c", "(== (!= a b) c)"}, PrecCase{"a < b < c", "(< (< a b) c)"},
        PrecCase{"a + b <= c * d", "(<= (+ a b) (* c d))"},
        PrecCase{"a > b && c == d", "(&& (> a b) (== c d))"},
        // ?: is lowest and right-associative.
        PrecCase{"c ? x : y ? z : w", "(?: c x (?: y z w))"},
        PrecCase{"c ? a ? b : d : e", "(?: c (?: a b d) e)"},
        PrecCase{"a || b ? x + 1 : y * 2", "(?: (|| a b) (+ x 1) (* y 2))"},
        // Unary binds tighter than any binary operator.
        PrecCase{"-a * b", "(* (neg a) b)"}, PrecCase{"!a && b", "(&& (! a) b)"},
        PrecCase{"a - -b", "(- a (neg b))"}, PrecCase{"- - a", "(neg (neg a))"},
        PrecCase{"!!a || b", "(|| (! (! a)) b)"}, PrecCase{"-a % -b", "(% (neg a) (neg b))"},
        // Parentheses, calls, indexing, literals.
        PrecCase{"(a + b) * c", "(* (+ a b) c)"}, PrecCase{"a - (b - c)", "(- a (- b c))"},
        PrecCase{"-(a + b)", "(neg (+ a b))"},
        PrecCase{"max(a, b + c) * 2", "(* (call max a (+ b c)) 2)"},
        PrecCase{"f()", "(call f)"}, PrecCase{"p[h, q_idx + 1]", "(index p h (+ q_idx 1))"},
        PrecCase{"doc[q_idx] == doc[kv_idx]", "(== (index doc q_idx) (index doc kv_idx))"},
        PrecCase{"1 + 2.5 * true", "(+ 1 (* 2.5f true))"},
        PrecCase{"false || .5 < 2.", "(|| false (< 0.5f 2f))"}));

TEST(Parser, RangesCoverTheSource) {
  DiagnosticCapture dc;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel t { score { (a + b) * c } }");
  ASSERT_TRUE(spec && spec->score);
  const Expr &mul = *spec->score;
  EXPECT_EQ(text(mul.range), "(a + b) * c");
  EXPECT_EQ(text(mul.args[0]->range), "(a + b)"); // parentheses kept in the range
  EXPECT_EQ(text(mul.args[0]->args[1]->range), "b");
  EXPECT_EQ(text(spec->scoreRange), "score { (a + b) * c }");
  EXPECT_EQ(text(spec->nameRange), "t");
}

TEST(Parser, LetBlockBecomesNestedLets) {
  DiagnosticCapture dc;
  std::unique_ptr<SpecAST> spec =
      dc.parse("kernel t {\n  score { let a = 1; let b = a + 2; b * s }\n}");
  ASSERT_TRUE(spec && spec->score);
  EXPECT_EQ(sexpr(*spec->score), "(let a 1 (let b (+ a 2) (* b s)))");
  const Expr &outer = *spec->score;
  ASSERT_EQ(outer.kind, Expr::Let);
  EXPECT_EQ(outer.name, "a");
  EXPECT_EQ(text(outer.range), "a"); // a Let points at its name
  const Expr &inner = *outer.args[1];
  ASSERT_EQ(inner.kind, Expr::Let);
  EXPECT_EQ(inner.name, "b");
  EXPECT_EQ(text(inner.range), "b");
  // Depths: (* b s) is 2, the inner Let 3, the outer Let 4.
  EXPECT_EQ(inner.args[1]->depth, 2u);
  EXPECT_EQ(inner.depth, 3u);
  EXPECT_EQ(outer.depth, 4u);
}

TEST(Parser, BlockWithoutLetsIsItsExpression) {
  EXPECT_EQ(parseScore("s"), "s");
  EXPECT_EQ(parseScore("let x = s; x"), "(let x s x)");
}

TEST(Parser, DeclarationFields) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel demo {\n"
                                           "  q: f8e4m3[64] scale per_head;\n"
                                           "  out: bf16;\n"
                                           "  param slopes: f32[H];\n"
                                           "  param table: i32[B, S, 4];\n"
                                           "  const cap = 50.0;\n"
                                           "  gqa = 4;\n"
                                           "  batch = ragged;\n"
                                           "  kv_cache = paged(16);\n"
                                           "  mask { causal }\n"
                                           "}\n",
                                           &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 0u);
  EXPECT_EQ(spec->name, "demo");

  ASSERT_EQ(spec->tensors.size(), 2u);
  const TensorDecl &q = spec->tensors[0];
  EXPECT_EQ(q.name, "q");
  EXPECT_EQ(q.dtype, "f8e4m3");
  ASSERT_TRUE(q.headDim.has_value());
  EXPECT_EQ(*q.headDim, 64);
  ASSERT_TRUE(q.scale.has_value());
  EXPECT_EQ(*q.scale, "per_head");
  EXPECT_EQ(text(q.nameRange), "q");
  EXPECT_EQ(text(q.dtypeRange), "f8e4m3");
  EXPECT_EQ(text(q.headDimRange), "64");
  EXPECT_EQ(text(q.scaleRange), "per_head");
  const TensorDecl &out = spec->tensors[1];
  EXPECT_EQ(out.name, "out");
  EXPECT_EQ(out.dtype, "bf16");
  EXPECT_FALSE(out.headDim.has_value());
  EXPECT_FALSE(out.scale.has_value());

  ASSERT_EQ(spec->params.size(), 2u);
  EXPECT_EQ(spec->params[0].name, "slopes");
  EXPECT_EQ(spec->params[0].dtype, "f32");
  ASSERT_EQ(spec->params[0].dims.size(), 1u);
  EXPECT_EQ(spec->params[0].dims[0].name, "H");
  const ParamDecl &table = spec->params[1];
  EXPECT_EQ(table.dtype, "i32");
  ASSERT_EQ(table.dims.size(), 3u);
  EXPECT_EQ(table.dims[0].name, "B");
  EXPECT_EQ(table.dims[1].name, "S");
  EXPECT_EQ(table.dims[2].name, "");
  EXPECT_EQ(table.dims[2].size, 4);
  EXPECT_EQ(text(table.dims[2].range), "4");

  ASSERT_EQ(spec->consts.size(), 1u);
  EXPECT_EQ(spec->consts[0].name, "cap");
  ASSERT_EQ(spec->consts[0].value->kind, Expr::FloatLit);
  EXPECT_DOUBLE_EQ(spec->consts[0].value->floatValue, 50.0);

  ASSERT_EQ(spec->options.size(), 3u);
  EXPECT_EQ(spec->options[0].name, "gqa");
  EXPECT_EQ(sexpr(*spec->options[0].value), "4");
  EXPECT_EQ(spec->options[1].name, "batch");
  EXPECT_EQ(spec->options[1].value->kind, Expr::Name);
  EXPECT_EQ(spec->options[1].value->name, "ragged");
  EXPECT_EQ(spec->options[2].name, "kv_cache");
  EXPECT_EQ(sexpr(*spec->options[2].value), "(call paged 16)");

  EXPECT_EQ(spec->score, nullptr);
  ASSERT_NE(spec->mask, nullptr);
  EXPECT_EQ(sexpr(*spec->mask), "causal");
}

TEST(Parser, SeveralSyntaxErrorsAreEachReported) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel k {\n"
                                           "  q: bf16[128;\n"
                                           "  k: [128];\n"
                                           "  param p: f32[H, ];\n"
                                           "  const c = 1 +;\n"
                                           "  score { s * }\n"
                                           "  mask { causal }\n"
                                           "}\n",
                                           &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 5u);
  std::vector<CapturedDiag> d = dc.errors();
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].message, "expected ']' after the head dim, found ';'");
  EXPECT_EQ(std::make_pair(d[0].line, d[0].col), std::make_pair(2u, 14u));
  EXPECT_EQ(d[1].message, "expected a dtype after 'k:', found '['");
  EXPECT_EQ(std::make_pair(d[1].line, d[1].col), std::make_pair(3u, 6u));
  EXPECT_EQ(d[2].message,
            "expected a dimension (B, H, Hkv, S or an integer) in a param shape, found ']'");
  EXPECT_EQ(std::make_pair(d[2].line, d[2].col), std::make_pair(4u, 19u));
  EXPECT_EQ(d[3].message, "expected an expression, found ';'");
  EXPECT_EQ(std::make_pair(d[3].line, d[3].col), std::make_pair(5u, 16u));
  EXPECT_EQ(d[4].message, "expected an expression, found '}'");
  EXPECT_EQ(std::make_pair(d[4].line, d[4].col), std::make_pair(6u, 15u));
  // What failed is left out; the mask after the bad score block still parsed.
  EXPECT_TRUE(spec->tensors.empty());
  EXPECT_TRUE(spec->params.empty());
  EXPECT_TRUE(spec->consts.empty());
  EXPECT_EQ(spec->score, nullptr);
  ASSERT_NE(spec->mask, nullptr);
  EXPECT_EQ(sexpr(*spec->mask), "causal");
}

TEST(Parser, SyntaxErrorsAreNotSemanticErrors) {
  // parseAndCheck stops after syntax errors: nothing about missing tensors is reported.
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check("kernel k { score { s + } }"));
  ASSERT_EQ(dc.errors().size(), 1u);
  EXPECT_EQ(dc.errors()[0].message, "expected an expression, found '}'");
}

struct RecoveryCase {
  const char *badScore;
  const char *message;
};

class ParserRecovery : public ::testing::TestWithParam<RecoveryCase> {};

// A bad score block is skipped to its closing brace: the declarations after it still parse.
TEST_P(ParserRecovery, BadScoreBlockDoesNotEatTheNextDeclaration) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::string src = std::string("kernel k {\n") + GetParam().badScore +
                    "\n  mask { causal }\n  gqa = 2;\n  const c = 3;\n}\n";
  std::unique_ptr<SpecAST> spec = dc.parse(src, &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 1u) << GetParam().badScore;
  ASSERT_EQ(dc.errors().size(), 1u);
  EXPECT_EQ(dc.errors()[0].message, GetParam().message);
  EXPECT_EQ(spec->score, nullptr);
  ASSERT_NE(spec->mask, nullptr);
  EXPECT_EQ(sexpr(*spec->mask), "causal");
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].name, "gqa");
  ASSERT_EQ(spec->consts.size(), 1u);
  EXPECT_EQ(spec->consts[0].name, "c");
}

INSTANTIATE_TEST_SUITE_P(
    Parser, ParserRecovery,
    ::testing::Values(
        RecoveryCase{"  score { s * }", "expected an expression, found '}'"},
        RecoveryCase{"  score { s * (2 + ) }", "expected an expression, found ')'"},
        RecoveryCase{"  score { s; }", "expected '}' to close the block, found ';': the last "
                                       "expression of a block takes no ';'"},
        RecoveryCase{"  score { let x 3; s }", "expected '=' after 'let x', found '3'"},
        RecoveryCase{"  score { let = 3; s }", "expected a name after 'let', found '='"},
        RecoveryCase{"  score { s @ 2 }", "unexpected character '@'"},
        RecoveryCase{"  score { max(s, 1 }", "expected ')' to close the argument list, found '}'"},
        RecoveryCase{"  score { s s }", "expected '}' to close the block, found 's'"}));

TEST(Parser, BadDeclarationRecoversAtTheNextSemicolon) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel k {\n"
                                           "  gqa = 2 3;\n"
                                           "  batch = ragged;\n"
                                           "  q + 1;\n"
                                           "  score { s }\n"
                                           "}\n",
                                           &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 2u);
  ASSERT_EQ(dc.errors().size(), 2u);
  EXPECT_EQ(dc.errors()[0].message, "expected ';' to end option 'gqa', found '3'");
  EXPECT_EQ(dc.errors()[1].message,
            "expected ':' (a tensor declaration) or '=' (an option) after 'q', found '+'");
  EXPECT_EQ(std::make_pair(dc.errors()[1].line, dc.errors()[1].col), std::make_pair(4u, 5u));
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].name, "batch");
  ASSERT_NE(spec->score, nullptr);
}

TEST(Parser, StrayCharacterBetweenDeclarationsDoesNotEatTheNext) {
  // The '#' is lexed as the lookahead of k's ';': its error belongs to it, not to k's
  // declaration, so the parser must not skip v's declaration (and its own error) to recover.
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec = dc.parse("kernel k {\n"
                                           "  q: bf16[128];\n"
                                           "  k: bf16[128]; #\n"
                                           "  v: bf16[128;\n"
                                           "  out: bf16;\n"
                                           "  score { s } @\n"
                                           "  gqa = 2;\n"
                                           "}\n",
                                           &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 3u);
  std::vector<CapturedDiag> d = dc.errors();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].message, "unexpected character '#'");
  EXPECT_EQ(std::make_pair(d[0].line, d[0].col), std::make_pair(3u, 17u));
  EXPECT_EQ(d[1].message, "expected ']' after the head dim, found ';'");
  EXPECT_EQ(std::make_pair(d[1].line, d[1].col), std::make_pair(4u, 14u));
  EXPECT_EQ(d[2].message, "unexpected character '@'");
  EXPECT_EQ(std::make_pair(d[2].line, d[2].col), std::make_pair(6u, 15u));
  ASSERT_EQ(spec->tensors.size(), 3u); // q, k, out
  EXPECT_EQ(spec->tensors[2].name, "out");
  ASSERT_NE(spec->score, nullptr);
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].name, "gqa");
}

TEST(Parser, LexerErrorInsideADeclarationStillRecovers) {
  // Here the declaration itself stops at the bad token: recovery skips to its ';' without a
  // second report for the same token.
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec =
      dc.parse("kernel k {\n  gqa = @;\n  q: bf16[128] @;\n  batch = ragged;\n}\n", &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 2u);
  ASSERT_EQ(dc.errors().size(), 2u);
  EXPECT_EQ(dc.errors()[0].message, "unexpected character '@'");
  EXPECT_EQ(dc.errors()[1].message, "unexpected character '@'");
  EXPECT_TRUE(spec->tensors.empty());
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].name, "batch");
}

TEST(Parser, MissingKernelHeaderGivesNoTree) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  EXPECT_EQ(dc.parse("q: bf16[128];", &errors), nullptr);
  EXPECT_EQ(errors, 1u);
  ASSERT_EQ(dc.errors().size(), 1u);
  EXPECT_EQ(dc.errors()[0].message, "expected 'kernel' at the start of a spec, found 'q'");
  EXPECT_EQ(std::make_pair(dc.errors()[0].line, dc.errors()[0].col), std::make_pair(1u, 1u));
}

TEST(Parser, UnclosedKernelAndTrailingTokens) {
  {
    DiagnosticCapture dc;
    unsigned errors = 0;
    ASSERT_TRUE(dc.parse("kernel k {", &errors));
    EXPECT_EQ(errors, 1u);
    ASSERT_EQ(dc.errors().size(), 1u);
    EXPECT_EQ(dc.errors()[0].message, "expected '}' to close the kernel body, found end of file");
    EXPECT_EQ(std::make_pair(dc.errors()[0].line, dc.errors()[0].col), std::make_pair(1u, 11u));
  }
  {
    DiagnosticCapture dc;
    unsigned errors = 0;
    ASSERT_TRUE(dc.parse("kernel k { }\nx", &errors));
    EXPECT_EQ(errors, 1u);
    ASSERT_EQ(dc.errors().size(), 1u);
    EXPECT_EQ(dc.errors()[0].message, "expected end of file after the kernel body, found 'x'");
    EXPECT_EQ(std::make_pair(dc.errors()[0].line, dc.errors()[0].col), std::make_pair(2u, 1u));
  }
}

TEST(Parser, UnterminatedCommentSwallowsTheRest) {
  // The lexer reports the comment; the parser does not add "expected ... found" for that token.
  DiagnosticCapture dc;
  unsigned errors = 0;
  ASSERT_TRUE(dc.parse("kernel k { score { s } /* open", &errors));
  ASSERT_EQ(dc.errors().size(), 2u);
  EXPECT_EQ(errors, 2u);
  EXPECT_EQ(dc.errors()[0].message, "unterminated '/*' comment");
  EXPECT_EQ(dc.errors()[0].col, 24u);
  // The comment swallowed the closing brace, which is then really missing.
  EXPECT_EQ(dc.errors()[1].message, "expected '}' to close the kernel body, found end of file");
}

//===----------------------------------------------------------------------===//
// The nesting limit
//===----------------------------------------------------------------------===//

std::string repeat(const std::string &s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

const std::string kTooDeep = "expression is nested more than " + std::to_string(kMaxExprDepth) +
                             " levels deep: split it with 'let' or 'const'";

/// Parses `kernel t { score { EXPR } mask { causal } }`: the error count, the byte offset of
/// the first error relative to EXPR's start, and whether the mask after it still parsed.
struct DeepResult {
  unsigned errors = 0;
  std::vector<CapturedDiag> diags;
  long firstErrorCol = -1; ///< 0-based column within EXPR of the first error
  bool scoreParsed = false, maskParsed = false;
};

DeepResult parseDeep(const std::string &expr) {
  DiagnosticCapture dc;
  const std::string prefix = "kernel t { score { ";
  DeepResult r;
  std::unique_ptr<SpecAST> spec = dc.parse(prefix + expr + " } mask { causal } }", &r.errors);
  EXPECT_TRUE(spec);
  r.diags = dc.errors();
  if (!r.diags.empty())
    r.firstErrorCol = long(r.diags[0].col) - 1 - long(prefix.size());
  r.scoreParsed = spec && spec->score;
  r.maskParsed = spec && spec->mask;
  return r;
}

TEST(ParserNesting, DeepParenthesesAreAnError) {
  DeepResult r = parseDeep(repeat("(", 10000) + "s" + repeat(")", 10000));
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].message, kTooDeep);
  // The block expression is level 1 and the '(' at index i opens level i + 2, so the one at
  // index 199 opens level 201: reported at the token after it, index 200.
  EXPECT_EQ(r.firstErrorCol, long(kMaxExprDepth));
  EXPECT_FALSE(r.scoreParsed);
  EXPECT_TRUE(r.maskParsed);
}

TEST(ParserNesting, ParenthesesUpToTheLimit) {
  // The block expression is level 1, so 199 parentheses reach level 200 exactly.
  DeepResult ok = parseDeep(repeat("(", kMaxExprDepth - 1) + "s" + repeat(")", kMaxExprDepth - 1));
  EXPECT_EQ(ok.errors, 0u);
  EXPECT_TRUE(ok.scoreParsed);
  DeepResult bad = parseDeep(repeat("(", kMaxExprDepth) + "s" + repeat(")", kMaxExprDepth));
  EXPECT_EQ(bad.errors, 1u);
  EXPECT_FALSE(bad.scoreParsed);
}

TEST(ParserNesting, LongUnaryChainIsAnError) {
  DeepResult r = parseDeep(repeat("-", 10000) + "s");
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].message, kTooDeep);
  // The '-' at index i is at level i + 2 (the block is level 1): index 199 is level 201.
  EXPECT_EQ(r.firstErrorCol, long(kMaxExprDepth) - 1);
  EXPECT_TRUE(r.maskParsed);

  DeepResult nots = parseDeep(repeat("!", 10000) + "true");
  EXPECT_EQ(nots.errors, 1u);
  EXPECT_TRUE(nots.maskParsed);
}

TEST(ParserNesting, UnaryChainUpToTheLimit) {
  // n unary operators over a leaf make a tree of height n + 1.
  DeepResult ok = parseDeep(repeat("-", kMaxExprDepth - 1) + "s");
  EXPECT_EQ(ok.errors, 0u);
  ASSERT_TRUE(ok.scoreParsed);
  DeepResult bad = parseDeep(repeat("-", kMaxExprDepth) + "s");
  EXPECT_EQ(bad.errors, 1u);
}

TEST(ParserNesting, LongBinaryChainIsAnError) {
  // 10000 terms, left-associative: the tree would be 10000 levels high.
  DeepResult r = parseDeep("1" + repeat("+1", 9999));
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].message, kTooDeep);
  EXPECT_EQ(r.firstErrorCol, 0); // reported at the start of the chain
  EXPECT_FALSE(r.scoreParsed);
  EXPECT_TRUE(r.maskParsed);
}

TEST(ParserNesting, BinaryChainUpToTheLimit) {
  // k terms make a left spine of k - 1 operators over a leaf: height k.
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec =
      dc.parse("kernel t { score { s" + repeat(" * s", kMaxExprDepth - 1) + " } }", &errors);
  EXPECT_EQ(errors, 0u);
  ASSERT_TRUE(spec && spec->score);
  EXPECT_EQ(spec->score->depth, kMaxExprDepth);
  DeepResult bad = parseDeep("s" + repeat(" * s", kMaxExprDepth));
  EXPECT_EQ(bad.errors, 1u);
}

TEST(ParserNesting, LongTernaryChainIsAnError) {
  DeepResult r = parseDeep(repeat("c ? x : ", 10000) + "y");
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].message, kTooDeep);
  EXPECT_TRUE(r.maskParsed);
}

TEST(ParserNesting, DeepOptionRecoversAtTheSemicolon) {
  DiagnosticCapture dc;
  unsigned errors = 0;
  std::unique_ptr<SpecAST> spec = dc.parse(
      "kernel t { gqa = " + repeat("(", 5000) + "1" + repeat(")", 5000) + "; batch = ragged; }",
      &errors);
  ASSERT_TRUE(spec);
  EXPECT_EQ(errors, 1u);
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].name, "batch");
}

TEST(ParserNesting, DeepInputThroughTheWholeFrontEndIsOneError) {
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check(specWith("  score { s" + repeat(" + s", 9999) + " }")));
  ASSERT_EQ(dc.all().size(), 1u);
  EXPECT_EQ(dc.all()[0].message, kTooDeep);
  EXPECT_EQ(dc.all()[0].line, 6u);
  EXPECT_EQ(dc.all()[0].col, 11u);
}

} // namespace
