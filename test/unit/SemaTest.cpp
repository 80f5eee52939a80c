// Sema: type rules, constant folding values, the Signature built from declarations and options, and the text and position of every front-end diagnostic.
#include "DiagnosticCapture.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attn;
using namespace attn::test;

namespace {

/// The result of checking `const c = EXPR;` in an otherwise valid spec.
struct ConstResult {
  bool ok = false;
  ValueType type = ValueType::Unknown;
  ConstValue value;
  std::vector<CapturedDiag> diags;
};

ConstResult evalConst(const std::string &expr, const std::string &before = "") {
  DiagnosticCapture dc;
  std::optional<CheckedSpec> spec = dc.check(specWith(before + "  const c = " + expr + ";"));
  ConstResult r;
  r.diags = dc.all();
  if (!spec)
    return r;
  const ConstDecl &c = spec->ast->consts.back();
  r.ok = true;
  r.type = c.value->type;
  if (c.value->constValue)
    r.value = *c.value->constValue;
  else
    r.ok = false;
  return r;
}

int64_t constInt(const std::string &expr) {
  ConstResult r = evalConst(expr);
  EXPECT_TRUE(r.ok) << expr;
  EXPECT_EQ(r.type, ValueType::Int) << expr;
  EXPECT_EQ(r.value.type, ValueType::Int) << expr;
  return r.value.i;
}

double constFloat(const std::string &expr) {
  ConstResult r = evalConst(expr);
  EXPECT_TRUE(r.ok) << expr;
  EXPECT_EQ(r.type, ValueType::Float) << expr;
  EXPECT_EQ(r.value.type, ValueType::Float) << expr;
  return r.value.f;
}

bool constBool(const std::string &expr) {
  ConstResult r = evalConst(expr);
  EXPECT_TRUE(r.ok) << expr;
  EXPECT_EQ(r.type, ValueType::Bool) << expr;
  return r.value.b;
}

/// Runs the front end and expects exactly one diagnostic, an error with `message` at
/// (line, col).
void expectOneError(const std::string &src, const std::string &message, unsigned line,
                    unsigned col) {
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check(src)) << src;
  ASSERT_EQ(dc.all().size(), 1u) << src << "\nfirst: "
                                 << (dc.all().empty() ? "" : dc.all()[0].message);
  const CapturedDiag &d = dc.all()[0];
  EXPECT_TRUE(d.isError());
  EXPECT_EQ(d.message, message);
  EXPECT_EQ(d.line, line) << message;
  EXPECT_EQ(d.col, col) << message;
}

/// The one error of `const c = EXPR;` (on line 6, "  const c = " is 12 columns).
void expectConstError(const std::string &expr, const std::string &message, unsigned col) {
  expectOneError(specWith("  const c = " + expr + ";"), message, 6, col);
}

std::string tensors(const std::string &q, const std::string &k, const std::string &v,
                    const std::string &out = "bf16") {
  return "kernel t {\n  q: " + q + ";\n  k: " + k + ";\n  v: " + v + ";\n  out: " + out +
         ";\n}\n";
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

TEST(SemaTypes, IntToFloatPromotion) {
  EXPECT_EQ(constInt("1 + 2"), 3);
  EXPECT_DOUBLE_EQ(constFloat("1 + 0.5"), 1.5);
  EXPECT_DOUBLE_EQ(constFloat("0.5 + 1"), 1.5);
  EXPECT_DOUBLE_EQ(constFloat("2 * 1.25"), 2.5);
  EXPECT_DOUBLE_EQ(constFloat("7.0 / 2"), 3.5);
  EXPECT_DOUBLE_EQ(constFloat("7 / 2.0"), 3.5);
  EXPECT_EQ(constInt("7 / 2"), 3);
  EXPECT_DOUBLE_EQ(constFloat("3 - 4.5"), -1.5);
  // Functions: float math converts int arguments; abs/min/max keep ints, promote mixed.
  EXPECT_DOUBLE_EQ(constFloat("exp2(10)"), 1024.0);
  EXPECT_EQ(constInt("abs(-3)"), 3);
  EXPECT_EQ(constInt("max(2, 3)"), 3);
  EXPECT_DOUBLE_EQ(constFloat("min(2, 3.5)"), 2.0);
  EXPECT_DOUBLE_EQ(constFloat("abs(-2.5)"), 2.5);
}

TEST(SemaTypes, TypesOfRunTimeExpressions) {
  DiagnosticCapture dc;
  std::optional<CheckedSpec> spec = dc.check(specWith("  param doc: i32[S];\n"
                                                      "  param w: f16[H];\n"
                                                      "  score { s * (q_idx / 2) + w[h] }\n"
                                                      "  mask { doc[q_idx] == doc[kv_idx] }"));
  ASSERT_TRUE(spec);
  const Expr &score = *spec->ast->score; // (+ (* s (/ q_idx 2)) w[h])
  EXPECT_EQ(score.type, ValueType::Float);
  EXPECT_FALSE(score.constValue.has_value());
  const Expr &mul = *score.args[0];
  EXPECT_EQ(mul.type, ValueType::Float);
  EXPECT_EQ(mul.args[1]->type, ValueType::Int); // q_idx / 2 stays int
  EXPECT_EQ(mul.args[1]->args[0]->ref, NameRef::QIdx);
  const Expr &w = *score.args[1];
  EXPECT_EQ(w.kind, Expr::Index);
  EXPECT_EQ(w.type, ValueType::Float); // f16 params read as float
  EXPECT_EQ(w.paramIndex, 1u);
  const Expr &mask = *spec->ast->mask;
  EXPECT_EQ(mask.type, ValueType::Bool);
  EXPECT_EQ(mask.args[0]->type, ValueType::Int); // i32 params read as int
  EXPECT_EQ(mask.args[0]->paramIndex, 0u);
  EXPECT_EQ(mask.args[1]->args[0]->ref, NameRef::KVIdx);
}

TEST(SemaTypes, ComparisonsAreBool) {
  EXPECT_TRUE(constBool("1 < 2.5"));
  EXPECT_FALSE(constBool("2.5 < 1"));
  EXPECT_TRUE(constBool("2 >= 2"));
  EXPECT_FALSE(constBool("2 > 2"));
  EXPECT_TRUE(constBool("3 <= 3.0"));
  EXPECT_TRUE(constBool("1.5 == 1.5"));
  EXPECT_TRUE(constBool("2 == 2.0"));
  EXPECT_FALSE(constBool("1 != 1"));
  EXPECT_FALSE(constBool("true == false"));
  EXPECT_TRUE(constBool("true != false"));
  EXPECT_TRUE(constBool("1 < 2 && 2 < 3"));
  EXPECT_TRUE(constBool("false || !false"));
  EXPECT_FALSE(constBool("!(1 < 2)"));
}

TEST(SemaTypes, TernaryBranchTypes) {
  EXPECT_DOUBLE_EQ(constFloat("true ? 1 : 2.5"), 1.0); // int and float: float
  EXPECT_DOUBLE_EQ(constFloat("false ? 1 : 2.5"), 2.5);
  EXPECT_DOUBLE_EQ(constFloat("1 > 2 ? 2.5 : 3"), 3.0);
  EXPECT_EQ(constInt("true ? 1 : 2"), 1);
  EXPECT_EQ(constInt("false ? 1 : 2"), 2);
  EXPECT_TRUE(constBool("1 < 2 ? true : false"));
  expectConstError("true ? 1 : false",
                   "the branches of '?:' have different types, int and bool", 20);
  expectConstError("1 ? 2 : 3", "the condition of '?:' must be a bool, got int", 13);
}

TEST(SemaTypes, OperatorOperandRules) {
  // Columns on line 6: the operand expression starts at column 13.
  expectConstError("5.0 % 2", "operator '%' expects int operands, got float and int", 13);
  expectConstError("5 % 2.0", "operator '%' expects int operands, got int and float", 13);
  EXPECT_EQ(constInt("7 % 3"), 1);
  expectConstError("1 && true", "operator '&&' expects bool operands, got int and bool", 13);
  expectConstError("true || 2.0", "operator '||' expects bool operands, got bool and float",
                   13);
  expectConstError("true < false", "operator '<' expects numbers, got bool and bool", 13);
  expectConstError("1 == true", "operator '==' expects two numbers or two bools, got int and bool",
                   13);
  expectConstError("true + 1", "operator '+' expects numbers, got bool and int", 13);
  expectConstError("-true", "operator '-' expects a number, got bool (negate a bool with '!')",
                   13);
  expectConstError("!1", "operator '!' expects a bool, got int", 13);
  expectConstError("tanh(true)", "'tanh' takes a number, got bool", 18);
}

TEST(SemaTypes, ScoreMustBeNumberAndMaskBool) {
  // An int score is fine (converted); a bool is not. A mask must be bool.
  DiagnosticCapture ok;
  ASSERT_TRUE(ok.check(specWith("  score { q_idx - kv_idx }")));
  EXPECT_TRUE(ok.all().empty());
  expectOneError(specWith("  score { s > 0.0 }"), "score must be a float expression, got bool", 6,
                 11);
  expectOneError(specWith("  mask { q_idx - kv_idx }"),
                 "mask must be a bool expression, got int (compare it, e.g. 'q_idx >= kv_idx')",
                 6, 10);
}

//===----------------------------------------------------------------------===//
// Constant folding
//===----------------------------------------------------------------------===//

TEST(SemaFolding, FloatValues) {
  EXPECT_DOUBLE_EQ(constFloat("1.0 / sqrt(144.0)"), 1.0 / 12.0);
  EXPECT_DOUBLE_EQ(constFloat("exp(0.0)"), 1.0);
  EXPECT_DOUBLE_EQ(constFloat("log(1.0)"), 0.0);
  EXPECT_DOUBLE_EQ(constFloat("log2(8.0)"), 3.0);
  EXPECT_DOUBLE_EQ(constFloat("rsqrt(4.0)"), 0.5);
  EXPECT_DOUBLE_EQ(constFloat("sigmoid(0.0)"), 0.5);
  EXPECT_DOUBLE_EQ(constFloat("tanh(0.0)"), 0.0);
  EXPECT_DOUBLE_EQ(constFloat("pi"), M_PI);
  EXPECT_DOUBLE_EQ(constFloat("-2.5"), -2.5);
  EXPECT_DOUBLE_EQ(constFloat("1e-3 * 1000"), 1.0);
  double big = constFloat("inf");
  EXPECT_TRUE(std::isinf(big) && big > 0);
  double div0 = constFloat("1.0 / 0"); // float division by zero is IEEE, not an error
  EXPECT_TRUE(std::isinf(div0) && div0 > 0);
}

TEST(SemaFolding, IntDivisionTruncatesTowardZero) {
  EXPECT_EQ(constInt("-7 / 2"), -3);
  EXPECT_EQ(constInt("-7 % 2"), -1);
  EXPECT_EQ(constInt("7 / -2"), -3);
  EXPECT_EQ(constInt("7 % -2"), 1);
  EXPECT_EQ(constInt("-7 / -2"), 3);
  EXPECT_EQ(constInt("-7 % -2"), -1);
  EXPECT_EQ(constInt("7 / 2"), 3);
  EXPECT_EQ(constInt("7 % 2"), 1);
  EXPECT_EQ(constInt("2 - 3 - 4"), -5); // left-associative: (2 - 3) - 4
  EXPECT_EQ(constInt("-2147483647 - 1"), -2147483647 - 1); // INT32_MIN itself is fine
}

TEST(SemaFolding, ConstantsReferToConstants) {
  ConstResult r = evalConst("a * 7", "  const a = 6;\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.type, ValueType::Int);
  EXPECT_EQ(r.value.i, 42);
}

TEST(SemaFolding, IntOverflowIsAnError) {
  // One error at the operation; no second "must be known at compile time" error.
  expectConstError("2147483647 + 1",
                   "integer overflow: the value 2147483648 does not fit in 32 bits", 13);
  expectConstError("-2147483647 - 2",
                   "integer overflow: the value -2147483649 does not fit in 32 bits", 13);
  expectConstError("65536 * 32768",
                   "integer overflow: the value 2147483648 does not fit in 32 bits", 13);
  expectConstError("-(-2147483647 - 1)",
                   "integer overflow: the value 2147483648 does not fit in 32 bits", 13);
  expectConstError("(-2147483647 - 1) / -1",
                   "integer overflow: the value 2147483648 does not fit in 32 bits", 13);
  expectConstError("abs(-2147483647 - 1)",
                   "integer overflow: the value 2147483648 does not fit in 32 bits", 13);
}

TEST(SemaFolding, IntDivisionByZeroIsAnError) {
  expectConstError("1 / 0", "integer division by zero", 17);
  expectConstError("5 % (2 - 2)", "integer division by zero", 17);
}

TEST(SemaFolding, ConstantsInsideScoreAndLets) {
  DiagnosticCapture dc;
  std::optional<CheckedSpec> spec =
      dc.check(specWith("  const cap = 50.0;\n  score { let m = 2 * 3; s * m + cap / 4 }"));
  ASSERT_TRUE(spec);
  const Expr &let = *spec->ast->score;
  ASSERT_EQ(let.kind, Expr::Let);
  ASSERT_TRUE(let.args[0]->constValue.has_value());
  EXPECT_EQ(let.args[0]->constValue->i, 6);
  const Expr &add = *let.args[1]; // (+ (* s m) (/ cap 4))
  EXPECT_FALSE(add.constValue.has_value());
  const Expr &kUse = *add.args[0]->args[1];
  EXPECT_EQ(kUse.ref, NameRef::Let);
  EXPECT_EQ(kUse.let, &let);
  ASSERT_TRUE(kUse.constValue.has_value());
  EXPECT_EQ(kUse.constValue->i, 6);
  const Expr &quarter = *add.args[1];
  ASSERT_TRUE(quarter.constValue.has_value());
  EXPECT_EQ(quarter.type, ValueType::Float);
  EXPECT_DOUBLE_EQ(quarter.constValue->f, 12.5);
}

TEST(SemaFolding, ConstantsMustBeCompileTime) {
  expectConstError("q_idx",
                   "'q_idx' varies per score and cannot be used in a compile-time constant", 13);
  expectConstError("sliding_window(4)",
                   "the value of 'const c' must be known at compile time: it may use literals, "
                   "other constants and math functions, not indices, params or 's'",
                   13);
  expectOneError(specWith("  param w: f32[H];\n  const c = w[0];"),
                 "param 'w' is read at run time and cannot be used in a compile-time constant", 7,
                 13);
}

//===----------------------------------------------------------------------===//
// The Signature
//===----------------------------------------------------------------------===//

Signature signatureOf(const std::string &src) {
  DiagnosticCapture dc;
  std::optional<CheckedSpec> spec = dc.check(src);
  EXPECT_TRUE(spec) << src << "\n" << (dc.all().empty() ? "" : dc.all()[0].message);
  EXPECT_TRUE(dc.all().empty());
  return spec ? spec->signature : Signature();
}

TEST(SemaSignature, Defaults) {
  Signature s = signatureOf(specWith(""));
  EXPECT_EQ(s.softmaxScale, 0.0); // left for ASTToAttn to fill with 1/sqrt(D)
  EXPECT_FALSE(s.gqa.has_value());
  EXPECT_EQ(s.batch, BatchLayout::Dense);
  EXPECT_EQ(s.kvCache, KVCache::Contiguous);
  EXPECT_EQ(s.pageSize, 0);
  EXPECT_FALSE(s.lse);
  EXPECT_TRUE(s.params.empty());
  for (const TensorSig *t : {&s.q, &s.k, &s.v}) {
    EXPECT_EQ(t->dtype, DType::BF16);
    EXPECT_EQ(t->headDim, 128);
    EXPECT_EQ(t->scale, ScaleKind::None);
  }
  EXPECT_EQ(s.out.dtype, DType::BF16);
  EXPECT_EQ(s.out.headDim, 128); // from v
}

TEST(SemaSignature, TensorsAndOut) {
  Signature s = signatureOf("kernel t {\n"
                            "  q: f8e4m3[64] scale per_head;\n"
                            "  k: f8e5m2[64] scale per_token_head;\n"
                            "  v: f8e4m3[96] scale per_tensor;\n"
                            "  out: f8e4m3 scale per_tensor;\n"
                            "  lse: f32;\n"
                            "}\n");
  EXPECT_EQ(s.q.dtype, DType::F8E4M3);
  EXPECT_EQ(s.q.headDim, 64);
  EXPECT_EQ(s.q.scale, ScaleKind::PerHead);
  EXPECT_EQ(s.k.dtype, DType::F8E5M2);
  EXPECT_EQ(s.k.scale, ScaleKind::PerTokenHead);
  EXPECT_EQ(s.v.headDim, 96);
  EXPECT_EQ(s.v.scale, ScaleKind::PerTensor);
  EXPECT_EQ(s.out.dtype, DType::F8E4M3);
  EXPECT_EQ(s.out.scale, ScaleKind::PerTensor);
  EXPECT_EQ(s.out.headDim, 96);
  EXPECT_TRUE(s.lse);
}

TEST(SemaSignature, OptionsMapToFields) {
  Signature s = signatureOf(specWith("  gqa = 2 * 4;\n"
                                     "  batch = ragged;\n"
                                     "  kv_cache = paged(16);\n"
                                     "  softmax_scale = 1.0 / sqrt(144.0);"));
  ASSERT_TRUE(s.gqa.has_value());
  EXPECT_EQ(*s.gqa, 8);
  EXPECT_EQ(s.batch, BatchLayout::Ragged);
  EXPECT_EQ(s.kvCache, KVCache::Paged);
  EXPECT_EQ(s.pageSize, 16);
  EXPECT_DOUBLE_EQ(s.softmaxScale, 1.0 / 12.0);

  Signature d = signatureOf(specWith("  batch = dense;\n  kv_cache = contiguous;\n"
                                     "  softmax_scale = 2;"));
  EXPECT_EQ(d.batch, BatchLayout::Dense);
  EXPECT_EQ(d.kvCache, KVCache::Contiguous);
  EXPECT_EQ(d.pageSize, 0);
  EXPECT_DOUBLE_EQ(d.softmaxScale, 2.0); // an int scale converts
}

TEST(SemaSignature, Params) {
  Signature s = signatureOf(specWith("  param slopes: f32[H];\n"
                                     "  param doc: i32[B, S];\n"
                                     "  param table: bf16[Hkv, 4];"));
  ASSERT_EQ(s.params.size(), 3u);
  EXPECT_EQ(s.params[0].name, "slopes");
  EXPECT_EQ(s.params[0].dtype, DType::F32);
  EXPECT_EQ(s.params[0].dims, (std::vector<ParamDim>{{ParamDim::H, 0}}));
  EXPECT_EQ(s.params[1].dtype, DType::I32);
  EXPECT_EQ(s.params[1].dims, (std::vector<ParamDim>{{ParamDim::B, 0}, {ParamDim::S, 0}}));
  EXPECT_EQ(s.params[2].dtype, DType::BF16);
  EXPECT_EQ(s.params[2].dims, (std::vector<ParamDim>{{ParamDim::Hkv, 0}, {ParamDim::Fixed, 4}}));
}

TEST(SemaSignature, OptionErrors) {
  // Option lines are line 6; "  gqa = " puts the value at column 9.
  expectOneError(specWith("  batch = packed;"), "'batch' is 'dense' or 'ragged'", 6, 11);
  expectOneError(specWith("  kv_cache = paged(n);"),
                 "'kv_cache' is 'contiguous' or 'paged(PAGE_SIZE)' with an integer page size, "
                 "e.g. paged(16)",
                 6, 14);
  expectOneError(specWith("  kv_cache = paged(12);"),
                 "page size 12 is not supported: use a power of two from 1 to 1024", 6, 14);
  expectOneError(specWith("  kv_cache = paged(2048);"),
                 "page size 2048 is not supported: use a power of two from 1 to 1024", 6, 14);
  expectOneError(specWith("  gqa = 0;"),
                 "gqa must be a positive number of query heads per KV head, got 0", 6, 9);
  expectOneError(specWith("  gqa = 2.0;"), "'gqa' is an int (query heads per KV head), got float",
                 6, 9);
  expectOneError(specWith("  gqa = h;"),
                 "'h' varies per score and cannot be used in a compile-time constant", 6, 9);
  expectOneError(specWith("  softmax_scale = true;"), "'softmax_scale' is a number, got bool", 6,
                 19);
  expectOneError(specWith("  gqb = 4;"), "unknown option 'gqb'; did you mean 'gqa'?", 6, 3);
  expectOneError(specWith("  foo = 1;"),
                 "unknown option 'foo'; the options are softmax_scale, gqa, batch and kv_cache", 6,
                 3);
  for (const char *bad : {"-1.0", "0", "1.0 / 0"}) {
    DiagnosticCapture dc;
    EXPECT_FALSE(dc.check(specWith(std::string("  softmax_scale = ") + bad + ";")));
    ASSERT_EQ(dc.all().size(), 1u) << bad;
    EXPECT_EQ(dc.all()[0].message.rfind("'softmax_scale' must be a positive finite number, got ", 0),
              0u)
        << dc.all()[0].message;
    EXPECT_EQ(dc.all()[0].col, 19u);
  }
}

TEST(SemaSignature, DuplicateOption) {
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check(specWith("  gqa = 2;\n  gqa = 4;")));
  ASSERT_EQ(dc.all().size(), 1u);
  const CapturedDiag &d = dc.all()[0];
  EXPECT_EQ(d.message, "duplicate option 'gqa'");
  EXPECT_EQ(std::make_pair(d.line, d.col), std::make_pair(7u, 3u));
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "first set here");
  EXPECT_EQ(std::make_pair(d.notes[0].line, d.notes[0].col), std::make_pair(6u, 3u));
}

//===----------------------------------------------------------------------===//
// Diagnostics about declarations
//===----------------------------------------------------------------------===//

TEST(SemaDiagnostics, UnknownDtype) {
  expectOneError(tensors("bf17[128]", "bf16[128]", "bf16[128]"),
                 "unknown dtype 'bf17'; did you mean 'bf16'?", 2, 6);
  expectOneError(tensors("bfloat16[128]", "bf16[128]", "bf16[128]"),
                 "unknown dtype 'bfloat16'; the dtypes are f32, f16, bf16, f8e4m3 and f8e5m2", 2,
                 6);
  expectOneError(specWith("  param p: f64[H];"), "unknown dtype 'f64'; params are f32, f16, bf16 or i32", 6, 12);
}

TEST(SemaDiagnostics, HeadDims) {
  // Line 4 is "  v: bf16[100];": the head dim starts at column 11.
  expectOneError(tensors("bf16[128]", "bf16[128]", "bf16[100]"),
                 "head dim 100 of 'v' is not supported: head dims must be multiples of 8 from 8 "
                 "to 256",
                 4, 11);
  expectOneError(tensors("bf16[128]", "bf16[128]", "bf16[264]"),
                 "head dim 264 of 'v' is not supported: head dims must be multiples of 8 from 8 "
                 "to 256",
                 4, 11);
  expectOneError(tensors("bf16[64]", "bf16[128]", "bf16[128]"),
                 "head dim 128 of 'k' must equal the head dim 64 of 'q'", 3, 11);
  // 256 and 8 are the bounds and legal; v may differ from q and k.
  DiagnosticCapture dc;
  EXPECT_TRUE(dc.check(tensors("bf16[256]", "bf16[256]", "bf16[8]")));
  EXPECT_TRUE(dc.all().empty());
}

TEST(SemaDiagnostics, MissingAndMisplacedHeadDims) {
  // "  q: bf16;": the head dim is missing right after the dtype, at column 10.
  expectOneError(tensors("bf16", "bf16[128]", "bf16[128]"),
                 "'q' needs a head dim: write 'q: bf16[128]'", 2, 10);
  expectOneError(tensors("bf16[128]", "bf16[128]", "bf16[128]", "bf16[128]"),
                 "'out' takes its head dim from 'v': remove '[128]'", 5, 13);
}

TEST(SemaDiagnostics, DtypeCombinations) {
  expectOneError(tensors("f8e4m3[128] scale per_tensor", "bf16[128]",
                         "f8e4m3[128] scale per_tensor"),
                 "fp8 'q' (f8e4m3) needs fp8 'k', not bf16; supported: q, k and v all fp8; or q "
                 "in f32/f16/bf16 with each of k and v either q's dtype or fp8",
                 3, 6);
  expectOneError(tensors("bf16[128]", "f16[128]", "bf16[128]"),
                 "'k' is f16 but 'q' is bf16; supported: q, k and v all fp8; or q in "
                 "f32/f16/bf16 with each of k and v either q's dtype or fp8",
                 3, 6);
  // bf16 q over fp8 k and v with scales is legal.
  DiagnosticCapture dc;
  EXPECT_TRUE(dc.check(tensors("bf16[128]", "f8e4m3[128] scale per_head",
                               "f8e5m2[128] scale per_tensor")));
  EXPECT_TRUE(dc.all().empty());
}

TEST(SemaDiagnostics, Scales) {
  expectOneError(tensors("bf16[128]", "bf16[128] scale per_head", "bf16[128]"),
                 "'k' is bf16, not quantized, and takes no scale: remove 'scale per_head' or make "
                 "it f8e4m3/f8e5m2",
                 3, 6);
  expectOneError(tensors("bf16[128]", "f8e5m2[128]", "f8e5m2[128] scale per_tensor"),
                 "'k' is f8e5m2 and needs a dequantization scale: add 'scale per_tensor', 'scale "
                 "per_head' or 'scale per_token_head'",
                 3, 6);
  expectOneError(tensors("bf16[128]", "f8e4m3[128] scale per_heads", "bf16[128]"),
                 "unknown scale granularity 'per_heads'; did you mean 'per_head'?", 3, 24);
  expectOneError(tensors("bf16[128]", "bf16[128]", "bf16[128]", "f8e4m3"),
                 "fp8 'out' (f8e4m3) needs an output scale: add 'scale per_tensor' (out = "
                 "saturate(o / out_scale))",
                 5, 8);
}

TEST(SemaDiagnostics, TensorsAndLse) {
  expectOneError(specWith("  qq: bf16[128];"),
                 "unknown tensor 'qq': the tensors are q, k, v, out and lse; did you mean 'q'?", 6,
                 3);
  expectOneError(specWith("  lse: bf16;"),
                 "'lse' is the natural-log sum of exponentials in float32: declare 'lse: f32;'",
                 6, 8);
  // A kernel without v: the error points at the kernel's name.
  expectOneError("kernel nov {\n  q: bf16[128];\n  k: bf16[128];\n  out: bf16;\n}\n",
                 "kernel 'nov' does not declare 'v': add 'v: bf16[128];'", 1, 8);
  expectOneError("kernel noout {\n  q: bf16[128];\n  k: bf16[128];\n  v: bf16[128];\n}\n",
                 "kernel 'noout' does not declare 'out': add 'out: bf16;'", 1, 8);
}

TEST(SemaDiagnostics, DuplicateDeclarations) {
  {
    DiagnosticCapture dc;
    EXPECT_FALSE(dc.check(specWith("  k: bf16[128];")));
    ASSERT_EQ(dc.all().size(), 1u);
    EXPECT_EQ(dc.all()[0].message, "duplicate declaration of tensor 'k'");
    EXPECT_EQ(std::make_pair(dc.all()[0].line, dc.all()[0].col), std::make_pair(6u, 3u));
    ASSERT_EQ(dc.all()[0].notes.size(), 1u);
    EXPECT_EQ(dc.all()[0].notes[0].message, "'k' is first declared here");
    EXPECT_EQ(std::make_pair(dc.all()[0].notes[0].line, dc.all()[0].notes[0].col),
              std::make_pair(3u, 3u));
  }
  {
    DiagnosticCapture dc;
    EXPECT_FALSE(dc.check(specWith("  param w: f32[H];\n  const w = 1.0;")));
    ASSERT_EQ(dc.all().size(), 1u);
    EXPECT_EQ(dc.all()[0].message, "duplicate declaration of constant 'w'");
    EXPECT_EQ(std::make_pair(dc.all()[0].line, dc.all()[0].col), std::make_pair(7u, 9u));
    ASSERT_EQ(dc.all()[0].notes.size(), 1u);
    EXPECT_EQ(std::make_pair(dc.all()[0].notes[0].line, dc.all()[0].notes[0].col),
              std::make_pair(6u, 9u));
  }
  {
    DiagnosticCapture dc;
    EXPECT_FALSE(dc.check(specWith("  param p: f32[H];\n  param p: i32[S];")));
    ASSERT_EQ(dc.all().size(), 1u);
    EXPECT_EQ(dc.all()[0].message, "duplicate declaration of param 'p'");
  }
  {
    // A built-in name has no declaration to point at: no note.
    DiagnosticCapture dc;
    EXPECT_FALSE(dc.check(specWith("  const s = 1.0;")));
    ASSERT_EQ(dc.all().size(), 1u);
    EXPECT_EQ(dc.all()[0].message,
              "'s' is a built-in name of the language; choose another name for this constant");
    EXPECT_EQ(std::make_pair(dc.all()[0].line, dc.all()[0].col), std::make_pair(6u, 9u));
    EXPECT_TRUE(dc.all()[0].notes.empty());
  }
  expectOneError(specWith("  score { let a = 1; let a = 2; s }"),
                 "'let a' redefines a name already in scope", 6, 26);
}

TEST(SemaDiagnostics, DuplicateBlocks) {
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check(specWith("  mask { causal }\n  mask { q_idx >= kv_idx }")));
  ASSERT_EQ(dc.errors().size(), 1u);
  const CapturedDiag d = dc.errors()[0];
  EXPECT_EQ(d.message, "duplicate 'mask' block: combine masks in one block with '&&' or '||'");
  EXPECT_EQ(std::make_pair(d.line, d.col), std::make_pair(7u, 3u));
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "the first 'mask' block is here");
  EXPECT_EQ(std::make_pair(d.notes[0].line, d.notes[0].col), std::make_pair(6u, 3u));
}

TEST(SemaDiagnostics, Params) {
  expectOneError(specWith("  param p: f32[X];"),
                 "unknown dimension 'X': param dimensions are B (batch), H (query heads), Hkv "
                 "(KV heads), S (sequence positions) or an integer",
                 6, 16);
  expectOneError(specWith("  param p: f8e4m3[H];"),
                 "param 'p' cannot be f8e4m3: params are f32, f16, bf16 or i32", 6, 9);
  expectOneError(specWith("  param p: f32[0];"),
                 "param 'p' has extent 0; fixed extents must be positive", 6, 9);
}

//===----------------------------------------------------------------------===//
// Diagnostics about names and params in expressions
//===----------------------------------------------------------------------===//

TEST(SemaDiagnostics, UnknownNames) {
  // "  score { s * " is 14 columns: the name starts at column 15.
  expectOneError(specWith("  score { s * q_ix }"), "unknown name 'q_ix'; did you mean 'q_idx'?", 6,
                 15);
  expectOneError(specWith("  const cap = 50.0;\n  score { s / caap }"),
                 "unknown name 'caap'; did you mean 'cap'?", 7, 15);
  expectOneError(specWith("  score { s * zzzzzz }"), "unknown name 'zzzzzz'", 6, 15);
  // Suggestions need one edit per three letters at most: 'nope' is three edits from 'pi'.
  expectOneError(specWith("  score { s * nope }"), "unknown name 'nope'", 6, 15);
  // 's' is not in scope in a mask, so it is not suggested there.
  expectOneError(specWith("  mask { q_idx >= kv_id }"),
                 "unknown name 'kv_id'; did you mean 'kv_idx'?", 6, 19);
  expectOneError(specWith("  score { tanhh(s) }"),
                 "unknown function 'tanhh'; did you mean 'tanh'?", 6, 11);
  expectOneError(specWith("  score { s * tanh }"),
                 "'tanh' is a function: call it, e.g. 'tanh(x)'", 6, 15);
  expectOneError(specWith("  param slopes: f32[H];\n  score { s - slope[h] }"),
                 "unknown param 'slope'; did you mean 'slopes'?", 7, 15);
  expectOneError(specWith("  score { s - bias[h] }"),
                 "unknown param 'bias'; declare it, e.g. 'param bias: f32[H];'", 6, 15);
}

TEST(SemaDiagnostics, ParamIndexing) {
  const std::string decls = "  param slopes: f32[H];\n  param doc: i32[B, S];\n";
  expectOneError(specWith(decls + "  score { s - slopes[h, q_idx] }"),
                 "param 'slopes' has 1 dimension but is indexed with 2", 8, 15);
  expectOneError(specWith(decls + "  mask { doc[q_idx] == 0 }"),
                 "param 'doc' has 2 dimensions but is indexed with 1", 8, 10);
  expectOneError(specWith(decls + "  score { s - slopes }"),
                 "param 'slopes' is a tensor: read it with 1 index, e.g. 'slopes[h]'", 8, 15);
  expectOneError(specWith(decls + "  score { s - slopes(h) }"),
                 "param 'slopes' is read with '[...]', not '(...)'", 8, 15);
  expectOneError(specWith(decls + "  score { s - slopes[1.5] }"),
                 "a param index must be an int, got float", 8, 22);
}

TEST(SemaDiagnostics, CallsAndMasks) {
  expectOneError(specWith("  score { max(s) }"), "'max' takes 2 arguments, got 1", 6, 11);
  expectOneError(specWith("  score { tanh(s, s) }"), "'tanh' takes 1 argument, got 2", 6, 11);
  expectOneError(specWith("  mask { sliding_window(2.0) }"),
                 "'sliding_window' takes an int, got float", 6, 25);
  expectOneError(specWith("  mask { causal() }"), "'causal' takes no arguments: write 'causal'",
                 6, 10);
}

TEST(SemaDiagnostics, ScoreInMask) {
  expectOneError(specWith("  mask { s > 0.0 }"),
                 "the score 's' is not available in 'mask': a mask depends on b, h, q_idx, kv_idx "
                 "and params only; to mask on the score, return -inf from 'score'",
                 6, 10);
}

TEST(SemaDiagnostics, MaskFalseEverywhereIsAWarning) {
  DiagnosticCapture dc;
  std::optional<CheckedSpec> spec = dc.check(specWith("  mask { causal && q_idx < kv_idx }"));
  ASSERT_TRUE(spec); // a warning does not fail the check
  ASSERT_EQ(dc.all().size(), 1u);
  const CapturedDiag &d = dc.all()[0];
  EXPECT_TRUE(d.isWarning());
  EXPECT_EQ(d.message, "mask is false for every query and key: every score is masked out and "
                       "every output row is 0");
  EXPECT_EQ(std::make_pair(d.line, d.col), std::make_pair(6u, 3u)); // at 'mask'

  DiagnosticCapture ok;
  ASSERT_TRUE(ok.check(specWith("  mask { causal && q_idx <= kv_idx }"))); // the diagonal
  EXPECT_TRUE(ok.all().empty());
}

TEST(SemaDiagnostics, SeveralErrorsInOneSpec) {
  // Sema reports every independent error, each at its own place.
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.check(specWith("  const a = 1 / 0;\n"
                                 "  score { s * q_ix }\n"
                                 "  mask { s > 0.0 }")));
  std::vector<CapturedDiag> e = dc.errors();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].message, "integer division by zero");
  EXPECT_EQ(e[0].line, 6u);
  EXPECT_EQ(e[1].line, 7u);
  EXPECT_EQ(e[2].line, 8u);
}

} // namespace
