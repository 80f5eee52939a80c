// attn-select-config: the default tile config by arch and head dim (64, 128, 256): wgmma with
// two stages on sm_90a, mma.sync with one elsewhere; GQA head packing, option overrides, and
// the errors for configs or signatures the wgmma and mma.sync paths cannot build.
// RUN: split-file %s %t --leading-lines
// RUN: attn-opt %t/kernels.mlir -attn-select-config | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-opt %t/kernels.mlir -attn-select-config | attn-opt | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-opt %t/kernels.mlir -attn-select-config -attn-select-config | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-opt %t/kernels.mlir --attn-select-config="mma=mma.sync block-m=64 warps=2" | FileCheck %s --check-prefix=OVERRIDE
// RUN: attn-opt %t/kernels.mlir --attn-select-config="arch=sm_80 block-n=32" | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %t/gqa.mlir -attn-select-config | FileCheck %s --check-prefix=GQA
// RUN: attn-opt %t/gqa.mlir --attn-select-config="heads-per-tile=2" | FileCheck %s --check-prefix=HPT2
// RUN: attn-opt %t/block-m.mlir --attn-select-config="mma=mma.sync block-m=96" -verify-diagnostics
// RUN: attn-opt %t/wgmma.mlir --attn-select-config="block-m=64" -verify-diagnostics
// RUN: attn-opt %t/wgmma-d80.mlir --attn-select-config="mma=wgmma" -verify-diagnostics
// RUN: attn-opt %t/wgmma-sm80.mlir --attn-select-config="arch=sm_80 mma=wgmma" -verify-diagnostics
// RUN: attn-opt %t/wgmma-block-n.mlir --attn-select-config="block-n=48" -verify-diagnostics
// RUN: attn-opt %t/mma.mlir --attn-select-config="mma=tcgen05" -verify-diagnostics
// RUN: attn-opt %t/stages.mlir --attn-select-config="stages=5" -verify-diagnostics
// RUN: attn-opt %t/pingpong.mlir --attn-select-config="mma=mma.sync pingpong=on" -verify-diagnostics
// RUN: attn-opt %t/gqa.mlir --attn-select-config="pingpong=off" | FileCheck %s --check-prefix=NOPP
// RUN: attn-opt %t/d80.mlir -attn-select-config | FileCheck %s --check-prefix=D80
// RUN: attn-opt %t/heads-per-tile.mlir --attn-select-config="heads-per-tile=8" -split-input-file -verify-diagnostics
// RUN: attn-opt %t/arch.mlir --attn-select-config="arch=sm_70" -verify-diagnostics
// RUN: attn-opt %t/f32.mlir -attn-select-config -verify-diagnostics
// RUN: attn-opt %t/fp8-sm80.mlir --attn-select-config="arch=sm_80" -split-input-file -verify-diagnostics
// RUN: attn-opt %t/fp8-sm80.mlir --attn-select-config="arch=sm_89" | FileCheck %s --check-prefix=FP8-SM89
// RUN: attn-opt %t/gqa.mlir --attn-select-config="mma=mma.sync warp-split=on block-m=16 block-n=64 stages=2" | FileCheck %s --check-prefix=SPLIT
// RUN: attn-opt %t/split-wgmma.mlir --attn-select-config="warp-split=on" -verify-diagnostics
// RUN: attn-opt %t/split-block-n.mlir --attn-select-config="mma=mma.sync warp-split=on block-m=16 block-n=128" -verify-diagnostics
// RUN: attn-opt %t/split-fp8-d.mlir --attn-select-config="mma=mma.sync warp-split=on block-m=16 block-n=64" -verify-diagnostics
// RUN: attn-opt %t/split-rows8.mlir --attn-select-config="mma=mma.sync warp-split=on block-m=8 block-n=64" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=ROWS8

//--- kernels.mlir
// Head dim 64: wgmma 128 x 128 tiles on 8 warps, two stages, no ping-pong (the MMAs are too
// short for the softmax to hide under); mma.sync 128 x 64 on 4 warps.
// DEFAULT-LABEL: attn.kernel @d64 attributes
// DEFAULT-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 1 : i64, mma = "wgmma", pingpong = false, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// OVERRIDE-LABEL: attn.kernel @d64 attributes
// OVERRIDE-SAME:  config = {arch = "sm_90a", block_m = 64 : i64, block_n = 64 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 2 : i64}
// SM80-LABEL:    attn.kernel @d64 attributes
// SM80-SAME:     config = {arch = "sm_80", block_m = 128 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 4 : i64}
attn.kernel @d64 attributes {k = #attn.tensor<bf16, 64>, out = #attn.tensor<bf16, 64>, q = #attn.tensor<bf16, 64>, softmax_scale = 1.250000e-01 : f64, v = #attn.tensor<bf16, 64>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// q head dim 64, v head dim 128: wgmma 128 x 128 without ping-pong (the smaller head dim
// decides that); mma.sync 128 x 32 on 4 warps (the larger decides the tiles).
// DEFAULT-LABEL: attn.kernel @d128 attributes
// DEFAULT-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 1 : i64, mma = "wgmma", pingpong = false, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// OVERRIDE-LABEL: attn.kernel @d128 attributes
// OVERRIDE-SAME:  config = {arch = "sm_90a", block_m = 64 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 2 : i64}
attn.kernel @d128 attributes {k = #attn.tensor<bf16, 64>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 64>, softmax_scale = 1.250000e-01 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// Head dim 256: wgmma 128 x 64 (O takes 128 registers) with ping-pong; mma.sync 64 x 32 on 4
// warps.
// DEFAULT-LABEL: attn.kernel @d256 attributes
// DEFAULT-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 64 : i64, heads_per_tile = 1 : i64, mma = "wgmma", pingpong = true, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// OVERRIDE-LABEL: attn.kernel @d256 attributes
// OVERRIDE-SAME:  config = {arch = "sm_90a", block_m = 64 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 2 : i64}
attn.kernel @d256 attributes {k = #attn.tensor<f16, 256>, out = #attn.tensor<f16, 256>, q = #attn.tensor<f16, 256>, softmax_scale = 6.250000e-02 : f64, v = #attn.tensor<f16, 256>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

//--- gqa.mlir
// gqa = 4: the group's 4 query heads share one CTA (and each K/V tile).
// GQA-LABEL: attn.kernel @gqa4 attributes
// GQA-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 4 : i64, mma = "wgmma", pingpong = true, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// NOPP-LABEL:    attn.kernel @gqa4 attributes
// NOPP-SAME:     mma = "wgmma", pingpong = false, stages = 2 : i64, warp_split = false
// HPT2-LABEL:    attn.kernel @gqa4 attributes
// HPT2-SAME:     config = {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 2 : i64, mma = "wgmma", pingpong = true, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// Warp split (the warps split each K/V tile's keys): 16 rows, the group's 4 heads x 4
// positions, 64-key tiles, 16 keys a warp.
// SPLIT-LABEL: attn.kernel @gqa4 attributes
// SPLIT-SAME:  config = {arch = "sm_90a", block_m = 16 : i64, block_n = 64 : i64, heads_per_tile = 4 : i64, mma = "mma.sync", pingpong = false, stages = 2 : i64, warp_split = true, warps = 4 : i64}
attn.kernel @gqa4 attributes {gqa = 4 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// gqa = 8, the largest ratio that is packed: all 8 heads share one CTA.
// GQA-LABEL: attn.kernel @gqa8 attributes
// GQA-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 128 : i64, heads_per_tile = 8 : i64, mma = "wgmma", pingpong = true, stages = 2 : i64, warp_split = false, warps = 8 : i64}
// HPT2-LABEL:    attn.kernel @gqa8 attributes
// HPT2-SAME:     heads_per_tile = 2 : i64
attn.kernel @gqa8 attributes {gqa = 8 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// gqa = 16 is more than 8: no packing.
// GQA-LABEL: attn.kernel @gqa16 attributes
// GQA-SAME:  heads_per_tile = 1 : i64
// HPT2-LABEL:    attn.kernel @gqa16 attributes
// HPT2-SAME:     heads_per_tile = 2 : i64
attn.kernel @gqa16 attributes {gqa = 16 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- block-m.mlir
// 96 rows on the default 4 warps: each warp needs a whole 16-row MMA tile (96 is not a multiple of 64).
// expected-error @+1 {{cannot build this kernel: block_m = 96 must be a positive multiple of 16 * warps = 64}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- wgmma.mlir
// A warpgroup is 4 warps of 16 rows each: 64 rows on the default 8 warps do not fit.
// expected-error @+1 {{cannot build this kernel: block_m = 64 with 8 warps: wgmma needs whole warpgroups (warps a multiple of 4) and block_m = 16 * warps}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- wgmma-d80.mlir
// wgmma reads 128-byte swizzled rows: head dim 80 cannot take it.
// expected-error @+1 {{cannot build this kernel: head dims 80 and 80: wgmma needs multiples of 64 (128-byte swizzled rows); use mma = mma.sync}}
attn.kernel @d80 attributes {k = #attn.tensor<bf16, 80>, out = #attn.tensor<bf16, 80>, q = #attn.tensor<bf16, 80>, softmax_scale = 0.1 : f64, v = #attn.tensor<bf16, 80>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- wgmma-sm80.mlir
// expected-error @+1 {{cannot build this kernel: mma = wgmma needs sm_90a, not sm_80: use mma = mma.sync}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- wgmma-block-n.mlir
// expected-error @+1 {{cannot build this kernel: block_n = 48: wgmma needs a multiple of 32}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- mma.mlir
// expected-error @+1 {{cannot build this kernel: mma = 'tcgen05': use wgmma or mma.sync}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- stages.mlir
// expected-error @+1 {{cannot build this kernel: stages = 5: use 1 to 4 K/V tile buffers}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- pingpong.mlir
// expected-error @+1 {{cannot build this kernel: pingpong needs two warpgroups taking turns: mma = wgmma, warps = 8 and stages >= 2}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- d80.mlir
// Head dim 80 on sm_90a: not a multiple of 64, so mma.sync (128 x 32 on 4 warps).
// D80-LABEL: attn.kernel @d80 attributes
// D80-SAME:  config = {arch = "sm_90a", block_m = 128 : i64, block_n = 32 : i64, heads_per_tile = 1 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 4 : i64}
attn.kernel @d80 attributes {k = #attn.tensor<bf16, 80>, out = #attn.tensor<bf16, 80>, q = #attn.tensor<bf16, 80>, softmax_scale = 0.1 : f64, v = #attn.tensor<bf16, 80>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- heads-per-tile.mlir
// expected-error @+1 {{cannot build this kernel: heads_per_tile = 8 must divide the spec's gqa ratio 4}}
attn.kernel @gqa4 attributes {gqa = 4 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// -----

// expected-error @+1 {{cannot build this kernel: heads_per_tile = 8 must divide the spec's gqa ratio (the spec fixes none)}}
attn.kernel @no_gqa attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- arch.mlir
// expected-error @+1 {{cannot build this kernel: arch 'sm_70' is not supported: use sm_80, sm_86, sm_89, sm_90, sm_90a, sm_100a or sm_120}}
attn.kernel @causal attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- f32.mlir
// expected-error @+1 {{cannot build this kernel: f32 q/k/v have no tensor-core path yet: store q, k and v as bf16, f16 or fp8}}
attn.kernel @f32 attributes {k = #attn.tensor<f32, 64>, out = #attn.tensor<f32, 64>, q = #attn.tensor<f32, 64>, softmax_scale = 1.250000e-01 : f64, v = #attn.tensor<f32, 64>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- fp8-sm80.mlir
// FP8 K/V (and an FP8 output alone) need sm_89's conversion instructions.
// FP8-SM89-LABEL: attn.kernel @fp8_kv attributes
// FP8-SM89-SAME:  config = {arch = "sm_89", block_m = 128 : i64, block_n = 32 : i64, heads_per_tile = 4 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = false, warps = 4 : i64}
// expected-error @+1 {{cannot build this kernel: fp8 tensors need sm_89 or newer, not sm_80}}
attn.kernel @fp8_kv attributes {gqa = 4 : i64, k = #attn.tensor<f8E4M3FN, 128, per_head>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<f8E4M3FN, 128, per_tensor>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// -----

// FP8-SM89-LABEL: attn.kernel @fp8_out attributes
// FP8-SM89-SAME:  arch = "sm_89"
// expected-error @+1 {{cannot build this kernel: fp8 tensors need sm_89 or newer, not sm_80}}
attn.kernel @fp8_out attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<f8E4M3FN, 128, per_tensor>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %t = arith.constant true
  attn.yield %t : i1
}


//--- split-wgmma.mlir
// Warp split are an mma.sync distribution (wgmma tiles are a warpgroup's).
// expected-error @+1 {{cannot build this kernel: warp_split needs mma = mma.sync, without pingpong}}
attn.kernel @split_wgmma attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- split-block-n.mlir
// 128 keys = v's head dim: the library tells score tiles from accumulators by their width.
// expected-error @+1 {{cannot build this kernel: block_n = 128: warp_split needs a multiple of 16 * warps = 64 (16 keys a warp at least) other than the padded v head dim 128}}
attn.kernel @split_block_n attributes {k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- split-fp8-d.mlir
// fp8 codes are read 32 bytes at a time.
// expected-error @+1 {{cannot build this kernel: head dims 80 and 80: warp_split reads fp8 K and V in 32-byte steps; use multiples of 32}}
attn.kernel @split_fp8_d attributes {k = #attn.tensor<f8E4M3FN, 80, per_tensor>, out = #attn.tensor<bf16, 80>, q = #attn.tensor<bf16, 80>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<f8E4M3FN, 80, per_tensor>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

//--- split-rows8.mlir
// 8 rows put the keys on the MMAs' rows, which the fp8 K and V paths read from their codes;
// bf16 K and V have no such path.
// ROWS8-LABEL: attn.kernel @split_rows8_fp8 attributes
// ROWS8-SAME:  config = {arch = "sm_90a", block_m = 8 : i64, block_n = 64 : i64, heads_per_tile = 4 : i64, mma = "mma.sync", pingpong = false, stages = 1 : i64, warp_split = true, warps = 4 : i64}
attn.kernel @split_rows8_fp8 attributes {gqa = 4 : i64, k = #attn.tensor<f8E4M3FN, 128, per_tensor>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<f8E4M3FN, 128, per_tensor>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}

// -----

// expected-error @+1 {{cannot build this kernel: block_m = 8: warp_split needs a positive multiple of 16, or 8 with fp8 k and v (keys on the MMA's rows)}}
attn.kernel @split_rows8_bf16 attributes {gqa = 4 : i64, k = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, q = #attn.tensor<bf16, 128>, softmax_scale = 0.088388347648318433 : f64, v = #attn.tensor<bf16, 128>} score {
^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
  %0 = attn.causal %q_idx, %kv_idx
  attn.yield %0 : i1
}
