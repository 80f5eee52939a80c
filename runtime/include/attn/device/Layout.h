//===- Layout.h - Tile shapes and shared-memory layout of a config -*- C++ -*-===//
//
// Derived from a kernel's config struct C (BM, BN, WARPS, HPT, STAGES, WGMMA, QK8, WARP_SPLIT, DQK,
// DV, PAGE and the dtypes): head dims padded to the MMA's k of 16, and where each 16-byte chunk
// of the Q tile, the K and V tile buffers and the raw FP8 staging buffers lives in shared memory,
// and the staged block-table entries after them. With C::QK8 (fp8 q and k on fp8 tensor cores)
// the Q and K tiles hold the fp8 codes themselves, one byte an element; with C::WARP_SPLIT (the
// warps split each tile's keys) fp8 K and V tiles do too, widened in registers as the MMAs read
// them. Other fp8 tiles are widened to the MMA type.
//  - mma.sync: rows padded to an odd number of 16-byte chunks, so the 8 rows one ldmatrix
//    phase reads fall in 8 different bank groups for any head dim.
//  - wgmma: the canonical 128-byte-swizzled layout of the warpgroup MMAs: a tile of R rows is
//    D / 64 panels of R rows x 128 bytes (64 columns), and chunk c of row r sits at chunk
//    c ^ (r % 8) of its row, so that 8 consecutive rows hit 8 bank groups. The buffers are
//    1024-byte aligned (the swizzle's period).
// The compiler computes the same total (C::SMEM_BYTES); a static_assert keeps them equal.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_LAYOUT_H
#define ATTN_DEVICE_LAYOUT_H

#include "Numeric.h"

namespace attn {
namespace dev {

template <bool B, class T, class F> struct Pick { typedef T type; };
template <class T, class F> struct Pick<false, T, F> { typedef F type; };

template <class T> struct IsFP8 { static constexpr bool value = false; };
template <> struct IsFP8<e4m3> { static constexpr bool value = true; };
template <> struct IsFP8<e5m2> { static constexpr bool value = true; };

/// The rows one pass of THREADS threads copies (the GPU's copy_rows_async: a CTA's threads, or
/// one warp's for its slice with warp split; the host's loads split rows the same way): each
/// thread copies row base + r0 of every STEP rows, base a multiple of STEP and 0 <= r0 < STEP.
template <class C, int ROWBYTES, int THREADS_ = C::WARPS * 32> struct CopyRows {
  static constexpr int CH = ROWBYTES % 16 == 0 ? 16 : 8, PER_ROW = ROWBYTES / CH;
  static constexpr int THREADS = THREADS_;
  static constexpr int STEP = THREADS % PER_ROW == 0 ? THREADS / PER_ROW : 1;
};

template <class C> struct Layout {
  static constexpr int DQKP = (C::DQK + 15) / 16 * 16; ///< q/k head dim padded to the MMA's k
  static constexpr int DVP = (C::DV + 15) / 16 * 16;   ///< v head dim padded to 16 columns
  /// Warp split over 8 rows (a decode step's heads): the keys (and P.V's head dim) are the
  /// MMAs' 16 rows and the tile's 8 query rows their n, so no MMA computes padding rows past
  /// the 8 (TileGpu.h's KEY_ROWS layout). fp8 K and V only: their MMAs widen codes.
  static constexpr bool KEY_ROWS = C::WARP_SPLIT && C::BM == 8;
  /// 16-row MMA tiles per warp: a warp's own rows, or all of them when the warps split the keys
  /// (one set of row slots with KEY_ROWS).
  static constexpr int MT_PER_WARP = KEY_ROWS ? 1 : C::WARP_SPLIT ? C::BM / 16 : C::BM / (16 * C::WARPS);
  /// Keys of a K/V tile one warp computes: its slice when the warps split the keys, else all.
  static constexpr int SLICE = C::WARP_SPLIT ? C::BN / C::WARPS : C::BN;
  static constexpr bool Q8 = IsFP8<typename C::QT>::value, K8 = IsFP8<typename C::KT>::value,
                        V8 = IsFP8<typename C::VT>::value;
  /// Tiles that keep their fp8 codes: Q and K for fp8 tensor cores (C::QK8), and K and V that
  /// the warp-split MMAs widen in registers as they read them. The others hold the MMA type.
  static constexpr bool QRAW = C::QK8, KRAW = K8 && (C::QK8 || C::WARP_SPLIT), VRAW = V8 && C::WARP_SPLIT;
  /// Warp split over fp8 K: the MMAs take Q's A fragments from registers (TileGpu.h's
  /// q_fragments), read once from the Q tile.
  static constexpr bool QFRAG = C::WARP_SPLIT && KRAW;
  typedef typename Pick<QRAW, u8, u16>::type QKE; ///< an element of the Q tile
  typedef typename Pick<KRAW, u8, u16>::type KE;  ///< of the K tile
  typedef typename Pick<VRAW, u8, u16>::type VE;  ///< of the V tile
  /// Row stride in elements of ES bytes: wgmma rows are dense; mma.sync rows an odd number of
  /// 16-byte chunks.
  static constexpr int stride(int d, int es) {
    return C::WGMMA || (d * es / 16) % 2 ? d : d + 16 / es;
  }
  static constexpr int SQ = stride(DQKP, sizeof(QKE)), SK = stride(DQKP, sizeof(KE)),
                       SV = stride(DVP, sizeof(VE)); ///< elements
  static constexpr int ALIGN = C::WGMMA ? 1024 : 16; ///< alignment of the tile buffers
  // Byte offsets from the aligned base (each a multiple of ALIGN up to the raw buffers).
  static constexpr int Q_OFF = 0;
  // fp8 K/V that widen land raw in one staging buffer per tile that may be in flight while
  // another is used: one up to two stages, STAGES - 1 beyond. Their MMA-type tiles need one
  // buffer where each tile is widened where it is waited for, behind a barrier that all MMAs
  // of the tile before are ahead of (one stage, or two without ping-pong: the wait for V(n)
  // comes after every warp's Q.K(n), the wait for K(n + 1) after its P.V(n)); a buffer per
  // stage otherwise (tile n + 1 widened while tile n's MMAs may still read).
  static constexpr int RAW_SLOTS = C::STAGES > 2 ? C::STAGES - 1 : 1;
  static constexpr int WIDE_BUFS = C::STAGES > 2 || C::PINGPONG ? C::STAGES : 1;
  static constexpr bool QWIDEN = Q8 && !QRAW, KWIDEN = K8 && !KRAW, VWIDEN = V8 && !VRAW;
  static constexpr int K_BUFS = KWIDEN ? WIDE_BUFS : C::STAGES, V_BUFS = VWIDEN ? WIDE_BUFS : C::STAGES;
  static constexpr int K_OFF = Q_OFF + C::BM * SQ * sizeof(QKE), K_STAGE = C::BN * SK * sizeof(KE);
  static constexpr int V_OFF = K_OFF + K_BUFS * K_STAGE, V_STAGE = C::BN * SV * sizeof(VE);
  static constexpr int QRAW_OFF = V_OFF + V_BUFS * V_STAGE;
  static constexpr int KRAW_OFF = QRAW_OFF + (QWIDEN ? C::BM * DQKP : 0);
  static constexpr int VRAW_OFF = KRAW_OFF + (KWIDEN ? RAW_SLOTS * C::BN * DQKP : 0);
  static constexpr int TILE_BYTES = VRAW_OFF + (VWIDEN ? RAW_SLOTS * C::BN * DVP : 0);
  /// Paged K/V: the pages a copy of SLICE keys (from a multiple of SLICE) can touch, and
  /// whether copies stage their block-table entries in shared memory ahead of time (TileGpu.h's
  /// PageRing: a ring of STAGES + 1 slots, each a tag and the entries, per warp with warp
  /// split, else per CTA). Pages smaller than a copy's share of them would cost more shared
  /// memory than two CTAs an SM leave; their copies read the block table. The rings follow the
  /// tiles; with wgmma they take no bytes of their own: the 1024 bytes kept for aligning the
  /// tiles are split between the gap before them and the gap after, and one is big enough.
  static constexpr int PAGE = C::PAGE > 0 ? C::PAGE : 1;
  static constexpr int COPY_PAGES = SLICE % PAGE == 0 ? SLICE / PAGE : PAGE % SLICE == 0 ? 1 : (SLICE - 1 + PAGE - 1) / PAGE + 1;
  static constexpr bool STAGE_PAGES = C::PAGE > 0 && C::STAGES > 1 && COPY_PAGES <= 8;
  static constexpr int PAGE_SLOTS = C::STAGES + 1, PAGE_RINGS = C::WARP_SPLIT ? C::WARPS : 1;
  static constexpr int PAGES_BYTES = STAGE_PAGES ? PAGE_RINGS * PAGE_SLOTS * (COPY_PAGES + 1) * 4 : 0;
  /// Warp split: the warps' partial O, m and l meet in shared memory at the end (the tiles'
  /// space, free by then).
  static constexpr int MERGE_BYTES = C::WARP_SPLIT ? C::WARPS * C::BM * (DVP + 2) * 4 : 0;
  static constexpr int OWN_BYTES = TILE_BYTES + (C::WGMMA ? 0 : PAGES_BYTES);
  static constexpr int BYTES = (C::WGMMA ? 1024 : 0) + (OWN_BYTES > MERGE_BYTES ? OWN_BYTES : MERGE_BYTES);

  /// Byte offset of 16-byte chunk c of row r in a tile of ROWS rows of STRIDE elements.
  template <int ROWS, int STRIDE> static constexpr int chunk(int r, int c) {
    return C::WGMMA ? (c >> 3) * (ROWS * 128) + r * 128 + (((c & 7) ^ (r & 7)) << 4)
                    : r * STRIDE * 2 + c * 16;
  }

  static_assert(KEY_ROWS || C::BM % (C::WARP_SPLIT ? 16 : 16 * C::WARPS) == 0,
                "BM must be a multiple of 16 * WARPS (16 with warp split, or 8)");
  static_assert(!KEY_ROWS || (KRAW && VRAW), "warp split over 8 rows: fp8 K and V");
  static_assert(!C::WARP_SPLIT || (!C::WGMMA && C::BN % (16 * C::WARPS) == 0 && C::BN != DVP),
                "warp split: mma.sync, 16 keys a warp at least, and score tiles (BN columns) "
                "told from accumulators (DV columns) by their width");
  static_assert(C::BN % 16 == 0, "BN must be a multiple of 16");
  static_assert(C::BM % C::HPT == 0, "BM must be a multiple of the packed heads");
  static_assert(!C::WGMMA || (DQKP % 64 == 0 && DVP % 64 == 0 && C::BM == 16 * C::WARPS),
                "wgmma tiles: head dims multiples of 64, 16 rows per warp");
  static_assert(!C::QK8 || (Q8 && K8 && (C::WGMMA ? DQKP % 128 == 0 : C::WARP_SPLIT && DQKP % 32 == 0)),
                "fp8 Q.K: fp8 q and k, on wgmma with 128-byte rows or warp split with 32-byte steps");
  static_assert(!C::WARP_SPLIT || ((!KRAW || DQKP % 32 == 0) && (!VRAW || DVP % 32 == 0)),
                "the warp-split MMAs widen fp8 K and V in 32-byte steps");
  static_assert(!C::WGMMA || (K_OFF % 1024 == 0 && K_STAGE % 1024 == 0 && V_OFF % 1024 == 0 &&
                               V_STAGE % 1024 == 0),
                "wgmma tiles start on the 128-byte swizzle's 1024-byte period");
  static_assert(!C::WGMMA || PAGES_BYTES <= 512, "the page rings fit the larger of the alignment gaps");
  static_assert(C::SMEM_BYTES == BYTES, "the compiler's shared-memory size disagrees with the library's");
};

} // namespace dev
} // namespace attn

#endif // ATTN_DEVICE_LAYOUT_H
