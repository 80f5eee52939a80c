//===- TileGpu.h - The tile library on NVIDIA tensor cores ------*- C++ -*-===//
//
// The GPU implementation of the tile API a generated kernel calls (TileHost.h is the same API
// in plain C++). A CTA of C::WARPS warps computes a BM x BN score tile; warp w owns rows
// [w * MTW * 16, (w + 1) * MTW * 16) as MTW 16-row tiles in the layout of mma.sync's m16n8
// C fragments. K and V tiles are shared by all warps (and by the HPT query heads packed into
// the rows); with STAGES = 2 each has two buffers, picked by the tile's index (fp8 ones that
// widen may need only one: Layout.h). Two MMA paths:
//  - mma.sync.m16n8k16 (sm80+): Q stays in shared memory and is read with ldmatrix per
//    k-step, K with ldmatrix, V with ldmatrix.trans.
//  - wgmma (sm_90a, C::WGMMA): each warpgroup (4 warps, 64 rows) issues m64nNk16 MMAs that
//    read Q and K straight from 128-byte-swizzled shared memory, and V transposed by the
//    hardware; MTW = 1, and the accumulators have the same per-thread layout as above.
// Both reuse P from the score accumulators as the A operand of P.V without a trip through
// shared memory (the C fragment of two n8 tiles is the A fragment of one k16 step).
// Loads are cp.async with zero fill past the ends; FP8 tiles land raw in a staging buffer and
// the whole CTA converts them once to the MMA type (exact: e4m3 and e5m2 are subsets of bf16
// and f16), so each element is converted once per CTA, not once per warp. With C::QK8 the fp8
// Q and K tiles skip that: they land swizzled as they are and Q.K runs on fp8 tensor cores
// (m64nNk32, both operands K-major).
// Warp split (C::WARP_SPLIT, mma.sync): every warp holds all BM rows and a slice of each K/V
// tile's keys, which it copies and waits for itself, with its own online softmax; the warps'
// m, l and O merge through shared memory in the epilogue. Its fp8 K and V tiles stay codes,
// read with ldmatrix and widened in registers (fp8 q and k multiply on m16n8k32). Over 8 rows
// (Layout<C>::KEY_ROWS, a decode step's heads) the MMAs swap their operands: keys (and V's head
// dim) are the 16 rows, the 8 query rows the n, so S^T and O^T are held and P^T is transposed in
// registers (movmatrix) into the B operand of P.V; row statistics reduce across the 8 lanes
// that share a row instead of the 4.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_TILEGPU_H
#define ATTN_DEVICE_TILEGPU_H

#include "Cta.h"
#include "Layout.h"
#include "Wgmma.h"

namespace attn {
namespace dev {

// ---- PTX wrappers -----------------------------------------------------------------------

ATTN_FN u32 smem_u32(const void *p) {
  u32 r;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(r) : "l"(p));
  return r;
}
/// Copies BYTES from global src to shared dst, or zeros when !valid (src then unread).
template <int BYTES> ATTN_FN void cp_async(u32 dst, const void *src, bool valid) {
  if (BYTES == 16)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
  else if (BYTES == 8)
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 8 : 0));
  else
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 4 : 0));
}
ATTN_FN void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
ATTN_FN void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }
/// Waits until at most N of this thread's groups of copies are in flight.
template <int N> ATTN_FN void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }
ATTN_FN void cta_sync() { __syncthreads(); }
/// Orders this thread's generic-proxy writes to shared memory (cp.async, stores) before later
/// reads by the async proxy (wgmma operands).
ATTN_FN void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

/// Named barriers 1 and 2 (0 is __syncthreads) over the CTA's 256 threads: one warpgroup
/// waits at its own while the other arrives at it.
template <int ID> ATTN_FN void named_sync() { asm volatile("bar.sync %0, 256;\n" ::"n"(ID) : "memory"); }
template <int ID> ATTN_FN void named_arrive() { asm volatile("bar.arrive %0, 256;\n" ::"n"(ID) : "memory"); }

ATTN_FN void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
ATTN_FN void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
ATTN_FN void wgmma_wait_all() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
/// Keeps the compiler from moving accesses of wgmma accumulators across the fences and waits.
template <int R> ATTN_FN void fence_regs(float (&d)[R][4]) {
  ATTN_UNROLL for (int i = 0; i < R; ++i)
    ATTN_UNROLL for (int j = 0; j < 4; ++j) asm volatile("" : "+f"(d[i][j])::"memory");
}
/// A wgmma shared-memory matrix descriptor with 128-byte swizzling: the operand's start
/// address, leading and stride byte offsets (see Layout.h for the layout).
ATTN_FN u64 wgmma_desc(u32 addr, u32 lbo, u32 sbo) {
  return u64((addr & 0x3FFFF) >> 4) | (u64((lbo >> 4) & 0x3FFF) << 16) |
         (u64((sbo >> 4) & 0x3FFF) << 32) | (1ull << 62);
}

ATTN_FN void ldmatrix_x4(u32 (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_u32(p)));
}
ATTN_FN void ldmatrix_x4_trans(u32 (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_u32(p)));
}

template <class MT> struct Mma;
template <> struct Mma<bf16> {
  ATTN_FN static void run(float (&d)[4], const u32 (&a)[4], u32 b0, u32 b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};
template <> struct Mma<f16> {
  ATTN_FN static void run(float (&d)[4], const u32 (&a)[4], u32 b0, u32 b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

/// m16n8k32 on fp8 tensor cores (sm_89+), for each pair of e4m3/e5m2 operand types.
template <class AT, class BT> struct Mma8;
#define ATTN_MMA8(AT, BT)                                                                       \
  template <> struct Mma8<AT, BT> {                                                             \
    ATTN_FN static void run(float (&d)[4], const u32 (&a)[4], u32 b0, u32 b1) {                 \
      asm("mma.sync.aligned.m16n8k32.row.col.f32." #AT "." #BT ".f32 "                          \
          "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"                             \
          : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])                                      \
          : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));                      \
    }                                                                                           \
  };
ATTN_MMA8(e4m3, e4m3)
ATTN_MMA8(e4m3, e5m2)
ATTN_MMA8(e5m2, e4m3)
ATTN_MMA8(e5m2, e5m2)
#undef ATTN_MMA8

/// Two fp8 codes (low byte first) to f16x2, exactly (e4m3 and e5m2 are subsets of f16).
template <class T> ATTN_FN u32 fp8x2_to_f16x2(u16 x);
template <> ATTN_FN u32 fp8x2_to_f16x2<e4m3>(u16 x) {
#if __CUDA_ARCH__ >= 890
  u32 h;
  asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(h) : "h"(x));
  return h;
#else
  return pack2<f16>(to_float(e4m3{u8(x & 0xFF)}), to_float(e4m3{u8(x >> 8)}));
#endif
}
template <> ATTN_FN u32 fp8x2_to_f16x2<e5m2>(u16 x) {
  // An e5m2 code is the high byte of the f16 with the same value.
  return (u32(x & 0xFF) << 8) | (u32(x >> 8) << 24);
}
/// Two fp8 codes to two values of the MMA type MT (bf16 through f32: both steps exact).
template <class T, class MT> struct Widen2 {
  ATTN_FN static u32 run(u16 x) {
    u32 h = fp8x2_to_f16x2<T>(x);
    float lo, hi;
    asm("{ .reg .f16 l, h; mov.b32 {l, h}, %2; cvt.f32.f16 %0, l; cvt.f32.f16 %1, h; }"
        : "=f"(lo), "=f"(hi)
        : "r"(h));
    return pack2<MT>(lo, hi);
  }
};
template <class T> struct Widen2<T, f16> {
  ATTN_FN static u32 run(u16 x) { return fp8x2_to_f16x2<T>(x); }
};

/// Four fp8 codes (low byte first) to two pairs of values of the MMA type: codes 0-1 in x, 2-3
/// in y. e4m3 to f16 reads both halves of w in place (no shift for the high one).
template <class T, class MT> struct Widen4 {
  ATTN_FN static uint2 run(u32 w) { return make_uint2(Widen2<T, MT>::run(u16(w)), Widen2<T, MT>::run(u16(w >> 16))); }
};
#if __CUDA_ARCH__ >= 890
template <> struct Widen4<e4m3, f16> {
  ATTN_FN static uint2 run(u32 w) {
    uint2 h;
    asm("{ .reg .b16 l, h; mov.b32 {l, h}, %2; cvt.rn.f16x2.e4m3x2 %0, l; cvt.rn.f16x2.e4m3x2 %1, h; }"
        : "=r"(h.x), "=r"(h.y)
        : "r"(w));
    return h;
  }
};
#endif

// ---- register tiles ---------------------------------------------------------------------

/// This thread's part of a BM x COLS float tile: mma C fragments of its warp's rows. With split
/// keys (C::WARP_SPLIT) every warp holds all rows, and a score tile (BN columns) only the warp's
/// slice of the keys. KEY_ROWS (warp split over 8 rows, Layout.h) holds the tile transposed:
/// each fragment is 16 columns (keys, or V's head dim) on the MMA's rows by the 8 tile rows on
/// its n, so MTW counts 16-column fragments and NT is 1.
template <class C, int COLS> struct Tile {
  static constexpr bool SLICED = C::WARP_SPLIT && COLS == C::BN;
  /// A warp-split accumulator of fp8 V: each 16 columns are two n-tiles, even and odd (tile_col).
  static constexpr bool INTERLEAVED = C::WARP_SPLIT && Layout<C>::VRAW && COLS == Layout<C>::DVP;
  static constexpr int W = SLICED ? Layout<C>::SLICE : COLS; ///< columns this thread's warp holds
  static constexpr int MTW = Layout<C>::KEY_ROWS ? W / 16 : Layout<C>::MT_PER_WARP;
  static constexpr int NT = Layout<C>::KEY_ROWS ? 1 : W / 8;
  static_assert(!Layout<C>::KEY_ROWS || W % 16 == 0, "KEY_ROWS tiles are whole 16-column fragments");
  float x[MTW][NT][4];
};
/// One float per tile row this thread holds (2 per 16-row MMA tile; with KEY_ROWS rows 2 j, 2 j + 1).
template <class C> struct Rows {
  static constexpr int N = Layout<C>::MT_PER_WARP * 2;
  float x[N];
};

ATTN_FN int lane_id() { return int(threadIdx.x) & 31; }
ATTN_FN int warp_id() { return int(threadIdx.x) >> 5; }
/// The lanes that hold a row's elements: the 4 of a C fragment row (lane / 4 alike), or with
/// KEY_ROWS the 8 with lane % 4 alike. The first of them stores the row's values.
template <class C> ATTN_FN bool first_of_row() { return (lane_id() & (Layout<C>::KEY_ROWS ? 28 : 3)) == 0; }
/// v reduced (max or sum) over the lanes of its row.
template <class C, bool MAX> ATTN_FN float row_lanes_reduce(float v) {
  constexpr int FIRST = Layout<C>::KEY_ROWS ? 4 : 1, END = Layout<C>::KEY_ROWS ? 32 : 4;
  ATTN_UNROLL for (int o = FIRST; o < END; o <<= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = MAX ? fmaxf(v, w) : v + w;
  }
  return v;
}

/// The tile row that this thread's row slot `slot` is.
template <class C> ATTN_FN int slot_row(int slot) {
  if constexpr (Layout<C>::KEY_ROWS)
    return 2 * (lane_id() & 3) + slot;
  return (C::WARP_SPLIT ? 0 : warp_id() * Layout<C>::MT_PER_WARP * 16) + (slot >> 1) * 16 + (lane_id() >> 2) + (slot & 1) * 8;
}
/// The row slot of element i of this thread's fragment (mt, nt).
template <class C> ATTN_FN int elem_slot(int mt, int i) { return Layout<C>::KEY_ROWS ? i & 1 : mt * 2 + (i >> 1); }
/// The tile column of element i of fragment (mt, nt) that this thread holds: in a score tile of
/// split keys, the warp's slice starts at warp * SLICE; a warp-split accumulator of fp8 V holds
/// each 16 columns as two interleaved n-tiles, even columns and odd (mma_pv_split8), or with
/// KEY_ROWS as a fragment whose rows g and g + 8 are columns 2 g and 2 g + 1 (mma_pv_rows8).
template <class C, int COLS> ATTN_FN int tile_col(int mt, int nt, int i) {
  if constexpr (Layout<C>::KEY_ROWS) {
    const int g = lane_id() >> 2;
    if constexpr (Tile<C, COLS>::INTERLEAVED)
      return mt * 16 + 2 * g + (i >> 1);
    return (Tile<C, COLS>::SLICED ? warp_id() * Layout<C>::SLICE : 0) + mt * 16 + g + (i >> 1) * 8;
  }
  const int j = 2 * (lane_id() & 3) + (i & 1);
  if constexpr (Tile<C, COLS>::SLICED)
    return warp_id() * Layout<C>::SLICE + nt * 8 + j;
  else if constexpr (Tile<C, COLS>::INTERLEAVED)
    return (nt >> 1) * 16 + 2 * j + (nt & 1);
  else
    return nt * 8 + j;
}

/// Whether the rows of this thread's MMA unit (a warp; a warpgroup with wgmma, whose MMAs all
/// of its warps issue) hold a query of the sequence (rows grow with the query position).
template <class C> ATTN_FN bool rows_live(const Cta<C> &cta) {
  const int unit = C::WARP_SPLIT ? 0 : C::WGMMA ? warp_id() / 4 * 4 : warp_id();
  return cta.row_valid(unit * Layout<C>::MT_PER_WARP * 16);
}

/// Calls f(x, slot, row, col) for every element of the tile this thread holds.
template <class C, int COLS, class F> ATTN_FN void for_each(Tile<C, COLS> &t, F f) {
  ATTN_UNROLL for (int mt = 0; mt < Tile<C, COLS>::MTW; ++mt) {
    ATTN_UNROLL for (int nt = 0; nt < Tile<C, COLS>::NT; ++nt) {
      ATTN_UNROLL for (int i = 0; i < 4; ++i) {
        const int slot = elem_slot<C>(mt, i);
        f(t.x[mt][nt][i], slot, slot_row<C>(slot), tile_col<C, COLS>(mt, nt, i));
      }
    }
  }
}
/// Calls f(slot, row, col, lo, hi) for every pair of elements of one row in columns col and
/// col + 1 (col even) that this thread holds.
template <class C, int COLS, class F> ATTN_FN void for_each_pair(const Tile<C, COLS> &t, F f) {
  typedef Tile<C, COLS> T;
  if constexpr (Layout<C>::KEY_ROWS) {
    // Elements s and s + 2 of a fragment are one row's columns 2 g and 2 g + 1.
    static_assert(T::INTERLEAVED, "KEY_ROWS pairs: the fp8-V accumulator");
    ATTN_UNROLL for (int mt = 0; mt < T::MTW; ++mt)
      ATTN_UNROLL for (int s = 0; s < 2; ++s)
        f(s, slot_row<C>(s), tile_col<C, COLS>(mt, 0, s), t.x[mt][0][s], t.x[mt][0][s + 2]);
  } else {
    ATTN_UNROLL for (int mt = 0; mt < T::MTW; ++mt) {
      ATTN_UNROLL for (int h = 0; h < 2; ++h) {
        const int slot = mt * 2 + h, row = slot_row<C>(slot);
        if constexpr (T::INTERLEAVED) {
          ATTN_UNROLL for (int nt = 0; nt < T::NT; nt += 2)
            ATTN_UNROLL for (int i = 2 * h; i < 2 * h + 2; ++i)
              f(slot, row, tile_col<C, COLS>(mt, nt, i), t.x[mt][nt][i], t.x[mt][nt + 1][i]);
        } else {
          ATTN_UNROLL for (int nt = 0; nt < T::NT; ++nt)
            f(slot, row, tile_col<C, COLS>(mt, nt, 2 * h), t.x[mt][nt][2 * h], t.x[mt][nt][2 * h + 1]);
        }
      }
    }
  }
}
template <class C, class F> ATTN_FN void for_each_row(Rows<C> &r, F f) {
  ATTN_UNROLL for (int s = 0; s < Rows<C>::N; ++s) f(r.x[s], s, slot_row<C>(s));
}

/// Row-wise max or sum of a score tile, one value per row slot, across the lanes of a row.
template <class C, int COLS, bool MAX> ATTN_FN void row_reduce(float (&out)[Rows<C>::N], const Tile<C, COLS> &t) {
  if constexpr (Layout<C>::KEY_ROWS) {
    ATTN_UNROLL for (int s = 0; s < 2; ++s) {
      float v = t.x[0][0][s];
      ATTN_UNROLL for (int mt = 0; mt < Tile<C, COLS>::MTW; ++mt)
        ATTN_UNROLL for (int i = s; i < 4; i += 2)
          if (mt > 0 || i > s)
            v = MAX ? fmaxf(v, t.x[mt][0][i]) : v + t.x[mt][0][i];
      out[s] = row_lanes_reduce<C, MAX>(v);
    }
  } else {
    ATTN_UNROLL for (int mt = 0; mt < Tile<C, COLS>::MTW; ++mt) {
      ATTN_UNROLL for (int h = 0; h < 2; ++h) {
        float v = t.x[mt][0][2 * h];
        ATTN_UNROLL for (int nt = 0; nt < Tile<C, COLS>::NT; ++nt) {
          ATTN_UNROLL for (int j = 0; j < 2; ++j) {
            if (nt == 0 && j == 0)
              continue;
            float e = t.x[mt][nt][2 * h + j];
            v = MAX ? fmaxf(v, e) : v + e;
          }
        }
        out[mt * 2 + h] = row_lanes_reduce<C, MAX>(v);
      }
    }
  }
}

/// Whether every row factor of this thread's warp is 1, asked only with warp split (a vote
/// costs more than it saves where the factors change often); then scale_rows has nothing to do.
template <class C> ATTN_FN bool rows_all_one(const Rows<C> &f) {
  if constexpr (!C::WARP_SPLIT)
    return false;
  bool one = true;
  ATTN_UNROLL for (int s = 0; s < Rows<C>::N; ++s) one = one && f.x[s] == 1.0f;
  return __all_sync(0xffffffffu, one);
}
/// Whether this thread stores column `col` of its rows of a merged accumulator: with split
/// keys, warp w stores the 16-column groups g with g % WARPS == w.
template <class C> ATTN_FN bool owns_col(int col) { return !C::WARP_SPLIT || (col / 16) % C::WARPS == warp_id(); }
/// Whether this thread stores its row's values (lse): the first lane of the row, in warp 0
/// with warp split (every warp then holds the row).
template <class C> ATTN_FN bool stores_row() { return first_of_row<C>() && (!C::WARP_SPLIT || warp_id() == 0); }

/// Where the warps' rows and accumulators meet at the end (warp split): the kernel's dynamic
/// shared memory, the tiles' space, free once every warp is past its last tile.
template <class C> ATTN_FN float *merge_space() {
  extern __shared__ __align__(16) u8 attn_merge_smem[];
  return reinterpret_cast<float *>(attn_merge_smem);
}
/// Warp split (C::WARP_SPLIT): each warp's online softmax covered its own slice of every tile. This
/// merges the warps' rows through shared memory (merge_space): m becomes the largest of the warps'
/// maxima M, l the sum of their l weighted by exp2(m_w - M), and `weight` this warp's factor
/// exp2(m - M) (0 for a warp that saw no key of the row; a row no warp saw keeps l = 0). m is in
/// the exp2 domain (scaled scores). Without warp split, nothing happens (weight 1).
template <class C> ATTN_FN void merge_warp_rows(Rows<C> &m, Rows<C> &l, Rows<C> &weight) {
  if constexpr (!C::WARP_SPLIT) {
    for_each_row(weight, [&](float &w, int, int) { w = 1.0f; });
  } else {
    float *ml = merge_space<C>(); // [WARPS][BM][2]
    cta_sync();
    for_each_row(m, [&](float &x, int slot, int row) {
      if (first_of_row<C>()) {
        ml[(warp_id() * C::BM + row) * 2] = x;
        ml[(warp_id() * C::BM + row) * 2 + 1] = l.x[slot];
      }
    });
    cta_sync();
    for_each_row(m, [&](float &x, int slot, int row) {
      float top = neg_inf(), sum = 0.0f;
      ATTN_UNROLL for (int w = 0; w < C::WARPS; ++w) top = fmaxf(top, ml[(w * C::BM + row) * 2]);
      const float base = top == neg_inf() ? 0.0f : top;
      ATTN_UNROLL for (int w = 0; w < C::WARPS; ++w)
        sum += ml[(w * C::BM + row) * 2 + 1] * fexp2(ml[(w * C::BM + row) * 2] - base);
      weight.x[slot] = fexp2(x - base);
      x = top;
      l.x[slot] = sum;
    });
  }
}
/// Warp split: sums the warps' accumulators, each weighted (merge_warp_rows), in the columns
/// this warp stores (owns_col) of the rows that hold a query; after merge_warp_rows. All warps
/// hold the same elements in the same registers, so the exchange goes by register and lane.
template <class C, int COLS> ATTN_FN void merge_warp_acc(const Cta<C> &cta, Tile<C, COLS> &acc, const Rows<C> &weight) {
  if constexpr (C::WARP_SPLIT) {
    typedef Tile<C, COLS> T;
    constexpr int N = T::MTW * T::NT * 4; // floats a thread holds
    float *o = merge_space<C>() + C::WARPS * C::BM * 2; // [WARPS][N][32]
    const int lane = lane_id();
    bool live[Rows<C>::N];
    ATTN_UNROLL for (int s = 0; s < Rows<C>::N; ++s) live[s] = cta.row_valid(slot_row<C>(s));
    ATTN_UNROLL for (int mt = 0; mt < T::MTW; ++mt)
      ATTN_UNROLL for (int nt = 0; nt < T::NT; ++nt)
        ATTN_UNROLL for (int i = 0; i < 4; ++i)
          if (live[elem_slot<C>(mt, i)])
            o[((warp_id() * T::MTW + mt) * T::NT * 4 + nt * 4 + i) * 32 + lane] = acc.x[mt][nt][i] * weight.x[elem_slot<C>(mt, i)];
    cta_sync();
    ATTN_UNROLL for (int mt = 0; mt < T::MTW; ++mt)
      ATTN_UNROLL for (int nt = 0; nt < T::NT; ++nt)
        if (owns_col<C>(tile_col<C, COLS>(mt, nt, 0)))
          ATTN_UNROLL for (int i = 0; i < 4; ++i) {
            if (!live[elem_slot<C>(mt, i)])
              continue;
            float sum = 0.0f;
            ATTN_UNROLL for (int w = 0; w < C::WARPS; ++w) sum += o[(w * N + (mt * T::NT + nt) * 4 + i) * 32 + lane];
            acc.x[mt][nt][i] = sum;
          }
  }
}
/// Two warpgroups take turns at the tensor cores (C::PINGPONG, attn-select-config's choice):
/// each waits at its barrier before issuing its MMAs and, once they are issued, lets the other
/// go; the MMAs of one then run while the other computes its softmax. Warpgroup 1 lets
/// warpgroup 0 go first (init).
template <class C> struct Turns {
  static constexpr bool ON = C::PINGPONG;
  static_assert(!ON || (C::WGMMA && C::WARPS == 8), "ping-pong takes two warpgroups");
  ATTN_FN static void init() {
    if (ON && warp_id() >= 4)
      named_arrive<1>();
  }
  ATTN_FN static void wait() {
    if (ON) {
      if (warp_id() < 4)
        named_sync<1>();
      else
        named_sync<2>();
    }
  }
  ATTN_FN static void pass() {
    if (ON) {
      if (warp_id() < 4)
        named_arrive<2>();
      else
        named_arrive<1>();
    }
  }
};


// ---- shared-memory tiles and loads --------------------------------------------------------

template <class C> struct Smem {
  typedef Layout<C> L;
  u8 *base;  ///< aligned to Layout<C>::ALIGN
  int *pages; ///< the page rings (Layout<C>::PAGES_BYTES)
  ATTN_FN typename L::QKE *q() const { return reinterpret_cast<typename L::QKE *>(base + L::Q_OFF); }
  ATTN_FN typename L::KE *k(int stage) const { return reinterpret_cast<typename L::KE *>(base + L::K_OFF + stage * L::K_STAGE); }
  ATTN_FN typename L::VE *v(int stage) const { return reinterpret_cast<typename L::VE *>(base + L::V_OFF + stage * L::V_STAGE); }
  ATTN_FN u8 *raw(int off) const { return base + off; }
};

/// The buffer of the K (WHICH = 0) or V tile of keys [n0, n0 + BN), and its fp8 staging buffer.
/// (n0 >= 0: unsigned division, a shift for powers of two.)
template <class C, int WHICH> ATTN_FN int stage_of(int n0) {
  return int(unsigned(n0) / C::BN % (WHICH == 0 ? Layout<C>::K_BUFS : Layout<C>::V_BUFS));
}
template <class C> ATTN_FN int raw_slot_of(int n0) { return int(unsigned(n0) / C::BN % Layout<C>::RAW_SLOTS); }

/// The first key of this thread's copy of the tile of keys from n0: with warp split, its warp's
/// slice.
template <class C> ATTN_FN int copy_first(int n0) { return n0 + (C::WARP_SPLIT ? warp_id() * Layout<C>::SLICE : 0); }

/// Paged K/V with Layout::STAGE_PAGES: the copy of a K tile also starts copying, in the same
/// group, the block-table entries of the copy STAGES - 1 tiles later into a slot of this ring
/// (the warp's with warp split, else the CTA's); the wait for the K tile publishes that slot
/// (its tag, the copy's first key, stored between the wait and the barrier that follows). A
/// copy whose slot is published reads its pages' entries from shared memory; the others (the
/// prologue's STAGES - 1) read the block table. A slot is rewritten STAGES + 1 tiles later, so
/// its last readers, the K and V copies of its tile, are behind a barrier by then.
template <class C> struct PageRing {
  typedef Layout<C> L;
  static constexpr int SLOT = L::COPY_PAGES + 1; ///< ints: the tag, then the entries
  static constexpr int AHEAD = (C::STAGES - 1) * C::BN; ///< keys from a copy to the one it stages for
  int *ring;
  /// The thread's index among those sharing the ring; the first COPY_PAGES copy an entry each.
  ATTN_FN static int copier() { return C::WARP_SPLIT ? lane_id() : int(threadIdx.x); }
  ATTN_FN explicit PageRing(const Smem<C> &sm)
      : ring(sm.pages + (C::WARP_SPLIT ? warp_id() : 0) * L::PAGE_SLOTS * SLOT) {}
  ATTN_FN int *slot(int first) const { return ring + int(unsigned(first) / C::BN % L::PAGE_SLOTS) * SLOT; }
  /// Unpublishes every slot of every ring (before the first copy; a barrier follows).
  ATTN_FN static void clear(const Smem<C> &sm) {
    for (int i = int(threadIdx.x); i < L::PAGE_RINGS * L::PAGE_SLOTS; i += C::WARPS * 32)
      sm.pages[i * SLOT] = -1;
  }
  /// Starts copying the entries of the copy AHEAD keys after the one from `first` (rows.table:
  /// the sequence's row).
  template <class Rows> ATTN_FN void stage_ahead(const Rows &rows, int first, int last) const {
    const int i = copier(), ahead = first + AHEAD;
    if (i < L::COPY_PAGES)
      cp_async<4>(smem_u32(slot(ahead) + 1 + i), rows.table + rows.clamp_page(rows.first_page(ahead, last) + i, last),
                  true);
  }
  /// The copy from `first` has landed, and with it the entries it staged.
  ATTN_FN void publish_ahead(int first) const {
    if (copier() == 0)
      slot(first + AHEAD)[0] = first + AHEAD;
  }
  /// The entries of the copy of keys from `first` when its slot is published, else null.
  ATTN_FN const int *find(int first) const {
    const int *s = slot(first);
    return s[0] == first ? s + 1 : nullptr;
  }
};

/// Where a row of a copy comes from: p, or zeros when !valid (p is then any readable address).
struct RowSrc {
  const u8 *p;
  bool valid;
};

/// Issues cp.async copies of NROWS rows of ROWBYTES bytes, spread over THREADS threads (this one
/// is `tid`); row r = base + r0 (CopyRows) comes from src(base, r0), a RowSrc. SWIZZLED: into
/// the MMA tile of Layout<C>::chunk (ROWS rows of STRIDE elements), else into plain rows
/// DST_STRIDE bytes apart (the fp8 staging buffers).
template <class C, int NROWS, int ROWBYTES, bool SWIZZLED, int DST_STRIDE, int THREADS_ = C::WARPS * 32, class Src>
ATTN_FN void copy_rows_async(u8 *dst, Src src, int tid = int(threadIdx.x)) {
  using R = CopyRows<C, ROWBYTES, THREADS_>;
  constexpr int CH = R::CH, PER_ROW = R::PER_ROW, TOTAL = NROWS * PER_ROW;
  constexpr int THREADS = R::THREADS, ITERS = (TOTAL + THREADS - 1) / THREADS;
  static_assert(!SWIZZLED || CH == 16 || !C::WGMMA, "swizzled rows are whole 16-byte chunks");
  // Every source first: the copies' asm would make the compiler read again what src reads
  // (block-table entries shared by several rows) after each copy.
  RowSrc p[ITERS];
  const int r0 = R::STEP > 1 ? tid / PER_ROW : 0;
  ATTN_UNROLL for (int it = 0; it < ITERS; ++it) {
    int i = it * THREADS + tid;
    if (TOTAL % THREADS == 0 || i < TOTAL)
      p[it] = src(R::STEP > 1 ? it * R::STEP : i / PER_ROW, r0);
  }
  const u32 d0 = smem_u32(dst);
  ATTN_UNROLL for (int it = 0; it < ITERS; ++it) {
    int i = it * THREADS + tid;
    if (TOTAL % THREADS == 0 || i < TOTAL) {
      // With STEP > 1 each thread's rows are STEP apart: constant offsets from its first.
      int r = R::STEP > 1 ? it * R::STEP + r0 : i / PER_ROW, c = R::STEP > 1 ? tid % PER_ROW : i % PER_ROW;
      int off = SWIZZLED && CH == 16 ? Layout<C>::template chunk<NROWS, DST_STRIDE / 2>(r, c)
                                     : r * DST_STRIDE + c * CH;
      cp_async<CH>(d0 + off, p[it].p + c * CH, p[it].valid);
    }
  }
}

/// Eight fp8 codes (w0 low byte first, then w1) to eight values of the MMA type.
template <class C, class T> ATTN_FN uint4 widen8(u32 w0, u32 w1) {
  const uint2 a = Widen4<T, typename C::MT>::run(w0), b = Widen4<T, typename C::MT>::run(w1);
  return make_uint4(a.x, a.y, b.x, b.y);
}

/// Converts NROWS x D fp8 codes (rows RAW_STRIDE bytes apart) to the MMA type in the shared
/// tile of NROWS rows of STRIDE elements. Each thread converts the chunks it copied itself
/// (copy_rows_async's distribution), so it needs only its own copies to have landed: no
/// barrier between the copy and the conversion. A 16-byte chunk of codes becomes two 16-byte
/// chunks of the tile; chunks 4-7 of each 8 store their second half first, so that the 8
/// stores of a phase hit 8 different bank groups in both layouts (a quarter warp reads one
/// 128-byte row of codes, also without conflicts). All of a thread's codes are read before the
/// first store (which could alias them for the compiler), so the reads overlap.
template <class C, class T, int NROWS, int D, int RAW_STRIDE, int STRIDE>
ATTN_FN void widen_rows(u16 *dst, const u8 *raw) {
  constexpr int CH = D % 16 == 0 ? 16 : 8, PER_ROW = D / CH, TOTAL = NROWS * PER_ROW;
  constexpr int THREADS = C::WARPS * 32, ITERS = (TOTAL + THREADS - 1) / THREADS;
  u8 *out = reinterpret_cast<u8 *>(dst);
  uint4 codes[ITERS];
  ATTN_UNROLL for (int it = 0; it < ITERS; ++it) {
    int i = it * THREADS + int(threadIdx.x);
    if (CH == 16 && (TOTAL % THREADS == 0 || i < TOTAL))
      codes[it] = *reinterpret_cast<const uint4 *>(raw + (i / PER_ROW) * RAW_STRIDE + (i % PER_ROW) * CH);
  }
  ATTN_UNROLL for (int it = 0; it < ITERS; ++it) {
    int i = it * THREADS + int(threadIdx.x);
    if (TOTAL % THREADS == 0 || i < TOTAL) {
      int r = i / PER_ROW, c = i % PER_ROW;
      const u8 *src = raw + r * RAW_STRIDE + c * CH;
      if constexpr (CH == 16) {
        uint4 w = codes[it];
        uint4 lo = widen8<C, T>(w.x, w.y), hi = widen8<C, T>(w.z, w.w);
        bool swap = (c >> 2) & 1;
        *reinterpret_cast<uint4 *>(out + Layout<C>::template chunk<NROWS, STRIDE>(r, 2 * c + swap)) = swap ? hi : lo;
        *reinterpret_cast<uint4 *>(out + Layout<C>::template chunk<NROWS, STRIDE>(r, 2 * c + !swap)) = swap ? lo : hi;
      } else {
        uint2 w = *reinterpret_cast<const uint2 *>(src);
        *reinterpret_cast<uint4 *>(out + Layout<C>::template chunk<NROWS, STRIDE>(r, c)) = widen8<C, T>(w.x, w.y);
      }
    }
  }
}

/// Zeroes the padding columns [D, DP) of a shared tile once (loads never write them; the
/// wgmma path, the only one with fp8 tiles, has none).
template <class C, int NROWS, int D, int DP, int STRIDE, class E> ATTN_FN void zero_pad(E *dst) {
  constexpr int PAD = DP - D > 0 ? DP - D : 1;
  if (D < DP)
    for (int i = int(threadIdx.x); i < NROWS * PAD; i += C::WARPS * 32)
      dst[(i / PAD) * STRIDE + D + i % PAD] = 0;
}

struct NoAction {
  ATTN_FN void operator()() const {}
};

/// One operand's tile of elements E (the MMA type's bits, or fp8 codes kept as they are):
/// starts the copies of rows (async, one group) and finishes them (wait until at most PENDING
/// later groups are in flight, run `landed`, widen fp8 into an MMA-type tile, make visible to
/// the MMAs).
/// WARP: each warp copies, and waits for, only its own slice of NROWS rows (warp split: no
/// other warp reads them), so only the warp synchronizes.
template <class C, class T, int NROWS, int D, int DP, int STRIDE, int RAW_OFF, class E = u16, bool WARP = false>
struct TileLoader {
  static constexpr bool WIDEN = IsFP8<T>::value && sizeof(E) == 2;
  static_assert(!(WIDEN && WARP), "a warp's slice of codes is widened in registers");
  /// The fp8 staging buffer `slot` (raw_slot_of: one per tile that may be in flight).
  ATTN_FN static u8 *raw(const Smem<C> &sm, int slot) { return sm.raw(RAW_OFF + slot * NROWS * DP); }
  template <class Src> ATTN_FN static void start(const Smem<C> &sm, E *dst, Src src, int slot = 0) {
    if constexpr (WIDEN)
      copy_rows_async<C, NROWS, D, false, DP>(raw(sm, slot), src);
    else if constexpr (WARP)
      copy_rows_async<C, NROWS, D * sizeof(T), true, STRIDE * sizeof(E), 32>(
          reinterpret_cast<u8 *>(dst + warp_id() * NROWS * STRIDE), src, lane_id());
    else
      copy_rows_async<C, NROWS, D * sizeof(T), true, STRIDE * sizeof(E)>(reinterpret_cast<u8 *>(dst), src);
  }
  /// This thread's copies widened into dst (fp8) once they have landed; no barrier.
  ATTN_FN static void widen(const Smem<C> &sm, E *dst, int slot) {
    if constexpr (WIDEN) {
      cp_async_wait<0>();
      widen_rows<C, T, NROWS, D, DP, STRIDE>(dst, raw(sm, slot));
    }
  }
  template <int PENDING, bool WIDENED = false, class Landed = NoAction>
  ATTN_FN static void finish(const Smem<C> &sm, E *dst, int slot = 0, Landed landed = {}) {
    cp_async_wait<PENDING>();
    landed();
    if constexpr (WIDEN && !WIDENED)
      widen_rows<C, T, NROWS, D, DP, STRIDE>(dst, raw(sm, slot));
    if constexpr (C::WGMMA)
      fence_proxy_async();
    if constexpr (WARP)
      __syncwarp();
    else
      cta_sync();
  }
};

template <class C> using QLoader = TileLoader<C, typename C::QT, C::BM, C::DQK, Layout<C>::DQKP, Layout<C>::SQ, Layout<C>::QRAW_OFF, typename Layout<C>::QKE>;
template <class C> using KLoader = TileLoader<C, typename C::KT, Layout<C>::SLICE, C::DQK, Layout<C>::DQKP, Layout<C>::SK, Layout<C>::KRAW_OFF, typename Layout<C>::KE, C::WARP_SPLIT>;
template <class C> using VLoader = TileLoader<C, typename C::VT, Layout<C>::SLICE, C::DV, Layout<C>::DVP, Layout<C>::SV, Layout<C>::VRAW_OFF, typename Layout<C>::VE, C::WARP_SPLIT>;

/// Shared memory of the kernel, aligned for its layout; zeroes head-dim padding. Call once,
/// before any load.
template <class C> ATTN_FN Smem<C> smem_init(u8 *base) {
  constexpr u32 A = Layout<C>::ALIGN;
  const u32 gap = (A - (smem_u32(base) & (A - 1))) & (A - 1);
  Smem<C> sm{base + gap, reinterpret_cast<int *>(int(gap) >= Layout<C>::PAGES_BYTES ? base : base + gap + Layout<C>::TILE_BYTES)};
  Turns<C>::init();
  zero_pad<C, C::BM, C::DQK, Layout<C>::DQKP, Layout<C>::SQ>(sm.q());
  ATTN_UNROLL for (int s = 0; s < Layout<C>::K_BUFS; ++s)
    zero_pad<C, C::BN, C::DQK, Layout<C>::DQKP, Layout<C>::SK>(sm.k(s));
  ATTN_UNROLL for (int s = 0; s < Layout<C>::V_BUFS; ++s)
    zero_pad<C, C::BN, C::DV, Layout<C>::DVP, Layout<C>::SV>(sm.v(s));
  if constexpr (Layout<C>::STAGE_PAGES) {
    PageRing<C>::clear(sm);
    cta_sync();
  }
  return sm;
}

/// Brings keys [lo, lo + n) of k or v (elements of T, D per row) into L2, one line a thread at
/// a time (lo: the start of a tile).
template <class C, class T, int D> ATTN_FN void prefetch_keys(const Cta<C> &cta, const TensorArg &t, int lo, int n) {
  constexpr int LINES = (D * int(sizeof(T)) + 127) / 128;
  const auto rows = cta.template kv_rows<int(sizeof(T)), 1>(t);
  for (int i = int(threadIdx.x); i < n * LINES; i += C::WARPS * 32)
    prefetch<2>(rows.at(lo, i / LINES, 0, cta.kv_len - 1) + i % LINES * 128);
}
/// tile.await_previous: in an overlapping launch (Args::overlap), the query tile and the first
/// STAGES tiles of keys [lo, hi) into L2 (coherent: the copies after the wait still see what
/// the previous kernel writes), then the wait for that kernel, then the next launch's start.
template <class C> ATTN_FN void await_previous(const Cta<C> &cta, const Smem<C> &, int lo, int hi) {
  if (!cta.a.overlap)
    return;
  constexpr int QLINES = (C::DQK * int(sizeof(typename C::QT)) + 127) / 128;
  for (int i = int(threadIdx.x); i < C::BM * QLINES; i += C::WARPS * 32)
    if (cta.row_valid(i / QLINES))
      prefetch<2>(cta.q_row(i / QLINES) + i % QLINES * 128);
  const int n = hi - lo < C::STAGES * C::BN ? hi - lo : C::STAGES * C::BN;
  prefetch_keys<C, typename C::KT, C::DQK>(cta, cta.a.k, lo, n);
  prefetch_keys<C, typename C::VT, C::DV>(cta, cta.a.v, lo, n);
  wait_previous_launch();
  allow_next_launch();
}

/// Starts loading the query tile (rows past the sequence are zeros): one group of copies.
template <class C> ATTN_FN void start_q(const Cta<C> &cta, const Smem<C> &sm) {
  const u8 *q = static_cast<const u8 *>(cta.a.q.data);
  QLoader<C>::start(sm, sm.q(), [&](int base, int r0) {
    int r = base + r0;
    bool valid = cta.row_valid(r);
    return RowSrc{valid ? cta.q_row(r) : q, valid};
  });
  cp_async_commit();
}
/// Warp split over fp8 K: Q's A fragments in the k order of mma_qk_split8, read once from the Q
/// tile by every warp (each holds every row) and kept in registers through the KV loop. With
/// KEY_ROWS they are Q^T's B fragments (mma_qk_rows8): row g's registers of the A fragment.
template <class C> struct QFragments {
  static constexpr int MTW = Layout<C>::MT_PER_WARP, KK = Layout<C>::DQKP / 32, H = C::QK8 ? 1 : 2;
  static constexpr int R = Layout<C>::KEY_ROWS ? 2 : 4;
  u32 f[MTW][KK][H][R]; ///< [tile][32 columns][k16 step, or the one k32 step][fragment]
};
template <class C> ATTN_FN QFragments<C> q_fragments(const Smem<C> &sm) {
  using L = Layout<C>;
  typedef QFragments<C> F;
  constexpr int QROW = L::SQ * int(sizeof(typename L::QKE)); // bytes
  const u8 *qb = reinterpret_cast<const u8 *>(sm.q());
  const int lane = lane_id(), g = lane >> 2, j = lane & 3;
  F q;
  ATTN_UNROLL for (int mt = 0; mt < F::MTW; ++mt) {
    const u8 *r0 = qb + (mt * 16 + g) * QROW, *r1 = r0 + 8 * QROW; // r1: not with KEY_ROWS
    ATTN_UNROLL for (int kk = 0; kk < F::KK; ++kk) {
      if constexpr (C::QK8) {
        // m16n8k32: a0/a1 rows g/g+8 at bytes 4j, a2/a3 the same 16 bytes on.
        const int c = kk * 32 + 4 * j;
        u32 *f = q.f[mt][kk][0];
        if constexpr (Layout<C>::KEY_ROWS) {
          f[0] = *reinterpret_cast<const u32 *>(r0 + c), f[1] = *reinterpret_cast<const u32 *>(r0 + c + 16);
        } else {
          f[0] = *reinterpret_cast<const u32 *>(r0 + c), f[1] = *reinterpret_cast<const u32 *>(r1 + c);
          f[2] = *reinterpret_cast<const u32 *>(r0 + c + 16), f[3] = *reinterpret_cast<const u32 *>(r1 + c + 16);
        }
      } else {
        // m16n8k16 step h: a0/a2 columns 4j + {0,1}/{2,3} of row g, a1/a3 of row g + 8.
        ATTN_UNROLL for (int h = 0; h < F::H; ++h) {
          const int c = (kk * 32 + h * 16 + 4 * j) * 2;
          const uint2 x0 = *reinterpret_cast<const uint2 *>(r0 + c);
          u32 *f = q.f[mt][kk][h];
          if constexpr (Layout<C>::KEY_ROWS) {
            f[0] = x0.x, f[1] = x0.y;
          } else {
            const uint2 x1 = *reinterpret_cast<const uint2 *>(r1 + c);
            f[0] = x0.x, f[1] = x1.x, f[2] = x0.y, f[3] = x1.y;
          }
        }
      }
    }
  }
  return q;
}

/// Waits for start_q's copies (PENDING later groups may stay in flight), widening fp8 q.
template <int PENDING, class C> ATTN_FN const typename Layout<C>::QKE *load_q_tile(const Cta<C> &, const Smem<C> &sm) {
  QLoader<C>::template finish<PENDING>(sm, sm.q());
  return sm.q();
}
/// The MMAs' Q operand once the Q tile is in: the tile, or with warp split over fp8 K its
/// fragments (q_fragments).
template <class C> ATTN_FN auto q_operand(const Smem<C> &sm) {
  if constexpr (Layout<C>::QFRAG)
    return q_fragments(sm);
  else
    return static_cast<const typename Layout<C>::QKE *>(sm.q());
}
/// load_q_tile, then the MMAs' Q operand.
template <int PENDING, class C> ATTN_FN auto load_q(const Cta<C> &cta, const Smem<C> &sm) {
  load_q_tile<PENDING>(cta, sm);
  return q_operand(sm);
}

/// load_q for bf16 q in f16 tiles: the lanes that hold a row's scores divide the row in place
/// by its power of two (f16_row_shift of its largest magnitude, exact), and factor takes those
/// powers back, one per row slot. K_SIGN: the rows also take the sign of k's uniform scale
/// (tile.load_q's k_sign).
template <int PENDING, bool K_SIGN = false, class C>
ATTN_FN auto load_q(const Cta<C> &cta, const Smem<C> &sm, Rows<C> &factor) {
  static_assert(sizeof(typename C::QT) == 2 && sizeof(typename C::MT) == 2, "bf16 rows into f16 tiles");
  load_q_tile<PENDING>(cta, sm);
  u8 *q = reinterpret_cast<u8 *>(sm.q());
  // The row's lanes (first_of_row) split its 16-byte chunks: the 4 of a row, or 8 with KEY_ROWS.
  constexpr int LANES = Layout<C>::KEY_ROWS ? 8 : 4, NCH = Layout<C>::DQKP / 8, PER_LANE = (NCH + LANES - 1) / LANES;
  const int part = Layout<C>::KEY_ROWS ? lane_id() >> 2 : lane_id() & 3;
  // With warp split every warp holds every row: all read, then warp 0 alone writes.
  uint4 w[Rows<C>::N][PER_LANE];
  int shift[Rows<C>::N];
  ATTN_UNROLL for (int s = 0; s < Rows<C>::N; ++s) {
    const int r = slot_row<C>(s);
    float m = 0.0f;
    ATTN_UNROLL for (int j = 0; j < PER_LANE; ++j) {
      if (part + LANES * j < NCH) {
        w[s][j] = *reinterpret_cast<const uint4 *>(q + Layout<C>::template chunk<C::BM, Layout<C>::SQ>(r, part + LANES * j));
        const u32 *x = reinterpret_cast<const u32 *>(&w[s][j]);
        ATTN_UNROLL for (int i = 0; i < 4; ++i)
          m = fmaxf(m, fmaxf(fabsf(u2f(x[i] << 16)), fabsf(u2f(x[i] & 0xFFFF0000u))));
      }
    }
    m = row_lanes_reduce<C, true>(m);
    shift[s] = f16_row_shift(m);
    factor.x[s] = exp2i(-shift[s]);
  }
  if constexpr (C::WARP_SPLIT)
    cta_sync();
  if (!C::WARP_SPLIT || warp_id() == 0) {
    ATTN_UNROLL for (int s = 0; s < Rows<C>::N; ++s) {
      const int r = slot_row<C>(s), sh = shift[s];
      const float mul = K_SIGN && cta.k_uniform_scale() < 0.0f ? -exp2i(sh) : exp2i(sh);
      ATTN_UNROLL for (int j = 0; j < PER_LANE; ++j) {
        if (part + LANES * j < NCH) {
          u32 *x = reinterpret_cast<u32 *>(&w[s][j]);
          ATTN_UNROLL for (int i = 0; i < 4; ++i)
            x[i] = pack2<f16>(u2f(x[i] << 16) * mul, u2f(x[i] & 0xFFFF0000u) * mul);
          *reinterpret_cast<uint4 *>(q + Layout<C>::template chunk<C::BM, Layout<C>::SQ>(r, part + LANES * j)) = w[s][j];
        }
      }
    }
  }
  if constexpr (C::WGMMA)
    fence_proxy_async();
  cta_sync();
  return q_operand(sm);
}

/// Starts loading keys [n0, n0 + BN) of k (which = 0) or v (which = 1) into their stage's
/// buffer when `active` (keys past the sequence are zeros); closes a group of copies either way.
/// A tile that starts past the sequence is not loaded: no loop consumes it (the KV loop ends at
/// the sequence's end; only a prologue's load for an empty range can start there).
template <class C, int WHICH> ATTN_FN void load_kv_async(const Cta<C> &cta, const Smem<C> &sm, int n0, bool active) {
  if (active && n0 < cta.kv_len) {
    // The whole tile, or with warp split this warp's slice of it.
    constexpr int ES = WHICH == 0 ? sizeof(typename C::KT) : sizeof(typename C::VT), ROWS = Layout<C>::SLICE;
    constexpr int STEP = CopyRows<C, (WHICH == 0 ? C::DQK : C::DV) * ES, C::WARP_SPLIT ? 32 : C::WARPS * 32>::STEP;
    const TensorArg &t = WHICH == 0 ? cta.a.k : cta.a.v;
    const int first = copy_first<C>(n0), last = cta.kv_len - 1;
    const int left = cta.kv_len - first; // keys of the copy in the sequence
    auto rows = cta.template kv_rows<ES, STEP, ROWS>(t);
    if constexpr (Layout<C>::STAGE_PAGES) {
      const PageRing<C> ring(sm);
      if (WHICH == 0)
        ring.stage_ahead(rows, first, last);
      if (const int *entries = ring.find(first))
        rows = rows.staged(entries, first, last);
    } else if (WHICH == 0) {
      // The next K tile's copies wait for its block-table entry otherwise (V's reuse K's).
      rows.prefetch_page(first + C::BN, last);
    }
    auto src = [&](int base, int r0) { return RowSrc{rows.at(first, base, r0, last), base < left - r0}; };
    if constexpr (WHICH == 0) {
      KLoader<C>::start(sm, sm.k(stage_of<C, 0>(n0)), src, raw_slot_of<C>(n0));
    } else {
      VLoader<C>::start(sm, sm.v(stage_of<C, 1>(n0)), src, raw_slot_of<C>(n0));
    }
  }
  cp_async_commit();
}
/// Waits for the tile of keys [n0, n0 + BN) of k or v, PENDING later groups being allowed in
/// flight, and returns its buffer (WIDENED: widen_kv converted it already).
template <class C, int WHICH, int PENDING, bool WIDENED> ATTN_FN const auto *wait_kv(const Smem<C> &sm, int n0) {
  if constexpr (WHICH == 0) {
    auto *dst = sm.k(stage_of<C, 0>(n0));
    KLoader<C>::template finish<PENDING, WIDENED>(sm, dst, raw_slot_of<C>(n0), [&] {
      // The entries that tile's copy staged (PageRing) have landed too.
      if constexpr (Layout<C>::STAGE_PAGES)
        PageRing<C>(sm).publish_ahead(copy_first<C>(n0));
    });
    return dst;
  } else {
    auto *dst = sm.v(stage_of<C, 1>(n0));
    VLoader<C>::template finish<PENDING, WIDENED>(sm, dst, raw_slot_of<C>(n0));
    return dst;
  }
}
/// Widens this thread's fp8 copies of the tile of keys [n0, n0 + BN) when `active`.
template <class C, int WHICH> ATTN_FN void widen_kv(const Smem<C> &sm, int n0, bool active) {
  if (!active)
    return;
  if constexpr (WHICH == 0)
    KLoader<C>::widen(sm, sm.k(stage_of<C, 0>(n0)), raw_slot_of<C>(n0));
  else
    VLoader<C>::widen(sm, sm.v(stage_of<C, 1>(n0)), raw_slot_of<C>(n0));
}

// ---- MMAs: mma.sync ---------------------------------------------------------------------

/// s = Q K^T for the current K tile (with warp split, the warp's slice of its keys).
template <class C> ATTN_FN void mma_qk_sync(Tile<C, C::BN> &s, const u16 *q, const u16 *k) {
  using L = Layout<C>;
  constexpr int MTW = L::MT_PER_WARP;
  const int lane = lane_id(), row0 = C::WARP_SPLIT ? 0 : warp_id() * MTW * 16;
  k += (C::WARP_SPLIT ? warp_id() * L::SLICE : 0) * L::SK;
  for_each(s, [](float &x, int, int, int) { x = 0.0f; });
  ATTN_UNROLL for (int ks = 0; ks < L::DQKP / 16; ++ks) {
    u32 a[MTW][4];
    ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) {
      int row = row0 + mt * 16 + (lane & 7) + ((lane >> 3) & 1) * 8, col = ks * 16 + (lane >> 4) * 8;
      ldmatrix_x4(a[mt], q + row * L::SQ + col);
    }
    ATTN_UNROLL for (int np = 0; np < L::SLICE / 16; ++np) {
      u32 b[4];
      int row = np * 16 + (lane & 7) + ((lane >> 4) << 3), col = ks * 16 + ((lane >> 3) & 1) * 8;
      ldmatrix_x4(b, k + row * L::SK + col);
      ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) {
        Mma<typename C::MT>::run(s.x[mt][2 * np], a[mt], b[0], b[1]);
        Mma<typename C::MT>::run(s.x[mt][2 * np + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

/// P's A fragments of k-step ks (16 keys) of 16-row tile mt, rounded to the MMA type.
template <class C> ATTN_FN void p_fragment(u32 (&a)[4], const Tile<C, C::BN> &p, int mt, int ks) {
  a[0] = pack2<typename C::MT>(p.x[mt][2 * ks][0], p.x[mt][2 * ks][1]);
  a[1] = pack2<typename C::MT>(p.x[mt][2 * ks][2], p.x[mt][2 * ks][3]);
  a[2] = pack2<typename C::MT>(p.x[mt][2 * ks + 1][0], p.x[mt][2 * ks + 1][1]);
  a[3] = pack2<typename C::MT>(p.x[mt][2 * ks + 1][2], p.x[mt][2 * ks + 1][3]);
}

/// o += P V for the current V tile (with warp split, the warp's slice of its keys); P is
/// rounded to the MMA type.
template <class C> ATTN_FN void mma_pv_sync(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, const u16 *v) {
  using L = Layout<C>;
  constexpr int MTW = L::MT_PER_WARP;
  const int lane = lane_id();
  v += (C::WARP_SPLIT ? warp_id() * L::SLICE : 0) * L::SV;
  ATTN_UNROLL for (int ks = 0; ks < L::SLICE / 16; ++ks) {
    u32 a[MTW][4];
    ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) p_fragment<C>(a[mt], p, mt, ks);
    ATTN_UNROLL for (int dp = 0; dp < L::DVP / 16; ++dp) {
      u32 b[4];
      int row = ks * 16 + (lane & 7) + ((lane >> 3) & 1) * 8, col = dp * 16 + (lane >> 4) * 8;
      ldmatrix_x4_trans(b, v + row * L::SV + col);
      ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) {
        Mma<typename C::MT>::run(o.x[mt][2 * dp], a[mt], b[0], b[1]);
        Mma<typename C::MT>::run(o.x[mt][2 * dp + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

// ---- MMAs: warp split over fp8 codes ------------------------------------------------------

/// Keys key0 to key0 + 15 of the warp's K slice kw, bytes byte0 to byte0 + 31 of their codes, in
/// one ldmatrix.x4 (8 rows of 16 bytes a matrix): b = keys 0-7 bytes 0-15, keys 0-7 bytes 16-31,
/// keys 8-15 bytes 0-15, keys 8-15 bytes 16-31, each thread holding 4 consecutive codes of key
/// lane / 4 (of the 8) from byte 4 (lane % 4) of the 16.
template <class C> ATTN_FN void read_k_codes(u32 (&b)[4], const u8 *kw, int key0, int byte0) {
  const int lane = lane_id();
  ldmatrix_x4(b, kw + (key0 + (lane & 7) + ((lane >> 4) << 3)) * Layout<C>::SK + byte0 + ((lane >> 3) & 1) * 16);
}
/// Keys key0 to key0 + 15 of the warp's V slice vw, bytes byte0 to byte0 + 31 of their codes, in
/// one ldmatrix.x4.trans (8 keys x 16 bytes a matrix, as 8 x 8 pairs of codes): b = keys 0-7
/// bytes 0-15, keys 8-15 bytes 0-15, keys 0-7 bytes 16-31, keys 8-15 bytes 16-31, each thread
/// holding keys 2 j and 2 j + 1 (j = lane % 4) of columns 2 g and 2 g + 1 (g = lane / 4).
template <class C> ATTN_FN void read_v_codes(u32 (&b)[4], const u8 *vw, int key0, int byte0) {
  const int lane = lane_id();
  ldmatrix_x4_trans(b, vw + (key0 + (lane & 7) + ((lane >> 3) & 1) * 8) * Layout<C>::SV + byte0 + (lane >> 4) * 16);
}
/// One register of read_v_codes regrouped by column and widened: keys 2 j and 2 j + 1 of column
/// 2 g in x, of column 2 g + 1 in y.
template <class C> ATTN_FN uint2 widen_v_pair(u32 codes) {
  // bytes (key 2j col 2g, key 2j col 2g+1, key 2j+1 col 2g, key 2j+1 col 2g+1) -> by column
  return Widen4<typename C::VT, typename C::MT>::run(__byte_perm(codes, 0, 0x3120));
}

/// s = Q K^T for the warp's slice of a K tile of fp8 codes. Per 32 bytes of the head dim and 16
/// keys, each thread holds 4 consecutive codes of key lane / 4 from byte 4 (lane % 4) of each 16
/// (read_k_codes): the B fragment of m16n8k32 on fp8 tensor cores (C::QK8, with Q's codes read
/// alike), or, each half widened, of two m16n8k16 steps whose k order is d = 4 j + {0, 1} (b0)
/// and 4 j + {2, 3} (b1), j = lane % 4.
/// Q's A fragments were read in that order (q_fragments), so each product pairs like columns.
template <class C> ATTN_FN void mma_qk_split8(Tile<C, C::BN> &s, const QFragments<C> &q, const u8 *k) {
  using L = Layout<C>;
  constexpr int MTW = L::MT_PER_WARP;
  const u8 *kw = k + warp_id() * L::SLICE * L::SK;
  for_each(s, [](float &x, int, int, int) { x = 0.0f; });
  ATTN_UNROLL for (int kk = 0; kk < QFragments<C>::KK; ++kk) {
    ATTN_UNROLL for (int np = 0; np < L::SLICE / 16; ++np) {
      u32 b[4];
      read_k_codes<C>(b, kw, np * 16, kk * 32);
      ATTN_UNROLL for (int t = 0; t < 2; ++t) {
        ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) {
          if constexpr (C::QK8) {
            Mma8<typename C::QT, typename C::KT>::run(s.x[mt][2 * np + t], q.f[mt][kk][0], b[2 * t], b[2 * t + 1]);
          } else {
            ATTN_UNROLL for (int h = 0; h < 2; ++h) {
              const uint2 w = Widen4<typename C::KT, typename C::MT>::run(b[2 * t + h]);
              Mma<typename C::MT>::run(s.x[mt][2 * np + t], q.f[mt][kk][h], w.x, w.y);
            }
          }
        }
      }
    }
  }
}

/// o += P V for the warp's slice of a V tile of fp8 codes. Per 16 keys and 32 bytes of the head
/// dim, each thread holds the codes of keys 2 j and 2 j + 1 of columns 2 g and 2 g + 1
/// (read_v_codes): widened, the B fragments of two n-tiles, one of the even columns and one of
/// the odd ones (tile_col's order for such accumulators).
template <class C> ATTN_FN void mma_pv_split8(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, const u8 *v) {
  using L = Layout<C>;
  constexpr int MTW = L::MT_PER_WARP;
  const u8 *vw = v + warp_id() * L::SLICE * L::SV;
  ATTN_UNROLL for (int ks = 0; ks < L::SLICE / 16; ++ks) {
    u32 a[MTW][4];
    ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) p_fragment<C>(a[mt], p, mt, ks);
    ATTN_UNROLL for (int dq = 0; dq < L::DVP / 32; ++dq) {
      u32 b[4];
      read_v_codes<C>(b, vw, ks * 16, dq * 32);
      ATTN_UNROLL for (int c = 0; c < 2; ++c) {
        const uint2 lo = widen_v_pair<C>(b[2 * c]), hi = widen_v_pair<C>(b[2 * c + 1]);
        const int nt = (dq * 2 + c) * 2;
        ATTN_UNROLL for (int mt = 0; mt < MTW; ++mt) {
          Mma<typename C::MT>::run(o.x[mt][nt], a[mt], lo.x, hi.x);
          Mma<typename C::MT>::run(o.x[mt][nt + 1], a[mt], lo.y, hi.y);
        }
      }
    }
  }
}

// ---- MMAs: warp split over 8 rows, keys on the MMA's rows (KEY_ROWS) -----------------------

/// The transpose of an 8 x 8 matrix of 16-bit values held as C fragments (thread g, j: row g,
/// columns 2 j and 2 j + 1), in the same layout.
ATTN_FN u32 movmatrix_trans(u32 x) {
  u32 y;
  asm("movmatrix.sync.aligned.m8n8.trans.b16 %0, %1;\n" : "=r"(y) : "r"(x));
  return y;
}

/// S^T = K Q^T for the warp's slice of a K tile of fp8 codes: each 16 keys are an m-tile (A,
/// from K's codes as read_k_codes gives them, so that d pairs up as Q's B fragments were
/// read) by the 8 rows on n. Fragment mt holds keys mt * 16 + g and + 8 (tile_col), rows 2 j
/// and 2 j + 1.
template <class C> ATTN_FN void mma_qk_rows8(Tile<C, C::BN> &s, const QFragments<C> &q, const u8 *k) {
  using L = Layout<C>;
  const u8 *kw = k + warp_id() * L::SLICE * L::SK;
  for_each(s, [](float &x, int, int, int) { x = 0.0f; });
  ATTN_UNROLL for (int kk = 0; kk < QFragments<C>::KK; ++kk) {
    ATTN_UNROLL for (int mt = 0; mt < L::SLICE / 16; ++mt) {
      u32 b[4];
      read_k_codes<C>(b, kw, mt * 16, kk * 32);
      if constexpr (C::QK8) {
        const u32 a[4] = {b[0], b[2], b[1], b[3]}; // m16n8k32: rows g / g + 8, bytes 4j and 16 on
        Mma8<typename C::KT, typename C::QT>::run(s.x[mt][0], a, q.f[0][kk][0][0], q.f[0][kk][0][1]);
      } else {
        ATTN_UNROLL for (int h = 0; h < 2; ++h) {
          using W = Widen4<typename C::KT, typename C::MT>;
          const uint2 lo = W::run(b[h]), hi = W::run(b[2 + h]);
          const u32 a[4] = {lo.x, hi.x, lo.y, hi.y};
          Mma<typename C::MT>::run(s.x[mt][0], a, q.f[0][kk][h][0], q.f[0][kk][h][1]);
        }
      }
    }
  }
}

/// O^T += V^T P^T for the warp's slice of a V tile of fp8 codes: V^T's A fragments from the
/// codes as read_v_codes reads them (rows g and g + 8 of a fragment are head-dim columns 2 g
/// and 2 g + 1: tile_col), and P^T's B fragments are its C fragments of 16 keys transposed.
template <class C> ATTN_FN void mma_pv_rows8(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, const u8 *v) {
  using L = Layout<C>;
  const u8 *vw = v + warp_id() * L::SLICE * L::SV;
  ATTN_UNROLL for (int ks = 0; ks < L::SLICE / 16; ++ks) {
    const u32 b0 = movmatrix_trans(pack2<typename C::MT>(p.x[ks][0][0], p.x[ks][0][1]));
    const u32 b1 = movmatrix_trans(pack2<typename C::MT>(p.x[ks][0][2], p.x[ks][0][3]));
    ATTN_UNROLL for (int dq = 0; dq < L::DVP / 32; ++dq) {
      u32 b[4];
      read_v_codes<C>(b, vw, ks * 16, dq * 32);
      ATTN_UNROLL for (int c = 0; c < 2; ++c) {
        const uint2 lo = widen_v_pair<C>(b[2 * c]), hi = widen_v_pair<C>(b[2 * c + 1]);
        const u32 a[4] = {lo.x, lo.y, hi.x, hi.y};
        Mma<typename C::MT>::run(o.x[dq * 2 + c][0], a, b0, b1);
      }
    }
  }
}

// ---- MMAs: wgmma ------------------------------------------------------------------------

/// s = Q K^T: per k-step of 32 bytes (16 columns of the MMA type, 32 fp8 codes with C::QK8)
/// one m64nBNk16 (m64nBNk32) of the warpgroup's 64 Q rows (K-major) by the BN K rows (K-major).
/// A k-step advances 32 bytes inside a 128-byte panel row; 8-row groups are 1024 bytes apart.
template <class C, class E> ATTN_FN void mma_qk_wgmma(Tile<C, C::BN> &s, const E *q, const E *k) {
  const u32 qa = smem_u32(q) + (warp_id() / 4) * 64 * 128, kb = smem_u32(k);
  Turns<C>::wait();
  wgmma_fence();
  ATTN_UNROLL for (int ks = 0; ks < Layout<C>::DQKP * int(sizeof(E)) / 32; ++ks) {
    u32 off = (ks % 4) * 32;
    u64 a = wgmma_desc(qa + (ks / 4) * C::BM * 128 + off, 16, 1024);
    u64 b = wgmma_desc(kb + (ks / 4) * C::BN * 128 + off, 16, 1024);
    if constexpr (C::QK8)
      Wgmma8<typename C::QT, typename C::KT, C::BN>::ss(s.x[0], a, b, ks > 0);
    else
      Wgmma<typename C::MT, C::BN>::ss(s.x[0], a, b, ks > 0);
  }
  wgmma_commit();
  Turns<C>::pass();
  wgmma_wait_all();
  fence_regs(s.x[0]);
}

/// o += P V: per k-step of 16 keys one m64nDVk16 with P from registers and V MN-major (d
/// contiguous): 64-column panels BN * 128 bytes apart (leading offset), 8-key groups 1024.
template <class C> ATTN_FN void mma_pv_wgmma(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, const u16 *v) {
  u32 a[C::BN / 16][4];
  ATTN_UNROLL for (int ks = 0; ks < C::BN / 16; ++ks) p_fragment<C>(a[ks], p, 0, ks);
  const u32 vb = smem_u32(v);
  fence_regs(o.x[0]);
  Turns<C>::wait();
  wgmma_fence();
  ATTN_UNROLL for (int ks = 0; ks < C::BN / 16; ++ks)
    Wgmma<typename C::MT, Layout<C>::DVP>::rs(o.x[0], a[ks], wgmma_desc(vb + ks * 16 * 128, C::BN * 128, 1024), 1);
  wgmma_commit();
  Turns<C>::pass();
  wgmma_wait_all();
  fence_regs(o.x[0]);
}

template <class C, class QE, class KE> ATTN_FN void mma_qk(Tile<C, C::BN> &s, const QE *q, const KE *k) {
  if constexpr (C::WGMMA)
    mma_qk_wgmma<C>(s, q, k);
  else
    mma_qk_sync<C>(s, q, k);
}
template <class C> ATTN_FN void mma_qk(Tile<C, C::BN> &s, const QFragments<C> &q, const u8 *k) {
  if constexpr (Layout<C>::KEY_ROWS)
    mma_qk_rows8<C>(s, q, k);
  else
    mma_qk_split8<C>(s, q, k);
}
template <class C, class VE> ATTN_FN void mma_pv(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, const VE *v) {
  if constexpr (C::WGMMA)
    mma_pv_wgmma<C>(o, p, v);
  else if constexpr (Layout<C>::KEY_ROWS)
    mma_pv_rows8<C>(o, p, v);
  else if constexpr (Layout<C>::VRAW)
    mma_pv_split8<C>(o, p, v);
  else
    mma_pv_sync<C>(o, p, v);
}

} // namespace dev
} // namespace attn

#define ATTN_KERNEL_ENTRY(NAME, CFG)                                                            \
  extern "C" __global__ void __launch_bounds__(CFG::WARPS * 32) NAME(const ::attn::dev::Args a)
/// The same, its registers capped for CFG::MIN_CTAS CTAs per SM (ctasPerSM in the compiler).
#define ATTN_KERNEL_ENTRY_CTAS(NAME, CFG)                                                       \
  extern "C" __global__ void __launch_bounds__(CFG::WARPS * 32, CFG::MIN_CTAS) NAME(const ::attn::dev::Args a)
/// The merge of a split launch (see merge_splits).
#define ATTN_MERGE_ENTRY(NAME)                                                                  \
  extern "C" __global__ void __launch_bounds__(::attn::dev::kMergeThreads) NAME(const ::attn::dev::Args a)
/// Declares `NAME`, the CTA's dynamic shared memory.
#define ATTN_SHARED(NAME)                                                                       \
  extern __shared__ __align__(16) ::attn::dev::u8 attn_dynamic_smem[];                          \
  ::attn::dev::u8 *NAME = attn_dynamic_smem

#endif // ATTN_DEVICE_TILEGPU_H
