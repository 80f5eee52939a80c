//===- Passes.td - Conversions between the dialects -------*- tablegen -*-===//
#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToTile : Pass<"convert-attn-to-tile", "::mlir::ModuleOp"> {
  let summary = "Lower each attn.kernel to the tile.kernel one CTA runs";
  let description = [{
    Needs attn-fold-scales, attn-analyze-mask and attn-select-config to have run. The tile
    program: the KV loop bounds from the kernel's kv_bounds region (clamped to the sequence,
    the start rounded down to a tile), asynchronous K/V loads (V(n) under Q.K(n), K(n+1) under
    P.V(n)), S = Q K^T scaled by the folded multiplier and q/k scales, the score function as
    tile.map, the mask as tile.mask on tiles tile_class does not prove full (full tiles only
    clip keys past the sequence), the online softmax
      m_new = max(m_old, rowmax(S)); alpha = exp2(m_old - m_new); P = exp2(S - m_new)
      l_new = alpha * l_old + rowsum(P); acc = alpha * acc + P V
    and the epilogue out = acc / l (times v's scale, over the fp8 output scale), lse.

    Before:
      attn.kernel @causal attributes {config = {...}, scales = #attn.scales<...>, ...}
        score {...} mask {... attn.causal ...} kv_bounds {...} tile_class {...}
    After:
      tile.kernel @causal config {...} signature {...} {
        %b, %q_first, %q_last, %kv_len = tile.cta_info
        ...
        %r:3 = scf.for %n0 = %lo to %hi step %c64_i32 iter_args(...) -> (...) : i32 {
          %k = tile.wait "k" : memref<64x128xbf16, 3>
          tile.load_async "v"[%n0]
          %s = tile.mma_qk %q, %k : ...
          ...
      }
  }];
  let dependentDialects = ["::attn::tile::TileDialect", "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect", "::mlir::memref::MemRefDialect"];
}

#endif // ATTN_CONVERSION_PASSES_TD
