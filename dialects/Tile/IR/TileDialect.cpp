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
  return mlir::success();
}
