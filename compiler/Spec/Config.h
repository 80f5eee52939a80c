//===- Config.h - Tile sizes and path of one kernel -------------*- C++ -*-===//
#ifndef ATTN_SPEC_CONFIG_H
#define ATTN_SPEC_CONFIG_H

#include "compiler/Spec/Signature.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace attn {

/// Tile sizes and path of one kernel: attn-select-config's choice, or the caller's override.
struct KernelConfig {
  int64_t blockM = 0;       ///< query rows per CTA (positions x packed heads)
  int64_t blockN = 0;       ///< keys per KV tile
  int64_t warps = 0;        ///< warps per CTA
  int64_t stages = 0;       ///< K and V tile buffers (1: V(n) loads under Q.K(n), K(n+1) under
                            ///< P.V(n); 2: K(n+1) and V(n+1) load during all of tile n; 3, 4:
                            ///< K and V of tile n+S-1 load during tile n)
  int64_t headsPerTile = 1; ///< query heads of one GQA group packed into a CTA's rows
  std::string arch;         ///< sm_90a, sm_80, ...
  std::string mma;          ///< "wgmma" (sm_90a warpgroup MMAs) or "mma.sync" (sm_80 and newer)
  bool pingpong = false;    ///< two warpgroups take turns at the tensor cores (wgmma, 8 warps,
                            ///< 2+ stages; K and V then waited for at the top of each tile)
  bool warpSplit = false;   ///< the warps split each K/V tile's keys (mma.sync), every warp
                            ///< holding all block_m rows with its own online softmax, merged at
                            ///< the end; fp8 K and V stay codes in shared memory, widened in
                            ///< registers as the MMAs read them (the decode tile)
};

/// What a caller may choose; unset fields are attn-select-config's.
struct ConfigOverrides {
  std::string arch = "sm_90a";
  std::optional<int64_t> blockM, blockN, warps, stages, headsPerTile;
  std::optional<std::string> mma;
  std::optional<bool> pingpong, warpSplit;
};

/// Reads overrides from `key=value` pairs separated by commas ("block_m=64,mma=mma.sync"):
/// arch, block_m, block_n, warps, stages, heads_per_tile (positive ints), mma, pingpong and
/// warp_split (on/off). An unknown key or a malformed value is an error naming it; "" changes
/// nothing.
llvm::Error parseConfigOverrides(llvm::StringRef text, ConfigOverrides &o);

/// The config for a signature on an arch. On sm_90a with head dims that are multiples of 64 (up
/// to 256): warpgroup MMAs (wgmma), 128 query rows on 8 warps (two warpgroups of 64 rows), 128
/// keys per tile (64 beyond a head dim of 128, where O takes 128 registers), and two K/V stages
/// so that tile n + 1 loads during all of tile n; one CTA per SM. Elsewhere mma.sync m16n8k16:
/// 128 query rows on 4 warps, 32 rows per warp, so that each K/V fragment read from shared
/// memory feeds two MMAs; keys per tile as many as fit the S and O fragments in 255 registers
/// without spills (64 for head dims up to 64, 32 up to 128), 64 x 32 beyond; two CTAs per SM.
/// The heads of a fixed GQA group (up to 8) share a CTA and its K/V tiles. The two warpgroups
/// take turns at the tensor cores (ping-pong) where a warpgroup's softmax lasts about as long
/// as its MMAs: head dims of 128 and more (measured: +2-19 % there, -8 % at head dim 64).
/// Overrides replace any field.
KernelConfig selectConfig(const Signature &sig, const ConfigOverrides &overrides);

/// The overrides of a second, decode-shaped build of a kernel whose default is the 128-row
/// ping-pong tile (dense or ragged batches alike). 16-bit K/V: one warpgroup of 64 rows on 64-key
/// tiles, three stages and two CTAs per SM; the 128-row tile does 32 rows' work per live row of
/// a decode step, and the H200's paged decode measured 1.3-1.4x faster with this shape. fp8
/// K/V: warp split (mma.sync, 16 rows, each of 4 warps 48 keys of a 192-key tile, two stages,
/// two CTAs per SM), whose codes widen in registers; measured 1.6x faster than the
/// one-warpgroup tile on the H200 (docs/performance.md v0.14).
/// Launches whose query tiles fit one such tile take it (see rt::shapeFor), and a mixed
/// batch's short sequences (rt::mixedLaunch). None when the caller overrode the config, for
/// head dims past 128 and other paths.
std::optional<ConfigOverrides> decodeOverrides(const Signature &sig, const ConfigOverrides &o);

/// Why `config` cannot run `sig` (tile shapes the library cannot build), or empty.
std::string checkConfig(const KernelConfig &config, const Signature &sig);

/// The MMA operand type. f16 for f16 q, and for fp8 K and V: e4m3 and e5m2 widen to f16 in one
/// conversion (to bf16 in four), and P keeps 3 more bits; bf16 q then enters f16 row by row,
/// each row divided by a power of two (tile.load_q's row factors), so it neither overflows nor
/// loses bits. bf16 otherwise (fp8 q widens exactly to either). F32 q/k/v have no tensor-core
/// path (nullopt).
std::optional<DType> mmaType(const Signature &sig);

/// Whether Q.K runs on fp8 tensor cores: fp8 q and k (e4m3 or e5m2 each) on the wgmma path
/// with head dims a multiple of 128 (an fp8 row fills whole 128-byte swizzled rows), or split
/// keys (mma.sync m16n8k32) with head dims a multiple of 32. The Q and K tiles then keep their
/// fp8 codes; the scores are exact products summed in f32, as with the widened tiles. P.V
/// stays on 16-bit tensor cores: fp8 has no transposed operand (V would be transposed in shared
/// memory) and P rounded to e4m3 would keep 3 bits where f16 keeps 10. Elsewhere q and k widen
/// to the MMA type.
bool fp8QK(const KernelConfig &config, const Signature &sig);

/// Whether the shared tile of `operand` ('q', 'k' or 'v') holds fp8 codes rather than the MMA
/// type: Q and K for fp8 Q.K (fp8QK); K and V that the warp-split MMAs widen in registers.
bool fp8Codes(const KernelConfig &config, const Signature &sig, char operand);

/// The CTAs per SM a kernel is built for (its registers capped to fit them, the second
/// argument of __launch_bounds__): 3 for four-warp wgmma or warp-split tiles where the SM's
/// 228 KB of shared memory fit three (168 registers a thread, about what such a tile needs); 1
/// otherwise, leaving the registers to the compiler (two four-warp CTAs have 256 registers a
/// thread anyway). On the H200 three CTAs an SM measured +8-10 % for v0.13's fp8 decode build
/// (docs/performance.md).
int64_t ctasPerSM(const KernelConfig &config, const Signature &sig);

/// Dynamic shared memory of a kernel, in bytes: the formula of the device library's Layout.h
/// (which static_asserts that the two agree).
int64_t sharedBytes(const KernelConfig &config, const Signature &sig);

} // namespace attn

#endif // ATTN_SPEC_CONFIG_H
