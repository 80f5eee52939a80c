//===- Passes.td - Passes on the attn dialect -------------*- tablegen -*-===//
#ifndef ATTN_TRANSFORMS_PASSES_TD
#define ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnFoldScales : Pass<"attn-fold-scales", "::mlir::ModuleOp"> {
  let summary = "Decide where each dequantization scale and the softmax scale are applied";
  let description = [{
    Annotates every attn.kernel with `scales = #attn.scales<...>`: one score multiplier
    (softmax_scale, and log2(e) when the score region is the identity so the softmax runs in
    base 2), the run-time scales folded into it (per_tensor and per_head q and k: vLLM's
    score_scale = scale * q_scale * k_scale), per_token_head scales on S rows (q), S columns
    (k) and P columns (v), and the v and fp8-output scales in the epilogue
    (acc *= v_scale). The loads then convert fp8 without multiplying, and an fp8 q·k runs on
    fp8 tensor cores.

    Before:
      attn.kernel @k attributes {k = #attn.tensor<f8E4M3FN, 128, per_head>,
        q = #attn.tensor<bf16, 128>, softmax_scale = 0.125 : f64,
        v = #attn.tensor<f8E4M3FN, 128, per_tensor>, ...} score { ... attn.yield %s : f32 } ...
    After:
      attn.kernel @k attributes {..., scales = #attn.scales<multiplier = 0.18033688011112042,
        exp2 = true, score = ["k"], rows = [], columns = [], p_columns = [],
        epilogue = ["v"]>, ...} ...
  }];
}

#endif // ATTN_TRANSFORMS_PASSES_TD
