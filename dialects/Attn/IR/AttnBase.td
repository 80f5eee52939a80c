//===- AttnBase.td - The attn dialect ---------------------*- tablegen -*-===//
#ifndef ATTN_BASE_TD
#define ATTN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let summary = "What an attention kernel computes";
  let description = [{
    One `attn.kernel` op describes one attention kernel: the signature (dtypes, head dims and
    dequantization scales of q, k, v and out, GQA ratio, softmax scale, layouts, parameter
    tensors) as typed attributes, and the score modification and the mask as regions over
    `arith`/`math` plus this dialect's index and param ops. It says nothing about tiling: that
    is the tile dialect's job.
  }];
  let cppNamespace = "::attn";
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // ATTN_BASE_TD
