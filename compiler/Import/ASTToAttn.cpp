//===- ASTToAttn.cpp - From the checked AST to the attn dialect -----------===//
//
// Expressions map one to one onto arith/math ops: ints are i32, floats f32, bools i1; an int
// operand of a float operation is converted with arith.sitofp; int division and remainder
// truncate toward zero (arith.divsi/remsi); sigmoid(x) becomes 1 / (1 + exp(-x)); compile-time
// constants become arith.constant; built-in masks become attn ops so that later analyses see
// their closed forms.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ASTToAttn.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace attn;
using mlir::Value;

namespace {

class Importer {
public:
  Importer(SourceDiagnostics &diags) : diags(diags), b(&diags.context()) {}

  mlir::OwningOpRef<mlir::ModuleOp> run(const SpecAST &spec, const Signature &sig);

private:
  mlir::Location loc(const Expr &e) const { return diags.loc(e.loc()); }
  TensorAttr tensorAttr(const TensorSig &t) {
    return TensorAttr::get(b.getContext(), toMLIRType(b.getContext(), t.dtype), t.headDim,
                           t.scale);
  }
  /// Fills `region` with one block of the given index arguments and the lowered `body`.
  void buildRegion(mlir::Region &region, bool withScore, const Expr *body, mlir::Location at);

  Value emit(const Expr &e);
  Value emitConst(const ConstValue &c, ValueType type, mlir::Location at);
  Value toFloat(Value v, mlir::Location at);
  Value emitBinary(const Expr &e);
  Value emitCall(const Expr &e);

  SourceDiagnostics &diags;
  mlir::OpBuilder b;
  Value score, batch, head, qIdx, kvIdx;
  llvm::DenseMap<const Expr *, Value> lets;
  const Signature *sig = nullptr;
};

mlir::OwningOpRef<mlir::ModuleOp> Importer::run(const SpecAST &spec, const Signature &s) {
  sig = &s;
  mlir::MLIRContext *ctx = b.getContext();
  mlir::Location at = diags.loc(spec.nameRange.Start);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(at);
  b.setInsertionPointToEnd(module->getBody());

  double softmaxScale = s.softmaxScale > 0 ? s.softmaxScale : 1.0 / std::sqrt(double(s.q.headDim));
  llvm::SmallVector<mlir::Attribute> params;
  for (const ParamSig &p : s.params)
    params.push_back(ParamAttr::get(ctx, p.name, toMLIRType(ctx, p.dtype), p.dims));
  auto kernel = KernelOp::create(
      b, at, b.getStringAttr(spec.name), tensorAttr(s.q), tensorAttr(s.k), tensorAttr(s.v),
      tensorAttr(s.out), b.getF64FloatAttr(softmaxScale),
      s.lse ? b.getUnitAttr() : mlir::UnitAttr(),
      s.gqa ? b.getI64IntegerAttr(*s.gqa) : mlir::IntegerAttr(),
      s.batch == BatchLayout::Ragged ? b.getUnitAttr() : mlir::UnitAttr(),
      s.kvCache == KVCache::Paged ? b.getI64IntegerAttr(s.pageSize) : mlir::IntegerAttr(),
      b.getArrayAttr(params), /*scales=*/ScalePlanAttr());
  buildRegion(kernel.getScore(), true, spec.score.get(),
              spec.score ? diags.loc(spec.scoreRange.Start) : at);
  buildRegion(kernel.getMask(), false, spec.mask.get(),
              spec.mask ? diags.loc(spec.maskRange.Start) : at);
  return module;
}

void Importer::buildRegion(mlir::Region &region, bool withScore, const Expr *body,
                           mlir::Location at) {
  mlir::OpBuilder::InsertionGuard guard(b);
  mlir::Block *block = new mlir::Block();
  region.push_back(block);
  if (withScore)
    score = block->addArgument(b.getF32Type(), at);
  batch = block->addArgument(b.getI32Type(), at);
  head = block->addArgument(b.getI32Type(), at);
  qIdx = block->addArgument(b.getI32Type(), at);
  kvIdx = block->addArgument(b.getI32Type(), at);
  b.setInsertionPointToEnd(block);
  Value result;
  if (body) {
    result = emit(*body);
    if (withScore)
      result = toFloat(result, at);
  } else {
    // No score block: s as is. No mask block: nothing masked.
    result = withScore ? score : Value(mlir::arith::ConstantOp::create(b, at, b.getBoolAttr(true)));
  }
  YieldOp::create(b, at, result);
}

Value Importer::emitConst(const ConstValue &c, ValueType type, mlir::Location at) {
  switch (type) {
  case ValueType::Bool:
    return mlir::arith::ConstantOp::create(b, at, b.getBoolAttr(c.b));
  case ValueType::Int:
    return mlir::arith::ConstantOp::create(b, at, b.getI32IntegerAttr(int32_t(c.i)));
  default: {
    double f = c.type == ValueType::Int ? double(c.i) : c.f;
    return mlir::arith::ConstantOp::create(b, at, b.getF32FloatAttr(float(f)));
  }
  }
}

Value Importer::toFloat(Value v, mlir::Location at) {
  if (v.getType().isF32())
    return v;
  return mlir::arith::SIToFPOp::create(b, at, b.getF32Type(), v);
}

Value Importer::emit(const Expr &e) {
  mlir::Location at = loc(e);
  if (e.constValue)
    return emitConst(*e.constValue, e.type, at);
  switch (e.kind) {
  case Expr::Name:
    switch (e.ref) {
    case NameRef::Score: return score;
    case NameRef::Batch: return batch;
    case NameRef::Head: return head;
    case NameRef::QIdx: return qIdx;
    case NameRef::KVIdx: return kvIdx;
    case NameRef::Causal: return CausalOp::create(b, at, b.getI1Type(), qIdx, kvIdx);
    case NameRef::Let: return lets.lookup(e.let);
    default: break;
    }
    break;
  case Expr::Let: {
    lets[&e] = emit(*e.args[0]);
    return emit(*e.args[1]);
  }
  case Expr::Unary: {
    Value x = emit(*e.args[0]);
    if (e.unOp == UnaryOp::Not)
      return mlir::arith::XOrIOp::create(
          b, at, x, mlir::arith::ConstantOp::create(b, at, b.getBoolAttr(true)));
    if (e.type == ValueType::Float)
      return mlir::arith::NegFOp::create(b, at, x);
    return mlir::arith::SubIOp::create(
        b, at, mlir::arith::ConstantOp::create(b, at, b.getI32IntegerAttr(0)), x);
  }
  case Expr::Binary:
    return emitBinary(e);
  case Expr::Ternary: {
    Value c = emit(*e.args[0]);
    Value x = emit(*e.args[1]), y = emit(*e.args[2]);
    if (e.type == ValueType::Float) {
      x = toFloat(x, at);
      y = toFloat(y, at);
    }
    return mlir::arith::SelectOp::create(b, at, c, x, y);
  }
  case Expr::Call:
    return emitCall(e);
  case Expr::Index: {
    llvm::SmallVector<Value> idx;
    for (const ExprPtr &a : e.args)
      idx.push_back(emit(*a));
    const ParamSig &p = sig->params[e.paramIndex];
    mlir::Type t = p.dtype == DType::I32 ? mlir::Type(b.getI32Type()) : b.getF32Type();
    return ParamReadOp::create(b, at, t, b.getStringAttr(p.name), idx);
  }
  default:
    break;
  }
  llvm_unreachable("Sema resolved every expression");
}

Value Importer::emitBinary(const Expr &e) {
  mlir::Location at = loc(e);
  Value x = emit(*e.args[0]), y = emit(*e.args[1]);
  using namespace mlir::arith;
  BinaryOp op = e.binOp;
  if (op == BinaryOp::And)
    return AndIOp::create(b, at, x, y);
  if (op == BinaryOp::Or)
    return OrIOp::create(b, at, x, y);
  bool isFloat = x.getType().isF32() || y.getType().isF32();
  if (isFloat) {
    x = toFloat(x, at);
    y = toFloat(y, at);
  }
  switch (op) {
  case BinaryOp::Add: return isFloat ? Value(AddFOp::create(b, at, x, y)) : AddIOp::create(b, at, x, y);
  case BinaryOp::Sub: return isFloat ? Value(SubFOp::create(b, at, x, y)) : SubIOp::create(b, at, x, y);
  case BinaryOp::Mul: return isFloat ? Value(MulFOp::create(b, at, x, y)) : MulIOp::create(b, at, x, y);
  case BinaryOp::Div: return isFloat ? Value(DivFOp::create(b, at, x, y)) : DivSIOp::create(b, at, x, y);
  case BinaryOp::Rem: return RemSIOp::create(b, at, x, y);
  default: break;
  }
  auto pred = [&](CmpFPredicate f, CmpIPredicate i) -> Value {
    if (isFloat)
      return CmpFOp::create(b, at, f, x, y);
    return CmpIOp::create(b, at, i, x, y);
  };
  switch (op) {
  case BinaryOp::Lt: return pred(CmpFPredicate::OLT, CmpIPredicate::slt);
  case BinaryOp::Le: return pred(CmpFPredicate::OLE, CmpIPredicate::sle);
  case BinaryOp::Gt: return pred(CmpFPredicate::OGT, CmpIPredicate::sgt);
  case BinaryOp::Ge: return pred(CmpFPredicate::OGE, CmpIPredicate::sge);
  case BinaryOp::Eq: return pred(CmpFPredicate::OEQ, CmpIPredicate::eq);
  case BinaryOp::Ne: return pred(CmpFPredicate::UNE, CmpIPredicate::ne);
  default: break;
  }
  llvm_unreachable("all binary operators handled");
}

Value Importer::emitCall(const Expr &e) {
  mlir::Location at = loc(e);
  llvm::SmallVector<Value> args;
  for (const ExprPtr &a : e.args)
    args.push_back(emit(*a));
  llvm::StringRef n = e.name;
  if (n == "sliding_window")
    return SlidingWindowOp::create(b, at, b.getI1Type(), qIdx, kvIdx, args[0]);
  if (n == "prefix_lm")
    return PrefixLMOp::create(b, at, b.getI1Type(), qIdx, kvIdx, args[0]);
  if (n == "chunked")
    return ChunkedOp::create(b, at, b.getI1Type(), qIdx, kvIdx, args[0]);
  if (e.type == ValueType::Int) { // abs, min, max over ints
    if (n == "abs")
      return mlir::math::AbsIOp::create(b, at, args[0]);
    if (n == "min")
      return mlir::arith::MinSIOp::create(b, at, args[0], args[1]);
    return mlir::arith::MaxSIOp::create(b, at, args[0], args[1]);
  }
  for (Value &a : args)
    a = toFloat(a, at);
  Value x = args[0];
  if (n == "tanh") return mlir::math::TanhOp::create(b, at, x);
  if (n == "exp") return mlir::math::ExpOp::create(b, at, x);
  if (n == "exp2") return mlir::math::Exp2Op::create(b, at, x);
  if (n == "log") return mlir::math::LogOp::create(b, at, x);
  if (n == "log2") return mlir::math::Log2Op::create(b, at, x);
  if (n == "sqrt") return mlir::math::SqrtOp::create(b, at, x);
  if (n == "rsqrt") return mlir::math::RsqrtOp::create(b, at, x);
  if (n == "abs") return mlir::math::AbsFOp::create(b, at, x);
  // min/max of floats follow IEEE minimum/maximum (NaN-propagating), as torch.minimum does.
  if (n == "min") return mlir::arith::MinimumFOp::create(b, at, x, args[1]);
  if (n == "max") return mlir::arith::MaximumFOp::create(b, at, x, args[1]);
  if (n == "sigmoid") {
    // sigmoid(x) = 1 / (1 + exp(-x))
    Value one = mlir::arith::ConstantOp::create(b, at, b.getF32FloatAttr(1.0f));
    Value e1 = mlir::math::ExpOp::create(b, at, mlir::arith::NegFOp::create(b, at, x));
    return mlir::arith::DivFOp::create(b, at, one, mlir::arith::AddFOp::create(b, at, one, e1));
  }
  llvm_unreachable("Sema resolved every function");
}

} // namespace

mlir::OwningOpRef<mlir::ModuleOp> attn::importSpec(const SpecAST &spec, const Signature &sig,
                                                   SourceDiagnostics &diags) {
  return Importer(diags).run(spec, sig);
}
