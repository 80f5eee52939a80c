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
//===----------------------------------------------------------------------===//
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <cmath>

namespace attn {
#define GEN_PASS_DEF_ATTNFOLDSCALES
#include "dialects/Attn/Transforms/Passes.h.inc"
} // namespace attn

using namespace attn;

namespace {
/// True when the score region yields its score argument unchanged.
bool scoreIsIdentity(KernelOp kernel) {
  mlir::Block &block = kernel.getScore().front();
  auto yield = llvm::cast<YieldOp>(block.getTerminator());
  return yield.getValue() == block.getArgument(0);
}
} // namespace

ScalePlanAttr attn::planScales(KernelOp kernel) {
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
  bool exp2 = scoreIsIdentity(kernel);
  double multiplier = kernel.getSoftmaxScale().convertToDouble() * (exp2 ? M_LOG2E : 1.0);
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
