//===- TileDialect.h - The tile dialect -------------------------*- C++ -*-===//
#ifndef ATTN_DIALECT_TILE_TILEDIALECT_H
#define ATTN_DIALECT_TILE_TILEDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Tile/IR/TileDialect.h.inc"

#endif // ATTN_DIALECT_TILE_TILEDIALECT_H
