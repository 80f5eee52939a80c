// Canonicalization and CSE of score/mask regions: constants fold, duplicates merge, x && x folds, dead reads go.
// RUN: attn-opt %s -canonicalize -cse -canonicalize | FileCheck %s

// CHECK-LABEL: attn.kernel @folds
// CHECK:      score {
// CHECK-NEXT: ^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-NEXT:   %[[X:.*]] = arith.mulf %s, %[[C]] : f32
// CHECK-NEXT:   %[[T:.*]] = math.tanh %[[X]] : f32
// CHECK-NEXT:   %[[R:.*]] = arith.addf %[[T]], %[[T]] : f32
// CHECK-NEXT:   attn.yield %[[R]] : f32
// CHECK:      mask {
// CHECK-NEXT: ^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
// CHECK-NEXT:   %[[M:.*]] = attn.causal %q_idx, %kv_idx
// CHECK-NEXT:   attn.yield %[[M]] : i1
attn.kernel @folds attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64, params = [#attn.param<"slopes", f32, [H]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  %half = arith.constant 0.5 : f32
  %c = arith.mulf %half, %half : f32
  %x = arith.mulf %s, %c : f32
  %t0 = math.tanh %x : f32
  %t1 = math.tanh %x : f32
  %unused = attn.param_read "slopes"[%h] : f32
  %r = arith.addf %t0, %t1 : f32
  attn.yield %r : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %true = arith.constant true
  %0 = attn.causal %q, %kv
  %1 = arith.andi %0, %true : i1
  %2 = attn.causal %q, %kv
  %3 = arith.andi %1, %2 : i1
  attn.yield %3 : i1
}
