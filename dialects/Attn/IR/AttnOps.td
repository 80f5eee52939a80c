//===- AttnOps.td - Operations of the attn dialect --------*- tablegen -*-===//
#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "AttnAttrs.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Attn_KernelOp : Attn_Op<"kernel", [
    IsolatedFromAbove, Symbol,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "one attention kernel: signature, score modification and mask";
  let description = [{
    For every batch b, query head h and query position i:
      s_ij = score(softmax_scale * dot(q'[b,h,i], k'[b,g(h),j]), b, h, i, j)
      s_ij = -inf where mask(b, h, i, j) is false
      out[b,h,i] = sum_j softmax_j(s)_ij * v'[b,g(h),j]
    where x' is x dequantized by its scale and g(h) = h / gqa.

    The `score` region takes (s: f32, b, h, q_idx, kv_idx: i32) and yields f32; the `mask`
    region takes (b, h, q_idx, kv_idx: i32) and yields i1. `softmax_scale` is explicit (the
    front end fills in 1/sqrt(head dim)); `ragged` means sequences packed by cumulative
    offsets; `page_size` means a paged KV cache; `lse` asks for the log-sum-exp output.

    ```mlir
    attn.kernel @causal attributes {q = #attn.tensor<bf16, 128>, ...} score {
    ^bb0(%s: f32, %b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
      attn.yield %s : f32
    } mask {
    ^bb0(%b: i32, %h: i32, %q_idx: i32, %kv_idx: i32):
      %0 = attn.causal %q_idx, %kv_idx
      attn.yield %0 : i1
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       Attn_TensorAttr:$q, Attn_TensorAttr:$k, Attn_TensorAttr:$v,
                       Attn_TensorAttr:$out,
                       F64Attr:$softmax_scale,
                       UnitAttr:$lse,
                       OptionalAttr<I64Attr>:$gqa,
                       UnitAttr:$ragged,
                       OptionalAttr<I64Attr>:$page_size,
                       DefaultValuedAttr<Attn_ParamArrayAttr, "{}">:$params,
                       OptionalAttr<Attn_ScalePlanAttr>:$scales);
  let regions = (region SizedRegion<1>:$score, SizedRegion<1>:$mask);
  let assemblyFormat = "$sym_name attr-dict-with-keyword `score` $score `mask` $mask";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The signature these attributes describe, in the form checkSignature takes.
    ::attn::Signature getSignature();
    /// The declaration of param `name`, or null.
    ParamAttr lookupParam(::llvm::StringRef name);
  }];
}

def Attn_YieldOp : Attn_Op<"yield", [Pure, Terminator, ReturnLike, HasParent<"KernelOp">]> {
  let summary = "the value of a score or mask region";
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def Attn_ParamReadOp : Attn_Op<"param_read", [Pure]> {
  let summary = "reads one element of a parameter tensor";
  let description = [{
    `%x = attn.param_read "slopes"[%h] : f32` reads the param declared by the enclosing kernel.
    Float params (f32, f16, bf16) read as f32, i32 params as i32. Reading out of bounds is
    undefined, as for any tensor the caller passes.
  }];
  let arguments = (ins StrAttr:$param, Variadic<I32>:$indices);
  let results = (outs AnyTypeOf<[F32, I32]>:$result);
  let assemblyFormat = "$param `[` $indices `]` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

class Attn_MaskOp<string mnemonic, string what> : Attn_Op<mnemonic, [Pure]> {
  let summary = what;
  let results = (outs I1:$result);
}

def Attn_CausalOp : Attn_MaskOp<"causal", "q_idx >= kv_idx"> {
  let arguments = (ins I32:$q_idx, I32:$kv_idx);
  let assemblyFormat = "$q_idx `,` $kv_idx attr-dict";
}

def Attn_SlidingWindowOp : Attn_MaskOp<"sliding_window", "|q_idx - kv_idx| < window"> {
  let arguments = (ins I32:$q_idx, I32:$kv_idx, I32:$window);
  let assemblyFormat = "$q_idx `,` $kv_idx `window` $window attr-dict";
}

def Attn_PrefixLMOp : Attn_MaskOp<"prefix_lm", "kv_idx < prefix || q_idx >= kv_idx"> {
  let arguments = (ins I32:$q_idx, I32:$kv_idx, I32:$prefix);
  let assemblyFormat = "$q_idx `,` $kv_idx `prefix` $prefix attr-dict";
}

def Attn_ChunkedOp : Attn_MaskOp<"chunked", "q_idx / chunk == kv_idx / chunk"> {
  let arguments = (ins I32:$q_idx, I32:$kv_idx, I32:$chunk);
  let assemblyFormat = "$q_idx `,` $kv_idx `chunk` $chunk attr-dict";
}

#endif // ATTN_OPS_TD
