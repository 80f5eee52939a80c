//===- RandomProblem.h - Random launches of a spec --------------*- C++ -*-===//
#ifndef ATTN_REFERENCE_RANDOMPROBLEM_H
#define ATTN_REFERENCE_RANDOMPROBLEM_H

#include "reference/Reference.h"

namespace attn::ref {

/// Batch, heads and lengths of a problem (`b=2,hq=8,hkv=2,sq=300,skv=300`).
struct ProblemShape {
  int64_t b = 1, hq = 1, hkv = 1, sq = 1, skv = 1;
  /// Ragged batches: sequence i's queries are qLens[i % size] instead of sq (a mixed batch of
  /// prefill chunks and decode steps), still at most its keys.
  std::vector<int64_t> qLens = {};
};
llvm::Expected<ProblemShape> parseShape(llvm::StringRef text);

/// A random launch of a spec and its unquantized twin: the same values in float32 before they
/// were rounded or quantized to the spec's dtypes, with the signature to evaluate the twin.
struct RandomProblem {
  Problem problem;  ///< in the spec's dtypes and layouts, with scales
  Problem exact;    ///< float32 inputs, no scales, same layout
  Signature exactSig;
};

/// q, k, v ~ N(0, 1) (never zero), quantized as the spec says (fp8: amax scales per its
/// granularity). Ragged batches get sequences of different lengths (kv in [skv/2, skv], q the
/// last min(sq, kv) of them); a paged cache gets its pages in shuffled blocks with spare blocks
/// of random data. Float params are uniform in [0.05, 1); i32 params over S are
/// non-decreasing ids (4 documents), other i32 params uniform in [0, skv].
RandomProblem makeRandomProblem(const Signature &sig, const ProblemShape &shape, uint64_t seed);

} // namespace attn::ref

#endif // ATTN_REFERENCE_RANDOMPROBLEM_H
