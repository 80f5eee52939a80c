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
