//===- Launch.h - A launch's tensors, their validation and the kernel's Args -*- C++ -*-===//
//
// What a caller passes to run a generated kernel, in the caller's terms (pointers, dtypes, sizes
// and element strides, the device), checked against the kernel's signature and configuration
// before anything runs. Every rule failing names the argument and what was expected; the
// layouts are the ones runtime/include/attn/device/Args.h documents:
//
//   q, out   dense [B, Sq, Hq, D]          ragged [Tq, Hq, D] + cu_seqlens_q [B+1]
//   k, v     dense [B, Skv, Hkv, D]        ragged [Tkv, Hkv, D] + cu_seqlens_kv [B+1]
//            paged [blocks, P, Hkv, D] + seqlens_kv [B] + block_table [B, maxBlocks]
//   lse      float32 [T, Hq] contiguous (dense q may also pass [B, Sq, Hq])
//   scales   float32, contiguous: per_tensor [1]; per_head [B, H]; per_token_head dense
//            [B, S, H], ragged [T, H], paged [blocks, P, Hkv]
//   params   as the spec declares them: B, H, Hkv and fixed extents exact, S at least the
//            longest KV sequence
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_LAUNCH_H
#define ATTN_RUNTIME_LAUNCH_H

#include "compiler/Driver/Codegen.h"
#include "runtime/CudaDriver.h"
#include "runtime/include/attn/device/Args.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attn::rt {

/// The device of host memory (CUDA devices are their ordinals, 0 and up).
constexpr int kHostDevice = -1;

/// One tensor of a launch: where its data is, its element type, and its sizes and element
/// strides (one per dimension; the last dimension of q/k/v/out must have unit stride).
struct TensorDesc {
  const void *data = nullptr;
  DType dtype = DType::F32;
  int device = kHostDevice; ///< CUDA ordinal, or kHostDevice
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  /// A row-major (contiguous) tensor.
  static TensorDesc contiguous(const void *data, DType dtype, std::vector<int64_t> shape,
                               int device = kHostDevice);
  int64_t numel() const;
};

/// Device memory the caller lends a launch (LaunchDesc::workspace).
struct Workspace {
  void *data = nullptr;
  int64_t bytes = 0;
};

/// Everything one launch passes, as the caller has it. Optional tensors are absent when the
/// spec does not use them; validate() says when one is missing or superfluous.
struct LaunchDesc {
  TensorDesc q, k, v, out;
  std::optional<TensorDesc> lse;                               ///< when the spec asks for lse
  std::optional<TensorDesc> qScale, kScale, vScale, outScale;  ///< for quantized tensors
  std::optional<TensorDesc> cuSeqlensQ, cuSeqlensKV;           ///< ragged batch
  std::optional<TensorDesc> seqlensKV, blockTable;             ///< paged KV cache
  std::map<std::string, TensorDesc> params;                    ///< by the spec's names
  /// Ragged/paged: the longest query / KV sequence. When absent, the metadata is read (copied
  /// from the device on the launch's stream) to find them; when given, it must not be shorter
  /// than the longest sequence.
  std::optional<int64_t> maxSeqlenQ, maxSeqlenKV;
  /// Reads device-resident metadata (cu_seqlens, seqlens_kv, block_table) back to check it
  /// (offsets, totals, block indices), synchronizing with the stream. Turn off once the
  /// metadata is known good and maxSeqlenQ/maxSeqlenKV are given, to keep launches
  /// asynchronous. Host metadata is always checked.
  bool checkDeviceMetadata = true;
  /// Split KV: the parts each query tile's keys are cut into, one CTA each, merged after
  /// (Args.h), 1 to dev::kMaxSplits; 1 does not split. Absent: chooseSplits decides.
  std::optional<int> splits;
  /// CUDA launches: the memory of a split launch's partials (Kernel::workspaceBytes), instead
  /// of a stream-ordered allocation each launch; 16-byte aligned, on the launch's device, and
  /// not used by other work until the launch is done. A launch that does not split, and the
  /// host build (which checks it all the same), do not use it.
  std::optional<Workspace> workspace;
  /// CUDA launches: the kernel may start while the kernel queued before it on the stream still
  /// runs (programmatic dependent launch; Args::overlap). The caller promises that kernel
  /// writes none of the metadata and params, which are read before waiting for it.
  bool overlapPrevious = false;
};

/// Checks `desc` against the kernel's signature and configuration: dtypes, ranks, head dims,
/// unit head-dim strides, 16-byte alignment of q/k/v/out pointers and strides, consistent
/// batch, heads and lengths, the GQA ratio, heads per tile, scales, lse, ragged/paged
/// metadata, params, int32 limits, and that every tensor is on one device (for CUDA, the
/// device its pointer belongs to). Device metadata is read on `stream`.
llvm::Error validate(const GeneratedKernel &kernel, const LaunchDesc &desc,
                     CUstream stream = nullptr);

/// The Args a validated launch passes to the kernel, or validate()'s error.
llvm::Expected<dev::Args> toArgs(const GeneratedKernel &kernel, const LaunchDesc &desc,
                                 CUstream stream = nullptr);

/// The build a launch runs: the kernel's decode build (decodeOverrides) when it has one and the
/// launch's longest query sequence fits one of its tiles; else the kernel itself.
const GeneratedKernel &shapeFor(const GeneratedKernel &kernel, const dev::Args &args);

/// A ragged launch on a kernel with a decode build whose longest query sequence does not fit
/// one of that build's tiles (prefill, or prefill chunks and decode steps mixed), with the
/// split left open: its long sequences (more queries than a decode tile's positions) on the
/// kernel itself, unsplit, and its short ones on the decode build (its grid sized for one
/// tile, split as chosen), the kernel's CTAs and merge rows of the other class exiting. The
/// GPU launches the short part right behind the long one, starting its CTAs on the SMs that
/// the long part's last wave leaves idle (Kernel::launch).
struct MixedLaunch {
  dev::Args longs, shorts;
};
std::optional<MixedLaunch> mixedLaunch(const GeneratedKernel &kernel, const dev::Args &args);

/// Settles args.splits when the launch left it open (0): as many parts as let the grid fill
/// `slots` CTAs at once (SMs times the CTAs one SM holds), when the unsplit grid leaves more
/// than half of them idle, with at least one KV tile per part and at most dev::kMaxSplits;
/// else (and for a kernel with no merge entry) 1.
void chooseSplits(const GeneratedKernel &kernel, dev::Args &args, int slots);

/// The grid of a launch with these Args (attn::launchGrid over batch, query heads and the
/// longest query sequence; x times args.splits).
LaunchGrid gridOf(const GeneratedKernel &kernel, const dev::Args &args);

/// A split launch's partials: floats of part_out, then of part_lse (Args.h).
struct SplitWorkspace {
  int64_t outFloats = 0, lseFloats = 0;
  int64_t bytes() const { return (outFloats + lseFloats) * int64_t(sizeof(float)); }
  /// Points args.part_out and args.part_lse into `base` (bytes() of them).
  void assign(dev::Args &args, void *base) const;
};
SplitWorkspace splitWorkspace(const GeneratedKernel &kernel, const dev::Args &args);

/// The merge entry's grid: dev::kMergeRows query rows (token, head) per block.
LaunchGrid mergeGridOf(const dev::Args &args);

/// "[2, 128, 8, 64]".
std::string shapeString(const std::vector<int64_t> &shape);

} // namespace attn::rt

#endif // ATTN_RUNTIME_LAUNCH_H
