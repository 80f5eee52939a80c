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
