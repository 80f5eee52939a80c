//===- Args.h - What a generated kernel takes: the launch ABI ---*- C++ -*-===//
//
// One struct, passed by value to every generated kernel, and filled by the runtime (or by the
// host launcher in tests). It compiles under NVRTC (no standard headers) and under any C++17
// host compiler, so the runtime, the host build of a kernel and the GPU build agree on it byte
// for byte.
//
// Layouts (element strides; the head dim always has unit stride):
//   q, out  dense  [B, Sq, Hq, D]       stride = {batch, token, head}
//           ragged [Tq, Hq, D]          stride = {0, token, head}, rows cu_seqlens_q[b]..[b+1]
//   k, v    dense  [B, Skv, Hkv, D]     stride = {batch, token, head}
//           ragged [Tkv, Hkv, D]        stride = {0, token, head}, rows cu_seqlens_kv[b]..[b+1]
//           paged  [blocks, P, Hkv, D]  stride = {block, slot, head}, block_table[b][i]
//   lse     float [T, Hq] contiguous, T = B*Sq (dense) or Tq (ragged); null when not asked for
//   scales  float: per_tensor [1]; per_head [B, H]; per_token_head dense [B, S, H],
//           ragged [T, H], paged [blocks, P, Hkv]; all contiguous
//   params  up to kMaxParamRank dims, element strides, in declaration order
// Query i of a sequence with q_len queries and kv_len keys has q_idx = kv_len - q_len + i.
//
// Split KV (a choice of the launch, not of the spec): with splits > 1 the keys of each query
// tile are cut into `splits` contiguous parts of whole tiles, one CTA each (grid x = query
// tiles * splits). Each CTA stores float partials: out / l, scaled, in part_out [splits, B,
// Sq, Hq, DV] and m + log2 l in part_lse [splits, B, Sq, Hq] (Sq = seqlen_q, the largest for
// ragged batches); the kernel's merge entry then combines them into out and lse, kMergeRows
// query rows per block of kMergeThreads threads.
//
// Overlap (programmatic dependent launch, asked for by the caller): with overlap != 0 the grid
// may start while the kernel queued before it on the stream still runs. Its CTAs read only the
// metadata (cu_seqlens, seqlens_kv, block_table) and params, and prefetch into L2, until
// griddepcontrol.wait (tile.await_previous); the caller promises that kernel writes none of
// those. Every launch lets the next one start at its entry, an overlapping one after its wait.
//
// Classes of sequences (a mixed batch of prefill chunks and decode steps, rt::mixedLaunch):
// with seq_class != kAllSeqs a launch computes only the sequences of at most class_q queries
// (kShortSeqs) or only the others (kLongSeqs); CTAs and merge rows of the other class exit.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_ARGS_H
#define ATTN_DEVICE_ARGS_H

namespace attn {
namespace dev {

typedef long long i64;

constexpr int kMaxParams = 8;
constexpr int kMaxParamRank = 4;
constexpr int kMaxSplits = 64;
constexpr int kMergeRows = 4;
constexpr int kMergeThreads = 32 * kMergeRows;

enum SeqClass { kAllSeqs = 0, kShortSeqs = 1, kLongSeqs = 2 };

/// A strided tensor whose last dimension (the head dim) is contiguous.
struct TensorArg {
  const void *data;
  i64 stride[3];
};

/// A parameter tensor read by index inside score/mask.
struct ParamArg {
  const void *data;
  i64 stride[kMaxParamRank];
};

/// Everything one launch passes to a generated kernel.
struct Args {
  TensorArg q, k, v, out;
  float *lse;
  const float *q_scale, *k_scale, *v_scale, *out_scale;
  const int *cu_seqlens_q;  ///< ragged: [B + 1]
  const int *cu_seqlens_kv; ///< ragged, contiguous k/v: [B + 1]
  const int *seqlens_kv;    ///< paged: [B] keys per sequence
  const int *block_table;   ///< paged: [B, block_table_stride]
  i64 block_table_stride;
  int batch, heads_q, heads_kv;
  int seqlen_q, seqlen_kv; ///< dense: the lengths; ragged/paged: the largest (sizes the grid)
  int splits;              ///< parts of each query tile's keys; 0 and 1: not split
  float *part_out, *part_lse; ///< split KV: the partials, [splits, B, Sq, Hq, DV] and [.., Hq]
  int seq_class, class_q;  ///< which sequences this launch computes (SeqClass), and the bound
  int overlap;             ///< nonzero: the grid may start before the previous kernel ends
  ParamArg params[kMaxParams];
};

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_ARGS_H
