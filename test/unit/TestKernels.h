// Test helper: hand-written kernels that obey the launch ABI (Args.h), for testing the runtime's
// plumbing (validation, host and GPU builds, the C ABI) independently of the code generator.
#ifndef ATTN_TEST_UNIT_TESTKERNELS_H
#define ATTN_TEST_UNIT_TESTKERNELS_H

#include "compiler/Driver/Codegen.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <string>

namespace attn::test {

/// Args.h as the generated sources embed it.
inline std::string argsHeader() {
  auto buf = llvm::MemoryBuffer::getFile(ATTN_SOURCE_DIR "/runtime/include/attn/device/Args.h");
  return buf ? (*buf)->getBuffer().str() : std::string("#error Args.h not found\n");
}

/// The block index and kernel qualifiers on both sides: CUDA's built-ins on the GPU, a
/// thread-local index set through attn_host_set_block on the host.
inline constexpr const char *kBlockPrelude = R"(
#ifdef __CUDACC__
#define KERNEL extern "C" __global__
#define BX blockIdx.x
#define BY blockIdx.y
#define BZ blockIdx.z
#define FOR_LANES(d, n) for (int d = threadIdx.x; d < (n); d += blockDim.x)
#else
static thread_local unsigned attn_bx, attn_by, attn_bz;
extern "C" void attn_host_set_block(unsigned x, unsigned y, unsigned z) {
  attn_bx = x; attn_by = y; attn_bz = z;
}
#define KERNEL extern "C"
#define BX attn_bx
#define BY attn_by
#define BZ attn_bz
#define FOR_LANES(d, n) for (int d = 0; d < (n); ++d)
#endif
)";

/// copy_q: out = q for a dense bf16 batch with head dim 8. Block (x, y, z) copies positions
/// [4x, 4x + 4) of head y of sequence z: the grid launchGrid gives for blockM = 4 and one head
/// per tile. Tokens past seqlen_q are left alone. Uses `sharedBytes` of dynamic shared memory
/// on the GPU (staging each row through it), so tests can exercise the opt-in limit.
inline constexpr const char *kCopyKernel = R"(
#ifdef __CUDACC__
extern __shared__ unsigned short stage[];
#endif
KERNEL void copy_q(attn::dev::Args a) {
  const int M = 4, D = 8;
  for (int i = 0; i < M; ++i) {
    long long s = (long long)BX * M + i;
    if (s >= a.seqlen_q)
      return;
    const unsigned short *src = (const unsigned short *)a.q.data + BZ * a.q.stride[0] +
                                s * a.q.stride[1] + BY * a.q.stride[2];
    unsigned short *dst = (unsigned short *)a.out.data + BZ * a.out.stride[0] +
                          s * a.out.stride[1] + BY * a.out.stride[2];
#ifdef __CUDACC__
    FOR_LANES(d, D) stage[d] = src[d];
    __syncthreads();
    FOR_LANES(d, D) dst[d] = stage[d];
    __syncthreads();
#else
    FOR_LANES(d, D) dst[d] = src[d];
#endif
  }
}
)";

/// count_blocks (host only): out.data is an int32 [z][y][x] grid of counters; each block adds 1
/// to its own, so a test sees every block ran exactly once with its index.
inline constexpr const char *kCountKernel = R"(
KERNEL void count_blocks(attn::dev::Args a) {
  int *c = (int *)a.out.data;
  __atomic_fetch_add(&c[((long long)BZ * a.heads_q + BY) * a.seqlen_q + BX], 1, __ATOMIC_RELAXED);
}
)";

/// A bf16 signature with head dim `d` for q, k, v and out, dense, contiguous KV.
inline Signature bf16Signature(int64_t d = 8) {
  Signature s;
  s.q = s.k = s.v = s.out = TensorSig{DType::BF16, d, ScaleKind::None};
  return s;
}

/// A GeneratedKernel around a hand-written `body` (Args.h and the block prelude prepended).
inline GeneratedKernel handWritten(const std::string &name, const char *body,
                                   Signature sig = bf16Signature(), int64_t blockM = 4) {
  GeneratedKernel k;
  k.name = name;
  k.source = argsHeader() + kBlockPrelude + body;
  k.signature = sig;
  k.config.blockM = blockM;
  k.config.blockN = 16;
  k.config.warps = 1;
  k.config.stages = 1;
  k.config.headsPerTile = 1;
  k.threads = 32;
  k.sharedBytes = 0;
  return k;
}

/// A fresh directory for a test's caches.
inline std::string freshDir(const char *prefix) {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory(prefix, dir);
  return std::string(dir);
}

} // namespace attn::test

#endif // ATTN_TEST_UNIT_TESTKERNELS_H
