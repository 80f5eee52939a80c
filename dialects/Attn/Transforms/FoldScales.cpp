//===- FoldScales.cpp - Where each scale is applied (attn-fold-scales) ----===//
//
// The math: with raw (still quantized) operands q, k, v and their scales,
//   s_ij   = softmax_scale * sum_d (q_id * sq) (k_jd * sk) = (softmax_scale * sq * sk) * (q·k)_ij
// so scales constant over a (batch, head) fold into one multiplier of the raw dot product, and
// a scale per key (per_token_head k) multiplies S's column j, one per query S's row i;
//   out_i  = sum_j p_ij (v_j * sv_j) = sum_j (p_ij * sv_j) v_j   (per-token v: P's columns)
//          = sv * sum_j p_ij v_j                                  (per-tensor/head v: epilogue)
// Every FP8 choice keeps the tile loads free of multiplies: the loads only convert e4m3/e5m2
// (bf16 q) or feed fp8 tensor cores directly (fp8 q and k), where scaling K before the MMA is
// not even possible without leaving fp8. One multiply per score (already paid for the softmax
// scale) or per output element replaces one per loaded K or V element.
//
// exp2: softmax(s) = exp2(s * log2 e - m2) / l. When the score region is the identity, log2 e
// folds into the same multiplier and the kernel never multiplies by it separately; otherwise the
// score function needs s in natural units, and log2 e is applied to its result.
//
// Constants of the score function fold too (the soft-cap c * tanh(s / c)): a division or
// multiplication of s by a constant, where it is s's only use, moves into the multiplier, and a
// final multiplication by a constant takes log2 e, so the kernel multiplies each score once
// before and once after the function, as for the identity. The region is rewritten to match.
//
//===----------------------------------------------------------------------===//
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace attn {
#define GEN_PASS_DEF_ATTNFOLDSCALES
#include "dialects/Attn/Transforms/Passes.h.inc"
} // namespace attn

using namespace attn;

bool attn::scoreIsIdentity(KernelOp kernel) {
  mlir::Block &block = kernel.getScore().front();
  auto yield = llvm::cast<YieldOp>(block.getTerminator());
  return yield.getValue() == block.getArgument(0);
}

namespace {
/// c for `x * c` or `c * x`, 1/c for `x / c` (op one of those, c a constant), else nullopt.
std::optional<double> constantFactor(mlir::Operation *op, mlir::Value x) {
  mlir::FloatAttr c;
  if (auto m = llvm::dyn_cast<mlir::arith::MulFOp>(op)) {
    mlir::Value other = m.getLhs() == x ? m.getRhs() : m.getLhs();
    if (mlir::matchPattern(other, mlir::m_Constant(&c)))
      return c.getValueAsDouble();
  }
  if (auto d = llvm::dyn_cast<mlir::arith::DivFOp>(op))
    if (d.getLhs() == x && mlir::matchPattern(d.getRhs(), mlir::m_Constant(&c)))
      return 1.0 / c.getValueAsDouble();
  return std::nullopt;
}

/// Folds the score region's constant factors (see the file comment): returns the factor taken
/// out of the argument (1 if none) and whether log2 e went into a final multiplication.
std::pair<double, bool> foldScoreConstants(KernelOp kernel) {
  mlir::Block &block = kernel.getScore().front();
  mlir::Value s = block.getArgument(0);
  auto yield = llvm::cast<YieldOp>(block.getTerminator());
  double in = 1.0;
  if (s.hasOneUse() && s.getUses().begin()->getOwner() != yield) {
    mlir::Operation *use = s.getUses().begin()->getOwner();
    if (std::optional<double> c = constantFactor(use, s); c && std::isfinite(*c) && *c > 0) {
      in = *c;
      use->getResult(0).replaceAllUsesWith(s);
      use->erase();
    }
  }
  bool out = false;
  mlir::Value y = yield.getValue();
  if (auto m = llvm::dyn_cast_or_null<mlir::arith::MulFOp>(y.getDefiningOp()); m && y.hasOneUse()) {
    mlir::Value x = mlir::matchPattern(m.getRhs(), mlir::m_Constant()) ? m.getLhs() : m.getRhs();
    if (std::optional<double> c = constantFactor(m, x)) {
      mlir::OpBuilder b(m);
      mlir::Value k = mlir::arith::ConstantOp::create(b, m.getLoc(), b.getF32FloatAttr(float(*c * M_LOG2E)));
      m.getLhsMutable().assign(x);
      m.getRhsMutable().assign(k);
      out = true;
    }
  }
  for (mlir::Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (llvm::isa<mlir::arith::ConstantOp>(op) && op.use_empty())
      op.erase();
  return {in, out};
}
} // namespace

ScalePlanAttr attn::planScales(KernelOp kernel) {
  // Decided once: the folds rewrite the score region, so a second plan would fold log2 e again.
  if (ScalePlanAttr done = kernel.getScalesAttr())
    return done;
  mlir::Builder b(kernel.getContext());
  llvm::SmallVector<mlir::Attribute> score, rows, columns, pColumns, epilogue;
  auto place = [&](llvm::StringRef name, ScaleKind kind, bool isV) {
    switch (kind) {
    case ScaleKind::None:
      return;
    case ScaleKind::PerTensor:
    case ScaleKind::PerHead:
      (isV ? epilogue : score).push_back(b.getStringAttr(name));
      return;
    case ScaleKind::PerTokenHead:
      (isV ? pColumns : name == "q" ? rows : columns).push_back(b.getStringAttr(name));
      return;
    }
  };
  place("q", kernel.getQ().getScale(), false);
  place("k", kernel.getK().getScale(), false);
  place("v", kernel.getV().getScale(), true);
  if (kernel.getOut().getScale() != ScaleKind::None)
    epilogue.push_back(b.getStringAttr("out")); // o / out_scale, then saturate to fp8
  auto [in, log2eInScore] = foldScoreConstants(kernel);
  bool identity = scoreIsIdentity(kernel), exp2 = identity || log2eInScore;
  double multiplier = kernel.getSoftmaxScale().convertToDouble() * in * (identity ? M_LOG2E : 1.0);
  return ScalePlanAttr::get(kernel.getContext(), b.getF64FloatAttr(multiplier),
                            b.getBoolAttr(exp2), b.getArrayAttr(score), b.getArrayAttr(rows),
                            b.getArrayAttr(columns), b.getArrayAttr(pColumns),
                            b.getArrayAttr(epilogue));
}

namespace {
struct AttnFoldScales : attn::impl::AttnFoldScalesBase<AttnFoldScales> {
  void runOnOperation() override {
    getOperation().walk([](KernelOp kernel) { kernel.setScalesAttr(planScales(kernel)); });
  }
};
} // namespace
