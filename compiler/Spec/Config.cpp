//===- Config.cpp - Tile sizes and path of one kernel ---------------------===//
#include "compiler/Spec/Config.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace attn;

namespace {
int64_t roundUp16(int64_t d) { return (d + 15) / 16 * 16; }
/// A shared row in bytes (mma.sync): an odd number of 16-byte chunks (Layout.h's stride()).
int64_t rowStride(int64_t bytes) { return (bytes / 16) % 2 ? bytes : bytes + 16; }
} // namespace

llvm::Error attn::parseConfigOverrides(llvm::StringRef text, ConfigOverrides &o) {
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',', -1, false);
  for (llvm::StringRef item : items) {
    auto [key, value] = item.split('=');
    key = key.trim(), value = value.trim();
    auto bad = [&](llvm::StringRef want) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     llvm::formatv("config '{0}': '{1}' is not {2}", key, value, want));
    };
    std::optional<int64_t> *count = llvm::StringSwitch<std::optional<int64_t> *>(key)
                                        .Case("block_m", &o.blockM)
                                        .Case("block_n", &o.blockN)
                                        .Case("warps", &o.warps)
                                        .Case("stages", &o.stages)
                                        .Case("heads_per_tile", &o.headsPerTile)
                                        .Default(nullptr);
    int64_t n = 0;
    if (count) {
      if (value.getAsInteger(10, n) || n < 1)
        return bad("a positive integer");
      *count = n;
    } else if (key == "arch" && !value.empty()) {
      o.arch = value.str();
    } else if (key == "mma" && (value == "wgmma" || value == "mma.sync")) {
      o.mma = value.str();
    } else if (key == "mma") {
      return bad("wgmma or mma.sync");
    } else if ((key == "pingpong" || key == "warp_split") && (value == "on" || value == "off")) {
      (key == "pingpong" ? o.pingpong : o.warpSplit) = value == "on";
    } else if (key == "pingpong" || key == "warp_split") {
      return bad("on or off");
    } else {
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("config: unknown '{0}'; the keys are arch, block_m, block_n, warps, stages, "
                        "heads_per_tile, mma, pingpong and warp_split, as key=value separated by commas",
                        item));
    }
  }
  return llvm::Error::success();
}

KernelConfig attn::selectConfig(const Signature &sig, const ConfigOverrides &o) {
  KernelConfig c;
  int64_t d = std::max(sig.q.headDim, sig.v.headDim);
  bool wgmma = o.arch == "sm_90a" && sig.q.headDim % 64 == 0 && sig.v.headDim % 64 == 0 && d <= 256;
  c.mma = o.mma.value_or(wgmma ? "wgmma" : "mma.sync");
  c.stages = 1;
  if (c.mma == "wgmma") {
    c.blockM = 128, c.blockN = d <= 128 ? 128 : 64, c.warps = 8, c.stages = 2;
  } else if (d <= 64) {
    c.blockM = 128, c.blockN = 64, c.warps = 4;
  } else if (d <= 128) {
    c.blockM = 128, c.blockN = 32, c.warps = 4;
  } else {
    c.blockM = 64, c.blockN = 32, c.warps = 4;
  }
  if (sig.gqa && *sig.gqa > 1 && *sig.gqa <= 8)
    c.headsPerTile = *sig.gqa;
  c.arch = o.arch;
  if (o.blockM) c.blockM = *o.blockM;
  if (o.blockN) c.blockN = *o.blockN;
  if (o.warps) c.warps = *o.warps;
  if (o.stages) c.stages = *o.stages;
  if (o.headsPerTile) c.headsPerTile = *o.headsPerTile;
  c.pingpong = o.pingpong.value_or(c.mma == "wgmma" && c.warps == 8 && c.stages >= 2 &&
                                   std::min(sig.q.headDim, sig.v.headDim) >= 128);
  c.warpSplit = o.warpSplit.value_or(false);
  return c;
}

std::optional<ConfigOverrides> attn::decodeOverrides(const Signature &sig, const ConfigOverrides &o) {
  bool overridden = o.blockM || o.blockN || o.warps || o.stages || o.headsPerTile || o.mma || o.pingpong ||
                    o.warpSplit;
  KernelConfig c = selectConfig(sig, o);
  // Head dims past 128 keep one build: their O tile alone would take 128 registers a thread.
  if (overridden || !c.pingpong || std::max(sig.q.headDim, sig.v.headDim) > 128)
    return std::nullopt;
  ConfigOverrides d = o;
  if (isFP8(sig.k.dtype) || isFP8(sig.v.dtype)) {
    // fp8 K/V: warp split on 8 rows (a decode step's 4-8 heads on the MMAs' n, the keys on
    // their rows: no MMA computes padding rows past 8) on 4 warps of 48 keys each (192-key
    // tiles), two stages: the codes widen in registers, and two CTAs fit an SM (110 KB at head
    // dim 128, the only one with a ping-pong default and so a decode build). 16 rows (one m16
    // tile of queries) measured 3-4 % slower at 8k keys (docs/performance.md v0.25); 64-key
    // tiles on three CTAs 1-3 % slower (v0.14).
    d.mma = "mma.sync", d.warpSplit = true, d.pingpong = false;
    d.blockM = 8, d.blockN = 192, d.warps = 4, d.stages = 2;
    return d;
  }
  // Three 64-key stages still fit two CTAs per SM at head dim 128 (2 x 113 KB).
  d.blockM = 64, d.blockN = 64, d.warps = 4, d.pingpong = false, d.stages = 3;
  return d;
}

std::string attn::checkConfig(const KernelConfig &c, const Signature &sig) {
  if (c.mma != "wgmma" && c.mma != "mma.sync")
    return llvm::formatv("mma = '{0}': use wgmma or mma.sync", c.mma);
  if (c.warps < 1 || c.warps > 16)
    return llvm::formatv("warps = {0}: use 1 to 16", c.warps);
  if (c.mma == "wgmma") {
    if (c.arch != "sm_90a")
      return llvm::formatv("mma = wgmma needs sm_90a, not {0}: use mma = mma.sync", c.arch);
    if (c.warps % 4 != 0 || c.blockM != 16 * c.warps)
      return llvm::formatv("block_m = {0} with {1} warps: wgmma needs whole warpgroups (warps a "
                           "multiple of 4) and block_m = 16 * warps",
                           c.blockM, c.warps);
    if (c.blockN % 32 != 0)
      return llvm::formatv("block_n = {0}: wgmma needs a multiple of 32", c.blockN);
    if (sig.q.headDim % 64 != 0 || sig.v.headDim % 64 != 0)
      return llvm::formatv("head dims {0} and {1}: wgmma needs multiples of 64 (128-byte swizzled "
                           "rows); use mma = mma.sync",
                           sig.q.headDim, sig.v.headDim);
  }
  if (c.warpSplit) {
    int64_t dv = roundUp16(sig.v.headDim);
    if (c.mma != "mma.sync" || c.pingpong)
      return "warp_split needs mma = mma.sync, without pingpong";
    bool keyRows = isFP8(sig.k.dtype) && isFP8(sig.v.dtype);
    if (c.blockM == 8 ? !keyRows : c.blockM < 16 || c.blockM % 16 != 0)
      return llvm::formatv("block_m = {0}: warp_split needs a positive multiple of 16, or 8 with fp8 k "
                           "and v (keys on the MMA's rows)",
                           c.blockM);
    if (c.blockN % (16 * c.warps) != 0 || c.blockN == dv)
      return llvm::formatv("block_n = {0}: warp_split needs a multiple of 16 * warps = {1} (16 keys "
                           "a warp at least) other than the padded v head dim {2}",
                           c.blockN, 16 * c.warps, dv);
    if ((isFP8(sig.k.dtype) && sig.q.headDim % 32 != 0) || (isFP8(sig.v.dtype) && sig.v.headDim % 32 != 0))
      return llvm::formatv("head dims {0} and {1}: warp_split reads fp8 K and V in 32-byte steps; "
                           "use multiples of 32",
                           sig.q.headDim, sig.v.headDim);
  } else if (c.blockM < 16 || c.blockM % (16 * c.warps) != 0) {
    return llvm::formatv("block_m = {0} must be a positive multiple of 16 * warps = {1}", c.blockM,
                         16 * c.warps);
  }
  if (c.blockN < 16 || c.blockN % 16 != 0 || c.blockN > 256)
    return llvm::formatv("block_n = {0} must be a multiple of 16 from 16 to 256", c.blockN);
  if (c.stages < 1 || c.stages > 4)
    return llvm::formatv("stages = {0}: use 1 to 4 K/V tile buffers", c.stages);
  if (c.pingpong && (c.mma != "wgmma" || c.warps != 8 || c.stages < 2))
    return "pingpong needs two warpgroups taking turns: mma = wgmma, warps = 8 and stages >= 2";
  if (c.headsPerTile < 1 || c.blockM % c.headsPerTile != 0)
    return llvm::formatv("heads_per_tile = {0} must divide block_m = {1}", c.headsPerTile, c.blockM);
  if (c.headsPerTile > 1 && (!sig.gqa || *sig.gqa % c.headsPerTile != 0))
    return llvm::formatv("heads_per_tile = {0} must divide the spec's gqa ratio{1}", c.headsPerTile,
                         sig.gqa ? llvm::formatv(" {0}", *sig.gqa).str() : " (the spec fixes none)");
  if (c.arch != "sm_80" && c.arch != "sm_86" && c.arch != "sm_89" && c.arch != "sm_90" &&
      c.arch != "sm_90a" && c.arch != "sm_100a" && c.arch != "sm_120")
    return llvm::formatv("arch '{0}' is not supported: use sm_80, sm_86, sm_89, sm_90, sm_90a, "
                         "sm_100a or sm_120",
                         c.arch);
  if (!mmaType(sig))
    return "f32 q/k/v have no tensor-core path yet: store q, k and v as bf16, f16 or fp8";
  if (isFP8(sig.k.dtype) || isFP8(sig.v.dtype) || isFP8(sig.q.dtype) || isFP8(sig.out.dtype))
    if (c.arch == "sm_80" || c.arch == "sm_86")
      return llvm::formatv("fp8 tensors need sm_89 or newer, not {0}", c.arch);
  return "";
}

std::optional<DType> attn::mmaType(const Signature &sig) {
  for (DType t : {sig.q.dtype, sig.k.dtype, sig.v.dtype})
    if (t == DType::F32)
      return std::nullopt;
  bool fp8KV = isFP8(sig.k.dtype) && isFP8(sig.v.dtype);
  return sig.q.dtype == DType::F16 || fp8KV ? DType::F16 : DType::BF16;
}

bool attn::fp8QK(const KernelConfig &c, const Signature &sig) {
  if (!isFP8(sig.q.dtype) || !isFP8(sig.k.dtype))
    return false;
  return c.mma == "wgmma" ? sig.q.headDim % 128 == 0 : c.warpSplit && sig.q.headDim % 32 == 0;
}

bool attn::fp8Codes(const KernelConfig &c, const Signature &sig, char operand) {
  switch (operand) {
  case 'q': return fp8QK(c, sig);
  case 'k': return isFP8(sig.k.dtype) && (fp8QK(c, sig) || c.warpSplit);
  default: return isFP8(sig.v.dtype) && c.warpSplit;
  }
}

int64_t attn::ctasPerSM(const KernelConfig &c, const Signature &sig) {
  if (!(c.mma == "wgmma" || c.warpSplit) || c.warps != 4)
    return 1;
  constexpr int64_t kSharedPerSM = 228 * 1024, kReservedPerCTA = 1024; // sm_90
  return kSharedPerSM / (sharedBytes(c, sig) + kReservedPerCTA) >= 3 ? 3 : 1;
}

int64_t attn::sharedBytes(const KernelConfig &c, const Signature &sig) {
  int64_t dqk = roundUp16(sig.q.headDim), dv = roundUp16(sig.v.headDim);
  // wgmma: dense 128-byte swizzled rows, 1024-byte aligned in the kernel (hence 1024 spare).
  bool wgmma = c.mma == "wgmma";
  // A tile's row in bytes: elements of one byte (fp8 codes) or two (the MMA type).
  auto row = [&](int64_t d, char operand) {
    int64_t bytes = d * (fp8Codes(c, sig, operand) ? 1 : 2);
    return wgmma ? bytes : rowStride(bytes);
  };
  bool widen[3] = {isFP8(sig.q.dtype) && !fp8Codes(c, sig, 'q'), isFP8(sig.k.dtype) && !fp8Codes(c, sig, 'k'),
                   isFP8(sig.v.dtype) && !fp8Codes(c, sig, 'v')};
  // fp8 K/V that widen need one MMA-type buffer where each tile widens behind a barrier
  // (Layout.h's WIDE_BUFS), else one per stage.
  int64_t wide = c.stages > 2 || c.pingpong ? c.stages : 1;
  int64_t kBufs = widen[1] ? wide : c.stages, vBufs = widen[2] ? wide : c.stages;
  int64_t bytes = c.blockM * row(dqk, 'q') + kBufs * c.blockN * row(dqk, 'k') + vBufs * c.blockN * row(dv, 'v');
  // fp8 tiles that widen land raw in staging buffers first.
  int64_t rawSlots = c.stages > 2 ? c.stages - 1 : 1; // fp8 tiles in flight (Layout.h)
  if (widen[0]) bytes += c.blockM * dqk;
  if (widen[1]) bytes += rawSlots * c.blockN * dqk;
  if (widen[2]) bytes += rawSlots * c.blockN * dv;
  // Paged K/V: each copy's block-table entries staged ahead in a ring of stages + 1 slots (a tag
  // and the entries), per warp with warp split, when a copy touches at most 8 pages; with wgmma
  // in the alignment's spare bytes (Layout.h).
  if (sig.pageSize > 0 && c.stages > 1 && !wgmma) {
    int64_t slice = c.warpSplit ? c.blockN / c.warps : c.blockN, page = sig.pageSize;
    int64_t pages = slice % page == 0 ? slice / page : page % slice == 0 ? 1 : (slice - 1 + page - 1) / page + 1;
    if (pages <= 8)
      bytes += (c.warpSplit ? c.warps : 1) * (c.stages + 1) * (pages + 1) * 4;
  }
  // Warp split: the warps' partial O, m and l meet in the tiles' space at the end.
  if (c.warpSplit) bytes = std::max(bytes, c.warps * c.blockM * (dv + 2) * 4);
  return (wgmma ? 1024 : 0) + bytes;
}
