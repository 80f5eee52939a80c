//===- AttnAttrs.cpp - Attributes of the attn dialect ---------------------===//
#include "dialects/Attn/IR/AttnAttrs.h"

#include "dialects/Attn/IR/AttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace attn;

mlir::Type attn::toMLIRType(mlir::MLIRContext *ctx, DType t) {
  mlir::Builder b(ctx);
  switch (t) {
  case DType::F32: return b.getF32Type();
  case DType::F16: return b.getF16Type();
  case DType::BF16: return b.getBF16Type();
  case DType::F8E4M3: return b.getType<mlir::Float8E4M3FNType>();
  case DType::F8E5M2: return b.getType<mlir::Float8E5M2Type>();
  case DType::I32: return b.getI32Type();
  }
  return {};
}

std::optional<DType> attn::fromMLIRType(mlir::Type t) {
  if (t.isF32())
    return DType::F32;
  if (t.isF16())
    return DType::F16;
  if (t.isBF16())
    return DType::BF16;
  if (llvm::isa<mlir::Float8E4M3FNType>(t))
    return DType::F8E4M3;
  if (llvm::isa<mlir::Float8E5M2Type>(t))
    return DType::F8E5M2;
  if (t.isSignlessInteger(32))
    return DType::I32;
  return std::nullopt;
}

#define GET_ATTRDEF_CLASSES
#include "dialects/Attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Attn/IR/AttnAttrs.cpp.inc"
      >();
}

// #attn.tensor<TYPE, HEAD_DIM (, SCALE)?>
mlir::Attribute TensorAttr::parse(mlir::AsmParser &p, mlir::Type) {
  mlir::Type elementType;
  int64_t headDim = 0;
  ScaleKind scale = ScaleKind::None;
  if (p.parseLess() || p.parseType(elementType) || p.parseComma() || p.parseInteger(headDim))
    return {};
  if (succeeded(p.parseOptionalComma())) {
    llvm::SMLoc at = p.getCurrentLocation();
    std::string word;
    if (p.parseKeywordOrString(&word))
      return {};
    std::optional<ScaleKind> s = parseScale(word);
    if (!s) {
      p.emitError(at) << "unknown scale granularity '" << word
                      << "': use per_tensor, per_head or per_token_head";
      return {};
    }
    scale = *s;
  }
  if (p.parseGreater())
    return {};
  return TensorAttr::get(p.getContext(), elementType, headDim, scale);
}

void TensorAttr::print(mlir::AsmPrinter &p) const {
  p << "<" << getElementType() << ", " << getHeadDim();
  if (getScale() != ScaleKind::None)
    p << ", " << scaleName(getScale());
  p << ">";
}

// #attn.param<"NAME", TYPE, [DIM, ...]>  with DIM one of B, H, Hkv, S or a positive integer
mlir::Attribute ParamAttr::parse(mlir::AsmParser &p, mlir::Type) {
  std::string name;
  mlir::Type elementType;
  llvm::SmallVector<ParamDim> dims;
  if (p.parseLess() || p.parseString(&name) || p.parseComma() || p.parseType(elementType) ||
      p.parseComma())
    return {};
  auto parseDim = [&]() -> mlir::ParseResult {
    int64_t size = 0;
    mlir::OptionalParseResult isInt = p.parseOptionalInteger(size);
    if (isInt.has_value()) {
      if (failed(*isInt))
        return mlir::failure();
      dims.push_back({ParamDim::Fixed, size});
      return mlir::success();
    }
    llvm::SMLoc at = p.getCurrentLocation();
    llvm::StringRef word;
    if (p.parseKeyword(&word))
      return mlir::failure();
    std::optional<ParamDim::Kind> k = parseParamDim(word);
    if (!k)
      return p.emitError(at) << "unknown param dimension '" << word
                             << "': use B, H, Hkv, S or an integer";
    dims.push_back({*k, 0});
    return mlir::success();
  };
  if (p.parseCommaSeparatedList(mlir::AsmParser::Delimiter::Square, parseDim) ||
      p.parseGreater())
    return {};
  return ParamAttr::get(p.getContext(), name, elementType, dims);
}

void ParamAttr::print(mlir::AsmPrinter &p) const {
  p << "<\"" << getName() << "\", " << getElementType() << ", [";
  llvm::interleaveComma(getDims(), p, [&](const ParamDim &d) {
    if (d.kind == ParamDim::Fixed)
      p << d.size;
    else
      p << paramDimName(d.kind);
  });
  p << "]>";
}
