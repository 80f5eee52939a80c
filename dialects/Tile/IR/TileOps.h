//===- TileOps.h - Operations of the tile dialect ---------------*- C++ -*-===//
#ifndef ATTN_DIALECT_TILE_TILEOPS_H
#define ATTN_DIALECT_TILE_TILEOPS_H

#include "dialects/Tile/IR/TileDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/Tile/IR/TileOps.h.inc"

#endif // ATTN_DIALECT_TILE_TILEOPS_H
