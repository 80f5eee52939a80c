//===- TileDialect.cpp - The tile dialect ---------------------------------===//
#include "dialects/Tile/IR/TileOps.h"

#include "dialects/Tile/IR/TileDialect.cpp.inc"

void attn::tile::TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Tile/IR/TileOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dialects/Tile/IR/TileOps.cpp.inc"

mlir::LogicalResult attn::tile::LoadQOp::verify() {
  auto elem = llvm::cast<mlir::MemRefType>(getTile().getType()).getElementType();
  if (getRowFactor() && !elem.isF16())
    return emitOpError("row factors bring bf16 rows into an f16 tile, not a ") << elem << " one";
  if (getKSign() && !getRowFactor())
    return emitOpError("k_sign rides on the rows' rescaling: it needs row factors");
  return mlir::success();
}

mlir::LogicalResult attn::tile::MmaQKOp::verify() {
  auto q = llvm::cast<mlir::MemRefType>(getQ().getType()).getElementType();
  auto k = llvm::cast<mlir::MemRefType>(getK().getType()).getElementType();
  auto fp8 = [](mlir::Type t) { return llvm::isa<mlir::Float8E4M3FNType, mlir::Float8E5M2Type>(t); };
  if ((fp8(q) && !fp8(k)) || (!fp8(q) && !fp8(k) && q != k))
    return emitOpError("multiplies tiles of one 16-bit type, two fp8 tiles, or a 16-bit Q by fp8 K "
                       "codes; not ")
           << q << " by " << k;
  return mlir::success();
}

template <class Op> static mlir::LogicalResult verifyOneMultiplier(Op op) {
  if (op.getScale() && op.getRowScale())
    return op.emitOpError("takes a constant multiplier (`scale`) or one per row (`by`), not both");
  return mlir::success();
}
mlir::LogicalResult attn::tile::Exp2DiffOp::verify() { return verifyOneMultiplier(*this); }
mlir::LogicalResult attn::tile::Exp2SubOp::verify() { return verifyOneMultiplier(*this); }
