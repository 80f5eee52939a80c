//===- Run.h - `attnc run --device=cpu`: the reference on a random problem -*- C++ -*-===//
#ifndef ATTN_REFERENCE_RUN_H
#define ATTN_REFERENCE_RUN_H

#include "reference/RandomProblem.h"

#include "llvm/Support/raw_ostream.h"

namespace attn::ref {

/// Evaluates `spec` on a random problem of `shape` and on its unquantized twin, and prints a
/// summary: shapes, dtypes, the output's norm, fully masked rows, and the SQNR and max error of
/// the quantized run against the unquantized one.
llvm::Error runReference(const CheckedSpec &spec, const ProblemShape &shape, uint64_t seed,
                         llvm::raw_ostream &os);

} // namespace attn::ref

#endif // ATTN_REFERENCE_RUN_H
