//===- TileHost.h - The tile library in plain C++ for the host -*- C++ -*-===//
//
// The same API as TileGpu.h, for running generated kernels on the CPU (CI has no GPU): one
// host thread plays a whole CTA, so a register tile is the full BM x COLS tile and a row slot
// is the row itself. Shared memory is a per-thread buffer holding the same MMA-type tiles the
// GPU builds (fp8 widened exactly, padding zeroed), and the MMAs multiply those values in
// float, accumulating in float, with P rounded to the MMA type as on the GPU. Only the order
// of the float additions differs from the tensor cores.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DEVICE_TILEHOST_H
#define ATTN_DEVICE_TILEHOST_H

#include "Cta.h"
#include "Layout.h"

#include <cassert>
#include <type_traits>
#include <vector>

namespace attn {
namespace dev {

template <class C, int COLS> struct Tile {
  float x[C::BM][COLS];
};
template <class C> struct Rows {
  static constexpr int N = C::BM;
  float x[C::BM];
};

template <class C> inline int slot_row(int slot) { return slot; }

template <class C, int COLS, class F> inline void for_each(Tile<C, COLS> &t, F f) {
  for (int r = 0; r < C::BM; ++r)
    for (int c = 0; c < COLS; ++c)
      f(t.x[r][c], r, r, c);
}
template <class C, int COLS, class F> inline void for_each_pair(const Tile<C, COLS> &t, F f) {
  static_assert(COLS % 2 == 0, "tiles have an even number of columns");
  for (int r = 0; r < C::BM; ++r)
    for (int c = 0; c < COLS; c += 2)
      f(r, r, c, t.x[r][c], t.x[r][c + 1]);
}
template <class C, class F> inline void for_each_row(Rows<C> &r, F f) {
  for (int s = 0; s < C::BM; ++s)
    f(r.x[s], s, s);
}
template <class C, int COLS, bool MAX> inline void row_reduce(float (&out)[C::BM], const Tile<C, COLS> &t) {
  for (int r = 0; r < C::BM; ++r) {
    float v = t.x[r][0];
    for (int c = 1; c < COLS; ++c)
      v = MAX ? (v > t.x[r][c] ? v : t.x[r][c]) : v + t.x[r][c];
    out[r] = v;
  }
}

inline void cta_sync() {}
/// One host thread computes all of a CTA's keys: nothing to merge (TileGpu.h's warp split).
template <class C> inline void merge_warp_rows(Rows<C> &, Rows<C> &, Rows<C> &weight) {
  for (float &w : weight.x) w = 1.0f;
}
template <class C, int COLS> inline void merge_warp_acc(const Cta<C> &, Tile<C, COLS> &, const Rows<C> &) {}
template <class C> inline bool owns_col(int) { return true; }
template <class C> inline bool rows_all_one(const Rows<C> &) { return false; }
template <class C> inline bool stores_row() { return true; }
template <class C> inline bool rows_live(const Cta<C> &) { return true; }

/// Widened MMA-type tiles, as floats (each exactly a value of C::MT), with the GPU's stages.
template <class C> struct Smem {
  float q[C::BM][Layout<C>::DQKP];
  float k[C::STAGES][C::BN][Layout<C>::DQKP];
  float v[C::STAGES][C::BN][Layout<C>::DVP];
};
template <class C> using QTile = const float (*)[Layout<C>::DQKP];
template <class C> using KTile = const float (*)[Layout<C>::DQKP];
template <class C> using VTile = const float (*)[Layout<C>::DVP];

template <class C> inline Smem<C> *smem_init(u8 *base) {
  auto *sm = reinterpret_cast<Smem<C> *>(base);
  *sm = Smem<C>{}; // zeros, padding included
  return sm;
}

template <class C> inline int stage_of(int n0) { return (n0 / C::BN) % C::STAGES; }

/// Reads a row of D values of T at p into dst as MMA-type values (zeros when p is null).
template <class C, class T, int D> inline void read_row(float *dst, const u8 *p) {
  for (int d = 0; d < D; ++d)
    dst[d] = p ? to_float(narrow<typename C::MT>(to_float(reinterpret_cast<const T *>(p)[d]))) : 0.0f;
}

/// Query row r of the tile in q's memory, or null past the sequence.
template <class C> inline const u8 *q_row(const Cta<C> &cta, int r) { return cta.row_valid(r) ? cta.q_row(r) : nullptr; }
/// One host launch runs after the previous one: nothing to wait for.
template <class C> inline void await_previous(const Cta<C> &, Smem<C> *, int, int) {}
/// The host reads q at load_q (the GPU's copies are asynchronous).
template <class C> inline void start_q(const Cta<C> &, Smem<C> *) {}
template <int PENDING, class C> inline QTile<C> load_q(const Cta<C> &cta, Smem<C> *sm) {
  for (int r = 0; r < C::BM; ++r)
    read_row<C, typename C::QT, C::DQK>(sm->q[r], q_row(cta, r));
  return sm->q;
}
/// bf16 q in f16 tiles: each row divided by its power of two, as on the GPU (K_SIGN: and
/// multiplied by the sign of k's uniform scale).
template <int PENDING, bool K_SIGN = false, class C>
inline QTile<C> load_q(const Cta<C> &cta, Smem<C> *sm, Rows<C> &factor) {
  static_assert(std::is_same<typename C::QT, bf16>::value && std::is_same<typename C::MT, f16>::value,
                "bf16 rows into f16 tiles");
  for (int r = 0; r < C::BM; ++r) {
    const u8 *p = q_row(cta, r);
    float m = 0.0f;
    for (int d = 0; p && d < C::DQK; ++d)
      m = std::fmax(m, std::fabs(to_float(reinterpret_cast<const bf16 *>(p)[d])));
    const int sh = f16_row_shift(m);
    factor.x[r] = exp2i(-sh);
    const float mul = K_SIGN && cta.k_uniform_scale() < 0.0f ? -exp2i(sh) : exp2i(sh);
    for (int d = 0; d < C::DQK; ++d)
      sm->q[r][d] = p ? to_float(narrow<f16>(to_float(reinterpret_cast<const bf16 *>(p)[d]) * mul)) : 0.0f;
  }
  return sm->q;
}
/// Loads at once (the GPU's copies are asynchronous), into the stage's buffer as on the GPU,
/// so that a schedule that overwrote a buffer still in use would give wrong results here too.
template <class C, int WHICH> inline void load_kv_async(const Cta<C> &cta, Smem<C> *sm, int n0, bool active) {
  if (!active)
    return;
  using T = typename std::conditional<WHICH == 0, typename C::KT, typename C::VT>::type;
  constexpr int STEP = CopyRows<C, (WHICH == 0 ? C::DQK : C::DV) * int(sizeof(T))>::STEP;
  const TensorArg &t = WHICH == 0 ? cta.a.k : cta.a.v;
  assert(n0 % C::BN == 0 && "the KV loop's tiles start at multiples of BN (KvRows)");
  const auto rows = cta.template kv_rows<sizeof(T), STEP>(t);
  for (int r = 0; r < C::BN; ++r) {
    const u8 *p = n0 + r < cta.kv_len ? rows.at(n0, r - r % STEP, r % STEP, cta.kv_len - 1) : nullptr;
    if constexpr (WHICH == 0)
      read_row<C, T, C::DQK>(sm->k[stage_of<C>(n0)][r], p);
    else
      read_row<C, T, C::DV>(sm->v[stage_of<C>(n0)][r], p);
  }
}
/// Loads widen at once on the host.
template <class C, int WHICH> inline void widen_kv(Smem<C> *, int, bool) {}
template <class C, int WHICH, int PENDING, bool WIDENED> inline auto wait_kv(Smem<C> *sm, int n0) {
  if constexpr (WHICH == 0)
    return KTile<C>(sm->k[stage_of<C>(n0)]);
  else
    return VTile<C>(sm->v[stage_of<C>(n0)]);
}

template <class C> inline void mma_qk(Tile<C, C::BN> &s, QTile<C> q, KTile<C> k) {
  for (int r = 0; r < C::BM; ++r)
    for (int c = 0; c < C::BN; ++c) {
      float acc = 0;
      for (int d = 0; d < Layout<C>::DQKP; ++d)
        acc += q[r][d] * k[c][d];
      s.x[r][c] = acc;
    }
}
template <class C> inline void mma_pv(Tile<C, Layout<C>::DVP> &o, const Tile<C, C::BN> &p, VTile<C> v) {
  for (int r = 0; r < C::BM; ++r) {
    float pr[C::BN];
    for (int j = 0; j < C::BN; ++j)
      pr[j] = to_float(narrow<typename C::MT>(p.x[r][j]));
    for (int d = 0; d < Layout<C>::DVP; ++d) {
      float acc = o.x[r][d];
      for (int j = 0; j < C::BN; ++j)
        acc += pr[j] * v[j][d];
      o.x[r][d] = acc;
    }
  }
}

} // namespace dev
} // namespace attn

/// The host entry: the kernel body runs once per block, on the calling thread.
#define ATTN_KERNEL_ENTRY(NAME, CFG)                                                            \
  extern "C" __attribute__((visibility("default"))) void NAME(const ::attn::dev::Args a)
#define ATTN_KERNEL_ENTRY_CTAS(NAME, CFG) ATTN_KERNEL_ENTRY(NAME, CFG)
/// The CTA's "shared memory": a per-thread heap buffer, reused across blocks.
#define ATTN_SHARED(NAME)                                                                       \
  static thread_local std::vector<::attn::dev::u8> attn_host_smem(                              \
      sizeof(::attn::dev::Smem<Cfg>));                                                         \
  ::attn::dev::u8 *NAME = attn_host_smem.data()

/// The merge of a split launch (see merge_splits).
#define ATTN_MERGE_ENTRY(NAME)                                                                  \
  extern "C" __attribute__((visibility("default"))) void NAME(const ::attn::dev::Args a)
/// The host launcher sets the block index of the calling thread through this.
extern "C" __attribute__((visibility("default"))) void attn_host_set_block(unsigned x, unsigned y, unsigned z) {
  ::attn::dev::tl_block = ::attn::dev::BlockIndex{x, y, z};
}

#endif // ATTN_DEVICE_TILEHOST_H
