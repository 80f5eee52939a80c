// The verifiers reject what the hardware path cannot run, naming the fix.
// RUN: attn-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'attn.kernel' op k: fp8 'q' (f8e4m3) needs fp8 'k', not bf16}}
attn.kernel @fp8_q_bf16_k attributes {q = #attn.tensor<f8E4M3FN, 128, per_tensor>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<f8E4M3FN, 128, per_tensor>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op q: head dim 100 of 'q' is not supported: head dims must be multiples of 8 from 8 to 256}}
attn.kernel @k_dim attributes {q = #attn.tensor<bf16, 100>, k = #attn.tensor<bf16, 100>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op k: 'k' is f8e5m2 and needs a dequantization scale}}
attn.kernel @missing_scale attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<f8E5M2, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op v: 'v' is bf16, not quantized, and takes no scale}}
attn.kernel @extra_scale attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128, per_head>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op q: element type 'f64' is not supported; use f32, f16, bf16, f8E4M3FN or f8E5M2}}
attn.kernel @f64 attributes {q = #attn.tensor<f64, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op the score region must take (s: f32, b, h, q_idx, kv_idx: i32), got 4 arguments}}
attn.kernel @score_args attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %c = arith.constant 0.0 : f32
  attn.yield %c : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

attn.kernel @mask_yield attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  // expected-error @+1 {{'attn.yield' op the mask region yields 'i1', got 'i32'}}
  attn.yield %q : i32
}

// -----

attn.kernel @unknown_param attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  // expected-error @+1 {{'attn.param_read' op reads param 'slopes', which the kernel does not declare; add it to 'params'}}
  %0 = attn.param_read "slopes"[%h] : f32
  attn.yield %0 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

attn.kernel @param_rank attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64, params = [#attn.param<"bias", f16, [H, 64]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  // expected-error @+1 {{'attn.param_read' op param 'bias' has 2 dimensions but is read with 1 indices}}
  %0 = attn.param_read "bias"[%h] : f32
  attn.yield %0 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

attn.kernel @param_type attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64, params = [#attn.param<"doc", i32, [S]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  // expected-error @+1 {{'attn.param_read' op param 'doc' of type 'i32' reads as 'i32', not 'f32'}}
  %0 = attn.param_read "doc"[%q] : f32
  attn.yield %0 : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{unknown scale granularity 'per_row': use per_tensor, per_head or per_token_head}}
attn.kernel @bad_scale attributes {q = #attn.tensor<bf16, 128, per_row>}

// -----

// expected-error @+1 {{'attn.kernel' op page_size: page size 48 is not supported: use a power of two from 1 to 1024}}
attn.kernel @page attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64, page_size = 48} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

attn.kernel @two_scores attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  // expected-error @+1 {{'attn.yield' op the score region yields 'f32', got ('f32', 'f32')}}
  attn.yield %s, %s : f32, f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
}

// -----

// expected-error @+1 {{'attn.kernel' op the kv_bounds region must take (b, q_first, q_last, kv_len: i32), got 3 arguments}}
attn.kernel @kv_bounds_args attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
} kv_bounds {
^bb0(%b: i32, %q_first: i32, %q_last: i32):
  attn.yield %q_first, %q_last : i32, i32
}

// -----

attn.kernel @kv_bounds_one attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
} kv_bounds {
^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
  // expected-error @+1 {{'attn.yield' op the kv_bounds region yields ('i32', 'i32'), got 'i32'}}
  attn.yield %kv_len : i32
}

// -----

// expected-error @+1 {{'attn.kernel' op the tile_class region must take (b, q_first, q_last, kv_first, kv_last: i32), got 5 arguments}}
attn.kernel @tile_class_args attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
} tile_class {
^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i64):
  %t = arith.constant true
  attn.yield %t, %t : i1, i1
}

// -----

attn.kernel @tile_class_types attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.1 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %t = arith.constant true
  attn.yield %t : i1
} tile_class {
^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
  // expected-error @+1 {{'attn.yield' op the tile_class region yields ('i1', 'i1'), got ('i32', 'i32')}}
  attn.yield %q_first, %q_last : i32, i32
}
