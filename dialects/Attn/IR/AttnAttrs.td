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

def Attn_ParamArrayAttr : TypedArrayAttrBase<Attn_ParamAttr, "parameter tensors">;

#endif // ATTN_ATTRS_TD
