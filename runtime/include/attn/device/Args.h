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
// tiles * splits). Each CTA stores float partials: out / l, scaled, in part_out [splits, T,
// Hq, DV] and m + log2 l in part_lse [splits, T, Hq]; the kernel's merge entry then combines
// them into out and lse, kMergeRows query rows per block of kMergeThreads threads.
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
  i64 tokens_q;            ///< T: the launch's query tokens (dense B * Sq, ragged Tq)
  int splits;              ///< parts of each query tile's keys; 0 and 1: not split
  float *part_out, *part_lse; ///< split KV: the partials, [splits, T, Hq, DV] and [splits, T, Hq]
  ParamArg params[kMaxParams];
};

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_ARGS_H
