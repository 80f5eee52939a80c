//===- Passes.td - Passes on the attn dialect -------------*- tablegen -*-===//
#ifndef ATTN_TRANSFORMS_PASSES_TD
#define ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnFoldScales : Pass<"attn-fold-scales", "::mlir::ModuleOp"> {
  let summary = "Decide where each dequantization scale and the softmax scale are applied";
  let description = [{
    Annotates every attn.kernel with `scales = #attn.scales<...>`: one score multiplier
    (softmax_scale, and log2(e) when the score region is the identity so the softmax runs in
    base 2), the run-time scales folded into it (per_tensor and per_head q and k: vLLM's
    score_scale = scale * q_scale * k_scale), per_token_head scales on S rows (q), S columns
    (k) and P columns (v), and the v and fp8-output scales in the epilogue
    (acc *= v_scale). The loads then convert fp8 without multiplying, and an fp8 q·k runs on
    fp8 tensor cores.

    Before:
      attn.kernel @k attributes {k = #attn.tensor<f8E4M3FN, 128, per_head>,
        q = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64,
        v = #attn.tensor<f8E4M3FN, 128, per_tensor>, ...} score { ... attn.yield %s : f32 } ...
    After:
      attn.kernel @k attributes {..., scales = #attn.scales<multiplier = 0.18033688011112042,
        exp2 = true, score = ["k"], rows = [], columns = [], p_columns = [],
        epilogue = ["v"]>, ...} ...
  }];
}

def AttnSelectConfig : Pass<"attn-select-config", "::mlir::ModuleOp"> {
  let summary = "Choose tile sizes, warps, stages and GQA head packing for each kernel";
  let description = [{
    Annotates every attn.kernel with a `config` dictionary for the arch. On sm_90a with head
    dims that are multiples of 64: warpgroup MMAs, 128 query rows on 8 warps, 128 keys per tile
    (64 beyond d = 128), two K/V stages, and the two warpgroups taking turns at the tensor
    cores for head dims of 128 and more. Elsewhere mma.sync: by head dim, 128 query rows on
    4 warps with 64 (d <= 64) or 32 (d <= 128) keys per tile, or 64 x 32 beyond, one stage. The
    query heads of a fixed GQA group (up to 8) are packed into one CTA so they share each K/V
    tile. Every option overrides its field; an illegal result is an error naming it.

    Before:
      attn.kernel @causal attributes {q = #attn.tensor<bf16, 128>, ...} ...
    After (--attn-select-config=arch=sm_90a):
      attn.kernel @causal attributes {config = {arch = "sm_90a", block_m = 128 : i64,
        block_n = 128 : i64, heads_per_tile = 1 : i64, mma = "wgmma", pingpong = true,
        stages = 2 : i64, warp_split = false, warps = 8 : i64}, q = #attn.tensor<bf16, 128>, ...} ...
  }];
  let options = [
    Option<"arch", "arch", "std::string", "\"sm_90a\"", "target architecture (sm_80 ... sm_90a)">,
    Option<"blockM", "block-m", "int64_t", "0", "query rows per CTA (0: choose)">,
    Option<"blockN", "block-n", "int64_t", "0", "keys per KV tile (0: choose)">,
    Option<"warps", "warps", "int64_t", "0", "warps per CTA (0: choose)">,
    Option<"stages", "stages", "int64_t", "0", "K/V tile buffers (0: choose)">,
    Option<"headsPerTile", "heads-per-tile", "int64_t", "0", "GQA heads per CTA (0: choose)">,
    Option<"mma", "mma", "std::string", "\"\"", "wgmma or mma.sync (empty: choose)">,
    Option<"pingpong", "pingpong", "std::string", "\"\"", "on or off (empty: choose)">,
    Option<"warpSplit", "warp-split", "std::string", "\"\"",
           "on or off: the warps split each K/V tile's keys (empty: choose)">,
  ];
}

def AttnAnalyzeMask : Pass<"attn-analyze-mask", "::mlir::ModuleOp"> {
  let summary = "Derive per-tile KV loop bounds and full/empty tile classes from the mask";
  let description = [{
    Fills the `kv_bounds` and `tile_class` regions of every attn.kernel from its mask, by
    interval reasoning over boxes of (q_idx, kv_idx, q_idx - kv_idx): `kv_bounds` gives, for a
    query tile [q_first, q_last], the keys [lo, hi) outside which the mask is false (the KV loop
    bounds: masked tiles outside are never loaded); `tile_class` says whether the mask is true
    on a whole tile (no per-element mask), false on all of it (skip) or neither. The built-ins
    (causal, sliding_window, prefix_lm, chunked) and comparisons of linear forms of q_idx and
    kv_idx have closed forms; a window, prefix or chunk size may be a param read at b. The rest
    (doc[q_idx] == doc[kv_idx], anything of h) may be true anywhere. Each result is sound: a
    key outside [lo, hi) or a tile called empty is masked out, a tile called full is not.

    Before:
      attn.kernel @causal attributes {...} score {...} mask {
      ^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
        %0 = attn.causal %q_idx, %kv_idx
        attn.yield %0 : i1
      }
    After:
      attn.kernel @causal attributes {...} score {...} mask {...} kv_bounds {
      ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
        %c0_i32 = arith.constant 0 : i32
        %c1_i32 = arith.constant 1 : i32
        %0 = arith.addi %q_last, %c1_i32 : i32
        attn.yield %c0_i32, %0 : i32, i32
      } tile_class {
      ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
        %0 = arith.cmpi sle, %kv_last, %q_first : i32
        %1 = arith.cmpi slt, %q_last, %kv_first : i32
        attn.yield %0, %1 : i1, i1
      }
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
