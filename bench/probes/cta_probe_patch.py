# Instruments a checkout's device headers for cta_timeline.py: each CTA's thread 0 stores clock64
# (and globaltimer) stamps straight to 512 bytes of a scratch area that ends where k's data begins
# (CTA i at byte 512 i of the 128 KB below k.data: the caller passes k as a view past spare
# blocks), and lane 0 of each warp its own stamps to 512 bytes of the 128 KB below that. No
# shared memory is used, so every build keeps its CTAs per SM and its split. Build a
# library from the patched tree (make dist, or cmake --build build-dist --target attn), then
# `git checkout runtime/include/attn/device`. Usage: python3 bench/probes/cta_probe_patch.py [repo root]
import os
import sys

DEV = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "runtime/include/attn/device/")


def sub(f, old, new):
    s = open(DEV + f).read()
    assert s.count(old) == 1, (f, old)
    open(DEV + f, "w").write(s.replace(old, new))


# Slots: 0 globaltimer and 1 clock64 at entry, 2 after the metadata, 3 Q landed, 4 past
# await_previous's wait (overlapping launches), 5 store_out's entry, 6 clock64 and 7 globaltimer
# at its end, 8 gridDim.x << 32 | the index (n0 / BN) of the last K tile waited for, 9 SM id << 32
# | the sequence's keys + queries, 16 + t % 48 K tile t's arrival. Slots are not cleared: a CTA's
# tiles are its part's (cta_timeline.py computes them from the split). Per warp w (< 16), in the
# second area: w its last K tile's arrival, 16 + w its last V tile's, 32 + w store_out's entry;
# 48 thread 0 past the warps' merge.
sub("Cta.h", "template <class C> struct Cta {", r'''#ifdef ATTN_GPU
typedef unsigned long long probe_t;
__device__ probe_t *attn_probe_base;
ATTN_FN probe_t probe_clock() { probe_t c; asm volatile("mov.u64 %0, %%clock64;" : "=l"(c) :: "memory"); return c; }
ATTN_FN probe_t probe_gtime() { probe_t c; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(c) :: "memory"); return c; }
ATTN_FN probe_t *probe_slots() {
  const unsigned cta = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  return attn_probe_base + (cta % 256) * 64;
}
ATTN_FN probe_t *probe_warp_slots() { return probe_slots() - 256 * 64 + (threadIdx.x >> 5); }
#define ATTN_PROBE(...) do { if (threadIdx.x == 0) { __VA_ARGS__; } } while (0)
#define ATTN_WARP_PROBE(...) do { if ((threadIdx.x & 31) == 0 && threadIdx.x < 512) { __VA_ARGS__; } } while (0)
#else
#define ATTN_PROBE(...) do {} while (0)
#define ATTN_WARP_PROBE(...) do {} while (0)
#endif
template <class C> struct Cta {''')
sub("Cta.h", "  ATTN_FN explicit Cta(const Args &args) : a(args) {\n",
    "  ATTN_FN explicit Cta(const Args &args) : a(args) {\n"
    "    ATTN_PROBE(probe_t g_ = probe_gtime(); probe_t c_ = probe_clock();\n"
    "               attn_probe_base = reinterpret_cast<probe_t *>(static_cast<u8 *>(const_cast<void *>(a.k.data)) - 131072);\n"
    "               probe_slots()[0] = g_; probe_slots()[1] = c_; probe_slots()[4] = 0);\n")
sub("Cta.h", "    q_last = kv_len - q_len + last - 1;\n  }\n",
    "    q_last = kv_len - q_len + last - 1;\n"
    "    ATTN_PROBE(unsigned sm_; asm volatile(\"mov.u32 %0, %%smid;\" : \"=r\"(sm_));\n"
    "               probe_slots()[9] = (probe_t(sm_) << 32) | unsigned(kv_len + q_len); probe_slots()[2] = probe_clock());\n  }\n")
sub("TileGpu.h", "  QLoader<C>::template finish<PENDING>(sm, sm.q());\n  return sm.q();\n",
    "  QLoader<C>::template finish<PENDING>(sm, sm.q());\n  ATTN_PROBE(probe_slots()[3] = probe_clock());\n  return sm.q();\n")
sub("TileGpu.h", "        PageRing<C>(sm).publish_ahead(copy_first<C>(n0));\n    });\n",
    "        PageRing<C>(sm).publish_ahead(copy_first<C>(n0));\n    });\n"
    "    ATTN_WARP_PROBE(probe_warp_slots()[0] = probe_clock());\n"
    "    ATTN_PROBE(const unsigned t_ = unsigned(n0) / C::BN; probe_slots()[16 + t_ % 48] = probe_clock();\n"
    "               probe_slots()[8] = (probe_t(gridDim.x) << 32) | t_);\n")
sub("TileGpu.h", "    VLoader<C>::template finish<PENDING, WIDENED>(sm, dst, raw_slot_of<C>(n0));\n    return dst;",
    "    VLoader<C>::template finish<PENDING, WIDENED>(sm, dst, raw_slot_of<C>(n0));\n"
    "    ATTN_WARP_PROBE(probe_warp_slots()[16] = probe_clock());\n    return dst;")
sub("TileGpu.h", "  wait_previous_launch();\n  allow_next_launch();\n}\n",
    "  wait_previous_launch();\n  ATTN_PROBE(probe_slots()[4] = probe_clock());\n  allow_next_launch();\n}\n")
sub("Ops.h", "  const Args &a = cta.a;\n  Rows<C> weight;\n  merge_warp_rows(m, l, weight);\n  merge_warp_acc(cta, acc, weight);\n",
    "  const Args &a = cta.a;\n  ATTN_PROBE(probe_slots()[5] = probe_clock());\n"
    "  ATTN_WARP_PROBE(probe_warp_slots()[32] = probe_clock());\n  Rows<C> weight;\n"
    "  merge_warp_rows(m, l, weight);\n  merge_warp_acc(cta, acc, weight);\n"
    "  ATTN_PROBE(probe_warp_slots()[48] = probe_clock());\n")
sub("Ops.h", "  }\n}\n\n/// The merge of a split launch",
    "  }\n  ATTN_PROBE(probe_slots()[6] = probe_clock(); probe_slots()[7] = probe_gtime());\n}\n\n/// The merge of a split launch")
print("patched", DEV)
