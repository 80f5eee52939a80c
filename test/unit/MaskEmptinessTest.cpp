// Mask emptiness: isMaskEmptyEverywhere (the attn-analyze-mask analysis) on imported masks and
// the front end's warning, each claim cross-checked by evaluating the mask's closed form over
// q_idx, kv_idx in [0, 64).
#include "DiagnosticCapture.h"

#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

using namespace attn;
using namespace attn::test;

namespace {

struct MaskCase {
  const char *mask;
  bool empty;
  /// The mask's meaning written out by hand, or null where it reads a param.
  std::function<bool(int64_t q, int64_t kv)> formula;
};

std::ostream &operator<<(std::ostream &os, const MaskCase &c) { return os << c.mask; }

/// How many (q, kv) in [0, 64)^2 satisfy the formula.
int countTrue(const std::function<bool(int64_t, int64_t)> &f) {
  int n = 0;
  for (int64_t q = 0; q < 64; ++q)
    for (int64_t kv = 0; kv < 64; ++kv)
      n += f(q, kv);
  return n;
}

// The built-in masks' closed forms (the attn dialect's definitions).
bool causal(int64_t q, int64_t kv) { return q >= kv; }
bool slidingWindow(int64_t n, int64_t q, int64_t kv) { return std::abs(q - kv) < n; }
bool prefixLM(int64_t n, int64_t q, int64_t kv) { return kv < n || q >= kv; }
bool chunked(int64_t n, int64_t q, int64_t kv) { return q / n == kv / n; }

class MaskEmptiness : public ::testing::TestWithParam<MaskCase> {};

TEST_P(MaskEmptiness, AgreesWithTheClosedForm) {
  const MaskCase &c = GetParam();
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      dc.compile(specWith(std::string("  param doc: i32[S];\n  mask { ") + c.mask + " }"));
  ASSERT_TRUE(module) << c.mask;
  KernelOp kernel = *module->getOps<KernelOp>().begin();
  EXPECT_EQ(isMaskEmptyEverywhere(kernel), c.empty) << c.mask;
  // The front end warns exactly when the mask is proven empty.
  EXPECT_EQ(dc.warnings().size(), c.empty ? 1u : 0u) << c.mask;
  if (c.formula) {
    int n = countTrue(c.formula);
    if (c.empty)
      EXPECT_EQ(n, 0) << c.mask << ": claimed empty but true somewhere";
    else
      EXPECT_GT(n, 0) << c.mask << ": the test's own formula is false everywhere";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Empty, MaskEmptiness,
    ::testing::Values(
        MaskCase{"false", true, [](int64_t, int64_t) { return false; }},
        MaskCase{"causal && q_idx < kv_idx", true,
                 [](int64_t q, int64_t kv) { return causal(q, kv) && q < kv; }},
        MaskCase{"q_idx < 0", true, [](int64_t q, int64_t) { return q < 0; }},
        MaskCase{"kv_idx <= -1 || q_idx < 0", true,
                 [](int64_t q, int64_t kv) { return kv <= -1 || q < 0; }},
        MaskCase{"sliding_window(4) && q_idx - kv_idx >= 4", true,
                 [](int64_t q, int64_t kv) { return slidingWindow(4, q, kv) && q - kv >= 4; }},
        MaskCase{"sliding_window(0)", true,
                 [](int64_t q, int64_t kv) { return slidingWindow(0, q, kv); }},
        MaskCase{"causal && kv_idx > q_idx + 3", true,
                 [](int64_t q, int64_t kv) { return causal(q, kv) && kv > q + 3; }},
        MaskCase{"causal && sliding_window(64) && kv_idx > q_idx + 2", true,
                 [](int64_t q, int64_t kv) {
                   return causal(q, kv) && slidingWindow(64, q, kv) && kv > q + 2;
                 }},
        MaskCase{"prefix_lm(8) && kv_idx >= 8 && q_idx < kv_idx", true,
                 [](int64_t q, int64_t kv) { return prefixLM(8, q, kv) && kv >= 8 && q < kv; }},
        MaskCase{"q_idx < 3 && q_idx > 5", true,
                 [](int64_t q, int64_t) { return q < 3 && q > 5; }},
        MaskCase{"q_idx - q_idx > 0", true, [](int64_t q, int64_t) { return q - q > 0; }},
        MaskCase{"let d = q_idx - kv_idx; d > 0 && d < 1", true,
                 [](int64_t q, int64_t kv) { return q - kv > 0 && q - kv < 1; }},
        MaskCase{"(causal || sliding_window(2)) && kv_idx >= q_idx + 2", true,
                 [](int64_t q, int64_t kv) {
                   return (causal(q, kv) || slidingWindow(2, q, kv)) && kv >= q + 2;
                 }}));

INSTANTIATE_TEST_SUITE_P(
    NotEmpty, MaskEmptiness,
    ::testing::Values(
        MaskCase{"true", false, [](int64_t, int64_t) { return true; }},
        MaskCase{"causal", false, causal},
        MaskCase{"sliding_window(1)", false,
                 [](int64_t q, int64_t kv) { return slidingWindow(1, q, kv); }},
        // The prefix region lets kv run ahead of q.
        MaskCase{"prefix_lm(8) && q_idx < kv_idx", false,
                 [](int64_t q, int64_t kv) { return prefixLM(8, q, kv) && q < kv; }},
        MaskCase{"doc[q_idx] == doc[kv_idx]", false, nullptr},
        MaskCase{"causal && doc[q_idx] == doc[kv_idx]", false, nullptr},
        MaskCase{"q_idx == kv_idx", false, [](int64_t q, int64_t kv) { return q == kv; }},
        MaskCase{"!causal", false, [](int64_t q, int64_t kv) { return !causal(q, kv); }},
        MaskCase{"q_idx != kv_idx && causal", false,
                 [](int64_t q, int64_t kv) { return q != kv && causal(q, kv); }},
        MaskCase{"causal && q_idx <= kv_idx", false,
                 [](int64_t q, int64_t kv) { return causal(q, kv) && q <= kv; }},
        MaskCase{"kv_idx <= 5 && q_idx > 60", false,
                 [](int64_t q, int64_t kv) { return kv <= 5 && q > 60; }},
        MaskCase{"q_idx >= kv_idx + 3 || q_idx < 0", false,
                 [](int64_t q, int64_t kv) { return q >= kv + 3 || q < 0; }},
        MaskCase{"chunked(16) && q_idx < kv_idx", false,
                 [](int64_t q, int64_t kv) { return chunked(16, q, kv) && q < kv; }},
        MaskCase{"q_idx < 4 ? causal : false", false,
                 [](int64_t q, int64_t kv) { return q < 4 ? causal(q, kv) : false; }},
        // Coefficients of 2: 2q - 1 > 0 holds from q = 1 (not 2), and 2(q - kv) > 1 from
        // q - kv = 1; these are not provably empty.
        MaskCase{"q_idx > -q_idx + 1 && q_idx < 2", false,
                 [](int64_t q, int64_t) { return q > -q + 1 && q < 2; }},
        MaskCase{"q_idx - kv_idx > kv_idx - q_idx + 1 && q_idx - kv_idx < 2", false,
                 [](int64_t q, int64_t kv) { return q - kv > kv - q + 1 && q - kv < 2; }},
        MaskCase{"kv_idx + kv_idx <= 1 && kv_idx >= 0 && causal", false,
                 [](int64_t q, int64_t kv) { return kv + kv <= 1 && kv >= 0 && causal(q, kv); }}));

TEST(MaskEmptinessDirect, HandBuiltConstantMask) {
  // On hand-written IR: a mask yielding `false` is empty, `true` is not.
  for (bool value : {false, true}) {
    DiagnosticCapture dc;
    std::string text =
        "attn.kernel @k attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, "
        "v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} "
        "score {\n^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):\n  attn.yield %s : f32\n"
        "} mask {\n^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):\n  %c = arith.constant " +
        std::string(value ? "true" : "false") + "\n  attn.yield %c : i1\n}\n";
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(text, &dc.context());
    ASSERT_TRUE(module);
    EXPECT_EQ(isMaskEmptyEverywhere(*module->getOps<KernelOp>().begin()), !value);
  }
}

} // namespace
