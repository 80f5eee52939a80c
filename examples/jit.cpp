//===- jit.cpp - The C++ JIT API: compile a spec at run time, launch it on host or GPU memory ---===//
//
//   attn-example-jit [SPEC]     (default: examples/causal.attn)
//
// Compiles the spec, runs its host build on small random bf16 tensors [B=2, S=33, H=4, D], and,
// where there is a GPU, the GPU build on the same data, printing the largest difference between
// the two. The spec must be dense bf16 with no params, scales or lse (as causal.attn is).
//
//===----------------------------------------------------------------------===//
#include "runtime/Compile.h"
#include "runtime/HostKernel.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

using namespace attn;

namespace {
uint16_t toBF16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return uint16_t((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}
float fromBF16(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float x;
  std::memcpy(&x, &bits, 4);
  return x;
}
int fail(llvm::Error e) {
  std::fprintf(stderr, "error: %s\n", llvm::toString(std::move(e)).c_str());
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : ATTN_SOURCE_DIR "/examples/causal.attn";
  // 1. The spec to a kernel: CUDA C++ that is also host C++, and how to launch it.
  llvm::Expected<GeneratedKernel> kernel = rt::generateFile(path);
  if (!kernel)
    return fail(kernel.takeError()); // path:line:col: error: ...
  std::printf("%s: kernel %s, %lld threads, %lld bytes of shared memory\n", path,
              kernel->name.c_str(), (long long)kernel->threads, (long long)kernel->sharedBytes);

  // 2. Tensors as the caller has them: pointers, dtypes, sizes and element strides.
  const int64_t B = 2, S = 33, H = 4, D = kernel->signature.q.headDim, n = B * S * H * D;
  std::vector<uint16_t> q(n), k(n), v(n), out(n), gpuOut(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (std::vector<uint16_t> *t : {&q, &k, &v})
    for (uint16_t &x : *t)
      x = toBF16(normal(rng));
  auto describe = [&](const void *q, const void *k, const void *v, const void *out, int device) {
    rt::LaunchDesc d;
    d.q = rt::TensorDesc::contiguous(q, DType::BF16, {B, S, H, D}, device);
    d.k = rt::TensorDesc::contiguous(k, DType::BF16, {B, S, H, D}, device);
    d.v = rt::TensorDesc::contiguous(v, DType::BF16, {B, S, H, D}, device);
    d.out = rt::TensorDesc::contiguous(out, DType::BF16, {B, S, H, D}, device);
    return d;
  };

  // 3. The host build (compiled with $CXX, cached beside the GPU modules), run on the CPU.
  llvm::Expected<std::unique_ptr<rt::HostKernel>> host = rt::HostKernel::compile(*kernel);
  if (!host)
    return fail(host.takeError());
  if (llvm::Error e = (*host)->launch(describe(q.data(), k.data(), v.data(), out.data(),
                                               rt::kHostDevice)))
    return fail(std::move(e)); // names the argument and what was expected
  std::printf("host: out[0][0][0][0..3] = %.4f %.4f %.4f %.4f\n", fromBF16(out[0]),
              fromBF16(out[1]), fromBF16(out[2]), fromBF16(out[3]));

  // 4. The GPU build, where there is a GPU: NVRTC, the module cache, a launch on a stream.
  llvm::Expected<rt::CudaDriver &> cuda = rt::CudaDriver::get(0);
  if (!cuda) {
    std::printf("no GPU here (%s)\n",
                llvm::StringRef(llvm::toString(cuda.takeError())).split('\n').first.str().c_str());
    return 0;
  }
  llvm::Expected<std::shared_ptr<rt::Kernel>> gpu = rt::Kernel::compile(*kernel);
  if (!gpu)
    return fail(gpu.takeError());
  rt::CUdeviceptr buf[4];
  for (rt::CUdeviceptr &p : buf) {
    llvm::Expected<rt::CUdeviceptr> m = cuda->alloc(n * 2);
    if (!m)
      return fail(m.takeError());
    p = *m;
  }
  for (auto [dst, src] : {std::pair{buf[0], &q}, std::pair{buf[1], &k}, std::pair{buf[2], &v}})
    if (llvm::Error e = cuda->copyToDevice(dst, src->data(), n * 2))
      return fail(std::move(e));
  auto ptr = [](rt::CUdeviceptr p) { return reinterpret_cast<const void *>(p); };
  rt::LaunchDesc d = describe(ptr(buf[0]), ptr(buf[1]), ptr(buf[2]), ptr(buf[3]), 0);
  if (llvm::Error e = (*gpu)->launch(d, /*stream=*/nullptr))
    return fail(std::move(e));
  if (llvm::Error e = cuda->copyToHost(gpuOut.data(), buf[3], n * 2))
    return fail(std::move(e));
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    worst = std::max(worst, double(std::fabs(fromBF16(gpuOut[i]) - fromBF16(out[i]))));
  std::printf("gpu (%s): largest difference from the host build %.3g\n", (*gpu)->arch().c_str(),
              worst);
  for (rt::CUdeviceptr p : buf)
    llvm::consumeError(cuda->free(p));
  return 0;
}
