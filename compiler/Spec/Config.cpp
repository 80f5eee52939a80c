//===- Config.cpp - Tile sizes and path of one kernel ---------------------===//
#include "compiler/Spec/Config.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace attn;

namespace {
int64_t roundUp16(int64_t d) { return (d + 15) / 16 * 16; }
/// Shared row stride in elements: an odd number of 16-byte chunks (Layout.h's stride()).
int64_t rowStride(int64_t d) { return ((d / 8) % 2 ? d / 8 : d / 8 + 1) * 8; }
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
    } else if (key == "pingpong" && (value == "on" || value == "off")) {
      o.pingpong = value == "on";
    } else if (key == "pingpong") {
      return bad("on or off");
    } else {
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("config: unknown '{0}'; the keys are arch, block_m, block_n, warps, stages, "
                        "heads_per_tile, mma and pingpong, as key=value separated by commas",
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
  return c;
}

std::optional<ConfigOverrides> attn::decodeOverrides(const Signature &sig, const ConfigOverrides &o) {
  bool overridden = o.blockM || o.blockN || o.warps || o.stages || o.headsPerTile || o.mma || o.pingpong;
  KernelConfig c = selectConfig(sig, o);
  // Head dims past 128 keep one build: their O tile alone would take 128 registers a thread.
  if (overridden || sig.batch != BatchLayout::Ragged || !c.pingpong ||
      std::max(sig.q.headDim, sig.v.headDim) > 128)
    return std::nullopt;
  // Three 64-key stages still fit two CTAs per SM at head dim 128 (2 x 113 KB). fp8 K/V keep
  // two stages: their tiles then widen into one buffer each (65 KB, three CTAs per SM; three
  // stages on two CTAs measured slower, docs/performance.md v0.13).
  ConfigOverrides d = o;
  d.blockM = 64, d.blockN = 64, d.warps = 4, d.pingpong = false;
  d.stages = isFP8(sig.k.dtype) || isFP8(sig.v.dtype) ? 2 : 3;
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
  if (c.blockM < 16 || c.blockM % (16 * c.warps) != 0)
    return llvm::formatv("block_m = {0} must be a positive multiple of 16 * warps = {1}", c.blockM,
                         16 * c.warps);
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
  return c.mma == "wgmma" && isFP8(sig.q.dtype) && isFP8(sig.k.dtype) && sig.q.headDim % 128 == 0;
}

int64_t attn::ctasPerSM(const KernelConfig &c, const Signature &sig) {
  if (c.mma != "wgmma" || c.warps != 4)
    return 1;
  constexpr int64_t kSharedPerSM = 228 * 1024, kReservedPerCTA = 1024; // sm_90
  return kSharedPerSM / (sharedBytes(c, sig) + kReservedPerCTA) >= 3 ? 3 : 1;
}

int64_t attn::sharedBytes(const KernelConfig &c, const Signature &sig) {
  int64_t dqk = roundUp16(sig.q.headDim), dv = roundUp16(sig.v.headDim);
  // wgmma: dense 128-byte swizzled rows, 1024-byte aligned in the kernel (hence 1024 spare).
  bool wgmma = c.mma == "wgmma", qk8 = fp8QK(c, sig);
  int64_t sqk = wgmma ? dqk : rowStride(dqk), sv = wgmma ? dv : rowStride(dv);
  int64_t qkBytes = qk8 ? 1 : 2; // an element of the Q and K tiles
  // fp8 K/V that widen need one MMA-type buffer where each tile widens behind a barrier
  // (Layout.h's WIDE_BUFS), else one per stage.
  int64_t wide = c.stages > 2 || c.pingpong ? c.stages : 1;
  int64_t kBufs = isFP8(sig.k.dtype) && !qk8 ? wide : c.stages, vBufs = isFP8(sig.v.dtype) ? wide : c.stages;
  int64_t bytes = (wgmma ? 1024 : 0) + (c.blockM + kBufs * c.blockN) * sqk * qkBytes + vBufs * c.blockN * sv * 2;
  // fp8 tiles that widen land raw in staging buffers first.
  if (isFP8(sig.q.dtype) && !qk8) bytes += c.blockM * dqk;
  int64_t rawSlots = c.stages > 2 ? c.stages - 1 : 1; // fp8 tiles in flight (Layout.h)
  if (isFP8(sig.k.dtype) && !qk8) bytes += rawSlots * c.blockN * dqk;
  if (isFP8(sig.v.dtype)) bytes += rawSlots * c.blockN * dv;
  return bytes;
}
