//===- Reference.h - The CPU oracle for any spec ----------------*- C++ -*-===//
//
// Evaluates a checked spec on a problem in float64, reading inputs in their stored dtypes. It
// interprets the spec's typed AST itself and shares no code with the code generator: every
// numeric test of the project compares against it.
//
// Layouts (element strides are free; the head dim has unit stride where a kernel needs it):
//   dense  : q [B, Sq, Hq, Dqk], k [B, Skv, Hkv, Dqk], v [B, Skv, Hkv, Dv]
//   ragged : q [Tq, Hq, Dqk] with cuSeqlensQ [B+1]; k, v [Tkv, Hkv, D] with cuSeqlensKV [B+1]
//   paged  : k, v [numBlocks, P, Hkv, D], blockTable [B, maxBlocks], seqLensKV [B]
//            (q dense or ragged as the spec's batch layout says)
// Scales (float32): per_tensor [1]; per_head [B, H]; per_token_head [B, S, H] dense,
//   [T, H] ragged, [numBlocks, P, Hkv] paged (k and v).
// Positions: query i of a sequence with qLen queries and kvLen keys has q_idx = kvLen - qLen + i
//   (the queries are the last qLen tokens: chunked prefill and decode see their true position).
// Output: rows packed as [T, Hq, Dv] with T = B*Sq (dense) or Tq (ragged); lse [T, Hq].
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_REFERENCE_REFERENCE_H
#define ATTN_REFERENCE_REFERENCE_H

#include "compiler/Driver/Pipeline.h"
#include "reference/Tensor.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace attn::ref {

/// Everything a launch passes: tensors, scales, layout metadata and params.
struct Problem {
  Tensor q, k, v;
  std::vector<float> qScale, kScale, vScale;
  float outScale = 1; ///< fp8 output: stored = saturate(o / outScale)
  std::vector<int32_t> cuSeqlensQ, cuSeqlensKV; ///< ragged
  std::vector<int32_t> seqLensKV;               ///< paged: keys per sequence
  Tensor blockTable;                            ///< paged: i32 [B, maxBlocks]
  std::map<std::string, Tensor> params;
  double softmaxScale = 0; ///< 0: the spec's (its default is 1/sqrt(Dqk))
};

/// The reference's answer.
struct Result {
  int64_t rows = 0, headsQ = 0, headDimV = 0;
  std::vector<double> out;    ///< [rows, Hq, Dv], exact (float64)
  std::vector<double> stored; ///< out rounded to the out dtype (fp8: scaled and saturated)
  std::vector<double> lse;    ///< [rows, Hq], natural log; -inf for a fully masked row
  double at(int64_t row, int64_t h, int64_t d) const { return out[(row * headsQ + h) * headDimV + d]; }
};

/// Evaluates the checked spec (`ast` typed by Sema, `sig` its signature) on `problem`. Bad
/// arguments (shapes, dtypes, scale sizes, missing params, indices out of a param's bounds) are
/// errors that name the argument and what was expected. `sig` may differ from the spec's own in
/// dtypes and scales (tests evaluate a spec on unquantized twins of its inputs).
llvm::Expected<Result> evaluate(const SpecAST &ast, const Signature &sig, const Problem &problem);
inline llvm::Expected<Result> evaluate(const CheckedSpec &spec, const Problem &problem) {
  return evaluate(*spec.ast, spec.signature, problem);
}

} // namespace attn::ref

#endif // ATTN_REFERENCE_REFERENCE_H
