//===- TileBase.td - The tile dialect ---------------------*- tablegen -*-===//
#ifndef TILE_BASE_TD
#define TILE_BASE_TD

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let summary = "How an attention kernel computes: one CTA's program over tiles";
  let description = [{
    A `tile.kernel` is the program one CTA runs: its query tile (BM rows of positions x packed
    heads), the loop over KV tiles with its bounds, the asynchronous K/V tile loads with fused
    dequantization, the two MMAs, the score and mask functions mapped over a score tile, the
    online softmax in the exp2 domain and the epilogue. Register tiles are `vector<RxCxf32>`,
    per-row values `vector<Rxf32>`, shared-memory tiles `memref<RxDxT, 3>`; loops and branches
    are `scf`, index arithmetic `arith`. Each op is one call of the device tile library
    (runtime/include/attn/device), which has a GPU and a host implementation.
  }];
  let cppNamespace = "::attn::tile";
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect"];
}

class Tile_Op<string mnemonic, list<Trait> traits = []> : Op<Tile_Dialect, mnemonic, traits>;

#endif // TILE_BASE_TD
