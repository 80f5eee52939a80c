//===- MmaKernel.h - A header-free bf16 mma.sync kernel the runtime tests compile -*- C++ -*-===//
#ifndef ATTN_TEST_UNIT_MMAKERNEL_H
#define ATTN_TEST_UNIT_MMAKERNEL_H

namespace attn::test {

/// One warp computes C (16x8, f32) = A (16x16, bf16) · B (16x8, bf16) with
/// mma.sync.m16n8k16; a and b hold each lane's fragments, c receives each lane's four results.
/// Inline PTX only, so NVRTC needs no include path: the form the tile library takes.
constexpr const char *kMmaKernel = R"(
extern "C" __global__ void mma16816(const unsigned *a, const unsigned *b, float *c) {
  unsigned lane = threadIdx.x;
  float d[4] = {0, 0, 0, 0};
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[lane * 4]), "r"(a[lane * 4 + 1]), "r"(a[lane * 4 + 2]), "r"(a[lane * 4 + 3]),
                 "r"(b[lane * 2]), "r"(b[lane * 2 + 1]));
  for (int i = 0; i < 4; ++i)
    c[lane * 4 + i] = d[i];
}
)";

} // namespace attn::test

#endif // ATTN_TEST_UNIT_MMAKERNEL_H
