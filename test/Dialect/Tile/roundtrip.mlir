// The tile dialect prints and parses back every op (inside scf.for / scf.if) unchanged; the
// loads follow the two-stage schedule (convert-attn-to-tile.mlir shows both).
// RUN: attn-opt %s | attn-opt | FileCheck %s

// CHECK-LABEL: tile.kernel @every_op
// CHECK-SAME:  config {arch = "sm_90a", block_m = 64 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "wgmma", stages = 2 : i64, warps = 4 : i64}
// CHECK-SAME:  signature {k = #attn.tensor<bf16, 64>, lse, out = #attn.tensor<f8E4M3FN, 64, per_tensor>, params = [#attn.param<"slopes", f32, [H]>, #attn.param<"doc", i32, [S]>], q = #attn.tensor<bf16, 64>, v = #attn.tensor<f8E4M3FN, 64, per_token_head>}
// CHECK-NEXT:  %[[B:.*]], %[[QF:.*]], %[[QL:.*]], %[[KVLEN:.*]] = tile.cta_info
// CHECK:       %[[C0:.*]], %[[HI:.*]] = tile.kv_split %{{.*}}, %[[KVLEN]]
// CHECK:       tile.await_previous %[[C0]], %[[HI]]
// CHECK-NEXT:  tile.start_q
// CHECK-NEXT:  tile.load_async "k"[%[[C0]]] if %[[TRUE:.*]]
// CHECK-NEXT:  tile.load_async "v"[%[[C0]]] if %[[TRUE]]
// CHECK-NEXT:  %[[Q:.*]] = tile.load_q pending 2 : memref<64x64xbf16, 3>
// CHECK-NEXT:  %[[M0:.*]] = tile.fill 0xFF800000 : vector<64xf32>
// CHECK-NEXT:  %[[L0:.*]] = tile.fill 0.000000e+00 : vector<64xf32>
// CHECK-NEXT:  %[[A0:.*]] = tile.fill 0.000000e+00 : vector<64x64xf32>
// CHECK-NEXT:  %[[RS:.*]] = tile.score_scale 1.250000e-01 q "per_tensor" k "per_head" : vector<64xf32>
// CHECK-NEXT:  %[[R:.*]]:3 = scf.for %[[N0:.*]] = %[[C0]] to %[[HI]] step %{{.*}} iter_args(%[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]], %[[A:.*]] = %[[A0]]) -> (vector<64xf32>, vector<64xf32>, vector<64x64xf32>) {{ *}}: i32 {
// CHECK-NEXT:    %[[END:.*]] = arith.addi %[[N0]], %{{.*}} : i32
// CHECK-NEXT:    %[[MORE:.*]] = arith.cmpi slt, %[[END]], %[[HI]] : i32
// CHECK-NEXT:    %[[K:.*]] = tile.wait "k"[%[[N0]]] pending 1 : memref<32x64xbf16, 3>
// CHECK-NEXT:    %[[V:.*]] = tile.wait "v"[%[[N0]]] pending 0 {widened} : memref<32x64xbf16, 3>
// CHECK-NEXT:    tile.load_async "k"[%[[END]]] if %[[MORE]]
// CHECK-NEXT:    tile.load_async "v"[%[[END]]] if %[[MORE]]
// CHECK-NEXT:    %[[S0:.*]] = tile.mma_qk %[[Q]], %[[K]] : memref<64x64xbf16, 3>, memref<32x64xbf16, 3> -> vector<64x32xf32>
// CHECK-NEXT:    %[[S1:.*]] = tile.scale_rows %[[S0]], %[[RS]] : vector<64x32xf32>, vector<64xf32>
// CHECK-NEXT:    %[[S2:.*]] = tile.scale_cols %[[S1]] by "k"[%[[N0]]] : vector<64x32xf32>
// CHECK-NEXT:    %[[S3:.*]] = tile.map %[[S2]][%[[B]], %[[N0]]] : vector<64x32xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f32, %{{.*}}: i32, %[[H:.*]]: i32, %[[QI:.*]]: i32, %[[KI:.*]]: i32):
// CHECK-NEXT:      %[[SLOPE:.*]] = tile.param_read "slopes"(0, f32) [%[[H]]] : f32
// CHECK-NEXT:      %[[D:.*]] = arith.subi %[[QI]], %[[KI]] : i32
// CHECK-NEXT:      %[[DF:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK-NEXT:      %[[BIAS:.*]] = arith.mulf %[[SLOPE]], %[[DF]] : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.subf %[[X]], %[[BIAS]] : f32
// CHECK-NEXT:      tile.yield %[[Y]] : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[S4:.*]] = tile.mul %[[S3]], 1.4426950408889634 : vector<64x32xf32>
// CHECK:         %[[FULL:.*]] = arith.cmpi sle
// CHECK-NEXT:    %[[S5:.*]] = scf.if %[[FULL]] -> (vector<64x32xf32>) {
// CHECK-NEXT:      %[[T:.*]] = tile.mask_tail %[[S4]][%[[N0]]] : vector<64x32xf32>
// CHECK-NEXT:      scf.yield %[[T]] : vector<64x32xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[MK:.*]] = tile.mask %[[S4]][%[[B]], %[[N0]]] : vector<64x32xf32> {
// CHECK-NEXT:      ^bb0(%{{.*}}: i32, %{{.*}}: i32, %[[MQ:.*]]: i32, %[[MKV:.*]]: i32):
// CHECK-NEXT:        %[[DQ:.*]] = tile.param_read "doc"(1, i32) [%[[MQ]]] : i32
// CHECK-NEXT:        %[[DK:.*]] = tile.param_read "doc"(1, i32) [%[[MKV]]] : i32
// CHECK-NEXT:        %[[SAME:.*]] = arith.cmpi eq, %[[DQ]], %[[DK]] : i32
// CHECK-NEXT:        tile.yield %[[SAME]] : i1
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield %[[MK]] : vector<64x32xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[MN:.*]] = tile.row_max %[[S5]], %[[M]] : vector<64x32xf32>, vector<64xf32>
// CHECK-NEXT:    %[[AL:.*]] = tile.exp2_diff %[[M]], %[[MN]] : vector<64xf32>
// CHECK-NEXT:    %[[P:.*]] = tile.exp2_sub %[[S5]], %[[MN]] : vector<64x32xf32>, vector<64xf32>
// CHECK-NEXT:    %[[LN:.*]] = tile.row_sum %[[P]], %[[L]], %[[AL]] : vector<64x32xf32>, vector<64xf32>
// CHECK-NEXT:    %[[AS:.*]] = tile.scale_rows %[[A]], %[[AL]] : vector<64x64xf32>, vector<64xf32>
// CHECK-NEXT:    %[[PV:.*]] = tile.scale_cols %[[P]] by "v"[%[[N0]]] : vector<64x32xf32>
// CHECK-NEXT:    tile.widen "v"[%[[END]]] if %[[MORE]]
// CHECK-NEXT:    %[[AN:.*]] = tile.mma_pv %[[PV]], %[[V]], %[[AS]] : vector<64x32xf32>, memref<32x64xbf16, 3>, vector<64x64xf32> -> vector<64x64xf32>
// CHECK-NEXT:    scf.yield %[[MN]], %[[LN]], %[[AN]] : vector<64xf32>, vector<64xf32>, vector<64x64xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  tile.store_out %[[R]]#2, %[[R]]#0, %[[R]]#1 v "none" {lse, out_scale} : vector<64x64xf32>, vector<64xf32>
// CHECK-NEXT: }
tile.kernel @every_op config {arch = "sm_90a", block_m = 64 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "wgmma", stages = 2 : i64, warps = 4 : i64} signature {q = #attn.tensor<bf16, 64>, k = #attn.tensor<bf16, 64>, v = #attn.tensor<f8E4M3FN, 64, per_token_head>, out = #attn.tensor<f8E4M3FN, 64, per_tensor>, params = [#attn.param<"slopes", f32, [H]>, #attn.param<"doc", i32, [S]>], lse} {
  %b, %q_first, %q_last, %kv_len = tile.cta_info
  %zero = arith.constant 0 : i32
  %lo, %hi = tile.kv_split %zero, %kv_len
  %c1 = arith.constant 1 : i32
  %c32 = arith.constant 32 : i32
  %true = arith.constant true
  tile.await_previous %lo, %hi
  tile.start_q
  tile.load_async "k"[%lo] if %true
  tile.load_async "v"[%lo] if %true
  %q = tile.load_q pending 2 : memref<64x64xbf16, 3>
  %m0 = tile.fill 0xFF800000 : vector<64xf32>
  %l0 = tile.fill 0.0 : vector<64xf32>
  %acc0 = tile.fill 0.0 : vector<64x64xf32>
  %rs = tile.score_scale 0.125 q "per_tensor" k "per_head" : vector<64xf32>
  %r:3 = scf.for %n0 = %lo to %hi step %c32 iter_args(%m = %m0, %l = %l0, %acc = %acc0) -> (vector<64xf32>, vector<64xf32>, vector<64x64xf32>) : i32 {
    %end = arith.addi %n0, %c32 : i32
    %more = arith.cmpi slt, %end, %hi : i32
    %k = tile.wait "k"[%n0] pending 1 : memref<32x64xbf16, 3>
    %v = tile.wait "v"[%n0] pending 0 {widened} : memref<32x64xbf16, 3>
    tile.load_async "k"[%end] if %more
    tile.load_async "v"[%end] if %more
    %s0 = tile.mma_qk %q, %k : memref<64x64xbf16, 3>, memref<32x64xbf16, 3> -> vector<64x32xf32>
    %s1 = tile.scale_rows %s0, %rs : vector<64x32xf32>, vector<64xf32>
    %s2 = tile.scale_cols %s1 by "k"[%n0] : vector<64x32xf32>
    %s3 = tile.map %s2[%b, %n0] : vector<64x32xf32> {
    ^bb0(%x: f32, %bb: i32, %h: i32, %qi: i32, %kvi: i32):
      %slope = tile.param_read "slopes"(0, f32)[%h] : f32
      %d = arith.subi %qi, %kvi : i32
      %df = arith.sitofp %d : i32 to f32
      %bias = arith.mulf %slope, %df : f32
      %y = arith.subf %x, %bias : f32
      tile.yield %y : f32
    }
    %s4 = tile.mul %s3, 1.4426950408889634 : vector<64x32xf32>
    %kv_last = arith.subi %end, %c1 : i32
    %full = arith.cmpi sle, %kv_last, %q_first : i32
    %s5 = scf.if %full -> (vector<64x32xf32>) {
      %t = tile.mask_tail %s4[%n0] : vector<64x32xf32>
      scf.yield %t : vector<64x32xf32>
    } else {
      %mk = tile.mask %s4[%b, %n0] : vector<64x32xf32> {
      ^bb0(%mb: i32, %mh: i32, %mq: i32, %mkv: i32):
        %dq = tile.param_read "doc"(1, i32)[%mq] : i32
        %dk = tile.param_read "doc"(1, i32)[%mkv] : i32
        %same = arith.cmpi eq, %dq, %dk : i32
        tile.yield %same : i1
      }
      scf.yield %mk : vector<64x32xf32>
    }
    %mn = tile.row_max %s5, %m : vector<64x32xf32>, vector<64xf32>
    %alpha = tile.exp2_diff %m, %mn : vector<64xf32>
    %p = tile.exp2_sub %s5, %mn : vector<64x32xf32>, vector<64xf32>
    %ln = tile.row_sum %p, %l, %alpha : vector<64x32xf32>, vector<64xf32>
    %as = tile.scale_rows %acc, %alpha : vector<64x64xf32>, vector<64xf32>
    %pv = tile.scale_cols %p by "v"[%n0] : vector<64x32xf32>
    tile.widen "v"[%end] if %more
    %an = tile.mma_pv %pv, %v, %as : vector<64x32xf32>, memref<32x64xbf16, 3>, vector<64x64xf32> -> vector<64x64xf32>
    scf.yield %mn, %ln, %an : vector<64xf32>, vector<64xf32>, vector<64x64xf32>
  }
  tile.store_out %r#2, %r#0, %r#1 v "none" {lse, out_scale} : vector<64x64xf32>, vector<64xf32>
}

// bf16 q entering f16 tiles: load_q's row factors, taken back by score_scale's `times`.
// CHECK-LABEL: tile.kernel @f16_rows
// CHECK:       %[[Q:.*]], %[[F:.*]] = tile.load_q pending 0 : memref<64x64xf16, 3>, vector<64xf32>
// CHECK-NEXT:  %{{.*}} = tile.score_scale 1.250000e-01 q "none" k "none" times %[[F]] : vector<64xf32>
tile.kernel @f16_rows config {} signature {} {
  tile.start_q
  %q, %f = tile.load_q pending 0 : memref<64x64xf16, 3>, vector<64xf32>
  %rs = tile.score_scale 0.125 q "none" k "none" times %f : vector<64xf32>
}

// The multiplier in the exponents, one per row: q's rows take the sign of k's scale (k_sign),
// the multiplier its magnitude (positive), exp2_diff and exp2_sub take it `by` row, and the
// epilogue's maximum is scaled by it.
// CHECK-LABEL: tile.kernel @row_multiplier_in_exponents
// CHECK:       %[[Q:.*]], %[[F:.*]] = tile.load_q pending 0 {k_sign} : memref<64x64xf16, 3>, vector<64xf32>
// CHECK-NEXT:  %[[C:.*]] = tile.score_scale 1.250000e-01 q "none" k "per_head" times %[[F]] {positive} : vector<64xf32>
// CHECK:       %{{.*}} = tile.exp2_diff %[[M:.*]], %[[MN:.*]] by %[[C]] : vector<64xf32>
// CHECK-NEXT:  %{{.*}} = tile.exp2_sub %{{.*}}, %[[MN]] by %[[C]] : vector<64x32xf32>, vector<64xf32>
// CHECK-NEXT:  %{{.*}} = tile.scale_rows %[[MN]], %[[C]] : vector<64xf32>, vector<64xf32>
tile.kernel @row_multiplier_in_exponents config {} signature {} {
  tile.start_q
  %q, %f = tile.load_q pending 0 {k_sign} : memref<64x64xf16, 3>, vector<64xf32>
  %c = tile.score_scale 0.125 q "none" k "per_head" times %f {positive} : vector<64xf32>
  %m = tile.fill 0xFF800000 : vector<64xf32>
  %s = tile.fill 0.0 : vector<64x32xf32>
  %mn = tile.row_max %s, %m : vector<64x32xf32>, vector<64xf32>
  %alpha = tile.exp2_diff %m, %mn by %c : vector<64xf32>
  %p = tile.exp2_sub %s, %mn by %c : vector<64x32xf32>, vector<64xf32>
  %mf = tile.scale_rows %mn, %c : vector<64xf32>, vector<64xf32>
}

// Warp split: a 16-bit Q by a K of fp8 codes, and P by a V of fp8 codes, both widened in
// registers as the MMAs read them.
// CHECK-LABEL: tile.kernel @warp_split_fp8_codes
// CHECK:       %{{.*}} = tile.mma_qk %{{.*}}, %{{.*}} : memref<16x128xf16, 3>, memref<64x128xf8E4M3FN, 3> -> vector<16x64xf32>
// CHECK:       %{{.*}} = tile.mma_pv %{{.*}}, %{{.*}}, %{{.*}} : vector<16x64xf32>, memref<64x128xf8E5M2, 3>, vector<16x128xf32> -> vector<16x128xf32>
tile.kernel @warp_split_fp8_codes config {} signature {} {
  %c0 = arith.constant 0 : i32
  tile.start_q
  %q, %f = tile.load_q pending 0 : memref<16x128xf16, 3>, vector<16xf32>
  %k = tile.wait "k"[%c0] pending 0 : memref<64x128xf8E4M3FN, 3>
  %s = tile.mma_qk %q, %k : memref<16x128xf16, 3>, memref<64x128xf8E4M3FN, 3> -> vector<16x64xf32>
  %acc = tile.fill 0.0 : vector<16x128xf32>
  %v = tile.wait "v"[%c0] pending 0 : memref<64x128xf8E5M2, 3>
  %o = tile.mma_pv %s, %v, %acc : vector<16x64xf32>, memref<64x128xf8E5M2, 3>, vector<16x128xf32> -> vector<16x128xf32>
}
