// convert-attn-to-tile: the tile program of one CTA (KV loop bounds from the mask analysis,
// async K/V loads, MMAs, score map, masking of non-full tiles, online softmax, epilogue). The
// CHECK lines follow the mma.sync config with one K/V stage; STAGE2 the load schedule of two
// stages (the sm_90a wgmma default).
// RUN: split-file %s %t --leading-lines
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config=mma=mma.sync --convert-attn-to-tile | FileCheck %s
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config=mma=mma.sync --convert-attn-to-tile | attn-opt | FileCheck %s
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config --convert-attn-to-tile | FileCheck %s --check-prefix=STAGE2
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config --convert-attn-to-tile | attn-opt | FileCheck %s --check-prefix=STAGE2
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config=pingpong=off --convert-attn-to-tile | FileCheck %s --check-prefix=NOPP
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config=stages=3 --convert-attn-to-tile | FileCheck %s --check-prefix=STAGE3
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-analyze-mask --attn-select-config="stages=3 pingpong=off" --convert-attn-to-tile | FileCheck %s --check-prefix=LIVE
// RUN: attn-opt %t/kernels.mlir --attn-fold-scales --attn-select-config=mma=mma.sync --convert-attn-to-tile | FileCheck %s --check-prefix=NOANALYSIS
// RUN: attn-opt %t/no-config.mlir --attn-fold-scales --attn-analyze-mask --convert-attn-to-tile -verify-diagnostics
// RUN: attn-opt %t/no-config.mlir --attn-analyze-mask --attn-select-config --convert-attn-to-tile -verify-diagnostics

//--- kernels.mlir
// (a) causal bf16, head dim 128: 128 x 32 tiles on 4 warps; keys [0, q_last + 1) clamped to the sequence.
// CHECK-LABEL: tile.kernel @causal
// CHECK-SAME:  config {arch = "sm_90a", block_m = 128 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 4 : i64}
// CHECK-SAME:  signature {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, params = [], q = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>}
// CHECK-NOT:   attn.kernel
// CHECK:       %[[B:.*]], %[[QF:.*]], %[[QL:.*]], %[[KVLEN:.*]] = tile.cta_info
// CHECK:       %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT:  %[[END:.*]] = arith.addi %[[QL]], %[[ONE]] : i32
// CHECK:       %[[FIRST:.*]] = arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK-NEXT:  %[[HI0:.*]] = arith.minsi %[[END]], %[[KVLEN]] : i32
// CHECK-NEXT:  %[[BN:.*]] = arith.constant 32 : i32
// CHECK-NEXT:  %[[T:.*]] = arith.divsi %[[FIRST]], %[[BN]] : i32
// CHECK-NEXT:  %[[LO0:.*]] = arith.muli %[[T]], %[[BN]] : i32
// A split launch takes a part of [lo, hi) (the whole range unsplit).
// CHECK-NEXT:  %[[LO:.*]], %[[HI:.*]] = tile.kv_split %[[LO0]], %[[HI0]]
// CHECK-NEXT:  %[[TRUE:.*]] = arith.constant true
// Only the metadata is read before the previous kernel is done (a launch that overlaps it).
// CHECK-NEXT:  tile.await_previous %[[LO]], %[[HI]]
// CHECK-NEXT:  tile.start_q
// Only tiles the loop consumes load: none for an empty range (a split's empty part).
// CHECK-NEXT:  %[[HAS0:.*]] = arith.cmpi slt, %[[LO]], %[[HI]] : i32
// CHECK-NEXT:  tile.load_async "k"[%[[LO]]] if %[[HAS0]]
// CHECK-NEXT:  %[[Q:.*]] = tile.load_q pending 1 : memref<128x128xbf16, 3>
// CHECK-NEXT:  %[[M0:.*]] = tile.fill 0xFF800000 : vector<128xf32>
// CHECK-NEXT:  %[[L0:.*]] = tile.fill 0.000000e+00 : vector<128xf32>
// CHECK-NEXT:  %[[A0:.*]] = tile.fill 0.000000e+00 : vector<128x128xf32>
// CHECK-NEXT:  %[[R:.*]]:3 = scf.for %[[N0:.*]] = %[[LO]] to %[[HI]] step %[[BN]] iter_args(%[[M:.*]] = %[[M0]], %[[L:.*]] = %[[L0]], %[[A:.*]] = %[[A0]]) -> (vector<128xf32>, vector<128xf32>, vector<128x128xf32>) {{ *}}: i32 {
// One stage: V(n) loads under Q.K(n) once K(n) is in (no later load in flight).
// CHECK-NEXT:    %[[NEXT:.*]] = arith.addi %[[N0]], %[[BN]] : i32
// CHECK-NEXT:    %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %[[HI]] : i32
// CHECK-NEXT:    %[[K:.*]] = tile.wait "k"[%[[N0]]] pending 0 : memref<32x128xbf16, 3>
// CHECK-NEXT:    tile.load_async "v"[%[[N0]]] if %[[TRUE]]
// The scores stay unscaled: no score function reads them, and the multiplier is one positive
// constant, so it enters the exponents below instead.
// CHECK-NEXT:    %[[S1:.*]] = tile.mma_qk %[[Q]], %[[K]] : memref<128x128xbf16, 3>, memref<32x128xbf16, 3> -> vector<128x32xf32>
// kv_last = min(n0 + 32, kv_len) - 1; the tile is full when kv_last <= q_first.
// CHECK-NEXT:    %[[END2:.*]] = arith.minsi %[[NEXT]], %[[KVLEN]] : i32
// CHECK-NEXT:    %[[ONE2:.*]] = arith.constant 1 : i32
// CHECK-NEXT:    %[[KVLAST:.*]] = arith.subi %[[END2]], %[[ONE2]] : i32
// CHECK:         %[[FULL:.*]] = arith.cmpi sle, %[[KVLAST]], %[[QF]] : i32
// CHECK:         %[[S2:.*]] = scf.if %[[FULL]] -> (vector<128x32xf32>) {
// CHECK-NEXT:      %[[TAIL:.*]] = tile.mask_tail %[[S1]][%[[N0]]] : vector<128x32xf32>
// CHECK-NEXT:      scf.yield %[[TAIL]] : vector<128x32xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[MASKED:.*]] = tile.mask %[[S1]][%[[B]], %[[N0]]] : vector<128x32xf32> {
// CHECK-NEXT:      ^bb0(%{{.*}}: i32, %{{.*}}: i32, %[[MQ:.*]]: i32, %[[MKV:.*]]: i32):
// CHECK-NEXT:        %[[C:.*]] = attn.causal %[[MQ]], %[[MKV]]
// CHECK-NEXT:        tile.yield %[[C]] : i1
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.yield %[[MASKED]] : vector<128x32xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[MN:.*]] = tile.row_max %[[S2]], %[[M]] : vector<128x32xf32>, vector<128xf32>
// 1/sqrt(128) * log2(e): the identity score runs in base 2.
// CHECK-NEXT:    %[[AL:.*]] = tile.exp2_diff %[[M]], %[[MN]] scale 0.1275174308245{{[0-9]*}} : vector<128xf32>
// CHECK-NEXT:    %[[P:.*]] = tile.exp2_sub %[[S2]], %[[MN]] scale 0.1275174308245{{[0-9]*}} : vector<128x32xf32>, vector<128xf32>
// CHECK-NEXT:    %[[LN:.*]] = tile.row_sum %[[P]], %[[L]], %[[AL]] : vector<128x32xf32>, vector<128xf32>
// CHECK-NEXT:    %[[AS:.*]] = tile.scale_rows %[[A]], %[[AL]] : vector<128x128xf32>, vector<128xf32>
// K(n + 1) loads under P.V(n), if there is one (else an empty group of copies).
// CHECK-NEXT:    %[[V:.*]] = tile.wait "v"[%[[N0]]] pending 0 : memref<32x128xbf16, 3>
// CHECK-NEXT:    tile.load_async "k"[%[[NEXT]]] if %[[MORE]]
// CHECK-NEXT:    %[[AN:.*]] = tile.mma_pv %[[P]], %[[V]], %[[AS]] : vector<128x32xf32>, memref<32x128xbf16, 3>, vector<128x128xf32> -> vector<128x128xf32>
// CHECK-NEXT:    scf.yield %[[MN]], %[[LN]], %[[AN]] : vector<128xf32>, vector<128xf32>, vector<128x128xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  %[[MS:.*]] = tile.mul %[[R]]#0, 0.1275174308245{{[0-9]*}} : vector<128xf32>
// No lse in the spec: store_out without {lse}.
// CHECK-NEXT:  tile.store_out %[[R]]#2, %[[MS]], %[[R]]#1 v "none" : vector<128x128xf32>, vector<128xf32>
// CHECK:       }

// Two stages with ping-pong (sm_90a's default for bf16 at head dim 128: wgmma, 128 x 128 tiles
// on 8 warps): K and V of the first tile load under Q; at the top of tile n K(n) and V(n) are
// waited for (K's wait allows V's load to stay in flight), then K(n + 1) and V(n + 1) load
// during all of tile n; nothing waits between Q.K and P.V, where the warpgroups take turns.
// STAGE2-LABEL: tile.kernel @causal
// STAGE2-SAME:  config {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 1 : i64, mma = "wgmma", pingpong = true, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// STAGE2:       %[[LO:.*]], %[[HI0:.*]] = tile.kv_split
// STAGE2:       tile.start_q
// STAGE2-NEXT:  %[[HAS0:.*]] = arith.cmpi slt, %[[LO]], %[[HI0]] : i32
// STAGE2-NEXT:  tile.load_async "k"[%[[LO]]] if %[[HAS0]]
// STAGE2-NEXT:  tile.load_async "v"[%[[LO]]] if %[[HAS0]]
// STAGE2-NEXT:  %[[Q:.*]] = tile.load_q pending 2 : memref<128x128xbf16, 3>
// STAGE2:       scf.for %[[N0:[^ ]*]] = %[[LO]] to %[[HI:[^ ]*]] step
// STAGE2-NEXT:    %[[NEXT:.*]] = arith.addi %[[N0]], %{{.*}} : i32
// STAGE2-NEXT:    %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %[[HI]] : i32
// STAGE2-NEXT:    %[[K:.*]] = tile.wait "k"[%[[N0]]] pending 1 : memref<128x128xbf16, 3>
// STAGE2-NEXT:    %[[V:.*]] = tile.wait "v"[%[[N0]]] pending 0 : memref<128x128xbf16, 3>
// STAGE2-NEXT:    tile.load_async "k"[%[[NEXT]]] if %[[MORE]]
// STAGE2-NEXT:    tile.load_async "v"[%[[NEXT]]] if %[[MORE]]
// STAGE2-NEXT:    tile.mma_qk %[[Q]], %[[K]] : memref<128x128xbf16, 3>, memref<128x128xbf16, 3> -> vector<128x128xf32>
// STAGE2-NOT:     tile.wait
// STAGE2:         tile.mma_pv %{{.*}}, %[[V]], %{{.*}} : vector<128x128xf32>, memref<128x128xbf16, 3>, vector<128x128xf32> -> vector<128x128xf32>

// Two stages without ping-pong: K(n + 1) loads from the start of tile n, V(n + 1) from its P.V;
// each wait leaves the other operand's next load in flight.
// NOPP-LABEL: tile.kernel @causal
// NOPP-SAME:  mma = "wgmma", pingpong = false, stages = 2 : i64, warp_split = false
// NOPP:       scf.for %[[N0:[^ ]*]] =
// NOPP-NEXT:    %[[NEXT:.*]] = arith.addi %[[N0]], %{{.*}} : i32
// NOPP-NEXT:    %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %{{.*}} : i32
// NOPP-NEXT:    %[[K:.*]] = tile.wait "k"[%[[N0]]] pending 1 : memref<128x128xbf16, 3>
// NOPP-NEXT:    tile.load_async "k"[%[[NEXT]]] if %[[MORE]]
// NOPP-NEXT:    tile.mma_qk %{{.*}}, %[[K]]
// NOPP:         %[[V:.*]] = tile.wait "v"[%[[N0]]] pending 1 : memref<128x128xbf16, 3>
// NOPP-NEXT:    tile.load_async "v"[%[[NEXT]]] if %[[MORE]]
// NOPP-NEXT:    tile.mma_pv %{{.*}}, %[[V]], %{{.*}}

// Three stages: tiles lo and lo + 128 load before the loop (the second if the range holds it);
// each tile waits for K(n) with three later groups allowed in flight (V(n), K and V of n + 1)
// and V(n) with two, then starts K and V of n + 2.
// STAGE3-LABEL: tile.kernel @causal
// STAGE3-SAME:  pingpong = true, stages = 3
// STAGE3:       %[[LO:.*]], %[[HI:.*]] = tile.kv_split
// STAGE3:       tile.start_q
// STAGE3-NEXT:  %[[HAS0:.*]] = arith.cmpi slt, %[[LO]], %[[HI]] : i32
// STAGE3-NEXT:  tile.load_async "k"[%[[LO]]] if %[[HAS0]]
// STAGE3-NEXT:  tile.load_async "v"[%[[LO]]] if %[[HAS0]]
// STAGE3-NEXT:  %[[BN:.*]] = arith.constant 128 : i32
// STAGE3-NEXT:  %[[N1:.*]] = arith.addi %[[LO]], %[[BN]] : i32
// STAGE3-NEXT:  %[[HAS1:.*]] = arith.cmpi slt, %[[N1]], %[[HI]] : i32
// STAGE3-NEXT:  tile.load_async "k"[%[[N1]]] if %[[HAS1]]
// STAGE3-NEXT:  tile.load_async "v"[%[[N1]]] if %[[HAS1]]
// STAGE3-NEXT:  tile.load_q pending 4
// STAGE3:       scf.for %[[N0:[^ ]*]] = %[[LO]] to %[[HI]] step
// STAGE3:         tile.wait "k"[%[[N0]]] pending 3
// STAGE3-NEXT:    tile.wait "v"[%[[N0]]] pending 2
// STAGE3-NEXT:    %[[TWO:.*]] = arith.constant 256 : i32
// STAGE3-NEXT:    %[[N2:.*]] = arith.addi %[[N0]], %[[TWO]] : i32
// STAGE3-NEXT:    %[[HAS2:.*]] = arith.cmpi slt, %[[N2]], %[[HI]] : i32
// STAGE3-NEXT:    tile.load_async "k"[%[[N2]]] if %[[HAS2]]
// STAGE3-NEXT:    tile.load_async "v"[%[[N2]]] if %[[HAS2]]

// Without ping-pong every wait is at the top, and a unit whose rows hold no query skips the
// tile's compute, passing m, l and acc on.
// LIVE-LABEL: tile.kernel @causal
// LIVE-SAME:  pingpong = false, stages = 3
// LIVE:       scf.for %{{.*}} iter_args(%[[M:[^ ]*]] = %{{.*}}, %[[L:[^ ]*]] = %{{.*}}, %[[A:[^ ]*]] = %{{.*}})
// LIVE:         tile.load_async "v"
// LIVE-NEXT:    %[[LIVE:.*]] = tile.rows_live
// LIVE-NEXT:    %[[R:.*]]:3 = scf.if %[[LIVE]] -> (vector<128xf32>, vector<128xf32>, vector<128x128xf32>) {
// LIVE-NEXT:      tile.mma_qk
// LIVE:           tile.mma_pv
// LIVE:         } else {
// LIVE-NEXT:      scf.yield %[[M]], %[[L]], %[[A]]
// LIVE-NEXT:    }
// LIVE-NEXT:    scf.yield %[[R]]#0, %[[R]]#1, %[[R]]#2

// Without attn-analyze-mask: every key of the sequence, every tile masked.
// NOANALYSIS-LABEL: tile.kernel @causal
// NOANALYSIS:       %{{.*}}, %{{.*}}, %{{.*}}, %[[KVLEN:.*]] = tile.cta_info
// NOANALYSIS-NEXT:  %[[ZERO:.*]] = arith.constant 0 : i32
// NOANALYSIS-NEXT:  %[[BN:.*]] = arith.constant 32 : i32
// NOANALYSIS-NEXT:  %[[T:.*]] = arith.divsi %[[ZERO]], %[[BN]] : i32
// NOANALYSIS-NEXT:  %[[LO0:.*]] = arith.muli %[[T]], %[[BN]] : i32
// NOANALYSIS-NEXT:  %[[LO:.*]], %[[HI:.*]] = tile.kv_split %[[LO0]], %[[KVLEN]]
// NOANALYSIS:       scf.for %{{.*}} = %[[LO]] to %[[HI]] step %[[BN]]
// NOANALYSIS:       %[[FALSE:.*]] = arith.constant false
// NOANALYSIS-NEXT:  scf.if %[[FALSE]] -> (vector<128x32xf32>) {
// NOANALYSIS-NEXT:    tile.mask_tail
// NOANALYSIS:       } else {
// NOANALYSIS-NEXT:    tile.mask
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// (b) soft-cap (Gemma 2) 50 tanh(s / 50): attn-fold-scales took 1/50 into the multiplier
// (1/12/50) and log2(e) into the final multiplication (50 log2 e = 72.13...), so the tile.map
// is tanh and one multiply, with no tile.mul after it. gqa = 2 packs two heads per CTA; the
// window gives a lower KV bound q_first - 4095.
// CHECK-LABEL: tile.kernel @softcap
// CHECK-SAME:  heads_per_tile = 2 : i64
// CHECK:       %{{.*}}, %[[QF:.*]], %{{.*}}, %{{.*}} = tile.cta_info
// CHECK:       %[[W:.*]] = arith.constant 4095 : i32
// CHECK-NEXT:  %[[LO:.*]] = arith.subi %[[QF]], %[[W]] : i32
// CHECK:       arith.maxsi %[[LO]], %{{.*}} : i32
// CHECK:       %[[RS:.*]] = tile.score_scale 0.0016666666666666{{[0-9]*}} q "none" k "none" : vector<128xf32>
// CHECK:       scf.for
// CHECK:         %[[S0:.*]] = tile.mma_qk
// CHECK-NEXT:    %[[S1:.*]] = tile.scale_rows %[[S0]], %[[RS]] : vector<128x32xf32>, vector<128xf32>
// CHECK-NEXT:    %[[S2:.*]] = tile.map %[[S1]][%{{.*}}, %{{.*}}] : vector<128x32xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32):
// CHECK-NEXT:      %[[TH:.*]] = math.tanh %[[X]] : f32
// CHECK-NEXT:      %[[C:.*]] = arith.constant 72.134750{{[0-9]*}} : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[TH]], %[[C]] : f32
// CHECK-NEXT:      tile.yield %[[Y]] : f32
// CHECK-NEXT:    }
// CHECK-NOT:     tile.mul
// CHECK:         tile.mask
// CHECK:           attn.sliding_window
// CHECK:       tile.store_out %{{.*}}, %{{.*}}, %{{.*}} v "none" : vector<128x128xf32>, vector<128xf32>
attn.kernel @softcap attributes {gqa = 2 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.083333333333333329 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %cst = arith.constant 5.000000e+01 : f32
  %0 = arith.divf %s, %cst : f32
  %1 = math.tanh %0 : f32
  %2 = arith.mulf %cst, %1 : f32
  attn.yield %2 : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  %c4096 = arith.constant 4096 : i32
  %1 = attn.sliding_window %q_idx, %kv_idx window %c4096
  %2 = arith.andi %0, %1 : i1
  attn.yield %2 : i1
}

// (b2) a score function that has no constant factor to fold (s + kv_idx): it sees natural
// units, and log2(e) is applied after the tile.map.
// CHECK-LABEL: tile.kernel @natural
// CHECK:       tile.score_scale 1.250000e-01 q "none" k "none" : vector<128xf32>
// CHECK:       %[[M:.*]] = tile.map
// CHECK:       tile.mul %[[M]], 1.4426950408889634 : vector<128x64xf32>
attn.kernel @natural attributes {k = #attn.tensor<bf16, 64>, out = #attn.tensor<bf16, 64>, q = #attn.tensor<bf16, 64>, softmax_scale = 0.125 : f64, v = #attn.tensor<bf16, 64>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = arith.sitofp %kv_idx : i32 to f32
  %1 = arith.addf %s, %0 : f32
  attn.yield %1 : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// (c) per_token_head e4m3 K and V: K's scale on the columns of S before the softmax, V's on the
// columns of P after row_sum (l sums the unscaled P); no uniform k or v scale. No mask: every
// tile is full (scf.if on true) and the loop covers [0, kv_len).
// Head dim 64: 128 x 64 tiles on 4 warps. With fp8 K and V the MMAs run on f16: bf16 q's rows
// enter f16 divided by powers of two, which the score multiplier takes back (`times`).
// CHECK-LABEL: tile.kernel @per_token
// CHECK-SAME:  config {arch = "sm_90a", block_m = 128 : i64, block_n = 64 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 4 : i64}
// CHECK:       %[[Q:.*]], %[[QF:.*]] = tile.load_q pending 1 : memref<128x64xf16, 3>, vector<128xf32>
// CHECK:       %[[RS:.*]] = tile.score_scale 0.1803368801111204{{[0-9]*}} q "none" k "none" times %[[QF]] : vector<128xf32>
// CHECK:       scf.for %[[N0:[^ ]*]] =
// CHECK:         %[[S0:.*]] = tile.mma_qk %[[Q]], %{{.*}} : memref<128x64xf16, 3>, memref<64x64xf16, 3> -> vector<128x64xf32>
// CHECK-NEXT:    %[[S1:.*]] = tile.scale_rows %[[S0]], %[[RS]] : vector<128x64xf32>, vector<128xf32>
// CHECK-NEXT:    %[[S2:.*]] = tile.scale_cols %[[S1]] by "k"[%[[N0]]] : vector<128x64xf32>
// CHECK:         %[[TRUE:.*]] = arith.constant true
// CHECK:         scf.if %[[TRUE]] -> (vector<128x64xf32>) {
// CHECK-NEXT:      tile.mask_tail %[[S2]][%[[N0]]]
// CHECK:         %[[P:.*]] = tile.exp2_sub
// CHECK-NEXT:    %{{.*}} = tile.row_sum %[[P]], %{{.*}}, %{{.*}} : vector<128x64xf32>, vector<128xf32>
// CHECK-NEXT:    %{{.*}} = tile.scale_rows
// CHECK-NEXT:    %[[PV:.*]] = tile.scale_cols %[[P]] by "v"[%[[N0]]] : vector<128x64xf32>
// CHECK-NEXT:    %{{.*}} = tile.wait "v"[%[[N0]]] pending 0 : memref<64x64xf16, 3>
// CHECK:         tile.mma_pv %[[PV]], %{{.*}}, %{{.*}} : vector<128x64xf32>, memref<64x64xf16, 3>, vector<128x64xf32> -> vector<128x64xf32>
// CHECK:       tile.store_out %{{.*}}, %{{.*}}, %{{.*}} v "none" : vector<128x64xf32>, vector<128xf32>
attn.kernel @per_token attributes {k = #attn.tensor<f8E4M3FN, 64, per_token_head>, out = #attn.tensor<bf16, 64>, q = #attn.tensor<bf16, 64>, softmax_scale = 1.250000e-01 : f64, v = #attn.tensor<f8E4M3FN, 64, per_token_head>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// (d) e4m3 q/k/v/out per_tensor with lse: q and k scales in the score multiplier (read at run
// time), the MMA runs on f16 tiles (fp8 q widens exactly: no row factors), v's scale and the
// output scale in the epilogue, then lse.
// CHECK-LABEL: tile.kernel @fp8_out_lse
// CHECK-SAME:  signature {k = #attn.tensor<f8E4M3FN, 128, per_tensor>, lse, out = #attn.tensor<f8E4M3FN, 128, per_tensor>
// CHECK:       tile.load_q pending 1 : memref<128x128xf16, 3>{{$}}
// CHECK:       tile.score_scale 0.1275174308245{{[0-9]*}} q "per_tensor" k "per_tensor" : vector<128xf32>
// CHECK:       %[[R:.*]]:3 = scf.for
// CHECK-NOT:     tile.scale_cols
// CHECK:         scf.yield %{{.*}}, %{{.*}}, %{{.*}} : vector<128xf32>, vector<128xf32>, vector<128x128xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  tile.store_out %[[R]]#2, %[[R]]#0, %[[R]]#1 v "per_tensor" {lse, out_scale} : vector<128x128xf32>, vector<128xf32>
// On wgmma, fp8 q and k keep their codes (memrefs of f8E4M3FN) for Q.K on fp8 tensor cores:
// neither is widened. With ping-pong, fp8 V is widened early: each thread converts its own
// landed copies of tile n + 1 between the softmax and P.V of tile n (and the first tile's after
// Q's load), so the wait at the tile's top only publishes it ({widened}).
// STAGE2-LABEL: tile.kernel @fp8_out_lse
// STAGE2-SAME:  pingpong = true
// STAGE2:       tile.start_q
// STAGE2-NEXT:  %[[HAS0:.*]] = arith.cmpi slt
// STAGE2-NEXT:  tile.load_async "k"[%[[LO:.*]]] if %[[HAS0]]
// STAGE2-NEXT:  tile.load_async "v"[%[[LO]]] if %[[HAS0]]
// STAGE2-NEXT:  %[[Q:.*]] = tile.load_q pending 2 : memref<128x128xf8E4M3FN, 3>
// STAGE2-NEXT:  tile.widen "v"[%[[LO]]] if %[[HAS0]]
// STAGE2:       scf.for %[[N0:[^ ]*]] =
// STAGE2:         %[[K:.*]] = tile.wait "k"[%[[N0]]] pending 1 : memref<128x128xf8E4M3FN, 3>
// STAGE2-NEXT:    tile.wait "v"[%[[N0]]] pending 0 {widened} : memref<128x128xf16, 3>
// STAGE2-NEXT:    tile.load_async "k"[%[[NEXT:.*]]] if %[[MORE:.*]]
// STAGE2-NEXT:    tile.load_async "v"[%[[NEXT]]] if %[[MORE]]
// STAGE2-NEXT:    tile.mma_qk %[[Q]], %[[K]] : memref<128x128xf8E4M3FN, 3>, memref<128x128xf8E4M3FN, 3>
// STAGE2-NOT:     tile.widen "k"
// STAGE2:         tile.widen "v"[%[[NEXT]]] if %[[MORE]]
// STAGE2-NEXT:    tile.mma_pv
attn.kernel @fp8_out_lse attributes {k = #attn.tensor<f8E4M3FN, 128, per_tensor>, lse, out = #attn.tensor<f8E4M3FN, 128, per_tensor>, q = #attn.tensor<f8E4M3FN, 128, per_tensor>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<f8E4M3FN, 128, per_tensor>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// (e) bf16 q over per_head e4m3 K: the multiplier of a row (constant, k's scale, the row's
// power of two) is not a constant but still enters the exponents: q's rows take the sign of
// k's scale (k_sign), the multiplier its magnitude (positive), and no scale_rows multiplies
// the scores before the maximum; the epilogue's maximum is scaled by it.
// CHECK-LABEL: tile.kernel @bf16q_fp8k
// CHECK:       %[[Q:.*]], %[[QF:.*]] = tile.load_q pending 1 {k_sign} : memref<128x128xf16, 3>, vector<128xf32>
// CHECK:       %[[C:.*]] = tile.score_scale 0.1275174308245{{[0-9]*}} q "none" k "per_head" times %[[QF]] {positive} : vector<128xf32>
// CHECK:       %[[R:.*]]:3 = scf.for
// CHECK:         %[[S0:.*]] = tile.mma_qk %[[Q]]
// CHECK-NOT:     tile.scale_rows %[[S0]]
// CHECK:         %[[MN:.*]] = tile.row_max
// CHECK-NEXT:    %{{.*}} = tile.exp2_diff %{{.*}}, %[[MN]] by %[[C]] : vector<128xf32>
// CHECK-NEXT:    %{{.*}} = tile.exp2_sub %{{.*}}, %[[MN]] by %[[C]] : vector<128x32xf32>, vector<128xf32>
// CHECK:       %[[MF:.*]] = tile.scale_rows %[[R]]#0, %[[C]] : vector<128xf32>, vector<128xf32>
// CHECK-NEXT:  tile.store_out %[[R]]#2, %[[MF]], %[[R]]#1 v "per_tensor"
// With bf16 q, fp8 K widens too (to f16), early like V under ping-pong.
// STAGE2-LABEL: tile.kernel @bf16q_fp8k
// STAGE2:       tile.load_q pending 2 {k_sign} : memref<128x128xf16, 3>, vector<128xf32>
// STAGE2-NEXT:  tile.widen "k"
// STAGE2-NEXT:  tile.widen "v"
// STAGE2:         tile.wait "k"[%[[N0:[a-z0-9_]+]]] pending 1 {widened} : memref<128x128xf16, 3>
// STAGE2-NEXT:    tile.wait "v"[%[[N0]]] pending 0 {widened} : memref<128x128xf16, 3>
// STAGE2:         tile.widen "k"[%[[NEXT:[a-z0-9_]+]]]
// STAGE2-NEXT:    tile.widen "v"[%[[NEXT]]]
// STAGE2-NEXT:    tile.mma_pv
attn.kernel @bf16q_fp8k attributes {k = #attn.tensor<f8E4M3FN, 128, per_head>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<f8E4M3FN, 128, per_tensor>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %c = arith.cmpi sge, %q_idx, %kv_idx : i32
  attn.yield %c : i1
}

//--- no-config.mlir
// (e) the conversion reads the config and the scale plan; it does not choose them.
// expected-error @+1 {{convert-attn-to-tile needs attn-fold-scales and attn-select-config to run first}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}
