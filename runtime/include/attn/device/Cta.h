//===- Cta.h - Where a CTA's query tile and its keys live -------*- C++ -*-===//
//
// Scalar bookkeeping shared by the GPU and host tile libraries: which sequence, heads and query
// rows a block of the grid computes, the sequence lengths, and the address of any q/k/v/out row
// in dense, ragged and paged layouts. Rows of a query tile are (position, head) pairs: row r is
// position q0 + r / HPT of query head h0 + r % HPT (HPT query heads of one GQA group share the
// CTA and its K/V tiles).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_CTA_H
#define ATTN_DEVICE_CTA_H

#include "Args.h"
#include "Numeric.h"

namespace attn {
namespace dev {

/// Scale granularities, as the compiler's ScaleKind.
enum ScaleCode { kScaleNone = 0, kPerTensor = 1, kPerHead = 2, kPerTokenHead = 3 };

struct BlockIndex {
  unsigned x, y, z;
};

#ifdef ATTN_GPU
ATTN_FN BlockIndex block_index() { return BlockIndex{blockIdx.x, blockIdx.y, blockIdx.z}; }
#else
/// The host launcher sets the block a thread runs before calling the kernel.
inline thread_local BlockIndex tl_block = {0, 0, 0};
inline BlockIndex block_index() { return tl_block; }
#endif

/// Brings the line of p into L1 or L2 (a hint; nothing on the host).
template <int LEVEL> ATTN_FN void prefetch(const void *p) {
  static_assert(LEVEL == 1 || LEVEL == 2, "prefetch into L1 or L2");
#ifdef ATTN_GPU
  if constexpr (LEVEL == 1)
    asm volatile("prefetch.global.L1 [%0];" ::"l"(p));
  else
    asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
#else
  (void)p;
#endif
}

/// Where a CTA's keys live in k or v (elements of ES bytes), the per-CTA parts of the address
/// computed once: at(n0, base, r0, last) is the address of key n0 + base + r0, or for a key past
/// `last` (the sequence's last key, >= 0) some address in the sequence, which the caller does
/// not copy; so the block-table reads need no test and those shared by rows are read once. A
/// copy covers ROWS keys from n0, a multiple of ROWS (the KV loop's tiles start at multiples of
/// BN, the conversion rounding the loop's bounds to whole tiles; a warp's slice with warp split
/// at multiples of its length); base is a multiple of STEP, a constant once the loads are
/// unrolled, and 0 <= r0 < STEP (CopyRows). So when pages hold whole multiples of STEP rows and
/// a copy whole pages, base alone says which page of the copy and which row of it: no division.
/// Unpaged, a key's address is linear in it. Paged, at() reads the block-table entries from the
/// sequence's row, or after staged() from shared memory, where the copy's own entries were
/// staged ahead (TileGpu.h's PageRing).
template <class C, int ES, int STEP, int ROWS = C::BN> struct KvRows {
  static constexpr int kPage = C::PAGE > 0 ? C::PAGE : 1;
  const u8 *head;        ///< the CTA's KV head (not paged: at its sequence's first key)
  const int *table;      ///< paged: the entries of pages page0, page0 + 1, ...
  int page0;             ///< paged: 0 (the sequence's block-table row), or first_page (staged)
  long long page_bytes;  ///< paged: from one block to the next
  long long row_bytes;   ///< from one key to the next (in a page)
  ATTN_FN const u8 *at(int n0, int base, int r0, int last) const {
    if (C::PAGE > 0) {
      if constexpr (ROWS % kPage == 0 && kPage % STEP == 0) {
        unsigned page = unsigned(n0) / kPage + unsigned(base) / kPage;
        return head + table[clamp_page(page, last) - page0] * page_bytes + (unsigned(base) % kPage) * row_bytes +
               r0 * row_bytes;
      }
      unsigned kv = unsigned(n0 + base + r0);
      return head + table[clamp_page(kv / kPage, last) - page0] * page_bytes + (kv % kPage) * row_bytes;
    }
    return head + (long long)(n0 + r0) * row_bytes + base * row_bytes;
  }
  /// Page `page`, or `last`'s page for a page past it.
  ATTN_FN static unsigned clamp_page(unsigned page, int last) {
    unsigned lastPage = unsigned(last) / kPage;
    return page < lastPage ? page : lastPage;
  }
  /// The first page a copy of keys from n0 reads (clamped as at() clamps).
  ATTN_FN static int first_page(int n0, int last) { return int(clamp_page(unsigned(n0) / kPage, last)); }
  /// The same keys, the entries of the pages of the copy from n0 read from `entries`.
  ATTN_FN KvRows staged(const int *entries, int n0, int last) const {
    KvRows r = *this;
    r.table = entries;
    r.page0 = first_page(n0, last);
    return r;
  }
  /// Paged: brings the block-table entry of key kv (clamped to `last`'s page) into L1, so that
  /// the copies of a later tile may find it there (copies whose entries are not staged).
  ATTN_FN void prefetch_page(int kv, int last) const {
    if (C::PAGE > 0)
      prefetch<1>(table + first_page(kv, last));
  }
};

/// Whether a launch computes a sequence of q_len queries (Args::seq_class).
ATTN_FN bool takes_sequence(const Args &a, int q_len) {
  return a.seq_class == kAllSeqs || (a.seq_class == kShortSeqs) == (q_len <= a.class_q);
}

/// Lets a launch queued next with programmatic stream serialization (a split launch's merge, a
/// mixed batch's decode part after its prefill part, an overlapping launch: Args::overlap)
/// start CTAs on the SMs that this grid's last wave leaves idle. Without such a launch after
/// it, nothing changes.
ATTN_FN void allow_next_launch() {
#if defined(ATTN_GPU) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
}
/// Waits until the grid before this one on the stream has finished and its writes are visible
/// (a split launch's merge, launched to overlap the kernel's last wave; an overlapping launch);
/// at once when this grid was not launched to overlap.
ATTN_FN void wait_previous_launch() {
#if defined(ATTN_GPU) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

template <class C> struct Cta {
  static constexpr int kPage = C::PAGE > 0 ? C::PAGE : 1; ///< tokens per page (1 when not paged)
  static constexpr int kPositions = C::BM / C::HPT; ///< query positions per tile

  const Args &a;
  int b, h0, hkv;         ///< sequence, first query head, its KV head
  int q_len, kv_len;      ///< this sequence's query and key counts
  int q0;                 ///< first query position (relative to the sequence's queries)
  int split;              ///< which part of the keys this CTA takes (0 when not split)
  int q_first, q_last;    ///< absolute positions of the tile's first and last valid query
  long long q_row0, kv_row0; ///< packed-row offsets of the sequence (ragged) or batch (dense)
  bool empty;             ///< no valid query in this tile

  ATTN_FN explicit Cta(const Args &args) : a(args) {
    if (!a.overlap) // else after its wait (await_previous)
      allow_next_launch();
    BlockIndex blk = block_index();
    b = int(blk.z);
    h0 = int(blk.y) * C::HPT;
    hkv = h0 / (a.heads_q / a.heads_kv);
    if (C::RAGGED) {
      q_row0 = a.cu_seqlens_q[b];
      q_len = a.cu_seqlens_q[b + 1] - a.cu_seqlens_q[b];
    } else {
      q_row0 = (long long)b * a.seqlen_q;
      q_len = a.seqlen_q;
    }
    if (C::PAGE > 0) {
      kv_row0 = 0;
      kv_len = a.seqlens_kv[b];
    } else if (C::RAGGED) {
      kv_row0 = a.cu_seqlens_kv[b];
      kv_len = a.cu_seqlens_kv[b + 1] - a.cu_seqlens_kv[b];
    } else {
      kv_row0 = (long long)b * a.seqlen_kv;
      kv_len = a.seqlen_kv;
    }
    // The longest query tiles (last under a causal mask) go first, so the short ones fill in
    // behind them at the end of the grid.
    int tiles = (a.seqlen_q + kPositions - 1) / kPositions;
    split = int(blk.x) % splits();
    q0 = (tiles - 1 - int(blk.x) / splits()) * kPositions;
    empty = q0 < 0 || q0 >= q_len || !takes_sequence(a, q_len);
    int last = q0 + kPositions < q_len ? q0 + kPositions : q_len;
    q_first = kv_len - q_len + q0;
    q_last = kv_len - q_len + last - 1;
  }

  ATTN_FN int splits() const { return a.splits > 1 ? a.splits : 1; }
  /// This CTA's part of the key range [lo, hi): parts of equal length in whole tiles of BN
  /// keys, so that its tiles start where the unsplit loop's do (the last parts may be shorter
  /// or empty); [lo, hi) itself when the launch does not split.
  ATTN_FN int split_lo(int lo, int hi) const { return split_at(lo, hi, split); }
  ATTN_FN int split_hi(int lo, int hi) const { return split_at(lo, hi, split + 1); }
  ATTN_FN int split_at(int lo, int hi, int part) const {
    int n = hi > lo ? hi - lo : 0, s = splits();
    long long chunk = s == 1 ? n : ((n + s - 1) / s + C::BN - 1) / C::BN * C::BN;
    long long at = lo + chunk * part;
    return at < hi ? int(at) : hi;
  }

  /// Row r of the tile: its query head, absolute position, and whether it is a real query.
  ATTN_FN int row_head(int r) const { return h0 + r % C::HPT; }
  ATTN_FN int row_pos(int r) const { return q0 + r / C::HPT; }
  ATTN_FN int row_q_idx(int r) const { return kv_len - q_len + row_pos(r); }
  ATTN_FN bool row_valid(int r) const { return row_pos(r) < q_len; }

  /// Element offset of query position p (relative), head h, in q or out (same layout).
  ATTN_FN long long q_offset(const TensorArg &t, int p, int h) const {
    long long tok = C::RAGGED ? q_row0 + p : p;
    return (C::RAGGED ? 0 : (long long)b * t.stride[0]) + tok * t.stride[1] + h * t.stride[2];
  }
  /// Query row r of the tile (a real query) in q's memory.
  ATTN_FN const u8 *q_row(int r) const {
    return static_cast<const u8 *>(a.q.data) + q_offset(a.q, row_pos(r), row_head(r)) * sizeof(typename C::QT);
  }
  /// The addresses of this CTA's keys in k or v (dense [B, S, H, D], packed [T, H, D] or paged
  /// [blocks, P, H, D] with the block table).
  template <int ES, int STEP, int ROWS = C::BN> ATTN_FN KvRows<C, ES, STEP, ROWS> kv_rows(const TensorArg &t) const {
    long long first = C::PAGE > 0 ? 0 : C::RAGGED ? kv_row0 * t.stride[1] : (long long)b * t.stride[0];
    const int *table = C::PAGE > 0 ? a.block_table + (long long)b * a.block_table_stride : nullptr;
    return {static_cast<const u8 *>(t.data) + (first + hkv * t.stride[2]) * ES, table, 0, t.stride[0] * ES,
            t.stride[1] * ES};
  }
  /// Row of the packed [T, H] layouts (lse, per_token_head q scales) of query position p.
  ATTN_FN long long q_token(int p) const { return q_row0 + p; }
  /// Index into a per_token_head k/v scale of key kv: [B,S,H], [T,H] or [blocks,P,Hkv].
  ATTN_FN long long kv_scale_index(int kv) const {
    if (C::PAGE > 0) {
      int block = a.block_table[(long long)b * a.block_table_stride + kv / kPage];
      return ((long long)block * kPage + kv % kPage) * a.heads_kv + hkv;
    }
    return (kv_row0 + kv) * a.heads_kv + hkv;
  }

  /// A scale of q for row r (granularity QS), or 1.
  ATTN_FN float q_scale(int r) const {
    switch (C::QS) {
    case kPerTensor: return a.q_scale[0];
    case kPerHead: return a.q_scale[b * a.heads_q + row_head(r)];
    case kPerTokenHead: return a.q_scale[q_token(row_pos(r)) * a.heads_q + row_head(r)];
    default: return 1.0f;
    }
  }
  /// k's scale when it is constant over the CTA (per tensor or per head), else 1.
  ATTN_FN float k_uniform_scale() const {
    return C::KS == kPerTensor ? a.k_scale[0] : C::KS == kPerHead ? a.k_scale[b * a.heads_kv + hkv] : 1.0f;
  }
  ATTN_FN float v_uniform_scale() const {
    return C::VS == kPerTensor ? a.v_scale[0] : C::VS == kPerHead ? a.v_scale[b * a.heads_kv + hkv] : 1.0f;
  }

  /// Reads element idx of a param of type T (float params read as float, i32 as int).
  template <class T, int R> ATTN_FN float param_f(int i, const int (&idx)[R]) const {
    const ParamArg &p = a.params[i];
    long long off = 0;
    ATTN_UNROLL for (int d = 0; d < R; ++d) off += idx[d] * p.stride[d];
    return to_float(static_cast<const T *>(p.data)[off]);
  }
  template <int R> ATTN_FN int param_i(int i, const int (&idx)[R]) const {
    const ParamArg &p = a.params[i];
    long long off = 0;
    ATTN_UNROLL for (int d = 0; d < R; ++d) off += idx[d] * p.stride[d];
    return static_cast<const int *>(p.data)[off];
  }
};

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_CTA_H
