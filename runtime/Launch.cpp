//===- Launch.cpp - A launch's tensors, their validation and the kernel's Args ---===//
//
// One Checker walks the rules in the order a reader would check them by hand: each tensor on
// its own (dtype, rank, sizes, strides, alignment), the devices, the sizes across tensors, the
// ragged/paged metadata, scales and lse, params, and last the int32 limits of Args. The first
// broken rule is the error; its text starts with the argument's name.
//
//===----------------------------------------------------------------------===//
#include "runtime/Launch.h"
#include "runtime/Error.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <climits>
#include <cstring>

using namespace attn;
using namespace attn::rt;

namespace {

constexpr const char *kVectorized = "vectorized loads need 16-byte aligned rows";

int64_t elementBytes(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F8E4M3:
  case DType::F8E5M2:
    return 1;
  }
  return 1;
}

std::string deviceName(int device) {
  return device == kHostDevice ? "host memory" : "CUDA device " + std::to_string(device);
}

std::string pointerString(const void *p) {
  return llvm::formatv("{0:x}", reinterpret_cast<uintptr_t>(p)).str();
}

/// Row-major, ignoring dimensions of size 1 (their stride never matters).
bool isContiguous(const TensorDesc &t) {
  int64_t want = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] != 1 && t.strides[i] != want)
      return false;
    want *= t.shape[i];
  }
  return true;
}

struct Checker {
  const GeneratedKernel &gk;
  const Signature &sig;
  const LaunchDesc &d;
  CUstream stream;
  bool ragged, paged;

  // Sizes, as the tensors give them.
  int64_t B = 0, Hq = 0, Hkv = 0;
  int64_t Sq = 0, Skv = 0;     ///< dense lengths
  int64_t Tq = 0, Tkv = 0;     ///< ragged rows
  int64_t blocks = 0, P = 0;   ///< paged
  int64_t maxBlocks = 0;       ///< block table columns
  int64_t maxQ = 0, maxKV = 0; ///< longest sequences
  CudaDriver *cuda = nullptr;  ///< when the launch is on a CUDA device

  Checker(const GeneratedKernel &gk, const LaunchDesc &d, CUstream stream)
      : gk(gk), sig(gk.signature), d(d), stream(stream),
        ragged(sig.batch == BatchLayout::Ragged), paged(sig.kvCache == KVCache::Paged) {}

  llvm::Expected<dev::Args> run();

  llvm::Error checkKernel();
  /// Strides, rank, sizes, dtype (`want`: the spec's when `declared`), data and alignment.
  llvm::Error checkTensor(llvm::StringRef name, const TensorDesc &t, DType want, size_t rank,
                          llvm::StringRef form, bool declared = false);
  llvm::Error checkRows(llvm::StringRef name, const TensorDesc &t, const TensorSig &ts,
                        llvm::ArrayRef<const char *> dims, bool output);
  llvm::Error checkDevices();
  llvm::Error checkWorkspace(int device);
  llvm::Error checkSizes();
  llvm::Error checkMetadata();
  llvm::Error checkScales();
  llvm::Error checkLse();
  llvm::Error checkParams();
  llvm::Error checkInt32();

  llvm::Error checkContiguous(llvm::StringRef name, const TensorDesc &t);
  llvm::Error checkScale(llvm::StringRef name, const std::optional<TensorDesc> &t,
                         const TensorSig &ts, llvm::StringRef tensor, int64_t heads, bool kv);
  llvm::Error checkOffsets(llvm::StringRef name, const TensorDesc &t, int64_t total,
                           llvm::StringRef totalName, std::vector<int32_t> &values);
  bool readsMetadata(const TensorDesc &t, bool needed) const {
    return t.device == kHostDevice || d.checkDeviceMetadata || needed;
  }
  llvm::Error readInts(llvm::StringRef name, const TensorDesc &t, int64_t count,
                       std::vector<int32_t> &out);
  /// Every given tensor, by name, in argument order.
  std::vector<std::pair<std::string, const TensorDesc *>> all() const;
};

llvm::Error Checker::checkKernel() {
  if (sig.params.size() > size_t(dev::kMaxParams))
    return fail(llvm::formatv("kernel '{0}': {1} params, but the launch ABI (Args.h) takes at "
                              "most {2}",
                              gk.name, sig.params.size(), dev::kMaxParams));
  for (const ParamSig &p : sig.params)
    if (p.dims.size() > size_t(dev::kMaxParamRank))
      return fail(llvm::formatv("kernel '{0}': param '{1}' has {2} dimensions, but the launch ABI "
                                "(Args.h) takes at most {3}",
                                gk.name, p.name, p.dims.size(), dev::kMaxParamRank));
  if (gk.config.headsPerTile < 1)
    return fail(llvm::formatv("kernel '{0}': config.headsPerTile is {1}; it must be positive",
                              gk.name, gk.config.headsPerTile));
  if (d.splits && (*d.splits < 1 || *d.splits > dev::kMaxSplits))
    return fail(llvm::formatv("splits: {0}; a launch cuts each query tile's keys into 1 to {1} "
                              "parts (1: no split), or leaves it unset to have it chosen",
                              *d.splits, dev::kMaxSplits));
  if (d.splits > 1 && gk.mergeName.empty())
    return fail(llvm::formatv("splits: {0}, but kernel '{1}' has no merge entry point, so it "
                              "cannot split its keys; give 1",
                              *d.splits, gk.name));
  return llvm::Error::success();
}

llvm::Error Checker::checkTensor(llvm::StringRef name, const TensorDesc &t, DType want,
                                 size_t rank, llvm::StringRef form, bool declared) {
  if (t.strides.size() != t.shape.size())
    return fail(llvm::formatv("{0}: {1} sizes but {2} strides; give one stride per dimension",
                              name, t.shape.size(), t.strides.size()));
  if (t.shape.size() != rank)
    return fail(llvm::formatv("{0}: expected {1}, got shape {2}", name, form,
                              shapeString(t.shape)));
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] < 0)
      return fail(llvm::formatv("{0}: negative size {1} in dimension {2}", name, t.shape[i], i));
    if (t.strides[i] < 0)
      return fail(llvm::formatv("{0}: negative stride {1} in dimension {2}; strides must be "
                                "non-negative",
                                name, t.strides[i], i));
  }
  if (t.dtype != want)
    return fail(llvm::formatv("{0}: dtype {1}, {2} {3}", name, dtypeName(t.dtype),
                              declared ? "but the spec declares" : "expected", dtypeName(want)));
  if (!t.data && t.numel() > 0)
    return fail(llvm::formatv("{0}: null data pointer", name));
  if (reinterpret_cast<uintptr_t>(t.data) % elementBytes(t.dtype) != 0)
    return fail(llvm::formatv("{0}: data pointer {1} is not aligned to its {2}-byte elements",
                              name, pointerString(t.data), elementBytes(t.dtype)));
  return llvm::Error::success();
}

/// q, k, v, out: rows of the head dim read (or written) with 16-byte vector accesses.
llvm::Error Checker::checkRows(llvm::StringRef name, const TensorDesc &t, const TensorSig &ts,
                               llvm::ArrayRef<const char *> dims, bool output) {
  std::string form = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    form += std::string(i ? ", " : "") + dims[i];
  form += "]";
  if (ragged && !(paged && (name == "k" || name == "v")))
    form += " (ragged batch)";
  else if (paged && (name == "k" || name == "v"))
    form += " (paged KV cache)";
  else
    form += " (dense batch)";
  if (llvm::Error e = checkTensor(name, t, ts.dtype, dims.size(), form, true))
    return e;
  size_t last = dims.size() - 1;
  if (t.shape[last] != ts.headDim)
    return fail(llvm::formatv("{0}: head dim {1}, but the spec declares {2}", name, t.shape[last],
                              ts.headDim));
  if (t.strides[last] != 1)
    return fail(llvm::formatv("{0}: the head dim (last dimension) must have unit stride, got "
                              "stride {1}",
                              name, t.strides[last]));
  if (reinterpret_cast<uintptr_t>(t.data) % 16 != 0)
    return fail(llvm::formatv("{0}: data pointer {1} is not 16-byte aligned; {2}", name,
                              pointerString(t.data), kVectorized));
  int64_t bytes = elementBytes(t.dtype);
  for (size_t i = 0; i < last; ++i) {
    if (t.shape[i] <= 1)
      continue;
    if (t.strides[i] > INT64_MAX / bytes || (t.strides[i] * bytes) % 16 != 0)
      return fail(llvm::formatv("{0}: stride {1} of dimension {2} ({3}) is {4} bytes, not a "
                                "multiple of 16; {5}",
                                name, t.strides[i], i, dims[i], t.strides[i] * bytes,
                                kVectorized));
    if (output && t.strides[i] == 0)
      return fail(llvm::formatv("{0}: stride 0 in dimension {1} ({2}) of size {3}; the rows of "
                                "'{0}' must not overlap",
                                name, i, dims[i], t.shape[i]));
  }
  return llvm::Error::success();
}

std::vector<std::pair<std::string, const TensorDesc *>> Checker::all() const {
  std::vector<std::pair<std::string, const TensorDesc *>> ts = {
      {"q", &d.q}, {"k", &d.k}, {"v", &d.v}, {"out", &d.out}};
  for (auto [name, t] : {std::pair{"lse", &d.lse}, std::pair{"q_scale", &d.qScale},
                         std::pair{"k_scale", &d.kScale}, std::pair{"v_scale", &d.vScale},
                         std::pair{"out_scale", &d.outScale},
                         std::pair{"cu_seqlens_q", &d.cuSeqlensQ},
                         std::pair{"cu_seqlens_kv", &d.cuSeqlensKV},
                         std::pair{"seqlens_kv", &d.seqlensKV},
                         std::pair{"block_table", &d.blockTable}})
    if (*t)
      ts.push_back({name, &**t});
  for (const auto &[name, t] : d.params)
    ts.push_back({"param '" + name + "'", &t});
  return ts;
}

llvm::Error Checker::checkDevices() {
  int device = d.q.device;
  if (device < kHostDevice)
    return fail(llvm::formatv("q: device {0} is neither a CUDA ordinal (0 and up) nor host "
                              "memory ({1})",
                              device, kHostDevice));
  for (const auto &[name, t] : all())
    if (t->device != device)
      return fail(llvm::formatv("{0}: on {1}, but q is on {2}; every tensor of a launch must be "
                                "on the device the kernel runs on",
                                name, deviceName(t->device), deviceName(device)));
  if (device == kHostDevice)
    return checkWorkspace(device);
  llvm::Expected<CudaDriver &> driver = CudaDriver::get(device);
  if (!driver)
    return fail("q: on " + deviceName(device) + ", which cannot be used: " +
                llvm::toString(driver.takeError()));
  cuda = &*driver;
  for (const auto &[name, t] : all()) {
    if (!t->data)
      continue;
    llvm::Expected<int> owner = cuda->pointerDevice(t->data);
    if (!owner)
      return fail(llvm::formatv("{0}: data pointer {1} is not CUDA device memory ({2})", name,
                                pointerString(t->data), llvm::toString(owner.takeError())));
    if (*owner != device)
      return fail(llvm::formatv("{0}: declared on {1}, but its data pointer {2} is memory of {3}",
                                name, deviceName(device), pointerString(t->data),
                                deviceName(*owner)));
  }
  return checkWorkspace(device);
}

llvm::Error Checker::checkWorkspace(int device) {
  if (!d.workspace)
    return llvm::Error::success();
  const Workspace &w = *d.workspace;
  if (!w.data || w.bytes <= 0)
    return fail(llvm::formatv("workspace: {0} bytes at {1}; give device memory of at least the "
                              "bytes the launch needs (attn_workspace_size), or none",
                              w.bytes, pointerString(w.data)));
  if (reinterpret_cast<uintptr_t>(w.data) % 16)
    return fail(llvm::formatv("workspace: {0} is not 16-byte aligned", pointerString(w.data)));
  if (device == kHostDevice) // checked as a CUDA launch's would be; the host build keeps its own
    return llvm::Error::success();
  llvm::Expected<int> owner = cuda->pointerDevice(w.data);
  if (!owner)
    return fail(llvm::formatv("workspace: {0} is not CUDA device memory ({1})",
                              pointerString(w.data), llvm::toString(owner.takeError())));
  if (*owner != device)
    return fail(llvm::formatv("workspace: {0} is memory of {1}, but the launch is on {2}",
                              pointerString(w.data), deviceName(*owner), deviceName(device)));
  return llvm::Error::success();
}

llvm::Error Checker::checkSizes() {
  // q and out: rows, query heads, head dims.
  if (ragged) {
    if (auto e = checkRows("q", d.q, sig.q, {"Tq", "Hq", "D"}, false))
      return e;
    if (auto e = checkRows("out", d.out, sig.out, {"Tq", "Hq", "Dv"}, true))
      return e;
    Tq = d.q.shape[0];
    Hq = d.q.shape[1];
  } else {
    if (auto e = checkRows("q", d.q, sig.q, {"B", "Sq", "Hq", "D"}, false))
      return e;
    if (auto e = checkRows("out", d.out, sig.out, {"B", "Sq", "Hq", "Dv"}, true))
      return e;
    B = d.q.shape[0];
    Sq = d.q.shape[1];
    Hq = d.q.shape[2];
  }
  for (size_t i = 0; i + 1 < d.q.shape.size(); ++i)
    if (d.out.shape[i] != d.q.shape[i])
      return fail(llvm::formatv("out: shape {0} must match q's {1} but for the head dim",
                                shapeString(d.out.shape), shapeString(d.q.shape)));

  // k and v.
  std::vector<const char *> kvDims = paged    ? std::vector<const char *>{"blocks", "P", "Hkv", "D"}
                                     : ragged ? std::vector<const char *>{"Tkv", "Hkv", "D"}
                                              : std::vector<const char *>{"B", "Skv", "Hkv", "D"};
  if (auto e = checkRows("k", d.k, sig.k, kvDims, false))
    return e;
  kvDims.back() = "Dv";
  if (auto e = checkRows("v", d.v, sig.v, kvDims, false))
    return e;
  for (size_t i = 0; i + 1 < d.k.shape.size(); ++i)
    if (d.v.shape[i] != d.k.shape[i])
      return fail(llvm::formatv("v: shape {0} must match k's {1} but for the head dim",
                                shapeString(d.v.shape), shapeString(d.k.shape)));
  Hkv = d.k.shape[d.k.shape.size() - 2];
  if (paged) {
    blocks = d.k.shape[0];
    P = d.k.shape[1];
    if (P != sig.pageSize)
      return fail(llvm::formatv("k: pages of {0} tokens, but the spec declares paged({1})", P,
                                sig.pageSize));
  } else if (ragged) {
    Tkv = d.k.shape[0];
  } else {
    Skv = d.k.shape[1];
    if (d.k.shape[0] != B)
      return fail(llvm::formatv("k: batch {0} differs from q's {1}", d.k.shape[0], B));
  }

  // Heads: GQA and the heads one CTA packs.
  if (Hq < 1)
    return fail("q: needs at least one query head, got 0");
  if (Hkv < 1)
    return fail("k: needs at least one KV head, got 0");
  if (Hq % Hkv != 0)
    return fail(llvm::formatv("k: {0} KV heads do not divide the {1} query heads (Hq % Hkv must "
                              "be 0)",
                              Hkv, Hq));
  if (sig.gqa && Hq != *sig.gqa * Hkv)
    return fail(llvm::formatv("q: the spec fixes gqa = {0}, so {1} KV heads need {2} query heads, "
                              "got {3}",
                              *sig.gqa, Hkv, *sig.gqa * Hkv, Hq));
  int64_t hpt = gk.config.headsPerTile;
  if (Hq % hpt != 0)
    return fail(llvm::formatv("q: {0} query heads are not a multiple of {1}, the heads the kernel "
                              "packs into one CTA (config.headsPerTile)",
                              Hq, hpt));
  if ((Hq / Hkv) % hpt != 0)
    return fail(llvm::formatv("q: groups of {0} query heads per KV head are not a multiple of "
                              "{1}, the heads of one group the kernel packs into one CTA "
                              "(config.headsPerTile)",
                              Hq / Hkv, hpt));
  return llvm::Error::success();
}

llvm::Error Checker::readInts(llvm::StringRef name, const TensorDesc &t, int64_t count,
                              std::vector<int32_t> &out) {
  out.assign(size_t(count), 0);
  if (count == 0)
    return llvm::Error::success();
  size_t bytes = size_t(count) * 4;
  if (t.device == kHostDevice) {
    std::memcpy(out.data(), t.data, bytes);
    return llvm::Error::success();
  }
  if (llvm::Error e = cuda->copyToHostOnStream(out.data(), reinterpret_cast<CUdeviceptr>(t.data),
                                               bytes, stream))
    return fail(name + ": reading it back to check it: " + llvm::toString(std::move(e)));
  return llvm::Error::success();
}

llvm::Error Checker::checkContiguous(llvm::StringRef name, const TensorDesc &t) {
  if (!isContiguous(t))
    return fail(llvm::formatv("{0}: must be contiguous (row-major), got shape {1} with strides "
                              "{2}",
                              name, shapeString(t.shape), shapeString(t.strides)));
  return llvm::Error::success();
}

/// cu_seqlens: int32 [B+1], contiguous, from 0 to `total`, non-decreasing. `values` is left
/// empty when the offsets stay on the device unread.
llvm::Error Checker::checkOffsets(llvm::StringRef name, const TensorDesc &t, int64_t total,
                                  llvm::StringRef totalName, std::vector<int32_t> &values) {
  std::string form = ragged && name == "cu_seqlens_kv" ? llvm::formatv("[B+1={0}]", B + 1).str()
                                                       : std::string("[B+1]");
  if (auto e = checkTensor(name, t, DType::I32, 1, "int32 " + form + " cumulative offsets"))
    return e;
  if (auto e = checkContiguous(name, t))
    return e;
  if (t.shape[0] < 1)
    return fail(llvm::formatv("{0}: needs B+1 offsets, at least one (0), got none", name));
  if (name == "cu_seqlens_kv" && t.shape[0] != B + 1)
    return fail(llvm::formatv("cu_seqlens_kv: {0} offsets, but cu_seqlens_q gives B={1}, so B+1="
                              "{2} are needed",
                              t.shape[0], B, B + 1));
  bool maxGiven = name == "cu_seqlens_q" ? bool(d.maxSeqlenQ) : bool(d.maxSeqlenKV);
  if (!readsMetadata(t, !maxGiven))
    return llvm::Error::success();
  if (auto e = readInts(name, t, t.shape[0], values))
    return e;
  if (values[0] != 0)
    return fail(llvm::formatv("{0}: must start at 0, got {1}", name, values[0]));
  for (size_t i = 1; i < values.size(); ++i)
    if (values[i] < values[i - 1])
      return fail(llvm::formatv("{0}: offsets must not decrease, but [{1}] = {2} < [{3}] = {4}",
                                name, i, values[i], i - 1, values[i - 1]));
  if (values.back() != total)
    return fail(llvm::formatv("{0}: must end at {1}={2} (the rows of {3}), got {4}", name,
                              totalName, total, totalName == "Tq" ? "q" : "k", values.back()));
  return llvm::Error::success();
}

llvm::Error Checker::checkMetadata() {
  auto superfluous = [&](const std::optional<TensorDesc> &t, llvm::StringRef name,
                         llvm::StringRef why) -> llvm::Error {
    if (t)
      return fail(llvm::formatv("{0}: given, but {1}", name, why));
    return llvm::Error::success();
  };
  auto missing = [&](const std::optional<TensorDesc> &t, llvm::StringRef name,
                     llvm::StringRef what) -> llvm::Error {
    if (!t)
      return fail(llvm::formatv("{0}: missing; {1}", name, what));
    return llvm::Error::success();
  };
  const char *denseWhy = "the spec's batch is dense (declare 'batch = ragged;' for cumulative "
                         "offsets)";
  const char *contiguousWhy = "the spec's KV cache is not paged (declare 'kv_cache = paged(P);')";

  // Queries: dense lengths, or ragged offsets.
  std::vector<int32_t> cuQ, cuKV, lens;
  if (ragged) {
    if (auto e = missing(d.cuSeqlensQ, "cu_seqlens_q",
                         "a ragged batch needs int32 [B+1] cumulative query offsets"))
      return e;
    B = d.cuSeqlensQ->shape.size() == 1 ? d.cuSeqlensQ->shape[0] - 1 : 0;
    if (auto e = checkOffsets("cu_seqlens_q", *d.cuSeqlensQ, Tq, "Tq", cuQ))
      return e;
    for (size_t b = 0; b + 1 < cuQ.size(); ++b)
      maxQ = std::max<int64_t>(maxQ, cuQ[b + 1] - cuQ[b]);
    if (d.maxSeqlenQ) {
      if (*d.maxSeqlenQ < maxQ || *d.maxSeqlenQ < 0)
        return fail(llvm::formatv("max_seqlen_q: {0}, but the longest query sequence has {1} "
                                  "tokens",
                                  *d.maxSeqlenQ, maxQ));
      maxQ = *d.maxSeqlenQ;
    }
  } else {
    if (auto e = superfluous(d.cuSeqlensQ, "cu_seqlens_q", denseWhy))
      return e;
    if (d.maxSeqlenQ && *d.maxSeqlenQ != Sq)
      return fail(llvm::formatv("max_seqlen_q: {0}, but the dense batch has Sq={1}",
                                *d.maxSeqlenQ, Sq));
    maxQ = Sq;
  }

  // Keys: dense lengths, ragged offsets, or paged lengths and block table.
  if (paged) {
    if (auto e = superfluous(d.cuSeqlensKV, "cu_seqlens_kv",
                             "a paged KV cache takes seqlens_kv and block_table instead"))
      return e;
    if (auto e = missing(d.seqlensKV, "seqlens_kv",
                         "a paged KV cache needs int32 [B] keys per sequence"))
      return e;
    if (auto e = missing(d.blockTable, "block_table",
                         "a paged KV cache needs int32 [B, maxBlocks] page indices"))
      return e;
    const TensorDesc &sl = *d.seqlensKV, &bt = *d.blockTable;
    std::string slForm = llvm::formatv("int32 [B={0}] keys per sequence", B);
    if (auto e = checkTensor("seqlens_kv", sl, DType::I32, 1, slForm))
      return e;
    if (auto e = checkContiguous("seqlens_kv", sl))
      return e;
    if (sl.shape[0] != B)
      return fail(llvm::formatv("seqlens_kv: expected {0}, got shape {1}", slForm,
                                shapeString(sl.shape)));
    std::string btForm = llvm::formatv("int32 [B={0}, maxBlocks] page indices", B);
    if (auto e = checkTensor("block_table", bt, DType::I32, 2, btForm))
      return e;
    if (bt.shape[0] != B)
      return fail(llvm::formatv("block_table: expected {0}, got shape {1}", btForm,
                                shapeString(bt.shape)));
    if (bt.shape[1] > 1 && bt.strides[1] != 1)
      return fail(llvm::formatv("block_table: rows must be contiguous (unit stride in dimension "
                                "1), got strides {0}",
                                shapeString(bt.strides)));
    maxBlocks = bt.shape[1];
    bool readLens = readsMetadata(sl, !d.maxSeqlenKV);
    if (readLens) {
      if (auto e = readInts("seqlens_kv", sl, B, lens))
        return e;
      for (int64_t b = 0; b < B; ++b) {
        if (lens[b] < 0)
          return fail(llvm::formatv("seqlens_kv: sequence {0} has a negative length {1}", b,
                                    lens[b]));
        maxKV = std::max<int64_t>(maxKV, lens[b]);
        if ((int64_t(lens[b]) + P - 1) / P > maxBlocks)
          return fail(llvm::formatv("block_table: sequence {0} has {1} keys, more than {2} pages "
                                    "of {3} hold",
                                    b, lens[b], maxBlocks, P));
      }
    }
    if (d.maxSeqlenKV) {
      if (*d.maxSeqlenKV < maxKV)
        return fail(llvm::formatv("max_seqlen_kv: {0}, but the longest KV sequence has {1} keys",
                                  *d.maxSeqlenKV, maxKV));
      maxKV = *d.maxSeqlenKV;
      if (!readLens && maxKV > maxBlocks * P)
        return fail(llvm::formatv("block_table: max_seqlen_kv is {0} keys, more than {1} pages "
                                  "of {2} hold",
                                  maxKV, maxBlocks, P));
    }
    // Page indices of every page a sequence uses must be blocks of k and v.
    if (readLens && readsMetadata(bt, false) && B > 0 && maxBlocks > 0) {
      int64_t span = (B - 1) * bt.strides[0] + maxBlocks;
      std::vector<int32_t> table;
      if (auto e = readInts("block_table", bt, span, table))
        return e;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < (lens[b] + P - 1) / P; ++i) {
          int32_t page = table[size_t(b * bt.strides[0] + i)];
          if (page < 0 || page >= blocks)
            return fail(llvm::formatv("block_table: entry [{0}, {1}] = {2} is not a block of the "
                                      "cache (0 to {3})",
                                      b, i, page, blocks - 1));
        }
    }
  } else if (ragged) {
    if (auto e = superfluous(d.seqlensKV, "seqlens_kv", contiguousWhy))
      return e;
    if (auto e = superfluous(d.blockTable, "block_table", contiguousWhy))
      return e;
    if (auto e = missing(d.cuSeqlensKV, "cu_seqlens_kv",
                         "a ragged batch needs int32 [B+1] cumulative key offsets"))
      return e;
    if (auto e = checkOffsets("cu_seqlens_kv", *d.cuSeqlensKV, Tkv, "Tkv", cuKV))
      return e;
    for (size_t b = 0; b + 1 < cuKV.size(); ++b)
      maxKV = std::max<int64_t>(maxKV, cuKV[b + 1] - cuKV[b]);
    if (d.maxSeqlenKV) {
      if (*d.maxSeqlenKV < maxKV)
        return fail(llvm::formatv("max_seqlen_kv: {0}, but the longest KV sequence has {1} keys",
                                  *d.maxSeqlenKV, maxKV));
      maxKV = *d.maxSeqlenKV;
    }
  } else {
    if (auto e = superfluous(d.cuSeqlensKV, "cu_seqlens_kv", denseWhy))
      return e;
    if (auto e = superfluous(d.seqlensKV, "seqlens_kv", contiguousWhy))
      return e;
    if (auto e = superfluous(d.blockTable, "block_table", contiguousWhy))
      return e;
    if (d.maxSeqlenKV && *d.maxSeqlenKV != Skv)
      return fail(llvm::formatv("max_seqlen_kv: {0}, but the dense batch has Skv={1}",
                                *d.maxSeqlenKV, Skv));
    maxKV = Skv;
  }
  return llvm::Error::success();
}

llvm::Error Checker::checkScale(llvm::StringRef name, const std::optional<TensorDesc> &t,
                                const TensorSig &ts, llvm::StringRef tensor, int64_t heads,
                                bool kv) {
  if (ts.scale == ScaleKind::None) {
    if (t)
      return fail(llvm::formatv("{0}: given, but '{1}' is {2}, not quantized, and takes no scale",
                                name, tensor, dtypeName(ts.dtype)));
    return llvm::Error::success();
  }
  const char *H = kv ? "Hkv" : "Hq";
  std::vector<int64_t> want;
  std::string form;
  switch (ts.scale) {
  case ScaleKind::None:
  case ScaleKind::PerTensor:
    want = {1};
    form = "[1]";
    break;
  case ScaleKind::PerHead:
    want = {B, heads};
    form = llvm::formatv("[B={0}, {1}={2}]", B, H, heads);
    break;
  case ScaleKind::PerTokenHead:
    if (kv && paged) {
      want = {blocks, P, heads};
      form = llvm::formatv("[blocks={0}, P={1}, Hkv={2}]", blocks, P, heads);
    } else if (ragged) {
      int64_t T = kv ? Tkv : Tq;
      want = {T, heads};
      form = llvm::formatv("[{0}={1}, {2}={3}]", kv ? "Tkv" : "Tq", T, H, heads);
    } else {
      int64_t S = kv ? Skv : Sq;
      want = {B, S, heads};
      form = llvm::formatv("[B={0}, {1}={2}, {3}={4}]", B, kv ? "Skv" : "Sq", S, H, heads);
    }
    break;
  }
  if (!t)
    return fail(llvm::formatv("{0}: missing; the spec quantizes '{1}' ({2}, scale {3}), which "
                              "needs a float32 {4} scale",
                              name, tensor, dtypeName(ts.dtype), scaleName(ts.scale), form));
  std::string expected = llvm::formatv("float32 {0} ({1} scale of '{2}')", form,
                                       scaleName(ts.scale), tensor);
  bool scalar = ts.scale == ScaleKind::PerTensor && t->shape.empty();
  if (auto e = checkTensor(name, *t, DType::F32, scalar ? 0 : want.size(), expected))
    return e;
  if (!scalar && t->shape != want)
    return fail(llvm::formatv("{0}: expected {1}, got shape {2}", name, expected,
                              shapeString(t->shape)));
  return checkContiguous(name, *t);
}

llvm::Error Checker::checkScales() {
  if (auto e = checkScale("q_scale", d.qScale, sig.q, "q", Hq, false))
    return e;
  if (auto e = checkScale("k_scale", d.kScale, sig.k, "k", Hkv, true))
    return e;
  if (auto e = checkScale("v_scale", d.vScale, sig.v, "v", Hkv, true))
    return e;
  return checkScale("out_scale", d.outScale, sig.out, "out", Hq, false);
}

llvm::Error Checker::checkLse() {
  if (!sig.lse) {
    if (d.lse)
      return fail("lse: given, but the spec does not ask for it (declare 'lse: f32;')");
    return llvm::Error::success();
  }
  int64_t T = ragged ? Tq : B * Sq;
  std::string form = ragged ? llvm::formatv("float32 [Tq={0}, Hq={1}]", T, Hq).str()
                            : llvm::formatv("float32 [T=B*Sq={0}, Hq={1}] or [B={2}, Sq={3}, "
                                            "Hq={1}]",
                                            T, Hq, B, Sq)
                                  .str();
  if (!d.lse)
    return fail("lse: missing; the spec asks for lse, which needs " + form + " contiguous");
  const TensorDesc &l = *d.lse;
  bool threeD = !ragged && l.shape.size() == 3;
  if (auto e = checkTensor("lse", l, DType::F32, threeD ? 3 : 2, form))
    return e;
  std::vector<int64_t> want = threeD ? std::vector<int64_t>{B, Sq, Hq} : std::vector<int64_t>{T, Hq};
  if (l.shape != want)
    return fail(llvm::formatv("lse: expected {0}, got shape {1}", form, shapeString(l.shape)));
  return checkContiguous("lse", l);
}

llvm::Error Checker::checkParams() {
  for (const auto &[name, t] : d.params)
    if (llvm::none_of(sig.params, [&](const ParamSig &p) { return p.name == name; })) {
      std::string declared;
      for (const ParamSig &p : sig.params)
        declared += (declared.empty() ? "" : ", ") + p.name;
      return fail(llvm::formatv("param '{0}': the spec declares no such param ({1})", name,
                                declared.empty() ? "it declares none" : "it declares " + declared));
    }
  for (const ParamSig &p : sig.params) {
    std::string name = "param '" + p.name + "'";
    std::string form = dtypeName(p.dtype).str() + " [";
    std::vector<int64_t> want;
    for (size_t i = 0; i < p.dims.size(); ++i) {
      const ParamDim &dim = p.dims[i];
      int64_t n = dim.extent(B, Hq, Hkv, maxKV);
      want.push_back(n);
      form += (i ? ", " : "") +
              (dim.kind == ParamDim::Fixed ? std::to_string(n)
                                           : llvm::formatv("{0}{1}{2}", paramDimName(dim.kind),
                                                           dim.kind == ParamDim::S ? ">=" : "=", n)
                                                 .str());
    }
    form += "]";
    auto it = d.params.find(p.name);
    if (it == d.params.end())
      return fail(llvm::formatv("{0}: missing; the spec declares it as {1}", name, form));
    const TensorDesc &t = it->second;
    if (auto e = checkTensor(name, t, p.dtype, p.dims.size(), form, true))
      return e;
    for (size_t i = 0; i < p.dims.size(); ++i) {
      bool atLeast = p.dims[i].kind == ParamDim::S;
      if (atLeast ? t.shape[i] < want[i] : t.shape[i] != want[i])
        return fail(llvm::formatv("{0}: expected {1}, got shape {2} (dimension {3} must be "
                                  "{4}{5})",
                                  name, form, shapeString(t.shape), i,
                                  atLeast ? "at least the longest KV sequence, " : "", want[i]));
    }
  }
  return llvm::Error::success();
}

llvm::Error Checker::checkInt32() {
  auto fits = [](llvm::StringRef name, llvm::StringRef what, int64_t n) -> llvm::Error {
    if (n > INT_MAX)
      return fail(llvm::formatv("{0}: {1} {2} does not fit the int32 the kernel's Args use "
                                "(at most {3})",
                                name, what, n, INT_MAX));
    return llvm::Error::success();
  };
  for (auto [name, what, n] :
       {std::tuple{ragged ? "cu_seqlens_q" : "q", "batch size B", B},
        std::tuple{"q", "query heads Hq", Hq},
        std::tuple{"k", "KV heads Hkv", Hkv}, std::tuple{"q", "sequence length Sq", Sq},
        std::tuple{"k", "sequence length Skv", Skv},
        std::tuple{"q", "token count Tq (int32 offsets)", Tq},
        std::tuple{"k", "token count Tkv (int32 offsets)", Tkv},
        std::tuple{"k", "block count (int32 page indices)", blocks},
        std::tuple{"max_seqlen_q", "length", maxQ}, std::tuple{"max_seqlen_kv", "length", maxKV}})
    if (auto e = fits(name, what, n))
      return e;
  return llvm::Error::success();
}

llvm::Expected<dev::Args> Checker::run() {
  if (auto e = checkKernel())
    return std::move(e);
  // Sizes before anything multiplies them; the int32 limits again once the metadata gave B and
  // the longest sequences.
  if (auto e = checkSizes())
    return std::move(e);
  if (auto e = checkInt32())
    return std::move(e);
  if (auto e = checkDevices())
    return std::move(e);
  if (auto e = checkMetadata())
    return std::move(e);
  if (auto e = checkInt32())
    return std::move(e);
  if (auto e = checkScales())
    return std::move(e);
  if (auto e = checkLse())
    return std::move(e);
  if (auto e = checkParams())
    return std::move(e);

  dev::Args a;
  std::memset(&a, 0, sizeof a);
  auto rows = [&](const TensorDesc &t) {
    dev::TensorArg r{t.data, {0, 0, 0}};
    const std::vector<int64_t> &s = t.strides;
    if (s.size() == 4) // dense [B, S, H, D] or paged [blocks, P, H, D]
      r.stride[0] = s[0], r.stride[1] = s[1], r.stride[2] = s[2];
    else // ragged [T, H, D]: no batch stride
      r.stride[1] = s[0], r.stride[2] = s[1];
    return r;
  };
  a.q = rows(d.q);
  a.out = rows(d.out);
  a.k = rows(d.k);
  a.v = rows(d.v);
  auto floats = [](const std::optional<TensorDesc> &t) {
    return t ? static_cast<const float *>(t->data) : nullptr;
  };
  auto ints = [](const std::optional<TensorDesc> &t) {
    return t ? static_cast<const int *>(t->data) : nullptr;
  };
  a.lse = const_cast<float *>(floats(d.lse));
  a.q_scale = floats(d.qScale);
  a.k_scale = floats(d.kScale);
  a.v_scale = floats(d.vScale);
  a.out_scale = floats(d.outScale);
  a.cu_seqlens_q = ints(d.cuSeqlensQ);
  a.cu_seqlens_kv = ints(d.cuSeqlensKV);
  a.seqlens_kv = ints(d.seqlensKV);
  a.block_table = ints(d.blockTable);
  a.block_table_stride = d.blockTable ? d.blockTable->strides[0] : 0;
  a.batch = int(B);
  a.heads_q = int(Hq);
  a.heads_kv = int(Hkv);
  a.seqlen_q = int(maxQ);
  a.seqlen_kv = int(maxKV);
  a.splits = d.splits.value_or(0);
  a.overlap = d.overlapPrevious && d.q.device != kHostDevice;
  for (size_t i = 0; i < sig.params.size(); ++i) {
    const TensorDesc &t = d.params.at(sig.params[i].name);
    a.params[i].data = t.data;
    for (size_t j = 0; j < t.strides.size(); ++j)
      a.params[i].stride[j] = t.strides[j];
  }
  return a;
}

} // namespace

TensorDesc TensorDesc::contiguous(const void *data, DType dtype, std::vector<int64_t> shape,
                                  int device) {
  TensorDesc t{data, dtype, device, std::move(shape), {}};
  t.strides.assign(t.shape.size(), 1);
  for (size_t i = t.shape.size(); i-- > 1;)
    t.strides[i - 1] = t.strides[i] * std::max<int64_t>(t.shape[i], 1);
  return t;
}

int64_t TensorDesc::numel() const {
  int64_t n = 1;
  for (int64_t s : shape)
    if (__builtin_mul_overflow(n, std::max<int64_t>(s, 0), &n))
      return INT64_MAX;
  return n;
}

std::string attn::rt::shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

llvm::Expected<dev::Args> attn::rt::toArgs(const GeneratedKernel &kernel, const LaunchDesc &desc,
                                           CUstream stream) {
  return Checker(kernel, desc, stream).run();
}

llvm::Error attn::rt::validate(const GeneratedKernel &kernel, const LaunchDesc &desc,
                               CUstream stream) {
  llvm::Expected<dev::Args> args = toArgs(kernel, desc, stream);
  return args ? llvm::Error::success() : args.takeError();
}

const GeneratedKernel &attn::rt::shapeFor(const GeneratedKernel &kernel, const dev::Args &args) {
  const GeneratedKernel *d = kernel.decode.get();
  bool fits = d && int64_t(args.seqlen_q) * d->config.headsPerTile <= d->config.blockM;
  return fits ? *d : kernel;
}

std::optional<MixedLaunch> attn::rt::mixedLaunch(const GeneratedKernel &kernel, const dev::Args &args) {
  const GeneratedKernel *d = kernel.decode.get();
  // A dense batch's sequences are all of one length: there is no short class to take apart.
  if (!d || kernel.signature.batch != BatchLayout::Ragged || args.splits > 0 ||
      &shapeFor(kernel, args) == d)
    return std::nullopt;
  int positions = int(d->config.blockM / d->config.headsPerTile);
  MixedLaunch m{args, args};
  m.longs.seq_class = dev::kLongSeqs;
  m.longs.splits = 1;
  m.shorts.seq_class = dev::kShortSeqs;
  m.longs.class_q = m.shorts.class_q = m.shorts.seqlen_q = positions;
  return m;
}

void attn::rt::chooseSplits(const GeneratedKernel &kernel, dev::Args &args, int slots) {
  if (args.splits > 0)
    return;
  if (kernel.mergeName.empty()) {
    args.splits = 1;
    return;
  }
  LaunchGrid g = launchGrid(kernel.config, args.batch, args.heads_q, args.seqlen_q);
  int64_t ctas = int64_t(g.x) * g.y * g.z;
  int64_t kvTiles = (int64_t(args.seqlen_kv) + kernel.config.blockN - 1) / kernel.config.blockN;
  int64_t parts = ctas > 0 && 2 * ctas <= slots ? slots / ctas : 1;
  args.splits = int(std::max<int64_t>(1, std::min({parts, kvTiles, int64_t(dev::kMaxSplits)})));
}

LaunchGrid attn::rt::gridOf(const GeneratedKernel &kernel, const dev::Args &args) {
  LaunchGrid g = launchGrid(kernel.config, args.batch, args.heads_q, args.seqlen_q);
  g.x *= unsigned(std::max(1, args.splits));
  return g;
}

SplitWorkspace attn::rt::splitWorkspace(const GeneratedKernel &kernel, const dev::Args &args) {
  SplitWorkspace w;
  if (args.splits > 1) {
    w.lseFloats = int64_t(args.splits) * args.batch * args.seqlen_q * args.heads_q;
    w.outFloats = w.lseFloats * kernel.signature.v.headDim;
  }
  return w;
}

void SplitWorkspace::assign(dev::Args &args, void *base) const {
  args.part_out = static_cast<float *>(base);
  args.part_lse = args.part_out + outFloats;
}

LaunchGrid attn::rt::mergeGridOf(const dev::Args &args) {
  LaunchGrid g;
  int64_t rows = int64_t(args.batch) * args.seqlen_q * args.heads_q;
  g.x = unsigned((rows + dev::kMergeRows - 1) / dev::kMergeRows);
  return g;
}
