//===- FoldScalesTest.cpp - planScales, the function behind attn-fold-scales, on compiled specs ---===//
#include "compiler/Driver/Pipeline.h"
#include "dialects/Attn/Transforms/Passes.h"

#include "DiagnosticCapture.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attn;
using namespace attn::test;

namespace {
/// The names in a list of the plan, joined by commas.
std::string names(mlir::ArrayAttr list) {
  std::string s;
  for (mlir::Attribute a : list)
    s += (s.empty() ? "" : ",") + llvm::cast<mlir::StringAttr>(a).getValue().str();
  return s;
}

std::string firstError(const DiagnosticCapture &dc) {
  std::vector<CapturedDiag> errors = dc.errors();
  return errors.empty() ? "" : errors.front().message;
}

ScalePlanAttr planOf(const std::string &body, mlir::OwningOpRef<mlir::ModuleOp> &module,
                     DiagnosticCapture &dc) {
  module = dc.compile("kernel k {\n" + body + "\n}\n");
  if (!module)
    return {};
  KernelOp kernel;
  module->walk([&](KernelOp k) { kernel = k; });
  return planScales(kernel);
}
} // namespace

TEST(FoldScales, GemmaSoftcapFoldsItsConstants) {
  // 50 tanh(s / 50) with softmax_scale 1/12: the multiplier takes 1/50, the final
  // multiplication log2(e), and the region is left computing 50 log2(e) tanh(s).
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m;
  ScalePlanAttr plan = planOf("  q: bf16[128]; k: bf16[128]; v: bf16[128]; out: bf16;\n"
                              "  softmax_scale = 1.0 / sqrt(144.0);\n"
                              "  score { 50.0 * tanh(s / 50.0) }",
                              m, dc);
  ASSERT_TRUE(plan) << firstError(dc);
  EXPECT_TRUE(plan.getExp2().getValue());
  EXPECT_DOUBLE_EQ(plan.getMultiplier().getValueAsDouble(), 1.0 / 12.0 / 50.0);
  EXPECT_EQ(names(plan.getScore()) + "|" + names(plan.getEpilogue()), "|");
  KernelOp kernel;
  m->walk([&](KernelOp k) { kernel = k; });
  mlir::Block &score = kernel.getScore().front();
  auto mul = llvm::dyn_cast_or_null<mlir::arith::MulFOp>(
      llvm::cast<YieldOp>(score.getTerminator()).getValue().getDefiningOp());
  ASSERT_TRUE(mul);
  auto tanh = mul.getLhs().getDefiningOp<mlir::math::TanhOp>();
  ASSERT_TRUE(tanh);
  EXPECT_EQ(tanh.getOperand(), score.getArgument(0));
  mlir::FloatAttr c;
  ASSERT_TRUE(mlir::matchPattern(mul.getRhs(), mlir::m_Constant(&c)));
  EXPECT_FLOAT_EQ(float(c.getValueAsDouble()), float(50.0 / std::log(2.0)));
}

TEST(FoldScales, VllmFp8FoldsQAndKScalesAndLog2e) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m;
  ScalePlanAttr plan = planOf("  q: f8e4m3[128] scale per_tensor; k: f8e4m3[128] scale per_tensor;\n"
                              "  v: f8e4m3[128] scale per_tensor; out: bf16;",
                              m, dc);
  ASSERT_TRUE(plan) << firstError(dc);
  EXPECT_TRUE(plan.getExp2().getValue());
  // 1/sqrt(128) * log2(e), computed here from the definitions.
  EXPECT_DOUBLE_EQ(plan.getMultiplier().getValueAsDouble(), std::log2(std::exp(1.0)) / std::sqrt(128.0));
  EXPECT_EQ(names(plan.getScore()), "q,k");
  EXPECT_EQ(names(plan.getEpilogue()), "v");
  EXPECT_EQ(names(plan.getRows()) + names(plan.getColumns()) + names(plan.getPColumns()), "");
}

TEST(FoldScales, PerTokenScalesGoOnRowsColumnsAndPColumns) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m;
  ScalePlanAttr plan =
      planOf("  q: f8e4m3[64] scale per_token_head; k: f8e5m2[64] scale per_token_head;\n"
             "  v: f8e4m3[64] scale per_token_head; out: f8e4m3 scale per_tensor;",
             m, dc);
  ASSERT_TRUE(plan) << firstError(dc);
  EXPECT_EQ(names(plan.getRows()), "q");
  EXPECT_EQ(names(plan.getColumns()), "k");
  EXPECT_EQ(names(plan.getPColumns()), "v");
  EXPECT_EQ(names(plan.getEpilogue()), "out");
  EXPECT_EQ(names(plan.getScore()), "");
}
