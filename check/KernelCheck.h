//===- KernelCheck.h - A generated kernel against the reference -*- C++ -*-===//
//
// Runs a generated kernel (host build or GPU) on a reference Problem and compares its output
// with the float64 reference on the same, already quantized, inputs: so the error measured is
// the kernel's own (fp32 accumulation, P rounded to the MMA type, the output rounded to its
// dtype), never the inputs' quantization. Used by `attnc run --device=host|cuda` and the tests.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_CHECK_KERNELCHECK_H
#define ATTN_CHECK_KERNELCHECK_H

#include "compiler/Driver/Codegen.h"
#include "reference/Metrics.h"
#include "reference/RandomProblem.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace attn::check {

enum class Device { Host, Cuda };

/// What a kernel wrote, decoded: out [rows, Hq, Dv] and lse [rows, Hq] (empty without lse).
struct KernelOutput {
  std::vector<double> out, lse;
  double milliseconds = 0; ///< the kernel alone (GPU: events around one launch)
};

/// Runs `kernel` on `problem` (copied to GPU 0 for Device::Cuda), split `splits` ways (split
/// KV; absent: as the launch chooses).
llvm::Expected<KernelOutput> runKernel(const GeneratedKernel &kernel, const ref::Problem &problem,
                                       Device device, std::optional<int> splits = std::nullopt);

/// Two launches of `kernel` back to back on the default stream of GPU 0: the first on
/// `problem`, the second with the first's out as its q (q and out must agree in dtype and shape,
/// as a decode step's do) and launched to overlap the first (LaunchDesc::overlapPrevious), its
/// split partials in a lent workspace of `lendBytes` bytes (-1: the bytes workspaceBytes gives;
/// 0: none) `lendOffset` bytes into a buffer of ones, and its metadata not read back (which
/// would wait for the first). The first's partials are lent too, so no free comes between the
/// two. So the second sees the first's out only if it waits for it.
struct ChainedOutput {
  KernelOutput output;  ///< the second launch's
  ref::Tensor q;        ///< what it took as q: the first's out
  int64_t workspaceBytes = 0; ///< what the second launch needed
};
llvm::Expected<ChainedOutput> runChained(const GeneratedKernel &kernel, const ref::Problem &problem,
                                         int64_t lendBytes = -1, int64_t lendOffset = 0);

/// The least SQNR a kernel must reach against the exact reference, by output dtype. The output
/// rounding alone gives about 20 log10(2^(m+1) sqrt 3) dB for m mantissa bits (bf16: 53, e4m3:
/// 29, e5m2: 23); P rounded to the MMA type (bf16) adds noise of the same order, averaged over
/// keys. The bars leave 10-13 dB of margin below what rounding allows and far above what a wrong
/// index, mask or scale gives (under 10 dB).
double requiredSqnrDb(DType out);

struct Verdict {
  ref::Comparison out;
  double lseMaxAbsErr = 0; ///< over rows with a finite reference lse
  bool lseInfMatch = true; ///< -inf exactly where the reference's is
  bool finite = true;      ///< no NaN or inf in out
  double requiredDb = 0;
  bool pass = false;
};
Verdict judge(const KernelOutput &got, const ref::Result &want, const Signature &sig);

/// `attnc run --device=host|cuda`: a random problem of `shape`, the kernel and the reference on
/// it, a summary with PASS or FAIL. Returns whether it passed.
llvm::Expected<bool> runAndCheck(const CheckedSpec &spec, const GeneratedKernel &kernel,
                                 const ref::ProblemShape &shape, uint64_t seed, Device device,
                                 llvm::raw_ostream &os, std::optional<int> splits = std::nullopt);

} // namespace attn::check

#endif // ATTN_CHECK_KERNELCHECK_H
