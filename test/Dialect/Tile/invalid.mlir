// The tile ops' ODS type constraints reject wrong ranks, element types and mismatched types.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

// A row vector where a register tile is required.
tile.kernel @rank1_tile config {} signature {} {
  %p = tile.fill 0.0 : vector<64xf32>
  %c0 = arith.constant 0 : i32
  %v = tile.wait "v"[%c0] pending 0 : memref<32x64xbf16, 3>
  %acc = tile.fill 0.0 : vector<64x64xf32>
  // expected-error @+1 {{'tile.mma_pv' op operand #0 must be vector of 32-bit float values of ranks 2, but got 'vector<64xf32>'}}
  %x = tile.mma_pv %p, %v, %acc : vector<64xf32>, memref<32x64xbf16, 3>, vector<64x64xf32> -> vector<64x64xf32>
}

// -----

// A register tile where a row vector is required.
tile.kernel @rank2_rows config {} signature {} {
  %s = tile.fill 0.0 : vector<64x32xf32>
  // expected-error @+1 {{'tile.row_max' op operand #1 must be vector of 32-bit float values of ranks 1, but got 'vector<64x32xf32>'}}
  %x = "tile.row_max"(%s, %s) : (vector<64x32xf32>, vector<64x32xf32>) -> vector<64x32xf32>
}

// -----

tile.kernel @scale_rows_result config {} signature {} {
  %s = tile.fill 0.0 : vector<64x32xf32>
  %r = tile.fill 0.0 : vector<64xf32>
  // expected-error @+1 {{'tile.scale_rows' op failed to verify that all of {tile, result} have same type}}
  %x = "tile.scale_rows"(%s, %r) : (vector<64x32xf32>, vector<64xf32>) -> vector<64x64xf32>
}

// -----

tile.kernel @exp2_diff_rows config {} signature {} {
  %a = tile.fill 0.0 : vector<64xf32>
  %b = tile.fill 0.0 : vector<32xf32>
  // expected-error @+1 {{'tile.exp2_diff' op failed to verify that all of {m_old, m_new, alpha} have same type}}
  %x = "tile.exp2_diff"(%a, %b) : (vector<64xf32>, vector<32xf32>) -> vector<64xf32>
}

// -----

tile.kernel @row_sum_alpha config {} signature {} {
  %p = tile.fill 0.0 : vector<64x32xf32>
  %l = tile.fill 0.0 : vector<64xf32>
  %a = tile.fill 0.0 : vector<32xf32>
  // expected-error @+1 {{'tile.row_sum' op failed to verify that all of {l_old, alpha, l_new} have same type}}
  %x = "tile.row_sum"(%p, %l, %a) : (vector<64x32xf32>, vector<64xf32>, vector<32xf32>) -> vector<64xf32>
}

// -----

tile.kernel @store_out_rows config {} signature {} {
  %acc = tile.fill 0.0 : vector<64x64xf32>
  %m = tile.fill 0.0 : vector<64xf32>
  %l = tile.fill 0.0 : vector<32xf32>
  // expected-error @+1 {{'tile.store_out' op failed to verify that all of {m, l} have same type}}
  "tile.store_out"(%acc, %m, %l) <{v_scale = "none", lse}> : (vector<64x64xf32>, vector<64xf32>, vector<32xf32>) -> ()
}

// -----

tile.kernel @map_result config {} signature {} {
  %c0 = arith.constant 0 : i32
  %s = tile.fill 0.0 : vector<64x32xf32>
  // expected-error @+1 {{'tile.map' op failed to verify that all of {tile, result} have same type}}
  %x = "tile.map"(%s, %c0, %c0) ({
  ^bb0(%x: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
    tile.yield %x : f32
  }) : (vector<64x32xf32>, i32, i32) -> vector<32x64xf32>
}

// -----

// Shared-memory tiles hold the MMA type (bf16 or f16) or fp8 codes (Q.K on fp8 tensor
// cores), never f32.
tile.kernel @f32_smem config {} signature {} {
  // expected-error @+1 {{'tile.load_q' op result #0 must be 2D memref of bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type values, but got 'memref<64x64xf32, 3>'}}
  %q = tile.load_q pending 0 : memref<64x64xf32, 3>
}

// -----

tile.kernel @rank3_smem config {} signature {} {
  %c0 = arith.constant 0 : i32
  // expected-error @+1 {{'tile.wait' op result #0 must be 2D memref of bfloat16 type or 16-bit float or f8E4M3FN type or f8E5M2 type values, but got 'memref<2x32x64xbf16, 3>'}}
  %k = tile.wait "k"[%c0] pending 0 : memref<2x32x64xbf16, 3>
}

// -----

// Q.K multiplies two fp8 tiles, two of one 16-bit type, or a 16-bit Q by fp8 K codes: not fp8
// Q by a 16-bit K.
tile.kernel @mma_qk_mixed config {} signature {} {
  %c0 = arith.constant 0 : i32
  %q = tile.load_q pending 0 : memref<64x128xf8E4M3FN, 3>
  %k = tile.wait "k"[%c0] pending 0 : memref<64x128xf16, 3>
  // expected-error @+1 {{'tile.mma_qk' op multiplies tiles of one 16-bit type, two fp8 tiles, or a 16-bit Q by fp8 K codes; not 'f8E4M3FN' by 'f16'}}
  %s = tile.mma_qk %q, %k : memref<64x128xf8E4M3FN, 3>, memref<64x128xf16, 3> -> vector<64x64xf32>
}

// -----

tile.kernel @mma_qk_bf16_f16 config {} signature {} {
  %c0 = arith.constant 0 : i32
  %q = tile.load_q pending 0 : memref<64x128xbf16, 3>
  %k = tile.wait "k"[%c0] pending 0 : memref<64x128xf16, 3>
  // expected-error @+1 {{'tile.mma_qk' op multiplies tiles of one 16-bit type, two fp8 tiles, or a 16-bit Q by fp8 K codes; not 'bf16' by 'f16'}}
  %s = tile.mma_qk %q, %k : memref<64x128xbf16, 3>, memref<64x128xf16, 3> -> vector<64x64xf32>
}

// -----

tile.kernel @fill_i32 config {} signature {} {
  // expected-error @+1 {{'tile.fill' op result #0 must be vector of 32-bit float values of ranks 2 or vector of 32-bit float values of ranks 1, but got 'vector<64x64xi32>'}}
  %t = tile.fill 0.0 : vector<64x64xi32>
}

// -----

tile.kernel @param_f16 config {} signature {} {
  %c0 = arith.constant 0 : i32
  // expected-error @+1 {{'tile.param_read' op result #0 must be 32-bit float or 32-bit signless integer, but got 'f16'}}
  %x = tile.param_read "bias"(0, f16) [%c0] : f16
}

// -----

// Row factors are for bf16 rows entering an f16 tile.
tile.kernel @row_factor_bf16 config {} signature {} {
  // expected-error @+1 {{'tile.load_q' op row factors bring bf16 rows into an f16 tile, not a 'bf16' one}}
  %q, %f = tile.load_q pending 0 : memref<64x64xbf16, 3>, vector<64xf32>
}

// -----

// k_sign rides on the rescaling of bf16 rows into an f16 tile.
tile.kernel @k_sign_without_row_factors config {} signature {} {
  // expected-error @+1 {{'tile.load_q' op k_sign rides on the rows' rescaling: it needs row factors}}
  %q = tile.load_q pending 0 {k_sign} : memref<64x64xf16, 3>
}

// -----

// One multiplier for the exponents: a constant or one per row.
tile.kernel @two_multipliers config {} signature {} {
  %m = tile.fill 0.0 : vector<64xf32>
  // expected-error @+1 {{'tile.exp2_diff' op takes a constant multiplier (`scale`) or one per row (`by`), not both}}
  %a = tile.exp2_diff %m, %m scale 2.0 by %m : vector<64xf32>
}

// -----

tile.kernel @two_multipliers_sub config {} signature {} {
  %m = tile.fill 0.0 : vector<64xf32>
  %s = tile.fill 0.0 : vector<64x32xf32>
  // expected-error @+1 {{'tile.exp2_sub' op takes a constant multiplier (`scale`) or one per row (`by`), not both}}
  %p = tile.exp2_sub %s, %m scale 2.0 by %m : vector<64x32xf32>, vector<64xf32>
}
