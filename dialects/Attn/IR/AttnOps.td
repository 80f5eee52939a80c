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

    Two more regions, empty until attn-analyze-mask fills them from the mask and printed only
    when present, say where the mask can be true, per tile (positions are absolute, boxes
    inclusive, and every claim holds for every head):
    - `kv_bounds` takes (b, q_first, q_last, kv_len: i32) and yields (lo, hi: i32): for every
      q in [q_first, q_last] and 0 <= kv < kv_len, kv < lo or kv >= hi implies that the mask
      is false. The KV loop of a query tile runs over [lo, hi) clamped to [0, kv_len).
    - `tile_class` takes (b, q_first, q_last, kv_first, kv_last: i32) and yields
      (full, empty: i1): full means the mask is true on the whole box
      [q_first, q_last] x [kv_first, kv_last], empty that it is false on all of it; neither
      means partial. Both are never true for a non-empty box.

    ```mlir
    } kv_bounds {
    ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_len: i32):
      %c0 = arith.constant 0 : i32
      %c1 = arith.constant 1 : i32
      %0 = arith.addi %q_last, %c1 : i32
      attn.yield %c0, %0 : i32, i32
    } tile_class {
    ^bb0(%b: i32, %q_first: i32, %q_last: i32, %kv_first: i32, %kv_last: i32):
      %0 = arith.cmpi sle, %kv_last, %q_first : i32
      %1 = arith.cmpi slt, %q_last, %kv_first : i32
      attn.yield %0, %1 : i1, i1
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
  let regions = (region SizedRegion<1>:$score, SizedRegion<1>:$mask,
                        MaxSizedRegion<1>:$kv_bounds, MaxSizedRegion<1>:$tile_class);
  let assemblyFormat = [{
    $sym_name attr-dict-with-keyword `score` $score `mask` $mask
    (`kv_bounds` $kv_bounds^)? (`tile_class` $tile_class^)?
  }];
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
  let summary = "the values of a kernel region";
  let description = [{
    Ends each region of attn.kernel: one value for `score` (f32) and `mask` (i1), two for
    `kv_bounds` (lo, hi: i32) and `tile_class` (full, empty: i1). The kernel's verifier checks
    the count and types.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let extraClassDeclaration = [{
    /// The one value of a score or mask region.
    ::mlir::Value getValue() {
      assert(getValues().size() == 1 && "a score or mask yield has one value");
      return getValues().front();
    }
  }];
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
