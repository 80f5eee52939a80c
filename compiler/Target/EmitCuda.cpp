//===- EmitCuda.cpp - tile.kernel to CUDA C++ -----------------------------===//
//
// One statement per op, each value a named C++ local (v0, v1, ...). Register tiles become
// Tile<Cfg, COLS>, row vectors Rows<Cfg>, shared-memory tiles the CTA's `sm`; scf.for becomes
// a for loop whose iteration values are locals updated at its end; the score and mask regions
// become lambdas that the library applies to the elements a thread (GPU) or the CTA (host)
// holds. Integer arithmetic of the spec wraps and integer division by zero gives 0
// (Numeric.h), so the host build never traps where the GPU would not.
//
//===----------------------------------------------------------------------===//
#include "compiler/Target/EmitCuda.h"

#include "compiler/Spec/Config.h"
#include "dialects/Attn/IR/AttnOps.h"
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace attn;
using mlir::Value;

namespace {

const char kDeviceLibrary[] =
#include "DeviceLibrary.inc"
    ;

/// The library's name of a storage dtype.
std::string storageType(mlir::Type t) {
  if (t.isBF16()) return "bf16";
  if (t.isF16()) return "f16";
  if (t.isF32()) return "float";
  if (llvm::isa<mlir::Float8E4M3FNType>(t)) return "e4m3";
  if (llvm::isa<mlir::Float8E5M2Type>(t)) return "e5m2";
  if (t.isInteger(32)) return "int";
  return "";
}

int scaleCode(ScaleKind k) {
  switch (k) {
  case ScaleKind::None: return 0;
  case ScaleKind::PerTensor: return 1;
  case ScaleKind::PerHead: return 2;
  case ScaleKind::PerTokenHead: return 3;
  }
  return 0;
}

std::string floatLiteral(double v) {
  if (std::isnan(v)) return "::attn::dev::u2f(0x7FC00000u)";
  if (std::isinf(v)) return v > 0 ? "::attn::dev::u2f(0x7F800000u)" : "::attn::dev::neg_inf()";
  std::string s = llvm::formatv("{0}", llvm::format("%.9g", v)).str();
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s + "f";
}

class Emitter {
public:
  Emitter(tile::KernelOp kernel, llvm::raw_ostream &os) : kernel(kernel), os(os) {}
  mlir::LogicalResult run();

private:
  tile::KernelOp kernel;
  llvm::raw_ostream &os;
  llvm::DenseMap<Value, std::string> names;
  unsigned next = 0;
  int indent = 1;

  std::string fresh(Value v) {
    std::string n = "v" + std::to_string(next++);
    names[v] = n;
    return n;
  }
  std::string name(Value v) { return names.lookup(v); }
  llvm::raw_ostream &line() { return os.indent(2 * indent); }

  std::string cppType(mlir::Type t) {
    if (auto vt = llvm::dyn_cast<mlir::VectorType>(t))
      return vt.getRank() == 1 ? "Rows<Cfg>" : "Tile<Cfg, " + std::to_string(vt.getDimSize(1)) + ">";
    if (t.isInteger(1)) return "bool";
    if (t.isInteger(32)) return "int";
    if (t.isF32()) return "float";
    return "";
  }

  mlir::LogicalResult emitBlock(mlir::Block &block);
  mlir::LogicalResult emitOp(mlir::Operation &op);
  mlir::LogicalResult emitScalar(mlir::Operation &op);
  mlir::LogicalResult emitLambdaBody(mlir::Region &region);
  void define(Value v, const std::string &expr) {
    std::string n = fresh(v);
    line() << "const " << cppType(v.getType()) << " " << n << " = " << expr << ";\n";
  }
};

mlir::LogicalResult Emitter::emitBlock(mlir::Block &block) {
  for (mlir::Operation &op : block)
    if (failed(emitOp(op)))
      return mlir::failure();
  return mlir::success();
}

mlir::LogicalResult Emitter::emitLambdaBody(mlir::Region &region) {
  mlir::Block &block = region.front();
  ++indent;
  for (mlir::Operation &op : block.without_terminator())
    if (failed(emitOp(op)))
      return mlir::failure();
  line() << "return " << name(block.getTerminator()->getOperand(0)) << ";\n";
  --indent;
  return mlir::success();
}

/// Scalar ops of the score/mask regions and of the bounds: one expression each.
mlir::LogicalResult Emitter::emitScalar(mlir::Operation &op) {
  namespace ar = mlir::arith;
  auto in = [&](unsigned i) { return name(op.getOperand(i)); };
  auto call = [&](llvm::StringRef fn) {
    std::string args;
    for (unsigned i = 0; i < op.getNumOperands(); ++i)
      args += (i ? ", " : "") + in(i);
    define(op.getResult(0), ("::attn::dev::" + fn + "(").str() + args + ")");
    return mlir::success();
  };
  auto infix = [&](llvm::StringRef o) {
    define(op.getResult(0), "(" + in(0) + " " + o.str() + " " + in(1) + ")");
    return mlir::success();
  };
  if (auto c = llvm::dyn_cast<ar::ConstantOp>(op)) {
    mlir::Attribute v = c.getValue();
    if (auto i = llvm::dyn_cast<mlir::IntegerAttr>(v))
      define(c, i.getType().isInteger(1) ? (i.getValue().isZero() ? "false" : "true")
                                         : std::to_string(i.getValue().getSExtValue()));
    else if (auto f = llvm::dyn_cast<mlir::FloatAttr>(v))
      define(c, floatLiteral(f.getValueAsDouble()));
    else
      return op.emitError("cannot emit this constant as CUDA C++");
    return mlir::success();
  }
  if (llvm::isa<ar::AddIOp>(op)) return call("m_addi");
  if (llvm::isa<ar::SubIOp>(op)) return call("m_subi");
  if (llvm::isa<ar::MulIOp>(op)) return call("m_muli");
  if (llvm::isa<ar::DivSIOp>(op)) return call("m_divsi");
  if (llvm::isa<ar::RemSIOp>(op)) return call("m_remsi");
  if (llvm::isa<ar::MinSIOp>(op)) return call("m_mini");
  if (llvm::isa<ar::MaxSIOp>(op)) return call("m_maxi");
  if (llvm::isa<ar::AddFOp>(op)) return infix("+");
  if (llvm::isa<ar::SubFOp>(op)) return infix("-");
  if (llvm::isa<ar::MulFOp>(op)) return infix("*");
  if (auto d = llvm::dyn_cast<ar::DivFOp>(op)) {
    // By a constant: times its reciprocal (within 1.5 ulp, as the hardware's approximate
    // division is within 2), one multiply where a division costs a reciprocal on the
    // special-function units, which a score function shares with the softmax's exp2.
    mlir::FloatAttr c;
    if (mlir::matchPattern(d.getRhs(), mlir::m_Constant(&c))) {
      double r = 1.0 / c.getValueAsDouble();
      if (std::isfinite(r) && std::fabs(r) >= 0x1p-125 && std::fabs(r) <= 0x1p125) {
        define(op.getResult(0), "(" + in(0) + " * " + floatLiteral(r) + ")");
        return mlir::success();
      }
    }
    return call("m_divf");
  }
  if (llvm::isa<ar::MaximumFOp>(op)) return call("m_maximumf");
  if (llvm::isa<ar::MinimumFOp>(op)) return call("m_minimumf");
  if (llvm::isa<ar::NegFOp>(op)) {
    define(op.getResult(0), "(-" + in(0) + ")");
    return mlir::success();
  }
  if (llvm::isa<ar::SIToFPOp>(op)) {
    define(op.getResult(0), "float(" + in(0) + ")");
    return mlir::success();
  }
  if (op.getNumOperands() == 2 && op.getOperand(0).getType().isInteger(1)) {
    if (llvm::isa<ar::AndIOp>(op)) return infix("&&");
    if (llvm::isa<ar::OrIOp>(op)) return infix("||");
    if (llvm::isa<ar::XOrIOp>(op)) return infix("!=");
  }
  if (auto s = llvm::dyn_cast<ar::SelectOp>(op)) {
    define(s, "(" + in(0) + " ? " + in(1) + " : " + in(2) + ")");
    return mlir::success();
  }
  if (auto c = llvm::dyn_cast<ar::CmpIOp>(op)) {
    using P = ar::CmpIPredicate;
    switch (c.getPredicate()) {
    case P::eq: return infix("==");
    case P::ne: return infix("!=");
    case P::slt: return infix("<");
    case P::sle: return infix("<=");
    case P::sgt: return infix(">");
    case P::sge: return infix(">=");
    default: return op.emitError("cannot emit an unsigned integer comparison as CUDA C++");
    }
  }
  if (auto c = llvm::dyn_cast<ar::CmpFOp>(op)) {
    using P = ar::CmpFPredicate;
    switch (c.getPredicate()) { // ordered comparisons are false on NaN, as C's are
    case P::OEQ: return infix("==");
    case P::UNE: return infix("!=");
    case P::OLT: return infix("<");
    case P::OLE: return infix("<=");
    case P::OGT: return infix(">");
    case P::OGE: return infix(">=");
    default: return op.emitError("cannot emit this float comparison as CUDA C++");
    }
  }
  if (llvm::isa<mlir::math::TanhOp>(op)) return call("m_tanh");
  if (llvm::isa<mlir::math::ExpOp>(op)) return call("m_exp");
  if (llvm::isa<mlir::math::Exp2Op>(op)) return call("m_exp2");
  if (llvm::isa<mlir::math::LogOp>(op)) return call("m_log");
  if (llvm::isa<mlir::math::Log2Op>(op)) return call("m_log2");
  if (llvm::isa<mlir::math::SqrtOp>(op)) return call("m_sqrt");
  if (llvm::isa<mlir::math::RsqrtOp>(op)) return call("m_rsqrt");
  if (llvm::isa<mlir::math::AbsFOp>(op)) return call("m_abs");
  if (llvm::isa<mlir::math::AbsIOp>(op)) return call("m_absi");
  // The mask built-ins, as attn's op descriptions define them.
  if (llvm::isa<CausalOp>(op)) return infix(">=");
  if (llvm::isa<SlidingWindowOp>(op)) {
    define(op.getResult(0), "(::attn::dev::m_absi(::attn::dev::m_subi(" + in(0) + ", " + in(1) +
                                ")) < " + in(2) + ")");
    return mlir::success();
  }
  if (llvm::isa<PrefixLMOp>(op)) {
    define(op.getResult(0), "(" + in(1) + " < " + in(2) + " || " + in(0) + " >= " + in(1) + ")");
    return mlir::success();
  }
  if (llvm::isa<ChunkedOp>(op)) {
    define(op.getResult(0), "(::attn::dev::m_divsi(" + in(0) + ", " + in(2) +
                                ") == ::attn::dev::m_divsi(" + in(1) + ", " + in(2) + "))");
    return mlir::success();
  }
  if (auto r = llvm::dyn_cast<tile::ParamReadOp>(op)) {
    std::string idx;
    for (unsigned i = 0; i < r.getIndices().size(); ++i)
      idx += (i ? ", " : "") + name(r.getIndices()[i]);
    std::string rank = std::to_string(r.getIndices().size());
    std::string slot = std::to_string(r.getIndex());
    if (r.getType().isInteger(32))
      define(r, "cta.param_i<" + rank + ">(" + slot + ", {" + idx + "})");
    else
      define(r, "cta.param_f<" + storageType(r.getStorage()) + ", " + rank + ">(" + slot + ", {" +
                    idx + "})");
    return mlir::success();
  }
  return op.emitError() << "cannot emit '" << op.getName() << "' as CUDA C++";
}

/// The device library's index of a K/V operand: 0 for k, 1 for v.
int operandIndex(llvm::StringRef operand) { return operand == "k" ? 0 : 1; }

mlir::LogicalResult Emitter::emitOp(mlir::Operation &op) {
  using namespace tile;
  auto n = [&](Value v) { return name(v); };
  auto declare = [&](Value v, const std::string &expr) {
    std::string nm = fresh(v);
    line() << cppType(v.getType()) << " " << nm << " = " << expr << ";\n";
  };
  if (auto c = llvm::dyn_cast<CtaInfoOp>(op)) {
    static const char *const fields[] = {"cta.b", "cta.q_first", "cta.q_last", "cta.kv_len"};
    for (auto [v, field] : llvm::zip(c.getResults(), fields))
      names[v] = field; // read where used: no unused locals
    return mlir::success();
  }
  if (auto r = llvm::dyn_cast<RowsLiveOp>(op)) {
    line() << "const bool " << fresh(r.getLive()) << " = rows_live(cta);\n";
    return mlir::success();
  }
  if (auto k = llvm::dyn_cast<KvSplitOp>(op)) {
    std::string args = "(" + n(k.getLo()) + ", " + n(k.getHi()) + ");\n";
    line() << "const int " << fresh(k.getPartLo()) << " = cta.split_lo" << args;
    line() << "const int " << fresh(k.getPartHi()) << " = cta.split_hi" << args;
    return mlir::success();
  }
  if (auto l = llvm::dyn_cast<LoadQOp>(op)) {
    std::string factor;
    if (Value f = l.getRowFactor()) {
      factor = ", " + fresh(f);
      line() << cppType(f.getType()) << " " << name(f) << ";\n";
    }
    line() << "const auto " << fresh(l.getTile()) << " = load_q<" << l.getPending()
           << (l.getKSign() ? ", true" : "") << ">(cta, sm" << factor << ");\n";
    return mlir::success();
  }
  if (auto w = llvm::dyn_cast<AwaitPreviousOp>(op)) {
    line() << "await_previous(cta, sm, " << n(w.getLo()) << ", " << n(w.getHi()) << ");\n";
    return mlir::success();
  }
  if (llvm::isa<StartQOp>(op)) {
    line() << "start_q(cta, sm);\n";
    return mlir::success();
  }
  if (auto l = llvm::dyn_cast<LoadAsyncOp>(op)) {
    line() << "load_kv_async<Cfg, " << operandIndex(l.getOperand()) << ">(cta, sm, "
           << n(l.getN0()) << ", " << n(l.getActive()) << ");\n";
    return mlir::success();
  }
  if (auto w = llvm::dyn_cast<WaitOp>(op)) {
    line() << "const auto " << fresh(w.getTile()) << " = wait_kv<Cfg, "
           << operandIndex(w.getOperand()) << ", " << w.getPending() << ", "
           << (w.getWidened() ? "true" : "false") << ">(sm, " << n(w.getN0()) << ");\n";
    return mlir::success();
  }
  if (auto w = llvm::dyn_cast<WidenOp>(op)) {
    line() << "widen_kv<Cfg, " << operandIndex(w.getOperand()) << ">(sm, " << n(w.getN0())
           << ", " << n(w.getActive()) << ");\n";
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MmaQKOp>(op)) {
    std::string nm = fresh(m.getS());
    line() << cppType(m.getType()) << " " << nm << ";\n";
    line() << "mma_qk(" << nm << ", " << n(m.getQ()) << ", " << n(m.getK()) << ");\n";
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MmaPVOp>(op)) {
    declare(m.getResult(), n(m.getAcc()));
    line() << "mma_pv(" << n(m.getResult()) << ", " << n(m.getP()) << ", " << n(m.getV()) << ");\n";
    return mlir::success();
  }
  if (auto f = llvm::dyn_cast<FillOp>(op)) {
    auto vt = llvm::cast<mlir::VectorType>(f.getType());
    std::string v = floatLiteral(f.getValue().convertToDouble());
    declare(f, vt.getRank() == 1 ? "rows_fill<Cfg>(" + v + ")"
                                 : "tile_fill<Cfg, " + std::to_string(vt.getDimSize(1)) + ">(" + v + ")");
    return mlir::success();
  }
  if (auto s = llvm::dyn_cast<ScoreScaleOp>(op)) {
    std::string e = floatLiteral(s.getMultiplier().convertToDouble());
    if (s.getQScale() != "none")
      e += " * cta.q_scale(r)";
    if (s.getKScale() != "none")
      e += " * cta.k_uniform_scale()";
    if (s.getPositive())
      e = "positive_multiplier(" + e + ")";
    std::string rows = "rows_of<Cfg>([&](int r) { (void)r; return " + e + "; })";
    define(s, s.getTimes() ? "rows_mul(" + rows + ", " + n(s.getTimes()) + ")" : rows);
    return mlir::success();
  }
  if (auto s = llvm::dyn_cast<ScaleRowsOp>(op)) {
    bool rows = llvm::cast<mlir::VectorType>(s.getTile().getType()).getRank() == 1;
    define(s, (rows ? "rows_mul(" : "scale_rows(") + n(s.getTile()) + ", " + n(s.getFactor()) + ")");
    return mlir::success();
  }
  if (auto s = llvm::dyn_cast<ScaleColsOp>(op)) {
    std::string which = s.getOperand() == "k" ? "k_scale" : "v_scale";
    define(s, "scale_cols(" + n(s.getTile()) + ", [&](int col) { const int kv = " + n(s.getN0()) +
                  " + col; return kv < cta.kv_len ? cta.a." + which +
                  "[cta.kv_scale_index(kv)] : 0.0f; })");
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MulOp>(op)) {
    define(m, "scale(" + n(m.getTile()) + ", " + floatLiteral(m.getFactor().convertToDouble()) + ")");
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MapOp>(op)) {
    mlir::Block &blk = m.getBody().front();
    std::string x = fresh(blk.getArgument(0));
    names[blk.getArgument(1)] = n(m.getB());
    std::string h = fresh(blk.getArgument(2)), q = fresh(blk.getArgument(3)), kv = fresh(blk.getArgument(4));
    std::string result = fresh(m.getResult());
    bool readsParams = m.getBody().walk([](tile::ParamReadOp) { return mlir::WalkResult::interrupt(); }).wasInterrupted();
    line() << "const " << cppType(m.getType()) << " " << result << " = map_scores<"
           << (readsParams ? "true" : "false") << ">(" << n(m.getTile())
           << ", cta, " << n(m.getN0()) << ", [&](float " << x << ", int " << h << ", int " << q
           << ", int " << kv << ") -> float {\n";
    if (failed(emitLambdaBody(m.getBody())))
      return mlir::failure();
    line() << "});\n";
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MaskOp>(op)) {
    mlir::Block &blk = m.getBody().front();
    names[blk.getArgument(0)] = n(m.getB());
    std::string h = fresh(blk.getArgument(1)), q = fresh(blk.getArgument(2)), kv = fresh(blk.getArgument(3));
    std::string result = fresh(m.getResult());
    line() << "const " << cppType(m.getType()) << " " << result << " = mask_scores(" << n(m.getTile())
           << ", cta, " << n(m.getN0()) << ", [&](int " << h << ", int " << q << ", int " << kv
           << ") -> bool {\n";
    if (failed(emitLambdaBody(m.getBody())))
      return mlir::failure();
    line() << "});\n";
    return mlir::success();
  }
  if (auto m = llvm::dyn_cast<MaskTailOp>(op)) {
    define(m, "mask_tail(" + n(m.getTile()) + ", cta, " + n(m.getN0()) + ")");
    return mlir::success();
  }
  if (auto r = llvm::dyn_cast<RowMaxOp>(op)) {
    define(r, "row_max(" + n(r.getS()) + ", " + n(r.getMOld()) + ")");
    return mlir::success();
  }
  auto scaleArg = [&](std::optional<llvm::APFloat> c, Value perRow) {
    return c ? ", " + floatLiteral(c->convertToDouble()) : perRow ? ", " + n(perRow) : std::string();
  };
  if (auto r = llvm::dyn_cast<Exp2DiffOp>(op)) {
    define(r, "rows_exp2_diff(" + n(r.getMOld()) + ", " + n(r.getMNew()) +
                  scaleArg(r.getScale(), r.getRowScale()) + ")");
    return mlir::success();
  }
  if (auto r = llvm::dyn_cast<Exp2SubOp>(op)) {
    define(r, "exp2_sub_rows(" + n(r.getS()) + ", " + n(r.getM()) + scaleArg(r.getScale(), r.getRowScale()) + ")");
    return mlir::success();
  }
  if (auto r = llvm::dyn_cast<RowSumOp>(op)) {
    define(r, "row_sum(" + n(r.getP()) + ", " + n(r.getLOld()) + ", " + n(r.getAlpha()) + ")");
    return mlir::success();
  }
  if (auto s = llvm::dyn_cast<StoreOutOp>(op)) {
    std::string scale = "1.0f";
    if (s.getVScale() != "none")
      scale += " * cta.v_uniform_scale()";
    if (s.getOutScale())
      scale += " / cta.a.out_scale[0]";
    line() << "store_out" << (s.getLse() ? "<true>" : "") << "(cta, " << n(s.getAcc()) << ", "
           << n(s.getM()) << ", " << n(s.getL()) << ", [&](int) { return " << scale << "; });\n";
    return mlir::success();
  }
  if (auto f = llvm::dyn_cast<mlir::scf::ForOp>(op)) {
    llvm::SmallVector<std::string> iters;
    for (auto [res, init] : llvm::zip(f.getResults(), f.getInitArgs())) {
      std::string nm = fresh(res);
      line() << cppType(res.getType()) << " " << nm << " = " << n(init) << ";\n";
      iters.push_back(nm);
    }
    for (auto [arg, nm] : llvm::zip(f.getRegionIterArgs(), iters))
      names[arg] = nm;
    std::string iv = fresh(f.getInductionVar());
    line() << "for (int " << iv << " = " << n(f.getLowerBound()) << "; " << iv << " < "
           << n(f.getUpperBound()) << "; " << iv << " += " << n(f.getStep()) << ") {\n";
    ++indent;
    for (mlir::Operation &o : f.getBody()->without_terminator())
      if (failed(emitOp(o)))
        return mlir::failure();
    auto yield = llvm::cast<mlir::scf::YieldOp>(f.getBody()->getTerminator());
    for (auto [v, nm] : llvm::zip(yield.getOperands(), iters))
      line() << nm << " = " << n(v) << ";\n";
    --indent;
    line() << "}\n";
    return mlir::success();
  }
  if (auto i = llvm::dyn_cast<mlir::scf::IfOp>(op)) {
    llvm::SmallVector<std::string> results;
    for (Value r : i.getResults()) {
      std::string nm = fresh(r);
      line() << cppType(r.getType()) << " " << nm << ";\n";
      results.push_back(nm);
    }
    auto branch = [&](mlir::Region &region) -> mlir::LogicalResult {
      ++indent;
      mlir::Block &blk = region.front();
      for (mlir::Operation &o : blk.without_terminator())
        if (failed(emitOp(o)))
          return mlir::failure();
      for (auto [v, nm] : llvm::zip(blk.getTerminator()->getOperands(), results))
        line() << nm << " = " << n(v) << ";\n";
      --indent;
      return mlir::success();
    };
    line() << "if (" << n(i.getCondition()) << ") {\n";
    if (failed(branch(i.getThenRegion())))
      return mlir::failure();
    if (!i.getElseRegion().empty()) {
      line() << "} else {\n";
      if (failed(branch(i.getElseRegion())))
        return mlir::failure();
    }
    line() << "}\n";
    return mlir::success();
  }
  return emitScalar(op);
}

mlir::LogicalResult Emitter::run() {
  mlir::DictionaryAttr sig = kernel.getSignature();
  KernelConfig cfg = configFromAttr(kernel.getConfig());
  auto q = sig.getAs<TensorAttr>("q"), k = sig.getAs<TensorAttr>("k"), v = sig.getAs<TensorAttr>("v"),
       out = sig.getAs<TensorAttr>("out");
  auto page = sig.getAs<mlir::IntegerAttr>("page_size");
  Signature s;
  s.q = tensorSig(q), s.k = tensorSig(k), s.v = tensorSig(v), s.out = tensorSig(out);
  s.pageSize = page ? page.getInt() : 0;
  std::string mma = *mmaType(s) == DType::F16 ? "f16" : "bf16";
  std::string entry = entryName(kernel);
  int64_t ctas = ctasPerSM(cfg, s);

  os << "// Generated by attnc: kernel '" << kernel.getSymName() << "', " << cfg.blockM << "x"
     << cfg.blockN << " tiles, " << cfg.warps << " warps, " << cfg.mma << ", " << cfg.stages
     << " stage(s), " << cfg.headsPerTile
     << " heads per tile. Compiles with NVRTC (GPU) and any C++17 compiler (host).\n";
  os << deviceLibrarySource() << "\n";
  os << "namespace " << entry << "_config {\n"
     << "using namespace ::attn::dev;\n"
     << "struct Cfg {\n"
     << "  static constexpr int BM = " << cfg.blockM << ", BN = " << cfg.blockN
     << ", WARPS = " << cfg.warps << ", HPT = " << cfg.headsPerTile
     << ", STAGES = " << cfg.stages << ";\n"
     << "  static constexpr bool WGMMA = " << (cfg.mma == "wgmma" ? "true" : "false")
     << ", PINGPONG = " << (cfg.pingpong ? "true" : "false")
     << ", QK8 = " << (fp8QK(cfg, s) ? "true" : "false")
     << ", WARP_SPLIT = " << (cfg.warpSplit ? "true" : "false") << ";\n"
     << "  static constexpr int DQK = " << s.q.headDim << ", DV = " << s.v.headDim
     << ", PAGE = " << (page ? page.getInt() : 0) << ";\n"
     << "  static constexpr bool RAGGED = " << (sig.get("ragged") ? "true" : "false") << ";\n"
     << "  static constexpr int QS = " << scaleCode(s.q.scale) << ", KS = " << scaleCode(s.k.scale)
     << ", VS = " << scaleCode(s.v.scale) << ";\n"
     << "  typedef " << storageType(q.getElementType()) << " QT;\n"
     << "  typedef " << storageType(k.getElementType()) << " KT;\n"
     << "  typedef " << storageType(v.getElementType()) << " VT;\n"
     << "  typedef " << storageType(out.getElementType()) << " OT;\n"
     << "  typedef " << mma << " MT;\n"
     << "  static constexpr int SMEM_BYTES = " << sharedBytes(cfg, s)
     << ", MIN_CTAS = " << ctas << ";\n"
     << "};\n"
     << "} // namespace " << entry << "_config\n\n";
  os << (ctas > 1 ? "ATTN_KERNEL_ENTRY_CTAS(" : "ATTN_KERNEL_ENTRY(") << entry << ", "
     << entry << "_config::Cfg) {\n"
     << "  using namespace ::attn::dev;\n"
     << "  using Cfg = " << entry << "_config::Cfg;\n"
     << "  ATTN_SHARED(smem_base);\n"
     << "  const Cta<Cfg> cta(a);\n"
     << "  if (cta.empty)\n"
     << "    return;\n"
     << "  auto sm = smem_init<Cfg>(smem_base);\n";
  if (failed(emitBlock(kernel.getBody().front())))
    return mlir::failure();
  os << "}\n\n"
     << "ATTN_MERGE_ENTRY(" << mergeEntryName(entry) << ") {\n"
     << "  ::attn::dev::merge_splits<" << entry << "_config::Cfg>(a);\n"
     << "}\n";
  return mlir::success();
}

} // namespace

std::string attn::entryName(tile::KernelOp kernel) { return ("attn_" + kernel.getSymName()).str(); }

std::string attn::mergeEntryName(llvm::StringRef entry) { return (entry + "_merge").str(); }

llvm::StringRef attn::deviceLibrarySource() { return kDeviceLibrary; }

mlir::LogicalResult attn::emitCuda(tile::KernelOp kernel, llvm::raw_ostream &os) {
  return Emitter(kernel, os).run();
}
