// attn-fold-scales: one score multiplier (log2 e folded in when the score is the identity, a
// constant factor of the score's argument too, log2 e into a final constant multiplication),
// per_tensor/per_head q and k scales folded into it, per_token_head scales on S rows, S columns
// and P columns, v and fp8-output scales in the epilogue.
// RUN: attn-opt %s -attn-fold-scales | FileCheck %s
// RUN: attn-opt %s -attn-fold-scales | attn-opt | FileCheck %s
// A second run keeps the plan (the folds rewrote the score region; folding again would apply
// log2 e twice).
// RUN: attn-opt %s -attn-fold-scales -attn-fold-scales | FileCheck %s

// bf16 q with e4m3 k (per_head) and v (per_tensor), identity score: base 2,
// multiplier = 0.125 * log2(e).
// CHECK-LABEL: attn.kernel @bf16q_fp8kv
// CHECK-SAME: scales = #attn.scales<multiplier = 0.18033688011112042 : f64, exp2 = true, score = ["k"], rows = [], columns = [], p_columns = [], epilogue = ["v"]>
attn.kernel @bf16q_fp8kv attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<f8E4M3FN, 128, per_head>, v = #attn.tensor<f8E4M3FN, 128, per_tensor>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %0 = attn.causal %q, %kv
  attn.yield %0 : i1
}

// FP8 q, k, v per_tensor (vLLM: score_scale = scale * q_scale * k_scale, acc *= v_scale) with a
// soft-cap 30 tanh(s / 30): 1/30 folds into the multiplier (0.125 / 30) and log2 e into the final
// multiplication (30 log2 e = 43.28...), which the region now holds; exp2: the scores reach
// the softmax in base 2.
// CHECK-LABEL: attn.kernel @fp8_softcap
// CHECK-SAME: scales = #attn.scales<multiplier = 0.0041666666666666{{[0-9]*}} : f64, exp2 = true, score = ["q", "k"], rows = [], columns = [], p_columns = [], epilogue = ["v"]>
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32,
// CHECK-NEXT:   %[[T:.*]] = math.tanh %[[S]] : f32
// CHECK-NEXT:   %[[C:.*]] = arith.constant 43.28084{{[0-9]*}} : f32
// CHECK-NEXT:   %[[Y:.*]] = arith.mulf %[[T]], %[[C]] : f32
// CHECK-NEXT:   attn.yield %[[Y]] : f32
attn.kernel @fp8_softcap attributes {q = #attn.tensor<f8E4M3FN, 128, per_tensor>, k = #attn.tensor<f8E4M3FN, 128, per_tensor>, v = #attn.tensor<f8E4M3FN, 128, per_tensor>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  %cap = arith.constant 30.0 : f32
  %0 = arith.divf %s, %cap : f32
  %1 = math.tanh %0 : f32
  %2 = arith.mulf %cap, %1 : f32
  attn.yield %2 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// Nothing to fold: s has two uses and the result is a sum, so the score keeps natural units
// (exp2 = false) and the region is unchanged.
// CHECK-LABEL: attn.kernel @natural
// CHECK-SAME: scales = #attn.scales<multiplier = 1.250000e-01 : f64, exp2 = false
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32,
// CHECK-NEXT:   %[[C:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:   %[[D:.*]] = arith.divf %[[S]], %[[C]] : f32
// CHECK-NEXT:   %[[Y:.*]] = arith.addf %[[S]], %[[D]] : f32
// CHECK-NEXT:   attn.yield %[[Y]] : f32
attn.kernel @natural attributes {q = #attn.tensor<bf16, 64>, k = #attn.tensor<bf16, 64>, v = #attn.tensor<bf16, 64>, out = #attn.tensor<bf16, 64>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  %c = arith.constant 2.0 : f32
  %0 = arith.divf %s, %c : f32
  %1 = arith.addf %s, %0 : f32
  attn.yield %1 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// Per-token-head scales everywhere and an fp8 output: S rows (q), S columns (k), P columns (v),
// and the output scale in the epilogue.
// CHECK-LABEL: attn.kernel @per_token
// CHECK-SAME: scales = #attn.scales<multiplier = 0.12751743082459{{[0-9]*}} : f64, exp2 = true, score = [], rows = ["q"], columns = ["k"], p_columns = ["v"], epilogue = ["out"]>
attn.kernel @per_token attributes {q = #attn.tensor<f8E5M2, 64, per_token_head>, k = #attn.tensor<f8E4M3FN, 64, per_token_head>, v = #attn.tensor<f8E4M3FN, 64, per_token_head>, out = #attn.tensor<f8E4M3FN, 64, per_tensor>, softmax_scale = 0.088388347648318433 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// Nothing quantized: only the softmax scale, in base 2.
// CHECK-LABEL: attn.kernel @bf16
// CHECK-SAME: scales = #attn.scales<multiplier = 0.12751743082459{{[0-9]*}} : f64, exp2 = true, score = [], rows = [], columns = [], p_columns = [], epilogue = []>
attn.kernel @bf16 attributes {q = #attn.tensor<bf16, 64>, k = #attn.tensor<bf16, 64>, v = #attn.tensor<bf16, 64>, out = #attn.tensor<bf16, 64>, softmax_scale = 0.088388347648318433 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}
