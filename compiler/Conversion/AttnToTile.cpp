//===- AttnToTile.cpp - attn.kernel to the tile program of one CTA --------===//
//
// What the attn kernel says (dtypes, scales, score, mask) becomes how one CTA computes it. The
// decisions were made by the attn passes and are read here: where each scale applies
// (#attn.scales), the tile sizes (config), and from the mask analysis the KV loop bounds of a
// query tile (kv_bounds) and which KV tiles the mask keeps whole (tile_class).
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/Passes.h"
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOTILE
#include "compiler/Conversion/Passes.h.inc"
} // namespace attn

using namespace attn;
using mlir::Value;

namespace {

bool contains(mlir::ArrayAttr list, llvm::StringRef name) {
  return llvm::any_of(list, [&](mlir::Attribute a) { return llvm::cast<mlir::StringAttr>(a).getValue() == name; });
}

/// Builds the tile program of one kernel.
struct Lowering {
  KernelOp kernel;
  mlir::OpBuilder b;
  mlir::Location loc;
  KernelConfig cfg;
  Signature sig;
  ScalePlanAttr plan;
  mlir::Type i32, f32;

  Lowering(KernelOp k) : kernel(k), b(k), loc(k.getLoc()), i32(b.getI32Type()), f32(b.getF32Type()) {}

  Value cst(int64_t v) { return mlir::arith::ConstantIntOp::create(b, loc, v, 32); }

  /// Clones `op` at the insertion point; attn.param_read becomes tile.param_read (the slot and
  /// storage type of the param), since the tile program has no attn.kernel to look it up in.
  void cloneOp(mlir::Operation &op, mlir::IRMapping &map) {
    if (auto read = llvm::dyn_cast<ParamReadOp>(op)) {
      int64_t index = 0;
      ParamAttr decl;
      for (auto [i, a] : llvm::enumerate(kernel.getParams()))
        if (auto p = llvm::cast<ParamAttr>(a); p.getName() == read.getParam())
          index = int64_t(i), decl = p;
      llvm::SmallVector<Value> idx;
      for (Value v : read.getIndices())
        idx.push_back(map.lookup(v));
      auto t = tile::ParamReadOp::create(b, read.getLoc(), read.getType(), read.getParamAttr(),
                                         b.getI64IntegerAttr(index),
                                         mlir::TypeAttr::get(decl.getElementType()), idx);
      map.map(read.getResult(), t.getResult());
      return;
    }
    b.clone(op, map);
  }

  /// Inlines a single-block region with `args` for its arguments; returns what it yields.
  llvm::SmallVector<Value> inlineRegion(mlir::Region &region, mlir::ValueRange args) {
    mlir::Block &block = region.front();
    mlir::IRMapping map;
    map.map(block.getArguments(), args);
    for (mlir::Operation &op : block.without_terminator())
      cloneOp(op, map);
    llvm::SmallVector<Value> out;
    for (Value v : block.getTerminator()->getOperands())
      out.push_back(map.lookup(v));
    return out;
  }

  /// Copies a score or mask region into `dst`, ending in tile.yield.
  void copyRegion(mlir::Region &src, mlir::Region &dst) {
    mlir::Block &from = src.front();
    mlir::Block *to = new mlir::Block;
    dst.push_back(to);
    mlir::IRMapping map;
    for (mlir::BlockArgument a : from.getArguments())
      map.map(a, to->addArgument(a.getType(), a.getLoc()));
    mlir::OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(to);
    for (mlir::Operation &op : from.without_terminator())
      cloneOp(op, map);
    llvm::SmallVector<Value> out;
    for (Value v : from.getTerminator()->getOperands())
      out.push_back(map.lookup(v));
    tile::YieldOp::create(b, from.getTerminator()->getLoc(), out);
  }

  mlir::Type mmaElementType() {
    return *mmaType(sig) == DType::F16 ? mlir::Type(b.getF16Type()) : mlir::Type(b.getBF16Type());
  }

  mlir::FailureOr<tile::KernelOp> run();
};

mlir::FailureOr<tile::KernelOp> Lowering::run() {
  auto configAttr = kernel->getAttrOfType<mlir::DictionaryAttr>("config");
  plan = kernel.getScalesAttr();
  if (!configAttr || !plan)
    return kernel.emitError() << "convert-attn-to-tile needs attn-fold-scales and "
                                 "attn-select-config to run first";
  cfg = configFromAttr(configAttr);
  sig = kernel.getSignature();
  if (std::string why = checkConfig(cfg, sig); !why.empty())
    return kernel.emitError() << "cannot build this kernel: " << why;

  int64_t BM = cfg.blockM, BN = cfg.blockN;
  int64_t dqk = (sig.q.headDim + 15) / 16 * 16, dv = (sig.v.headDim + 15) / 16 * 16;
  auto rowsT = mlir::VectorType::get({BM}, f32);
  auto sT = mlir::VectorType::get({BM, BN}, f32);
  auto accT = mlir::VectorType::get({BM, dv}, f32);
  auto smem = b.getI64IntegerAttr(3);
  // Tiles keep fp8 codes where Q.K runs on fp8 tensor cores (Q and K) and where the warp-split
  // MMAs widen them in registers (K and V); others hold the MMA type.
  auto elem = [&](char operand, DType dtype) {
    return fp8Codes(cfg, sig, operand) ? toMLIRType(b.getContext(), dtype) : mmaElementType();
  };
  auto qT = mlir::MemRefType::get({BM, dqk}, elem('q', sig.q.dtype), nullptr, smem);
  auto kT = mlir::MemRefType::get({BN, dqk}, elem('k', sig.k.dtype), nullptr, smem);
  auto vT = mlir::MemRefType::get({BN, dv}, elem('v', sig.v.dtype), nullptr, smem);

  llvm::SmallVector<mlir::NamedAttribute> sigAttrs = {
      b.getNamedAttr("q", kernel.getQAttr()), b.getNamedAttr("k", kernel.getKAttr()),
      b.getNamedAttr("v", kernel.getVAttr()), b.getNamedAttr("out", kernel.getOutAttr()),
      b.getNamedAttr("params", kernel.getParamsAttr())};
  if (kernel.getLse())
    sigAttrs.push_back(b.getNamedAttr("lse", b.getUnitAttr()));
  if (kernel.getRagged())
    sigAttrs.push_back(b.getNamedAttr("ragged", b.getUnitAttr()));
  if (auto p = kernel.getPageSize())
    sigAttrs.push_back(b.getNamedAttr("page_size", b.getI64IntegerAttr(int64_t(*p))));
  auto tk = tile::KernelOp::create(b, loc, kernel.getSymNameAttr(), configAttr,
                                   b.getDictionaryAttr(sigAttrs));
  b.setInsertionPointToStart(&tk.getBody().emplaceBlock());

  auto cta = tile::CtaInfoOp::create(b, loc, i32, i32, i32, i32);
  Value bIdx = cta.getB(), qFirst = cta.getQFirst(), qLast = cta.getQLast(), kvLen = cta.getKvLen();

  // The KV loop covers [lo, hi): the mask analysis' bounds for this query tile, clamped to
  // the sequence, lo rounded down to a whole tile; in a split launch, this CTA's part of it.
  Value lo = cst(0), hi = kvLen;
  if (!kernel.getKvBounds().empty()) {
    llvm::SmallVector<Value> bounds =
        inlineRegion(kernel.getKvBounds(), mlir::ValueRange{bIdx, qFirst, qLast, kvLen});
    lo = mlir::arith::MaxSIOp::create(b, loc, bounds[0], cst(0));
    hi = mlir::arith::MinSIOp::create(b, loc, bounds[1], kvLen);
  }
  Value cBN = cst(BN);
  lo = mlir::arith::MulIOp::create(b, loc, mlir::arith::DivSIOp::create(b, loc, lo, cBN), cBN);
  auto part = tile::KvSplitOp::create(b, loc, i32, i32, lo, hi);
  lo = part.getPartLo(), hi = part.getPartHi();

  // The load schedule. One stage: V(n) loads under Q.K(n), K(n + 1) under P.V(n). Two stages:
  // K(n + 1) loads from the start of tile n and V(n + 1) from its P.V, each with a whole tile's
  // time. Two stages with ping-pong, and S >= 3 stages: K(n) and V(n) are waited for at the top
  // of tile n, then K(n + S - 1) and V(n + S - 1) load during all of it (S - 1 tiles in
  // flight: the depth a memory-bound decode needs), so that nothing waits between Q.K and P.V
  // where the warpgroups take turns. Every load closes a group of copies (an inactive one an
  // empty group), so each wait knows statically how many later groups may still be in flight.
  // The first S - 1 tiles load under Q's.
  int64_t stages = cfg.stages;
  bool topWaits = (stages == 2 && cfg.pingpong) || stages >= 3;
  Value yes = mlir::arith::ConstantIntOp::create(b, loc, 1, 1);
  auto load = [&](llvm::StringRef operand, Value n0, Value active) {
    tile::LoadAsyncOp::create(b, loc, b.getStringAttr(operand), n0, active);
  };
  // With ping-pong on two stages an fp8 K or V tile is widened early: tile n + 1's in tile n,
  // between the softmax and P.V, where the other warpgroup's MMAs hide the conversion. (With
  // more stages, tile n + 1 is not the last in flight, so it is widened where it is waited for.)
  bool twoStagePingpong = stages == 2 && cfg.pingpong;
  bool widenEarly[2] = {twoStagePingpong && isFP8(sig.k.dtype) && !fp8Codes(cfg, sig, 'k'),
                        twoStagePingpong && isFP8(sig.v.dtype) && !fp8Codes(cfg, sig, 'v')};
  auto wait = [&](llvm::StringRef operand, mlir::Type t, Value n0, int64_t pending) {
    bool early = widenEarly[operand == "v"];
    return tile::WaitOp::create(b, loc, t, b.getStringAttr(operand), n0,
                                b.getI64IntegerAttr(pending), early ? b.getUnitAttr() : nullptr)
        .getResult();
  };
  auto widen = [&](llvm::StringRef operand, Value n0, Value active) {
    if (widenEarly[operand == "v"])
      tile::WidenOp::create(b, loc, b.getStringAttr(operand), n0, active);
  };
  // Nothing but the metadata is read before the previous kernel is done (an overlapping launch).
  // Q's copies first, then the first K/V tiles', so that q's conversion (fp8 widening, or bf16
  // rows entering f16 tiles with their power-of-two factors) runs while K and V land.
  tile::AwaitPreviousOp::create(b, loc, lo, hi);
  tile::StartQOp::create(b, loc);
  int64_t ahead = std::max<int64_t>(1, stages - 1); // tiles loading before the loop
  Value firstActive;
  for (int64_t i = 0; i < ahead; ++i) {
    Value n0 = i == 0 ? lo : mlir::arith::AddIOp::create(b, loc, lo, cst(i * BN)).getResult();
    // Only tiles the loop consumes: an empty range (a split's empty part) loads none.
    Value active = mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::slt, n0, hi).getResult();
    if (i == 0)
      firstActive = active;
    load("k", n0, active);
    if (stages >= 2)
      load("v", n0, active);
  }
  auto kindOf = [&](llvm::StringRef name, const TensorSig &t, mlir::ArrayAttr where) {
    return contains(where, name) ? scaleName(t.scale) : llvm::StringRef("none");
  };
  llvm::StringRef qScale = contains(plan.getScore(), "q") || contains(plan.getRows(), "q")
                               ? scaleName(sig.q.scale) : llvm::StringRef("none");
  llvm::StringRef kScale = kindOf("k", sig.k, plan.getScore());
  bool rescaleQ = sig.q.dtype == DType::BF16 && mmaElementType().isF16();
  // Where nothing reads the scaled scores before the softmax (no score function, no per-key k
  // scale) and the multiplier is positive, the scores stay unscaled: the maximum commutes with
  // the multiplier, which then enters the exponent as one fused multiply-add per score
  // (P = exp2(c S - c m)) instead of a multiply before the maximum. c is a constant, or one
  // per row where bf16 q enters f16 tiles: those rows' power-of-two factors and k's uniform
  // scale are in it, the scale's sign moved into the rows (exact) so that c stays positive.
  bool unread = scoreIsIdentity(kernel) && !contains(plan.getColumns(), "k") && qScale == "none" &&
                plan.getMultiplier().getValueAsDouble() > 0;
  bool constantExp = unread && kScale == "none" && !rescaleQ;
  bool rowExp = unread && rescaleQ;
  auto loadQ = tile::LoadQOp::create(b, loc, qT, rescaleQ ? mlir::Type(rowsT) : mlir::Type(),
                                     b.getI64IntegerAttr(stages == 1 ? 1 : 2 * ahead),
                                     rowExp && kScale != "none" ? b.getUnitAttr() : nullptr);
  Value q = loadQ.getTile();
  widen("k", lo, firstActive);
  widen("v", lo, firstActive);
  auto fill = [&](mlir::Type t, float v) { return tile::FillOp::create(b, loc, t, b.getF32FloatAttr(v)).getResult(); };
  Value m0 = fill(rowsT, -INFINITY), l0 = fill(rowsT, 0.0f), acc0 = fill(accT, 0.0f);

  mlir::FloatAttr expScale = constantExp ? plan.getMultiplier() : mlir::FloatAttr();
  Value rowScale, expRowScale;
  if (!constantExp)
    rowScale = tile::ScoreScaleOp::create(b, loc, rowsT, plan.getMultiplier(),
                                          b.getStringAttr(qScale), b.getStringAttr(kScale),
                                          loadQ.getRowFactor(), rowExp ? b.getUnitAttr() : nullptr);
  if (rowExp)
    expRowScale = rowScale;

  auto loop = mlir::scf::ForOp::create(
      b, loc, lo, hi, cBN, mlir::ValueRange{m0, l0, acc0},
      [&](mlir::OpBuilder &, mlir::Location, Value n0, mlir::ValueRange iter) {
        Value m = iter[0], l = iter[1], acc = iter[2];
        Value next = mlir::arith::AddIOp::create(b, loc, n0, cBN);
        Value more = mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::slt, next, hi);
        // Groups of copies after K(n): V(n), then K and V of the tiles n + 1 .. n + S - 2.
        int64_t later = topWaits ? 2 * (stages - 2) : 0;
        Value k = wait("k", kT, n0, topWaits ? later + 1 : stages - 1), v;
        if (topWaits) {
          v = wait("v", vT, n0, later);
          Value far = next, farMore = more;
          if (stages >= 3) {
            far = mlir::arith::AddIOp::create(b, loc, n0, cst((stages - 1) * BN));
            farMore = mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::slt, far, hi);
          }
          load("k", far, farMore);
          load("v", far, farMore);
        } else if (stages == 2) {
          load("k", next, more);
        } else {
          load("v", n0, yes);
        }
        // Q.K, the score and mask, the online softmax and P.V of tile n.
        auto compute = [&]() -> llvm::SmallVector<Value, 3> {
          Value s = tile::MmaQKOp::create(b, loc, sT, q, k);
          if (!constantExp && !rowExp)
            s = tile::ScaleRowsOp::create(b, loc, sT, s, rowScale);
          if (contains(plan.getColumns(), "k"))
            s = tile::ScaleColsOp::create(b, loc, sT, s, b.getStringAttr("k"), n0);
          if (!scoreIsIdentity(kernel)) {
            // The score function; the softmax runs in base 2 after it (log2 e folded into the
            // function's last multiplication by attn-fold-scales, or applied here).
            s = tile::MapOp::create(b, loc, sT, s, bIdx, n0);
            copyRegion(kernel.getScore(), s.getDefiningOp<tile::MapOp>().getBody());
            if (!plan.getExp2().getValue())
              s = tile::MulOp::create(b, loc, sT, s, b.getF64FloatAttr(M_LOG2E));
          }
          // Tiles the mask keeps whole only clip keys past the sequence.
          Value kvEnd = mlir::arith::MinSIOp::create(b, loc, next, kvLen);
          Value kvLast = mlir::arith::SubIOp::create(b, loc, kvEnd, cst(1));
          Value full = mlir::arith::ConstantIntOp::create(b, loc, 0, 1);
          if (!kernel.getTileClass().empty())
            full = inlineRegion(kernel.getTileClass(), mlir::ValueRange{bIdx, qFirst, qLast, n0, kvLast})[0];
          auto masked = mlir::scf::IfOp::create(
              b, loc, full,
              [&](mlir::OpBuilder &, mlir::Location) {
                Value t = tile::MaskTailOp::create(b, loc, sT, s, n0);
                mlir::scf::YieldOp::create(b, loc, t);
              },
              [&](mlir::OpBuilder &, mlir::Location) {
                auto mask = tile::MaskOp::create(b, loc, sT, s, bIdx, n0);
                copyRegion(kernel.getMask(), mask.getBody());
                mlir::scf::YieldOp::create(b, loc, mask.getResult());
              });
          s = masked.getResult(0);
          // m_new = max(m_old, rowmax(S)); alpha = exp2(m_old - m_new); P = exp2(S - m_new)
          Value mNew = tile::RowMaxOp::create(b, loc, rowsT, s, m);
          Value alpha = tile::Exp2DiffOp::create(b, loc, rowsT, m, mNew, expScale, expRowScale);
          Value p = tile::Exp2SubOp::create(b, loc, sT, s, mNew, expScale, expRowScale);
          // l_new = alpha * l_old + rowsum(P); acc = alpha * acc + P V
          Value lNew = tile::RowSumOp::create(b, loc, rowsT, p, l, alpha);
          Value accScaled = tile::ScaleRowsOp::create(b, loc, accT, acc, alpha);
          if (contains(plan.getPColumns(), "v"))
            p = tile::ScaleColsOp::create(b, loc, sT, p, b.getStringAttr("v"), n0);
          if (!topWaits) {
            v = wait("v", vT, n0, stages - 1);
            load(stages == 2 ? "v" : "k", next, more);
          }
          widen("k", next, more);
          widen("v", next, more);
          Value accNew = tile::MmaPVOp::create(b, loc, accT, p, v, accScaled);
          return {mNew, lNew, accNew};
        };
        // Without ping-pong, where every wait is at the top, a warp (warpgroup) whose rows hold
        // no query of the sequence (decode's short query tiles) skips the tile's compute; it
        // still loads and waits, as the CTA's barriers need.
        if (topWaits && !cfg.pingpong) {
          Value live = tile::RowsLiveOp::create(b, loc, b.getI1Type());
          auto branch = mlir::scf::IfOp::create(
              b, loc, live,
              [&](mlir::OpBuilder &, mlir::Location) { mlir::scf::YieldOp::create(b, loc, compute()); },
              [&](mlir::OpBuilder &, mlir::Location) {
                mlir::scf::YieldOp::create(b, loc, mlir::ValueRange{m, l, acc});
              });
          mlir::scf::YieldOp::create(b, loc, branch.getResults());
        } else {
          mlir::scf::YieldOp::create(b, loc, compute());
        }
      });

  // The epilogue's m (the lse, a split launch's partials) is the scaled maximum.
  Value mFinal = loop.getResult(0);
  if (constantExp)
    mFinal = tile::MulOp::create(b, loc, rowsT, mFinal, expScale);
  if (rowExp)
    mFinal = tile::ScaleRowsOp::create(b, loc, rowsT, mFinal, expRowScale);
  tile::StoreOutOp::create(b, loc, loop.getResult(2), mFinal, loop.getResult(1),
                           b.getStringAttr(kindOf("v", sig.v, plan.getEpilogue())),
                           contains(plan.getEpilogue(), "out") ? b.getUnitAttr() : nullptr,
                           sig.lse ? b.getUnitAttr() : nullptr);
  return tk;
}

struct ConvertAttnToTile : attn::impl::ConvertAttnToTileBase<ConvertAttnToTile> {
  void runOnOperation() override {
    llvm::SmallVector<KernelOp> kernels;
    getOperation().walk([&](KernelOp k) { kernels.push_back(k); });
    for (KernelOp k : kernels) {
      if (failed(convertKernelToTile(k)))
        return signalPassFailure();
      k.erase();
    }
  }
};

} // namespace

mlir::FailureOr<tile::KernelOp> attn::convertKernelToTile(KernelOp kernel) {
  return Lowering(kernel).run();
}
