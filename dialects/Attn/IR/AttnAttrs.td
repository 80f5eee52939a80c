//===- AttnAttrs.td - Attributes of the attn dialect ------*- tablegen -*-===//
#ifndef ATTN_ATTRS_TD
#define ATTN_ATTRS_TD

include "AttnBase.td"

def Attn_TensorAttr : Attn_Attr<"Tensor", "tensor"> {
  let summary = "dtype, head dim and dequantization scale of q, k, v or out";
  let description = [{
    `#attn.tensor<bf16, 128>` is a bf16 tensor with head dim 128;
    `#attn.tensor<f8E4M3FN, 128, per_head>` an e4m3 tensor dequantized by a float32 scale
    per (batch, head). The scale granularity is one of `per_tensor`, `per_head`,
    `per_token_head`, or absent for tensors that are not quantized.
  }];
  let parameters = (ins "::mlir::Type":$elementType, "int64_t":$headDim,
                        "::attn::ScaleKind":$scale);
  let hasCustomAssemblyFormat = 1;
}

def Attn_ParamAttr : Attn_Attr<"Param", "param"> {
  let summary = "a parameter tensor read inside score/mask";
  let description = [{
    `#attn.param<"slopes", f32, [H]>`: a float32 tensor with one value per query head.
    Dimensions are `B` (batch), `H` (query heads), `Hkv` (KV heads), `S` (sequence positions)
    or a fixed positive extent.
  }];
  let parameters = (ins StringRefParameter<>:$name, "::mlir::Type":$elementType,
                        ArrayRefParameter<"::attn::ParamDim">:$dims);
  let hasCustomAssemblyFormat = 1;
}

def Attn_ScalePlanAttr : Attn_Attr<"ScalePlan", "scales"> {
  let summary = "where each dequantization scale is applied (attn-fold-scales)";
  let description = [{
    `multiplier` is the compile-time part of the score scale: softmax_scale, times a constant
    factor taken out of the score function's argument (`s / c`), times log2(e) when the score
    region is the identity. `exp2` says the scores reach the softmax in base 2 with no extra
    multiply: log2(e) is in the multiplier (identity score) or in the score function's final
    multiplication by a constant (`c * tanh(s)`), which attn-fold-scales rewrote. The lists name tensors whose run-time scales apply:
    `score` multiply every score of a (batch, head) (per_tensor and per_head q and k scales,
    folded with the multiplier into one factor), `rows`/`columns` multiply S's rows/columns
    (per_token_head q/k), `p_columns` multiply P's columns before P·V (per_token_head v), and
    `epilogue` the finished output (per_tensor/per_head v; `out` divides by the fp8 output
    scale).
  }];
  let parameters = (ins "::mlir::FloatAttr":$multiplier, "::mlir::BoolAttr":$exp2,
                        "::mlir::ArrayAttr":$score, "::mlir::ArrayAttr":$rows,
                        "::mlir::ArrayAttr":$columns, "::mlir::ArrayAttr":$p_columns,
                        "::mlir::ArrayAttr":$epilogue);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Attn_ParamArrayAttr : TypedArrayAttrBase<Attn_ParamAttr, "parameter tensors">;

#endif // ATTN_ATTRS_TD
