// attn-analyze-mask: kv_bounds (the KV loop bounds of a query tile) and tile_class (full, empty)
// derived from the mask: closed forms for the built-ins and linear comparisons, their && / || / !
// combinations, uniform sizes read from params, and nothing dense for data-dependent masks.
// RUN: attn-opt %s -attn-analyze-mask | FileCheck %s
// RUN: attn-opt %s -attn-analyze-mask | attn-opt | FileCheck %s
// RUN: attn-opt %s -attn-analyze-mask -attn-analyze-mask | FileCheck %s

// causal: keys [0, q_last + 1); full below the diagonal, empty above it.
// CHECK-LABEL: attn.kernel @causal
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.addi %q_last, %[[C1]] : i32
// CHECK-NEXT:   attn.yield %[[C0]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[FULL:.*]] = arith.cmpi sle, %kv_last, %q_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
// CHECK-NEXT: }
attn.kernel @causal attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %0 = attn.causal %q, %kv
  attn.yield %0 : i1
}

// sliding_window(64), |q - kv| < 64: keys [q_first - 63, q_last + 64); full when every
// |q - kv| <= 63, empty when the tile lies 64 or more off the diagonal on either side.
// CHECK-LABEL: attn.kernel @window
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C63:.*]] = arith.constant 63 : i32
// CHECK-NEXT:   %[[LO:.*]] = arith.subi %q_first, %[[C63]] : i32
// CHECK-NEXT:   %[[C64:.*]] = arith.constant 64 : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.addi %q_last, %[[C64]] : i32
// CHECK-NEXT:   attn.yield %[[LO]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[C63:.*]] = arith.constant 63 : i32
// CHECK-NEXT:   %[[A:.*]] = arith.addi %q_first, %[[C63]] : i32
// CHECK-NEXT:   %[[F1:.*]] = arith.cmpi sle, %kv_last, %[[A]] : i32
// CHECK-NEXT:   %[[B:.*]] = arith.addi %kv_first, %[[C63]] : i32
// CHECK-NEXT:   %[[F2:.*]] = arith.cmpi sle, %q_last, %[[B]] : i32
// CHECK-NEXT:   %[[FULL:.*]] = arith.andi %[[F2]], %[[F1]] : i1
// CHECK-NEXT:   %[[C:.*]] = arith.addi %q_last, %[[C63]] : i32
// CHECK-NEXT:   %[[D:.*]] = arith.addi %kv_last, %[[C63]] : i32
// CHECK-NEXT:   %[[E1:.*]] = arith.cmpi slt, %[[D]], %q_first : i32
// CHECK-NEXT:   %[[E2:.*]] = arith.cmpi slt, %[[C]], %kv_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.ori %[[E2]], %[[E1]] : i1
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
attn.kernel @window attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %w = arith.constant 64 : i32
  %0 = attn.sliding_window %q, %kv window %w
  attn.yield %0 : i1
}

// causal && sliding_window(64): the bounds intersect, [q_first - 63, q_last + 1).
// CHECK-LABEL: attn.kernel @causal_window
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C63:.*]] = arith.constant 63 : i32
// CHECK-NEXT:   %[[LO:.*]] = arith.subi %q_first, %[[C63]] : i32
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.addi %q_last, %[[C1]] : i32
// CHECK-NEXT:   attn.yield %[[LO]], %[[HI]] : i32, i32
// CHECK:      tile_class {
// CHECK:        %[[E1:.*]] = arith.cmpi slt, %{{.*}}, %q_first : i32
// CHECK-NEXT:   %[[E2:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.ori %[[E2]], %[[E1]] : i1
// CHECK-NEXT:   attn.yield %{{.*}}, %[[EMPTY]] : i1, i1
attn.kernel @causal_window attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %w = arith.constant 64 : i32
  %0 = attn.causal %q, %kv
  %1 = attn.sliding_window %q, %kv window %w
  %2 = arith.andi %0, %1 : i1
  attn.yield %2 : i1
}

// prefix_lm(prefix[b]), kv < P || q >= kv: the read is cloned into both regions; keys
// [0, max(P, q_last + 1)); full when every key is in the prefix or below the diagonal.
// CHECK-LABEL: attn.kernel @prefix_lm
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[P:.*]] = attn.param_read "prefix"[%b] : i32
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[D:.*]] = arith.addi %q_last, %[[C1]] : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.maxsi %[[P]], %[[D]] : i32
// CHECK-NEXT:   attn.yield %[[C0]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[BELOW:.*]] = arith.cmpi sle, %kv_last, %q_first : i32
// CHECK-NEXT:   %[[P:.*]] = attn.param_read "prefix"[%b] : i32
// CHECK-NEXT:   %[[IN:.*]] = arith.cmpi slt, %kv_last, %[[P]] : i32
// CHECK-NEXT:   %[[FULL:.*]] = arith.ori %[[IN]], %[[BELOW]] : i1
// CHECK-NEXT:   %[[ABOVE:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   %[[OUT:.*]] = arith.cmpi sle, %[[P]], %kv_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.andi %[[OUT]], %[[ABOVE]] : i1
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
attn.kernel @prefix_lm attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64, params = [#attn.param<"prefix", i32, [B]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %p = attn.param_read "prefix"[%b] : i32
  %0 = attn.prefix_lm %q, %kv prefix %p
  attn.yield %0 : i1
}

// chunked(128), q / 128 == kv / 128: keys [(q_first / 128) * 128, (q_last / 128 + 1) * 128);
// full when the tile lies in one chunk, empty when its q and kv chunks are disjoint.
// CHECK-LABEL: attn.kernel @chunked
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 128 : i32
// CHECK-NEXT:   %[[QF:.*]] = arith.divsi %q_first, %[[C]] : i32
// CHECK-NEXT:   %[[QL:.*]] = arith.divsi %q_last, %[[C]] : i32
// CHECK-NEXT:   %[[LO:.*]] = arith.muli %[[QF]], %[[C]] : i32
// CHECK-NEXT:   %[[S:.*]] = arith.muli %[[QL]], %[[C]] : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.addi %[[S]], %[[C]] : i32
// CHECK-NEXT:   attn.yield %[[LO]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 128 : i32
// CHECK-NEXT:   %[[QF:.*]] = arith.divsi %q_first, %[[C]] : i32
// CHECK-NEXT:   %[[QL:.*]] = arith.divsi %q_last, %[[C]] : i32
// CHECK-NEXT:   %[[KF:.*]] = arith.divsi %kv_first, %[[C]] : i32
// CHECK-NEXT:   %[[KL:.*]] = arith.divsi %kv_last, %[[C]] : i32
// CHECK-NEXT:   %[[S1:.*]] = arith.cmpi eq, %[[QL]], %[[KF]] : i32
// CHECK-NEXT:   %[[S2:.*]] = arith.cmpi eq, %[[QF]], %[[KL]] : i32
// CHECK-NEXT:   %[[FULL:.*]] = arith.andi %[[S2]], %[[S1]] : i1
// CHECK:        attn.yield %[[FULL]], %{{.*}} : i1, i1
attn.kernel @chunked attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %c = arith.constant 128 : i32
  %0 = attn.chunked %q, %kv chunk %c
  attn.yield %0 : i1
}

// A hand-written linear mask, q_idx - kv_idx < 128: a lower bound only.
// CHECK-LABEL: attn.kernel @linear
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 127 : i32
// CHECK-NEXT:   %[[LO:.*]] = arith.subi %q_first, %[[C]] : i32
// CHECK-NEXT:   attn.yield %[[LO]], %kv_len : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 127 : i32
// CHECK-NEXT:   %[[A:.*]] = arith.addi %kv_first, %[[C]] : i32
// CHECK-NEXT:   %[[FULL:.*]] = arith.cmpi sle, %q_last, %[[A]] : i32
// CHECK-NEXT:   %[[B:.*]] = arith.addi %kv_last, %[[C]] : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpi slt, %[[B]], %q_first : i32
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
attn.kernel @linear attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %c128 = arith.constant 128 : i32
  %0 = arith.subi %q, %kv : i32
  %1 = arith.cmpi slt, %0, %c128 : i32
  attn.yield %1 : i1
}

// A document mask: doc[q_idx] == doc[kv_idx] may be true anywhere, so only causal bounds the
// tiles, and no tile is ever full (no param is read, nothing is materialized densely).
// CHECK-LABEL: attn.kernel @document
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.addi %q_last, %[[C1]] : i32
// CHECK-NEXT:   attn.yield %[[C0]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[FALSE:.*]] = arith.constant false
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   attn.yield %[[FALSE]], %[[EMPTY]] : i1, i1
attn.kernel @document attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64, params = [#attn.param<"doc", i32, [S]>]} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %0 = attn.causal %q, %kv
  %d0 = attn.param_read "doc"[%q] : i32
  %d1 = attn.param_read "doc"[%kv] : i32
  %1 = arith.cmpi eq, %d0, %d1 : i32
  %2 = arith.andi %0, %1 : i1
  attn.yield %2 : i1
}

// ||: four attention-sink keys or causal. The bounds are the hull, [0, max(4, q_last + 1));
// full if either is, empty if both are.
// CHECK-LABEL: attn.kernel @sink_or_causal
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[D:.*]] = arith.addi %q_last, %[[C1]] : i32
// CHECK-NEXT:   %[[C4:.*]] = arith.constant 4 : i32
// CHECK-NEXT:   %[[HI:.*]] = arith.maxsi %[[C4]], %[[D]] : i32
// CHECK-NEXT:   attn.yield %[[C0]], %[[HI]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[BELOW:.*]] = arith.cmpi sle, %kv_last, %q_first : i32
// CHECK-NEXT:   %[[C3:.*]] = arith.constant 3 : i32
// CHECK-NEXT:   %[[SINK:.*]] = arith.cmpi sle, %kv_last, %[[C3]] : i32
// CHECK-NEXT:   %[[FULL:.*]] = arith.ori %[[SINK]], %[[BELOW]] : i1
// CHECK-NEXT:   %[[ABOVE:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   %[[PAST:.*]] = arith.cmpi slt, %[[C3]], %kv_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.andi %[[PAST]], %[[ABOVE]] : i1
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
attn.kernel @sink_or_causal attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %c4 = arith.constant 4 : i32
  %0 = attn.causal %q, %kv
  %1 = arith.cmpi slt, %kv, %c4 : i32
  %2 = arith.ori %1, %0 : i1
  attn.yield %2 : i1
}

// !causal (xor with true), kv > q: keys [q_first + 1, kv_len); full and empty swap.
// CHECK-LABEL: attn.kernel @not_causal
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT:   %[[LO:.*]] = arith.addi %q_first, %[[C1]] : i32
// CHECK-NEXT:   attn.yield %[[LO]], %kv_len : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[FULL:.*]] = arith.cmpi slt, %q_last, %kv_first : i32
// CHECK-NEXT:   %[[EMPTY:.*]] = arith.cmpi sle, %kv_last, %q_first : i32
// CHECK-NEXT:   attn.yield %[[FULL]], %[[EMPTY]] : i1, i1
attn.kernel @not_causal attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %true = arith.constant true
  %0 = attn.causal %q, %kv
  %1 = arith.xori %0, %true : i1
  attn.yield %1 : i1
}

// No mask: every key, every tile full.
// CHECK-LABEL: attn.kernel @everything
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   attn.yield %[[C0]], %kv_len : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[T:.*]] = arith.constant true
// CHECK-NEXT:   %[[F:.*]] = arith.constant false
// CHECK-NEXT:   attn.yield %[[T]], %[[F]] : i1, i1
attn.kernel @everything attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %true = arith.constant true
  attn.yield %true : i1
}

// A mask false everywhere: no keys, every tile empty.
// CHECK-LABEL: attn.kernel @nothing
// CHECK:      kv_bounds {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
// CHECK-NEXT:   %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT:   attn.yield %[[C0]], %[[C0]] : i32, i32
// CHECK-NEXT: } tile_class {
// CHECK-NEXT: ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
// CHECK-NEXT:   %[[F:.*]] = arith.constant false
// CHECK-NEXT:   %[[T:.*]] = arith.constant true
// CHECK-NEXT:   attn.yield %[[F]], %[[T]] : i1, i1
attn.kernel @nothing attributes {q = #attn.tensor<bf16, 128>, k = #attn.tensor<bf16, 128>, v = #attn.tensor<bf16, 128>, out = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64} score {
^bb0(%s: f32, %b: i32, %h: i32, %q: i32, %kv: i32):
  attn.yield %s : f32
} mask {
^bb0(%b: i32, %h: i32, %q: i32, %kv: i32):
  %c2 = arith.constant 2 : i32
  %0 = attn.causal %q, %kv
  %1 = arith.subi %kv, %q : i32
  %2 = arith.cmpi sge, %1, %c2 : i32
  %3 = arith.andi %0, %2 : i1
  attn.yield %3 : i1
}
