// Every attn op and attribute prints and parses back to the same IR.
// RUN: attn-opt %s | attn-opt | FileCheck %s

// CHECK-LABEL: attn.kernel @everything
// CHECK-SAME: gqa = 4
// CHECK-SAME: k = #attn.tensor<f8E4M3FN, 96, per_head>
// CHECK-SAME: lse
// CHECK-SAME: out = #attn.tensor<f8E5M2, 64, per_tensor>
// CHECK-SAME: page_size = 16
// CHECK-SAME: params = [#attn.param<"slopes", f32, [H]>, #attn.param<"bias", bf16, [Hkv, 64]>, #attn.param<"doc", i32, [B, S]>]
// CHECK-SAME: q = #attn.tensor<bf16, 96>
// CHECK-SAME: ragged
// CHECK-SAME: softmax_scale = 1.250000e-01 : f64
// CHECK-SAME: v = #attn.tensor<f8E4M3FN, 64, per_token_head>
// CHECK:      score {
// CHECK-NEXT: ^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
// CHECK-NEXT:   %[[SL:.*]] = attn.param_read "slopes"[%h] : f32
// CHECK-NEXT:   %[[BI:.*]] = attn.param_read "bias"[%h, %kv_idx] : f32
// CHECK:      mask {
// CHECK-NEXT: ^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
// CHECK:        attn.causal %q_idx, %kv_idx
// CHECK:        attn.sliding_window %q_idx, %kv_idx window %{{.*}}
// CHECK:        attn.prefix_lm %q_idx, %kv_idx prefix %{{.*}}
// CHECK:        attn.chunked %q_idx, %kv_idx chunk %{{.*}}
// CHECK:        attn.param_read "doc"[%b, %q_idx] : i32
attn.kernel @everything attributes {
    q = #attn.tensor<bf16, 96>, k = #attn.tensor<f8E4M3FN, 96, per_head>,
    v = #attn.tensor<f8E4M3FN, 64, per_token_head>, out = #attn.tensor<f8E5M2, 64, per_tensor>,
    softmax_scale = 0.125 : f64, lse, gqa = 4, ragged, page_size = 16,
    params = [#attn.param<"slopes", f32, [H]>, #attn.param<"bias", bf16, [Hkv, 64]>,
              #attn.param<"doc", i32, [B, S]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  %0 = attn.param_read "slopes"[%h] : f32
  %1 = attn.param_read "bias"[%h, %kv] : f32
  %2 = arith.addf %s, %1 : f32
  %3 = arith.mulf %0, %2 : f32
  attn.yield %3 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %w = arith.constant 128 : i32
  %0 = attn.causal %q, %kv
  %1 = attn.sliding_window %q, %kv window %w
  %2 = attn.prefix_lm %q, %kv prefix %w
  %3 = attn.chunked %q, %kv chunk %w
  %d0 = attn.param_read "doc"[%b, %q] : i32
  %d1 = attn.param_read "doc"[%b, %kv] : i32
  %4 = arith.cmpi eq, %d0, %d1 : i32
  %5 = arith.andi %0, %1 : i1
  %6 = arith.ori %2, %3 : i1
  %7 = arith.andi %5, %6 : i1
  %8 = arith.andi %7, %4 : i1
  attn.yield %8 : i1
}

// The kv_bounds and tile_class regions (as attn-analyze-mask fills them) print after the mask,
// each only when present.
// CHECK-LABEL: attn.kernel @analyzed
// CHECK:      } kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK:        attn.yield %{{.*}}, %{{.*}} : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK:        attn.yield %{{.*}}, %{{.*}} : i1, i1
attn.kernel @analyzed attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %0 = attn.causal %q, %kv
  attn.yield %0 : i1
} kv_bounds {
^bb0(%b: i32, %qf: i32, %ql: i32, %n: i32):
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %hi = arith.addi %ql, %c1 : i32
  attn.yield %c0, %hi : i32, i32
} tile_class {
^bb0(%b: i32, %qf: i32, %ql: i32, %kf: i32, %kl: i32):
  %full = arith.cmpi sle, %kl, %qf : i32
  %empty = arith.cmpi slt, %ql, %kf : i32
  attn.yield %full, %empty : i1, i1
}

// Only tile_class present.
// CHECK-LABEL: attn.kernel @tile_class_only
// CHECK-NOT:  kv_bounds
// CHECK:      } tile_class {
attn.kernel @tile_class_only attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
} tile_class {
^bb0(%b: i32, %qf: i32, %ql: i32, %kf: i32, %kl: i32):
  %t = arith.constant true
  %f = arith.constant false
  attn.yield %t, %f : i1, i1
}
