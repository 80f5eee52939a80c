//===- KernelCheck.cpp - A generated kernel against the reference ---------===//
#include "check/KernelCheck.h"

#include "runtime/HostKernel.h"
#include "runtime/Kernel.h"
#include "runtime/Launch.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace attn;
using namespace attn::check;

namespace {

/// Where a problem's tensors live for one launch: host tensors as they are, or copies on GPU 0
/// (freed when this goes away).
class Placement {
public:
  explicit Placement(Device d) : device(d) {}
  ~Placement() {
    if (driver)
      for (rt::CUdeviceptr p : buffers)
        llvm::consumeError(driver->free(p));
  }

  llvm::Expected<rt::TensorDesc> place(const ref::Tensor &t) {
    rt::TensorDesc d;
    d.dtype = t.dtype();
    d.shape = t.shape();
    d.strides = t.strides();
    if (device == Device::Host) {
      d.data = t.data();
      return d;
    }
    llvm::Expected<rt::CUdeviceptr> p = copyIn(t.bytes().data(), t.bytes().size());
    if (!p)
      return p.takeError();
    d.data = reinterpret_cast<const void *>(*p + t.offset() * ref::elementSize(t.dtype()));
    d.device = 0;
    return d;
  }
  /// A float32 or int32 vector as a tensor of `shape`.
  template <class T>
  llvm::Expected<rt::TensorDesc> place(const std::vector<T> &v, DType dtype, std::vector<int64_t> shape) {
    ref::Tensor t(dtype, shape);
    std::memcpy(t.data(), v.data(), v.size() * sizeof(T));
    keep.push_back(t);
    return place(t);
  }
  /// `bytes` of device memory (GPU only), all ones (NaN as floats): a read of what no kernel
  /// wrote shows.
  llvm::Expected<void *> scratch(size_t bytes) {
    std::vector<uint8_t> ones(bytes, 0xFF);
    llvm::Expected<rt::CUdeviceptr> p = copyIn(ones.data(), bytes);
    if (!p)
      return p.takeError();
    return reinterpret_cast<void *>(*p);
  }
  /// Copies a result written by the kernel back into `t` (GPU only).
  llvm::Error fetch(const rt::TensorDesc &d, ref::Tensor &t) {
    if (device == Device::Host)
      return llvm::Error::success();
    return driver->copyToHost(t.data(), reinterpret_cast<rt::CUdeviceptr>(d.data), t.bytes().size());
  }

private:
  llvm::Expected<rt::CUdeviceptr> copyIn(const void *src, size_t bytes) {
    if (!driver) {
      llvm::Expected<rt::CudaDriver &> d = rt::CudaDriver::get(0);
      if (!d)
        return d.takeError();
      driver = &*d;
    }
    llvm::Expected<rt::CUdeviceptr> p = driver->alloc(std::max<size_t>(bytes, 16));
    if (!p)
      return p.takeError();
    buffers.push_back(*p);
    if (llvm::Error e = driver->copyToDevice(*p, src, bytes))
      return std::move(e);
    return *p;
  }

  Device device;
  rt::CudaDriver *driver = nullptr;
  std::vector<rt::CUdeviceptr> buffers;
  std::vector<ref::Tensor> keep;
};

/// A problem's launch: its tensors placed, out and lse allocated for the results.
struct Placed {
  rt::LaunchDesc d;
  ref::Tensor out, lse;
  int64_t rows, Hq;
};

llvm::Expected<Placed> placeProblem(const GeneratedKernel &kernel, const ref::Problem &p,
                                    Placement &place) {
  const Signature &sig = kernel.signature;
  bool ragged = sig.batch == BatchLayout::Ragged, paged = sig.kvCache == KVCache::Paged;
  int64_t B = ragged ? int64_t(p.cuSeqlensQ.size()) - 1 : p.q.shape()[0];
  int64_t Hq = p.q.shape()[ragged ? 1 : 2], Hkv = p.k.shape()[ragged || paged ? p.k.rank() - 2 : 2];
  int64_t rows = ragged ? p.q.shape()[0] : p.q.shape()[0] * p.q.shape()[1];
  std::vector<int64_t> outShape = p.q.shape();
  outShape.back() = sig.out.headDim;
  Placed r{{}, ref::Tensor(sig.out.dtype, outShape), ref::Tensor(DType::F32, {rows, Hq}), rows, Hq};
  rt::LaunchDesc &d = r.d;
  ref::Tensor &out = r.out, &lse = r.lse;
  auto set = [&](rt::TensorDesc &dst, llvm::Expected<rt::TensorDesc> src) -> llvm::Error {
    if (!src)
      return src.takeError();
    dst = *src;
    return llvm::Error::success();
  };
  auto setOpt = [&](std::optional<rt::TensorDesc> &dst, llvm::Expected<rt::TensorDesc> src) -> llvm::Error {
    if (!src)
      return src.takeError();
    dst = *src;
    return llvm::Error::success();
  };
  if (auto e = set(d.q, place.place(p.q))) return e;
  if (auto e = set(d.k, place.place(p.k))) return e;
  if (auto e = set(d.v, place.place(p.v))) return e;
  if (auto e = set(d.out, place.place(out))) return e;
  if (sig.lse)
    if (auto e = setOpt(d.lse, place.place(lse))) return e;

  // Scales, shaped as their granularity says (Args.h).
  auto scaleShape = [&](ScaleKind kind, bool isQ) -> std::vector<int64_t> {
    int64_t H = isQ ? Hq : Hkv;
    switch (kind) {
    case ScaleKind::PerTensor: return {1};
    case ScaleKind::PerHead: return {B, H};
    default:
      if (isQ)
        return ragged ? std::vector<int64_t>{rows, H} : std::vector<int64_t>{B, p.q.shape()[1], H};
      if (paged)
        return {p.k.shape()[0], p.k.shape()[1], H};
      if (ragged)
        return {p.k.shape()[0], H};
      return {B, p.k.shape()[1], H};
    }
  };
  for (auto [kind, vec, dst, isQ] :
       {std::tuple{sig.q.scale, &p.qScale, &d.qScale, true},
        std::tuple{sig.k.scale, &p.kScale, &d.kScale, false},
        std::tuple{sig.v.scale, &p.vScale, &d.vScale, false}})
    if (kind != ScaleKind::None)
      if (auto e = setOpt(*dst, place.place(*vec, DType::F32, scaleShape(kind, isQ))))
        return e;
  if (sig.out.scale != ScaleKind::None)
    if (auto e = setOpt(d.outScale, place.place(std::vector<float>{p.outScale}, DType::F32, {1})))
      return e;
  if (ragged) {
    if (auto e = setOpt(d.cuSeqlensQ, place.place(p.cuSeqlensQ, DType::I32, {B + 1}))) return e;
    if (!paged)
      if (auto e = setOpt(d.cuSeqlensKV, place.place(p.cuSeqlensKV, DType::I32, {B + 1}))) return e;
  }
  if (paged) {
    if (auto e = setOpt(d.seqlensKV, place.place(p.seqLensKV, DType::I32, {B}))) return e;
    rt::TensorDesc bt;
    if (auto e = set(bt, place.place(p.blockTable))) return e;
    d.blockTable = bt;
  }
  for (const auto &[name, t] : p.params) {
    rt::TensorDesc pd;
    if (auto e = set(pd, place.place(t))) return e;
    d.params[name] = pd;
  }
  return r;
}

/// Copies out (and lse) back from the GPU after the launches on the default stream are done.
llvm::Error fetchResults(const Signature &sig, Placement &place, Placed &r) {
  llvm::Expected<rt::CudaDriver &> drv = rt::CudaDriver::get(0);
  if (!drv)
    return drv.takeError();
  if (llvm::Error e = drv->synchronize())
    return e;
  if (llvm::Error e = place.fetch(r.d.out, r.out))
    return e;
  if (sig.lse)
    return place.fetch(*r.d.lse, r.lse);
  return llvm::Error::success();
}

/// The results, decoded.
KernelOutput decoded(const Signature &sig, const ref::Problem &p, const Placed &r) {
  KernelOutput result;
  // Decode in [rows, Hq, Dv] order (out's own row-major order); fp8 back to o's units.
  double unscale = sig.out.scale != ScaleKind::None ? p.outScale : 1.0;
  int64_t n = r.out.numel();
  result.out.resize(size_t(n));
  const std::vector<int64_t> &shape = r.out.shape();
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    result.out[size_t(i)] = r.out.get(idx) * unscale;
    for (int64_t dim = int64_t(idx.size()) - 1; dim >= 0 && ++idx[dim] == shape[dim]; --dim)
      idx[dim] = 0;
  }
  if (sig.lse)
    for (int64_t row = 0; row < r.rows; ++row)
      for (int64_t h = 0; h < r.Hq; ++h)
        result.lse.push_back(r.lse.get({row, h}));
  return result;
}

} // namespace

llvm::Expected<KernelOutput> attn::check::runKernel(const GeneratedKernel &kernel,
                                                    const ref::Problem &p, Device device,
                                                    std::optional<int> splits) {
  Placement place(device);
  llvm::Expected<Placed> r = placeProblem(kernel, p, place);
  if (!r)
    return r.takeError();
  r->d.splits = splits;
  if (device == Device::Host) {
    llvm::Expected<std::unique_ptr<rt::HostKernel>> k = rt::HostKernel::compile(kernel);
    if (!k)
      return k.takeError();
    if (llvm::Error e = (*k)->launch(r->d))
      return std::move(e);
  } else {
    llvm::Expected<std::shared_ptr<rt::Kernel>> k = rt::Kernel::compile(kernel);
    if (!k)
      return k.takeError();
    if (llvm::Error e = (*k)->launch(r->d, nullptr))
      return std::move(e);
    if (llvm::Error e = fetchResults(kernel.signature, place, *r))
      return std::move(e);
  }
  return decoded(kernel.signature, p, *r);
}

llvm::Expected<ChainedOutput> attn::check::runChained(const GeneratedKernel &kernel,
                                                      const ref::Problem &p, int64_t lendBytes,
                                                      int64_t lendOffset) {
  const Signature &sig = kernel.signature;
  Placement place(Device::Cuda);
  llvm::Expected<Placed> first = placeProblem(kernel, p, place);
  if (!first)
    return first.takeError();
  if (sig.q.dtype != sig.out.dtype || first->out.shape() != p.q.shape())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "a chained launch takes the first launch's out as its q: "
                                   "their dtypes and shapes must agree");
  Placed second = *first;
  // Fresh host tensors: a copied ref::Tensor shares its storage, and fetching the second
  // launch's results would overwrite the first's (the q the caller checks against).
  second.out = ref::Tensor(first->out.dtype(), first->out.shape());
  second.lse = ref::Tensor(first->lse.dtype(), first->lse.shape());
  llvm::Expected<rt::TensorDesc> out = place.place(second.out), lse = place.place(second.lse);
  if (!out)
    return out.takeError();
  if (!lse)
    return lse.takeError();
  second.d.q = first->d.out;
  second.d.out = *out;
  if (sig.lse)
    second.d.lse = *lse;
  second.d.overlapPrevious = true;
  // Nothing read back before the second launch (which would wait for the first): the longest
  // sequences given instead.
  llvm::Expected<dev::Args> args = rt::toArgs(kernel, first->d);
  if (!args)
    return args.takeError();
  second.d.checkDeviceMetadata = false;
  second.d.maxSeqlenQ = args->seqlen_q;
  second.d.maxSeqlenKV = args->seqlen_kv;
  llvm::Expected<std::shared_ptr<rt::Kernel>> k = rt::Kernel::compile(kernel);
  if (!k)
    return k.takeError();
  ChainedOutput result;
  llvm::Expected<int64_t> need = (*k)->workspaceBytes(second.d, nullptr);
  if (!need)
    return need.takeError();
  result.workspaceBytes = *need;
  int64_t lend = lendBytes >= 0 ? lendBytes : *need;
  if (lend > 0) {
    llvm::Expected<void *> w = place.scratch(size_t(lend + lendOffset));
    if (!w)
      return w.takeError();
    second.d.workspace = rt::Workspace{static_cast<char *>(*w) + lendOffset, lend};
  }
  // The first launch's partials lent too, as a captured step's are: nothing (no free of its
  // workspace) comes between its merge and the second launch.
  llvm::Expected<int64_t> firstNeed = (*k)->workspaceBytes(first->d, nullptr);
  if (!firstNeed)
    return firstNeed.takeError();
  if (*firstNeed > 0) {
    llvm::Expected<void *> w = place.scratch(size_t(*firstNeed));
    if (!w)
      return w.takeError();
    first->d.workspace = rt::Workspace{*w, *firstNeed};
  }
  if (llvm::Error e = (*k)->launch(first->d, nullptr))
    return std::move(e);
  if (llvm::Error e = (*k)->launch(second.d, nullptr))
    return std::move(e);
  if (llvm::Error e = fetchResults(sig, place, *first))
    return std::move(e);
  if (llvm::Error e = fetchResults(sig, place, second))
    return std::move(e);
  result.output = decoded(sig, p, second);
  result.q = first->out;
  return result;
}


double attn::check::requiredSqnrDb(DType out) {
  switch (out) {
  case DType::F8E4M3: return 20;
  case DType::F8E5M2: return 15;
  default: return 40;
  }
}

Verdict attn::check::judge(const KernelOutput &got, const ref::Result &want, const Signature &sig) {
  Verdict v;
  v.out = ref::compare(got.out, want.out);
  for (double x : got.out)
    v.finite = v.finite && std::isfinite(x);
  for (size_t i = 0; i < got.lse.size(); ++i) {
    bool inf = std::isinf(want.lse[i]);
    if (inf != (std::isinf(got.lse[i]) && got.lse[i] < 0))
      v.lseInfMatch = false;
    else if (!inf)
      v.lseMaxAbsErr = std::max(v.lseMaxAbsErr, std::abs(got.lse[i] - want.lse[i]));
  }
  v.requiredDb = requiredSqnrDb(sig.out.dtype);
  // lse: exp2/log2 in float on O(10) values; 1e-3 is 100x what float rounding gives.
  v.pass = v.finite && v.out.sqnrDb >= v.requiredDb && v.lseInfMatch && v.lseMaxAbsErr <= 1e-3;
  return v;
}

llvm::Expected<bool> attn::check::runAndCheck(const CheckedSpec &spec, const GeneratedKernel &kernel,
                                              const ref::ProblemShape &shape, uint64_t seed,
                                              Device device, llvm::raw_ostream &os,
                                              std::optional<int> splits) {
  ref::RandomProblem rp = ref::makeRandomProblem(spec.signature, shape, seed);
  llvm::Expected<ref::Result> want = ref::evaluate(spec, rp.problem);
  if (!want)
    return want.takeError();
  llvm::Expected<KernelOutput> got = runKernel(kernel, rp.problem, device, splits);
  if (!got)
    return got.takeError();
  Verdict v = judge(*got, *want, spec.signature);
  const KernelConfig &c = kernel.config;
  os << llvm::formatv("kernel {0} ({1}x{2} tiles, {3} warps, {4}, {5} stage(s), {6} heads per "
                      "tile) on the {7}\n",
                      kernel.name, c.blockM, c.blockN, c.warps, c.mma, c.stages, c.headsPerTile,
                      device == Device::Host ? "host" : "GPU");
  os << llvm::formatv("shape b={0} hq={1} hkv={2} sq={3} skv={4}, seed {5}{6}\n", shape.b, shape.hq,
                      shape.hkv, shape.sq, shape.skv, seed,
                      splits ? ", keys split " + std::to_string(*splits) + " ways" : "");
  os << llvm::formatv("out vs reference: SQNR {0:f1} dB (need {1:f0}), max abs error {2:e2}\n",
                      v.out.sqnrDb, v.requiredDb, v.out.maxAbsErr);
  if (spec.signature.lse)
    os << llvm::formatv("lse: max abs error {0:e2}, -inf rows {1}\n", v.lseMaxAbsErr,
                        v.lseInfMatch ? "match" : "DIFFER");
  if (!v.finite)
    os << "out has NaN or inf\n";
  os << (v.pass ? "PASS\n" : "FAIL\n");
  return v.pass;
}
