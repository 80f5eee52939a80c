//===- Run.cpp - `attnc run --device=cpu`: the reference on a random problem ---===//
#include "reference/Run.h"

#include "reference/Metrics.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace attn;
using namespace attn::ref;

namespace {
std::string describe(const TensorSig &t) {
  std::string s = dtypeName(t.dtype).str() + "[" + std::to_string(t.headDim) + "]";
  if (t.scale != ScaleKind::None)
    s += " " + scaleName(t.scale).str();
  return s;
}
} // namespace

llvm::Error attn::ref::runReference(const CheckedSpec &spec, const ProblemShape &shape,
                                    uint64_t seed, llvm::raw_ostream &os) {
  const Signature &sig = spec.signature;
  RandomProblem rp = makeRandomProblem(sig, shape, seed);
  llvm::Expected<Result> quantized = evaluate(spec, rp.problem);
  if (!quantized)
    return quantized.takeError();
  llvm::Expected<Result> exact = evaluate(*spec.ast, rp.exactSig, rp.exact);
  if (!exact)
    return exact.takeError();

  int64_t masked = 0;
  for (double l : quantized->lse)
    masked += std::isinf(l);
  Comparison c = compare(quantized->out, exact->out);
  os << llvm::formatv("kernel     {0}\n", spec.ast->name);
  os << llvm::formatv("device     cpu (reference, float64 accumulation)\n");
  os << llvm::formatv("shape      b={0} hq={1} hkv={2} sq={3} skv={4} seed={5}{6}{7}\n", shape.b,
                      shape.hq, shape.hkv, shape.sq, shape.skv, seed,
                      sig.batch == BatchLayout::Ragged ? " ragged" : "",
                      sig.kvCache == KVCache::Paged
                          ? llvm::formatv(" paged({0})", sig.pageSize).str()
                          : std::string());
  os << llvm::formatv("inputs     q {0}, k {1}, v {2}\n", describe(sig.q), describe(sig.k),
                      describe(sig.v));
  os << llvm::formatv("output     {0} rows x {1} heads x {2}: |out| = {3:f6}, fully masked rows "
                      "{4}\n",
                      quantized->rows, quantized->headsQ, quantized->headDimV,
                      norm(quantized->out), masked);
  os << llvm::formatv("quantized  SQNR {0:f2} dB, max abs err {1:e3}, rel L2 {2:e3} against the "
                      "unquantized float32 inputs\n",
                      c.sqnrDb, c.maxAbsErr, c.relL2);
  return llvm::Error::success();
}
