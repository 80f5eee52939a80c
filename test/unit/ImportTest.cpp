// ASTToAttn through attn::compileToAttn: the kernel op's attributes, the arith/math/attn ops of score and mask, and their FileLineColLoc source locations.
#include "DiagnosticCapture.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attn;
using namespace attn::test;

namespace {

KernelOp kernelOf(mlir::ModuleOp m) {
  auto kernels = m.getOps<KernelOp>();
  EXPECT_EQ(std::distance(kernels.begin(), kernels.end()), 1);
  return kernels.empty() ? KernelOp() : *kernels.begin();
}

template <typename OpT> std::vector<OpT> opsIn(mlir::Region &r) {
  std::vector<OpT> out;
  r.walk([&](OpT op) { out.push_back(op); });
  return out;
}

mlir::Value yielded(mlir::Region &r) {
  return llvm::cast<YieldOp>(r.front().getTerminator()).getValue();
}

std::pair<unsigned, unsigned> at(mlir::Operation *op) { return lineCol(op->getLoc()); }
std::pair<unsigned, unsigned> lc(unsigned line, unsigned col) { return {line, col}; }

/// The value of an arith.constant defining `v` as a double (ints converted), or NaN.
double constantOf(mlir::Value v) {
  auto c = v.getDefiningOp<mlir::arith::ConstantOp>();
  if (!c)
    return NAN;
  if (auto f = llvm::dyn_cast<mlir::FloatAttr>(c.getValue()))
    return f.getValueAsDouble();
  if (auto i = llvm::dyn_cast<mlir::IntegerAttr>(c.getValue()))
    return i.getValue().getBitWidth() == 1 ? double(i.getValue().getZExtValue())
                                           : double(i.getValue().getSExtValue());
  return NAN;
}

// Block arguments: score (s, b, h, q_idx, kv_idx), mask (b, h, q_idx, kv_idx).
mlir::Value scoreArg(KernelOp k, unsigned i) { return k.getScore().front().getArgument(i); }
mlir::Value maskArg(KernelOp k, unsigned i) { return k.getMask().front().getArgument(i); }

TEST(Import, DefaultKernelAttributes) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(specWith(""));
  ASSERT_TRUE(m);
  EXPECT_TRUE(dc.all().empty());
  KernelOp k = kernelOf(*m);
  ASSERT_TRUE(k);
  EXPECT_EQ(k.getSymName(), "t");
  EXPECT_DOUBLE_EQ(k.getSoftmaxScale().convertToDouble(), 1.0 / std::sqrt(128.0));
  EXPECT_FALSE(k.getLse());
  EXPECT_FALSE(k.getGqa().has_value());
  EXPECT_FALSE(k.getRagged());
  EXPECT_FALSE(k.getPageSize().has_value());
  EXPECT_TRUE(k.getParams().empty());
  for (TensorAttr t : {k.getQ(), k.getK(), k.getV(), k.getOut()}) {
    EXPECT_TRUE(t.getElementType().isBF16());
    EXPECT_EQ(t.getHeadDim(), 128);
    EXPECT_EQ(t.getScale(), ScaleKind::None);
  }
  // No score block: s as is. No mask block: true.
  EXPECT_EQ(yielded(k.getScore()), scoreArg(k, 0));
  EXPECT_EQ(k.getScore().front().getNumArguments(), 5u);
  EXPECT_EQ(k.getMask().front().getNumArguments(), 4u);
  auto t = yielded(k.getMask()).getDefiningOp<mlir::arith::ConstantOp>();
  ASSERT_TRUE(t);
  EXPECT_EQ(llvm::cast<mlir::IntegerAttr>(t.getValue()).getValue().getZExtValue(), 1u);
}

TEST(Import, DefaultScaleFollowsTheHeadDim) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(
      "kernel d64 {\n  q: f16[64];\n  k: f16[64];\n  v: f16[32];\n  out: f32;\n}\n");
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  EXPECT_EQ(k.getSoftmaxScale().convertToDouble(), 0.125); // 1/sqrt(64), exact
  EXPECT_TRUE(k.getQ().getElementType().isF16());
  EXPECT_EQ(k.getOut().getHeadDim(), 32); // out takes v's head dim
  EXPECT_TRUE(k.getOut().getElementType().isF32());
}

TEST(Import, GivenKernelAttributes) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile("kernel full {\n"
                                                   "  q: bf16[128];\n"
                                                   "  k: f8e4m3[128] scale per_head;\n"
                                                   "  v: f8e4m3[128] scale per_tensor;\n"
                                                   "  out: bf16;\n"
                                                   "  lse: f32;\n"
                                                   "  gqa = 4;\n"
                                                   "  batch = ragged;\n"
                                                   "  kv_cache = paged(16);\n"
                                                   "  softmax_scale = 1.0 / sqrt(144.0);\n"
                                                   "  param slopes: f32[H];\n"
                                                   "  param doc: i32[B, S];\n"
                                                   "  param tab: bf16[Hkv, 8];\n"
                                                   "}\n");
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  EXPECT_EQ(k.getSymName(), "full");
  EXPECT_DOUBLE_EQ(k.getSoftmaxScale().convertToDouble(), 1.0 / 12.0);
  EXPECT_TRUE(k.getLse());
  ASSERT_TRUE(k.getGqa().has_value());
  EXPECT_EQ(*k.getGqa(), 4u);
  EXPECT_TRUE(k.getRagged());
  ASSERT_TRUE(k.getPageSize().has_value());
  EXPECT_EQ(*k.getPageSize(), 16u);
  EXPECT_TRUE(llvm::isa<mlir::Float8E4M3FNType>(k.getK().getElementType()));
  EXPECT_EQ(k.getK().getScale(), ScaleKind::PerHead);
  EXPECT_EQ(k.getV().getScale(), ScaleKind::PerTensor);

  mlir::ArrayAttr params = k.getParams();
  ASSERT_EQ(params.size(), 3u);
  auto slopes = llvm::cast<ParamAttr>(params[0]);
  EXPECT_EQ(slopes.getName(), "slopes");
  EXPECT_TRUE(slopes.getElementType().isF32());
  EXPECT_EQ(std::vector<ParamDim>(slopes.getDims().begin(), slopes.getDims().end()),
            (std::vector<ParamDim>{{ParamDim::H, 0}}));
  auto doc = llvm::cast<ParamAttr>(params[1]);
  EXPECT_EQ(doc.getName(), "doc");
  EXPECT_TRUE(doc.getElementType().isInteger(32));
  EXPECT_EQ(std::vector<ParamDim>(doc.getDims().begin(), doc.getDims().end()),
            (std::vector<ParamDim>{{ParamDim::B, 0}, {ParamDim::S, 0}}));
  auto tab = llvm::cast<ParamAttr>(params[2]);
  EXPECT_TRUE(tab.getElementType().isBF16());
  EXPECT_EQ(std::vector<ParamDim>(tab.getDims().begin(), tab.getDims().end()),
            (std::vector<ParamDim>{{ParamDim::Hkv, 0}, {ParamDim::Fixed, 8}}));
  EXPECT_EQ(k.lookupParam("doc"), doc);
}

TEST(Import, TanhSoftCap) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m =
      dc.compile(specWith("  const cap = 50.0;\n  score { cap * tanh(s / cap) }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  // yield(mulf(50.0, tanh(divf(s, 50.0))))
  auto mul = yielded(k.getScore()).getDefiningOp<mlir::arith::MulFOp>();
  ASSERT_TRUE(mul);
  EXPECT_EQ(constantOf(mul.getLhs()), 50.0);
  auto tanh = mul.getRhs().getDefiningOp<mlir::math::TanhOp>();
  ASSERT_TRUE(tanh);
  auto div = tanh.getOperand().getDefiningOp<mlir::arith::DivFOp>();
  ASSERT_TRUE(div);
  EXPECT_EQ(div.getLhs(), scoreArg(k, 0));
  EXPECT_EQ(constantOf(div.getRhs()), 50.0);
  EXPECT_EQ(opsIn<mlir::math::TanhOp>(k.getScore()).size(), 1u);
}

TEST(Import, IntToFloatUsesSIToFP) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(specWith("  score { s + q_idx }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  auto add = yielded(k.getScore()).getDefiningOp<mlir::arith::AddFOp>();
  ASSERT_TRUE(add);
  EXPECT_EQ(add.getLhs(), scoreArg(k, 0));
  auto conv = add.getRhs().getDefiningOp<mlir::arith::SIToFPOp>();
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv.getIn(), scoreArg(k, 3)); // q_idx
  EXPECT_TRUE(conv.getType().isF32());
}

TEST(Import, IntDivisionAndRemainderAreSigned) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m =
      dc.compile(specWith("  score { s * (q_idx / kv_idx) + (q_idx % 3) }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  std::vector<mlir::arith::DivSIOp> divs = opsIn<mlir::arith::DivSIOp>(k.getScore());
  ASSERT_EQ(divs.size(), 1u);
  EXPECT_EQ(divs[0].getLhs(), scoreArg(k, 3));
  EXPECT_EQ(divs[0].getRhs(), scoreArg(k, 4));
  EXPECT_TRUE(divs[0].getType().isInteger(32));
  std::vector<mlir::arith::RemSIOp> rems = opsIn<mlir::arith::RemSIOp>(k.getScore());
  ASSERT_EQ(rems.size(), 1u);
  EXPECT_EQ(constantOf(rems[0].getRhs()), 3.0);
  EXPECT_TRUE(opsIn<mlir::arith::DivFOp>(k.getScore()).empty());
  // Both int results convert before meeting floats.
  EXPECT_EQ(opsIn<mlir::arith::SIToFPOp>(k.getScore()).size(), 2u);
}

TEST(Import, SigmoidExpandsToExpAndDivide) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(specWith("  score { sigmoid(s) }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  // 1 / (1 + exp(-s))
  auto div = yielded(k.getScore()).getDefiningOp<mlir::arith::DivFOp>();
  ASSERT_TRUE(div);
  EXPECT_EQ(constantOf(div.getLhs()), 1.0);
  auto add = div.getRhs().getDefiningOp<mlir::arith::AddFOp>();
  ASSERT_TRUE(add);
  EXPECT_EQ(constantOf(add.getLhs()), 1.0);
  auto exp = add.getRhs().getDefiningOp<mlir::math::ExpOp>();
  ASSERT_TRUE(exp);
  auto neg = exp.getOperand().getDefiningOp<mlir::arith::NegFOp>();
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg.getOperand(), scoreArg(k, 0));
}

TEST(Import, OtherExpressionForms) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(
      specWith("  score { q_idx < kv_idx ? -s : max(s, 0.0) + abs(h - 3) + min(b, 2) }\n"
               "  mask { !causal || -q_idx > 1.5 }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  mlir::Region &score = k.getScore();
  std::vector<mlir::arith::SelectOp> sel = opsIn<mlir::arith::SelectOp>(score);
  ASSERT_EQ(sel.size(), 1u);
  auto cmp = sel[0].getCondition().getDefiningOp<mlir::arith::CmpIOp>();
  ASSERT_TRUE(cmp);
  EXPECT_EQ(cmp.getPredicate(), mlir::arith::CmpIPredicate::slt);
  EXPECT_TRUE(sel[0].getTrueValue().getDefiningOp<mlir::arith::NegFOp>());
  EXPECT_EQ(opsIn<mlir::arith::MaximumFOp>(score).size(), 1u); // float max
  EXPECT_EQ(opsIn<mlir::math::AbsIOp>(score).size(), 1u);     // int abs
  EXPECT_EQ(opsIn<mlir::arith::MinSIOp>(score).size(), 1u);   // int min
  EXPECT_EQ(opsIn<mlir::arith::SubIOp>(score).size(), 1u);    // h - 3

  mlir::Region &mask = k.getMask();
  auto orOp = yielded(mask).getDefiningOp<mlir::arith::OrIOp>();
  ASSERT_TRUE(orOp);
  auto notOp = orOp.getLhs().getDefiningOp<mlir::arith::XOrIOp>(); // !x is x xor true
  ASSERT_TRUE(notOp);
  EXPECT_TRUE(notOp.getLhs().getDefiningOp<CausalOp>());
  EXPECT_EQ(constantOf(notOp.getRhs()), 1.0);
  auto fcmp = orOp.getRhs().getDefiningOp<mlir::arith::CmpFOp>();
  ASSERT_TRUE(fcmp);
  EXPECT_EQ(fcmp.getPredicate(), mlir::arith::CmpFPredicate::OGT);
  // -q_idx on an int is 0 - q_idx, then converted for the float comparison.
  auto conv = fcmp.getLhs().getDefiningOp<mlir::arith::SIToFPOp>();
  ASSERT_TRUE(conv);
  auto negInt = conv.getIn().getDefiningOp<mlir::arith::SubIOp>();
  ASSERT_TRUE(negInt);
  EXPECT_EQ(constantOf(negInt.getLhs()), 0.0);
  EXPECT_EQ(negInt.getRhs(), maskArg(k, 2));
  EXPECT_EQ(constantOf(fcmp.getRhs()), 1.5);
}

TEST(Import, IntScoreIsConvertedAtTheYield) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(specWith("  score { kv_idx - q_idx }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  auto conv = yielded(k.getScore()).getDefiningOp<mlir::arith::SIToFPOp>();
  ASSERT_TRUE(conv);
  auto sub = conv.getIn().getDefiningOp<mlir::arith::SubIOp>();
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub.getLhs(), scoreArg(k, 4));
  EXPECT_EQ(sub.getRhs(), scoreArg(k, 3));
}

TEST(Import, BuiltInMasksBecomeAttnOps) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m =
      dc.compile(specWith("  param prefix: i32[B];\n"
                          "  mask { causal && sliding_window(128) || prefix_lm(prefix[b]) && "
                          "chunked(64) }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  mlir::Region &mask = k.getMask();
  mlir::Value q = maskArg(k, 2), kv = maskArg(k, 3);

  std::vector<CausalOp> causal = opsIn<CausalOp>(mask);
  ASSERT_EQ(causal.size(), 1u);
  EXPECT_EQ(causal[0].getQIdx(), q);
  EXPECT_EQ(causal[0].getKvIdx(), kv);

  std::vector<SlidingWindowOp> sw = opsIn<SlidingWindowOp>(mask);
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(sw[0].getQIdx(), q);
  EXPECT_EQ(sw[0].getKvIdx(), kv);
  EXPECT_EQ(constantOf(sw[0].getWindow()), 128.0);

  std::vector<PrefixLMOp> plm = opsIn<PrefixLMOp>(mask);
  ASSERT_EQ(plm.size(), 1u);
  auto read = plm[0].getPrefix().getDefiningOp<ParamReadOp>();
  ASSERT_TRUE(read);
  EXPECT_EQ(read.getParam(), "prefix");
  ASSERT_EQ(read.getIndices().size(), 1u);
  EXPECT_EQ(read.getIndices()[0], maskArg(k, 0)); // b
  EXPECT_TRUE(read.getType().isInteger(32));

  std::vector<ChunkedOp> ch = opsIn<ChunkedOp>(mask);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(constantOf(ch[0].getChunk()), 64.0);

  // (causal && sw) || (prefix_lm && chunked)
  auto orOp = yielded(mask).getDefiningOp<mlir::arith::OrIOp>();
  ASSERT_TRUE(orOp);
  auto lhs = orOp.getLhs().getDefiningOp<mlir::arith::AndIOp>();
  auto rhs = orOp.getRhs().getDefiningOp<mlir::arith::AndIOp>();
  ASSERT_TRUE(lhs && rhs);
  EXPECT_EQ(lhs.getLhs(), causal[0].getResult());
  EXPECT_EQ(rhs.getRhs(), ch[0].getResult());
}

TEST(Import, FloatParamsReadAsF32) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m =
      dc.compile(specWith("  param w: f16[H, S];\n  score { s + w[h, kv_idx] }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  std::vector<ParamReadOp> reads = opsIn<ParamReadOp>(k.getScore());
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].getParam(), "w");
  EXPECT_TRUE(reads[0].getType().isF32());
  ASSERT_EQ(reads[0].getIndices().size(), 2u);
  EXPECT_EQ(reads[0].getIndices()[0], scoreArg(k, 2));
  EXPECT_EQ(reads[0].getIndices()[1], scoreArg(k, 4));
}

TEST(Import, LocationsPointIntoTheSource) {
  DiagnosticCapture dc;
  // Line 6: the const; line 7: the score; line 8: the mask.
  //                   1234567890123456789012345678901
  std::string src = specWith("  const cap = 50.0;\n"
                             "  score { cap * tanh(s / cap) }\n"
                             "  mask { causal && sliding_window(8) }");
  mlir::OwningOpRef<mlir::ModuleOp> m = dc.compile(src);
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  auto flc = llvm::dyn_cast<mlir::FileLineColLoc>(k->getLoc());
  ASSERT_TRUE(flc);
  EXPECT_EQ(flc.getFilename(), "t.attn");
  EXPECT_EQ(at(k), lc(1, 8)); // the kernel's name

  auto mul = yielded(k.getScore()).getDefiningOp<mlir::arith::MulFOp>();
  ASSERT_TRUE(mul);
  EXPECT_EQ(at(mul), lc(7, 11)); // a binary op is located at its left operand's start
  EXPECT_EQ(at(mul.getLhs().getDefiningOp()), lc(7, 11)); // `cap`
  auto tanh = mul.getRhs().getDefiningOp<mlir::math::TanhOp>();
  ASSERT_TRUE(tanh);
  EXPECT_EQ(at(tanh), lc(7, 17));
  auto div = tanh.getOperand().getDefiningOp<mlir::arith::DivFOp>();
  ASSERT_TRUE(div);
  EXPECT_EQ(at(div), lc(7, 22));
  EXPECT_EQ(at(div.getRhs().getDefiningOp()), lc(7, 26)); // the second `cap`
  // The terminators and block arguments are at the block's keyword.
  EXPECT_EQ(at(k.getScore().front().getTerminator()), lc(7, 3));
  EXPECT_EQ(lineCol(scoreArg(k, 0).getLoc()), lc(7, 3));
  EXPECT_EQ(at(k.getMask().front().getTerminator()), lc(8, 3));

  std::vector<CausalOp> causal = opsIn<CausalOp>(k.getMask());
  ASSERT_EQ(causal.size(), 1u);
  EXPECT_EQ(at(causal[0]), lc(8, 10));
  std::vector<SlidingWindowOp> sw = opsIn<SlidingWindowOp>(k.getMask());
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(at(sw[0]), lc(8, 20));
  EXPECT_EQ(at(sw[0].getWindow().getDefiningOp()), lc(8, 35)); // the `8`
  auto andOp = yielded(k.getMask()).getDefiningOp<mlir::arith::AndIOp>();
  ASSERT_TRUE(andOp);
  EXPECT_EQ(at(andOp), lc(8, 10));

  // Every op in the kernel has a FileLineColLoc in t.attn.
  k->walk([&](mlir::Operation *op) {
    auto l = llvm::dyn_cast<mlir::FileLineColLoc>(op->getLoc());
    EXPECT_TRUE(l) << op->getName().getStringRef().str();
    if (l)
      EXPECT_EQ(l.getFilename(), "t.attn");
  });
}

TEST(Import, LetBindingIsEmittedOnce) {
  DiagnosticCapture dc;
  mlir::OwningOpRef<mlir::ModuleOp> m =
      dc.compile(specWith("  score { let d = q_idx - kv_idx; s - d * d }"));
  ASSERT_TRUE(m);
  KernelOp k = kernelOf(*m);
  std::vector<mlir::arith::SubIOp> subs = opsIn<mlir::arith::SubIOp>(k.getScore());
  ASSERT_EQ(subs.size(), 1u);
  std::vector<mlir::arith::MulIOp> muls = opsIn<mlir::arith::MulIOp>(k.getScore());
  ASSERT_EQ(muls.size(), 1u);
  EXPECT_EQ(muls[0].getLhs(), subs[0].getResult());
  EXPECT_EQ(muls[0].getRhs(), subs[0].getResult());
}

TEST(Import, ErrorsGiveNoModule) {
  DiagnosticCapture dc;
  EXPECT_FALSE(dc.compile(specWith("  score { s * zzzzzz }")));
  ASSERT_EQ(dc.errors().size(), 1u);
  EXPECT_EQ(dc.errors()[0].message, "unknown name 'zzzzzz'");
}

} // namespace
