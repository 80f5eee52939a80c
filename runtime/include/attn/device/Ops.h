//===- Ops.h - Tile operations shared by the GPU and host libraries -*- C++ -*-===//
//
// The element-wise and row-wise steps of the online softmax and the epilogue, written once
// over for_each / for_each_pair / for_each_row / row_reduce, which each implementation provides
// for its own distribution of a tile (per-thread MMA fragments on the GPU, whole tiles on the
// host). Tiles pass by value: after inlining they are registers.
//
// Scores are in the exp2 domain once scaled: softmax(s)_j = exp2(s_j - m) / l with
// m = max_j s_j and l = sum_j exp2(s_j - m), accumulated tile by tile (online softmax).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_OPS_H
#define ATTN_DEVICE_OPS_H

#include "Numeric.h"

#ifdef ATTN_GPU
#include "TileGpu.h"
#else
#include "TileHost.h"
#endif

namespace attn {
namespace dev {

template <class C, int COLS> ATTN_FN Tile<C, COLS> tile_fill(float v) {
  Tile<C, COLS> t;
  for_each(t, [&](float &x, int, int, int) { x = v; });
  return t;
}
template <class C> ATTN_FN Rows<C> rows_fill(float v) {
  Rows<C> r;
  for_each_row(r, [&](float &x, int, int) { x = v; });
  return r;
}

/// One value per tile row from f(row): e.g. the score multiplier times that row's q scale.
template <class C, class F> ATTN_FN Rows<C> rows_of(F f) {
  Rows<C> r;
  for_each_row(r, [&](float &x, int, int row) { x = f(row); });
  return r;
}

/// a * b, row by row.
template <class C> ATTN_FN Rows<C> rows_mul(Rows<C> a, const Rows<C> &b) {
  for_each_row(a, [&](float &x, int slot, int) { x *= b.x[slot]; });
  return a;
}

/// s * f, f one value per row. Skipped where every factor is 1 (rows_all_one: with warp split,
/// a warp's rows once their maxima settle, which in decode is nearly every tile).
template <class C, int COLS> ATTN_FN Tile<C, COLS> scale_rows(Tile<C, COLS> s, const Rows<C> &f) {
  if (!rows_all_one(f))
    for_each(s, [&](float &x, int slot, int, int) { x *= f.x[slot]; });
  return s;
}
/// s * f(col), one value per column (a per-token k or v scale).
template <class C, int COLS, class F> ATTN_FN Tile<C, COLS> scale_cols(Tile<C, COLS> s, F f) {
  for_each(s, [&](float &x, int, int, int col) { x *= f(col); });
  return s;
}
/// s * c.
template <class C, int COLS> ATTN_FN Tile<C, COLS> scale(Tile<C, COLS> s, float c) {
  for_each(s, [&](float &x, int, int, int) { x *= c; });
  return s;
}
template <class C> ATTN_FN Rows<C> scale(Rows<C> r, float c) {
  for_each_row(r, [&](float &x, int, int) { x *= c; });
  return r;
}

/// The score function over a tile: x = f(x, h, q_idx, kv_idx) for keys kv0 + col. GUARDED
/// (a score function that reads params, which it may index by q_idx or kv_idx): f is not
/// evaluated for rows past the sequence's queries or keys past its end, whose param reads
/// would be out of bounds. Otherwise it runs everywhere: those scores are masked or never
/// stored, and the tile needs no per-element test.
template <bool GUARDED, class C, int COLS, class F>
ATTN_FN Tile<C, COLS> map_scores(Tile<C, COLS> s, const Cta<C> &cta, int kv0, F f) {
  for_each(s, [&](float &x, int, int row, int col) {
    if (!GUARDED || (cta.row_valid(row) && kv0 + col < cta.kv_len))
      x = f(x, cta.row_head(row), cta.row_q_idx(row), kv0 + col);
  });
  return s;
}
/// x = -inf where pred(h, q_idx, kv_idx) is false or the key is past the sequence.
template <class C, int COLS, class F>
ATTN_FN Tile<C, COLS> mask_scores(Tile<C, COLS> s, const Cta<C> &cta, int kv0, F pred) {
  for_each(s, [&](float &x, int, int row, int col) {
    int kv = kv0 + col;
    if (kv >= cta.kv_len || !cta.row_valid(row) || !pred(cta.row_head(row), cta.row_q_idx(row), kv))
      x = neg_inf();
  });
  return s;
}
/// x = -inf for keys past the sequence only (a tile the mask keeps whole).
template <class C, int COLS> ATTN_FN Tile<C, COLS> mask_tail(Tile<C, COLS> s, const Cta<C> &cta, int kv0) {
  if (kv0 + COLS <= cta.kv_len)
    return s;
  for_each(s, [&](float &x, int, int, int col) {
    if (kv0 + col >= cta.kv_len)
      x = neg_inf();
  });
  return s;
}

/// m_new = max(m_old, rowmax(s)).
template <class C, int COLS> ATTN_FN Rows<C> row_max(const Tile<C, COLS> &s, Rows<C> m) {
  float t[Rows<C>::N];
  row_reduce<C, COLS, true>(t, s);
  for_each_row(m, [&](float &x, int slot, int) { x = x > t[slot] ? x : t[slot]; });
  return m;
}
/// alpha = exp2(c (a - b)) per row, 1 where both are -inf (a row with nothing unmasked yet);
/// p = exp2(c s - c m), a fully masked row (m = -inf) giving zeros, not NaN. With c != 1 the
/// scores and maxima are unscaled, one fused multiply-add per score (c > 0, so the maximum of
/// s is the maximum of c s); c is one constant, or one per row (positive_multiplier's).
template <class C, class F> ATTN_FN Rows<C> rows_exp2_diff_by(Rows<C> a, const Rows<C> &b, F c) {
  for_each_row(a, [&](float &x, int slot, int) {
    x = b.x[slot] == neg_inf() ? 1.0f : fexp2((x - b.x[slot]) * c(slot));
  });
  return a;
}
template <class C, int COLS, class F>
ATTN_FN Tile<C, COLS> exp2_sub_rows_by(Tile<C, COLS> s, const Rows<C> &m, F c) {
  Rows<C> mc;
  for_each_row(mc, [&](float &x, int slot, int) { x = m.x[slot] == neg_inf() ? 0.0f : m.x[slot] * c(slot); });
  for_each(s, [&](float &x, int slot, int, int) { x = fexp2(x * c(slot) - mc.x[slot]); });
  return s;
}
template <class C> ATTN_FN Rows<C> rows_exp2_diff(Rows<C> a, const Rows<C> &b, float c = 1.0f) {
  return rows_exp2_diff_by(a, b, [&](int) { return c; });
}
template <class C> ATTN_FN Rows<C> rows_exp2_diff(Rows<C> a, const Rows<C> &b, const Rows<C> &c) {
  return rows_exp2_diff_by(a, b, [&](int slot) { return c.x[slot]; });
}
template <class C, int COLS>
ATTN_FN Tile<C, COLS> exp2_sub_rows(Tile<C, COLS> s, const Rows<C> &m, float c = 1.0f) {
  return exp2_sub_rows_by(s, m, [&](int) { return c; });
}
template <class C, int COLS>
ATTN_FN Tile<C, COLS> exp2_sub_rows(Tile<C, COLS> s, const Rows<C> &m, const Rows<C> &c) {
  return exp2_sub_rows_by(s, m, [&](int slot) { return c.x[slot]; });
}
/// |c|, at least the smallest normal float: a multiplier that may enter the exponents (a
/// multiplier of 0 would turn masked scores, -inf, into NaN; an underflowing one changes
/// nothing that float keeps). NaN stays NaN.
ATTN_FN float positive_multiplier(float c) {
  c = c < 0.0f ? -c : c;
  return c < 1.17549435e-38f ? 1.17549435e-38f : c;
}
/// l_new = alpha * l_old + rowsum(p).
template <class C, int COLS> ATTN_FN Rows<C> row_sum(const Tile<C, COLS> &p, Rows<C> l, const Rows<C> &alpha) {
  float t[Rows<C>::N];
  row_reduce<C, COLS, false>(t, p);
  for_each_row(l, [&](float &x, int slot, int) { x = alpha.x[slot] * x + t[slot]; });
  return l;
}

/// p[0], p[1] = lo, hi as T, in one store: p is aligned to two elements (rows start 16-byte
/// aligned, pairs at even columns).
template <class T> ATTN_FN void store_pair(T *p, float lo, float hi) {
  struct alignas(2 * sizeof(T)) Pair {
    T lo, hi;
  };
  *reinterpret_cast<Pair *>(p) = Pair{narrow<T>(lo), narrow<T>(hi)};
}
/// Stores acc * factor as T into the rows `dst` (one per row slot, null for a row not stored),
/// the columns this thread holds and stores (owns_col) in pairs.
template <class C, int COLS, class T>
ATTN_FN void store_rows(const Tile<C, COLS> &acc, T *const (&dst)[Rows<C>::N], const Rows<C> &factor) {
  static_assert(C::DV % 2 == 0, "head dims are multiples of 8");
  for_each_pair(acc, [&](int slot, int, int col, float lo, float hi) {
    if (dst[slot] && col < C::DV && owns_col<C>(col))
      store_pair(dst[slot] + col, lo * factor.x[slot], hi * factor.x[slot]);
  });
}

/// A row's log-sum-exp from its (scaled) maximum m and sum l: m + log2 l in the exp2 domain
/// (split partials), -inf for a row with no key (l = 0); row_lse: in natural log (lse).
ATTN_FN float row_lse2(float m, float l) { return l > 0.0f ? m + m_log2(l) : neg_inf(); }
ATTN_FN float row_lse(float m, float l) { return row_lse2(m, l) * 0.69314718055994531f; }

/// out = acc * (scale(row) / l), stored as the out dtype (fp8: saturated); a row with l = 0 (all
/// masked) stores zeros. Rows past the sequence are not stored. Each row's factor and
/// destination are computed once, before any store (a store could alias the scale tensors, so
/// the compiler would reload them after every one). LSE (tile.store_out's lse) and a.lse: also
/// each row's row_lse, from the rows merged once across the warps. In a split launch the CTA's
/// partial goes to part_out as float, with row_lse2 in part_lse, for merge_splits, which stores
/// lse.
template <bool LSE = false, class C, int COLS, class F>
ATTN_FN void store_out(const Cta<C> &cta, Tile<C, COLS> acc, Rows<C> m, Rows<C> l, F rowScale) {
  typedef typename C::OT OT;
  const Args &a = cta.a;
  Rows<C> weight;
  merge_warp_rows(m, l, weight);
  merge_warp_acc(cta, acc, weight);
  Rows<C> factor;
  for_each_row(factor, [&](float &f, int slot, int row) { f = l.x[slot] > 0.0f ? rowScale(row) / l.x[slot] : 0.0f; });
  if (a.splits > 1) {
    auto part_row = [&](int row) {
      return (((long long)cta.split * a.batch + cta.b) * a.seqlen_q + cta.row_pos(row)) * a.heads_q + cta.row_head(row);
    };
    float *dst[Rows<C>::N];
    for_each_row(factor, [&](float &, int slot, int row) {
      dst[slot] = cta.row_valid(row) ? a.part_out + part_row(row) * C::DV : nullptr;
    });
    store_rows(acc, dst, factor);
    for_each_row(m, [&](float &x, int slot, int row) {
      if (cta.row_valid(row) && stores_row<C>())
        a.part_lse[part_row(row)] = row_lse2(x, l.x[slot]);
    });
  } else {
    OT *out = static_cast<OT *>(const_cast<void *>(a.out.data)), *dst[Rows<C>::N];
    for_each_row(factor, [&](float &, int slot, int row) {
      dst[slot] = cta.row_valid(row) ? out + cta.q_offset(a.out, cta.row_pos(row), cta.row_head(row)) : nullptr;
    });
    store_rows(acc, dst, factor);
    if (LSE && a.lse)
      for_each_row(m, [&](float &x, int slot, int row) {
        if (cta.row_valid(row) && stores_row<C>())
          a.lse[cta.q_token(cta.row_pos(row)) * a.heads_q + cta.row_head(row)] = row_lse(x, l.x[slot]);
      });
  }
}

/// The merge of a split launch: query row (sequence b, position p, head h) = (b * Sq + p) * Hq
/// + h of out and lse from the parts' partials, each weighted by exp2(its m + log2 l - the
/// largest); parts with no unmasked key (-inf) weigh nothing, and a row with none at all gets
/// out = 0, lse = -inf. Rows past a sequence's queries or of a class the launch does not take
/// are skipped. kMergeRows rows per block, one per warp on the GPU, whose lanes own columns
/// lane, lane + 32, ... Each lane folds the parts with a running maximum (as the online softmax
/// does), kMergeBatch parts at a time, reading every part's lse itself: no load waits on
/// another's result, so a batch's loads are in flight at once. It reads the sequence metadata
/// before it waits for the kernel's partials.
constexpr int kMergeBatch = 4; ///< parts whose partials merge_splits loads at once
static_assert(kMergeBatch <= kMaxSplits, "a batch of parts exceeds the most a launch has");
template <class C> ATTN_FN void merge_splits(const Args &a) {
  typedef typename C::OT OT;
  const long long rows = (long long)a.batch * a.seqlen_q * a.heads_q;
#ifdef ATTN_GPU
  const int lane = threadIdx.x % 32, first = threadIdx.x / 32, count = 1;
  constexpr int kLanes = 32;
#else
  const int lane = 0, first = 0, count = kMergeRows;
  constexpr int kLanes = 1;
#endif
  constexpr int kCols = (C::DV + kLanes - 1) / kLanes;
  const int splits = a.splits;
  allow_next_launch(); // an overlapping launch after it waits for it
  for (int i = first; i < first + count; ++i) {
    const long long row = (long long)block_index().x * kMergeRows + i;
    if (row >= rows)
      return;
    const int h = int(row % a.heads_q), p = int(row / a.heads_q % a.seqlen_q);
    const int b = int(row / ((long long)a.heads_q * a.seqlen_q));
    const long long first_token = C::RAGGED ? a.cu_seqlens_q[b] : (long long)b * a.seqlen_q;
    const int q_len = C::RAGGED ? int(a.cu_seqlens_q[b + 1] - first_token) : a.seqlen_q;
    if (p >= q_len || !takes_sequence(a, q_len))
      continue;
    wait_previous_launch(); // the partials; the metadata above was there before the kernel ran
    const float *part = a.part_out + row * C::DV;
    const long long partStride = rows * C::DV;
    float mx = neg_inf(), sum = 0.0f, o[kCols] = {};
    for (int s0 = 0; s0 < splits; s0 += kMergeBatch) {
      // A batch's loads come first, from in-range addresses (parts past the last read the last
      // again and weigh nothing), and the folds use selects, not branches: nothing holds the
      // loads of the batch's parts back.
      float lse[kMergeBatch], x[kMergeBatch][kCols];
      for (int k = 0; k < kMergeBatch; ++k) {
        const int s = s0 + k < splits ? s0 + k : splits - 1;
        lse[k] = a.part_lse[s * rows + row];
        for (int j = 0; j < kCols; ++j) {
          const int d = lane + j * kLanes;
          x[k][j] = part[s * partStride + (d < C::DV ? d : 0)];
        }
      }
      for (int k = 0; k < kMergeBatch; ++k) {
        const bool weighs = s0 + k < splits && lse[k] != neg_inf();
        const float top = weighs && lse[k] > mx ? lse[k] : mx;
        const float base = top == neg_inf() ? 0.0f : top;
        const float grow = fexp2(mx - base), w = weighs ? fexp2(lse[k] - base) : 0.0f;
        mx = top;
        sum = sum * grow + w;
        for (int j = 0; j < kCols; ++j)
          o[j] = o[j] * grow + (weighs ? w * x[k][j] : 0.0f); // an empty part's partial may hold anything
      }
    }
    OT *out = static_cast<OT *>(const_cast<void *>(a.out.data)) + h * a.out.stride[2] +
              (C::RAGGED ? (first_token + p) * a.out.stride[1] : b * a.out.stride[0] + p * a.out.stride[1]);
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (int j = 0; j < kCols; ++j) {
      const int d = lane + j * kLanes;
      if (d < C::DV)
        out[d] = narrow<OT>(o[j] * inv);
    }
    if (a.lse && lane == 0)
      a.lse[(first_token + p) * a.heads_q + h] = row_lse(mx, sum);
  }
}

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_OPS_H
