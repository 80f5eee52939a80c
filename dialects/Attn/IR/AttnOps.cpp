//===- AttnOps.cpp - Operations of the attn dialect -----------------------===//
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace attn;

#define GET_OP_CLASSES
#include "dialects/Attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

TensorSig attn::tensorSig(TensorAttr t) {
  return {fromMLIRType(t.getElementType()).value_or(DType::I32), t.getHeadDim(), t.getScale()};
}

namespace {

llvm::StringRef fieldName(SigField f) {
  switch (f) {
  case SigField::Q: return "q";
  case SigField::K: return "k";
  case SigField::V: return "v";
  case SigField::Out: return "out";
  case SigField::Lse: return "lse";
  case SigField::Gqa: return "gqa";
  case SigField::SoftmaxScale: return "softmax_scale";
  case SigField::KVCache: return "page_size";
  case SigField::Param: return "params";
  }
  return "";
}
} // namespace

Signature KernelOp::getSignature() {
  Signature sig;
  sig.q = tensorSig(getQ());
  sig.k = tensorSig(getK());
  sig.v = tensorSig(getV());
  sig.out = tensorSig(getOut());
  sig.lse = getLse();
  if (auto g = getGqa())
    sig.gqa = static_cast<int64_t>(*g);
  sig.softmaxScale = getSoftmaxScale().convertToDouble();
  sig.batch = getRagged() ? BatchLayout::Ragged : BatchLayout::Dense;
  if (auto ps = getPageSize()) {
    sig.kvCache = KVCache::Paged;
    sig.pageSize = static_cast<int64_t>(*ps);
  }
  for (mlir::Attribute a : getParams()) {
    auto p = llvm::cast<ParamAttr>(a);
    sig.params.push_back({p.getName().str(), fromMLIRType(p.getElementType()).value_or(DType::F8E4M3),
                          std::vector<ParamDim>(p.getDims().begin(), p.getDims().end())});
  }
  return sig;
}

ParamAttr KernelOp::lookupParam(llvm::StringRef name) {
  for (mlir::Attribute a : getParams())
    if (auto p = llvm::cast<ParamAttr>(a); p.getName() == name)
      return p;
  return {};
}

mlir::LogicalResult KernelOp::verify() {
  for (auto [name, t] : {std::pair{"q", getQ()}, std::pair{"k", getK()}, std::pair{"v", getV()},
                         std::pair{"out", getOut()}})
    if (!fromMLIRType(t.getElementType()) || t.getElementType().isInteger())
      return emitOpError() << name << ": element type " << t.getElementType()
                           << " is not supported; use f32, f16, bf16, f8E4M3FN or f8E5M2";
  if (getSoftmaxScale().convertToDouble() <= 0)
    return emitOpError() << "softmax_scale: must be a positive finite number";
  llvm::StringSet<> seen;
  for (mlir::Attribute a : getParams()) {
    auto p = llvm::cast<ParamAttr>(a);
    if (!seen.insert(p.getName()).second)
      return emitOpError() << "params: '" << p.getName() << "' is declared twice";
    if (!fromMLIRType(p.getElementType()))
      return emitOpError() << "params: element type " << p.getElementType() << " of '"
                           << p.getName() << "' is not supported; use f32, f16, bf16 or i32";
  }
  std::vector<SigError> errs = checkSignature(getSignature());
  if (errs.empty())
    return mlir::success();
  return emitOpError() << fieldName(errs.front().field) << ": " << errs.front().message;
}

namespace {
/// "'i32', 'i32'" for a list of types (one type prints as itself).
std::string typeList(mlir::TypeRange types) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(types, os, [&](mlir::Type t) { os << "'" << t << "'"; });
  return types.size() == 1 ? s : "(" + s + ")";
}

/// Checks that `region` has one block with arguments `args` and yields values of types `rets`.
mlir::LogicalResult verifyBody(KernelOp op, mlir::Region &region, llvm::StringRef name,
                               mlir::TypeRange args, mlir::TypeRange rets,
                               llvm::StringRef argNames) {
  mlir::Block &block = region.front();
  if (block.getArgumentTypes() != args)
    return op.emitOpError() << "the " << name << " region must take (" << argNames
                            << "), got " << block.getNumArguments() << " arguments";
  auto yield = llvm::dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return op.emitOpError() << "the " << name << " region must end in attn.yield";
  if (yield.getValues().getTypes() != rets)
    return yield.emitOpError() << "the " << name << " region yields " << typeList(rets)
                               << ", got " << typeList(yield.getValues().getTypes());
  return mlir::success();
}
} // namespace

mlir::LogicalResult KernelOp::verifyRegions() {
  mlir::Builder b(getContext());
  mlir::Type i32 = b.getI32Type(), i1 = b.getI1Type();
  if (failed(verifyBody(*this, getScore(), "score", {b.getF32Type(), i32, i32, i32, i32},
                        {b.getF32Type()}, "s: f32, b, h, q_idx, kv_idx: i32")) ||
      failed(verifyBody(*this, getMask(), "mask", {i32, i32, i32, i32}, {i1},
                        "b, h, q_idx, kv_idx: i32")))
    return mlir::failure();
  if (!getKvBounds().empty() &&
      failed(verifyBody(*this, getKvBounds(), "kv_bounds", {i32, i32, i32, i32}, {i32, i32},
                        "b, q_first, q_last, kv_len: i32")))
    return mlir::failure();
  if (!getTileClass().empty() &&
      failed(verifyBody(*this, getTileClass(), "tile_class", {i32, i32, i32, i32, i32}, {i1, i1},
                        "b, q_first, q_last, kv_first, kv_last: i32")))
    return mlir::failure();
  return mlir::success();
}

void KernelOp::getAsmBlockArgumentNames(mlir::Region &region,
                                        mlir::OpAsmSetValueNameFn setName) {
  static constexpr const char *kScore[] = {"s", "b", "h", "q_idx", "kv_idx"};
  static constexpr const char *kMask[] = {"b", "h", "q_idx", "kv_idx"};
  static constexpr const char *kKVBounds[] = {"b", "q_first", "q_last", "kv_len"};
  static constexpr const char *kTileClass[] = {"b", "q_first", "q_last", "kv_first", "kv_last"};
  llvm::ArrayRef<const char *> names = &region == &getScore()      ? llvm::ArrayRef(kScore)
                                       : &region == &getMask()     ? llvm::ArrayRef(kMask)
                                       : &region == &getKvBounds() ? llvm::ArrayRef(kKVBounds)
                                                                   : llvm::ArrayRef(kTileClass);
  for (auto [arg, name] : llvm::zip(region.getArguments(), names))
    setName(arg, name);
}

//===----------------------------------------------------------------------===//
// ParamReadOp
//===----------------------------------------------------------------------===//

mlir::LogicalResult ParamReadOp::verify() {
  auto kernel = (*this)->getParentOfType<KernelOp>();
  if (!kernel)
    return emitOpError() << "must be inside an attn.kernel";
  ParamAttr p = kernel.lookupParam(getParam());
  if (!p)
    return emitOpError() << "reads param '" << getParam()
                         << "', which the kernel does not declare; add it to 'params'";
  if (p.getDims().size() != getIndices().size())
    return emitOpError() << "param '" << getParam() << "' has " << p.getDims().size()
                         << " dimensions but is read with " << getIndices().size()
                         << " indices";
  mlir::Type want = p.getElementType().isInteger() ? p.getElementType()
                                                   : mlir::Builder(getContext()).getF32Type();
  if (getType() != want)
    return emitOpError() << "param '" << getParam() << "' of type " << p.getElementType()
                         << " reads as " << want << ", not " << getType();
  return mlir::success();
}
