//===- GpuMmaTest.cpp - NVRTC, the driver and a bf16 tensor-core MMA on a real GPU (label gpu) ---===//
//
// Compiles a header-free mma.sync m16n8k16 kernel with NVRTC for the device's architecture,
// loads it with the driver, runs it on random bf16 operands and compares with the product
// computed here. Skipped, visibly, where there is no CUDA driver or GPU.
//
//===----------------------------------------------------------------------===//
#include "reference/NumberFormats.h"
#include "runtime/CudaDriver.h"
#include "runtime/NVRTC.h"

#include "MmaKernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace attn::rt;
using attn::test::kMmaKernel;
using attn::ref::Format;

namespace {
/// Two bf16 values packed as the MMA fragments hold them (the lower index in the low half).
unsigned pack(uint16_t lo, uint16_t hi) { return unsigned(lo) | unsigned(hi) << 16; }
} // namespace

TEST(GPU, Bf16MmaOnTheDeviceMatchesTheHostProduct) {
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get();
  if (!cuda) {
    std::string why = llvm::toString(cuda.takeError());
    GTEST_SKIP() << "no GPU: " << why.substr(0, why.find('\n'));
  }
  llvm::Expected<NVRTC &> nvrtc = NVRTC::get();
  ASSERT_TRUE(bool(nvrtc)) << llvm::toString(nvrtc.takeError());
  int cc = cuda->computeCapability();
  ASSERT_GE(cc, 80) << "mma.sync bf16 needs sm_80 or newer";
  std::string arch = "sm_" + std::to_string(cc) + (cc == 90 ? "a" : "");
  llvm::Expected<CompiledModule> m = nvrtc->compile(kMmaKernel, "mma.cu", arch);
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());

  // Random bf16 A[16][16] and B[16][8] (never zero), and the fragments of each lane
  // (PTX ISA, mma.m16n8k16: group g = lane / 4, thread t = lane % 4).
  std::mt19937_64 rng(20261122);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  uint16_t A[16][16], B[16][8];
  for (auto &row : A)
    for (uint16_t &x : row)
      do x = attn::ref::encode(Format::BF16, normal(rng)); while ((x & 0x7fff) == 0);
  for (auto &row : B)
    for (uint16_t &x : row)
      do x = attn::ref::encode(Format::BF16, normal(rng)); while ((x & 0x7fff) == 0);
  std::vector<unsigned> a(32 * 4), b(32 * 2);
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    a[lane * 4 + 0] = pack(A[g][2 * t], A[g][2 * t + 1]);
    a[lane * 4 + 1] = pack(A[g + 8][2 * t], A[g + 8][2 * t + 1]);
    a[lane * 4 + 2] = pack(A[g][2 * t + 8], A[g][2 * t + 9]);
    a[lane * 4 + 3] = pack(A[g + 8][2 * t + 8], A[g + 8][2 * t + 9]);
    b[lane * 2 + 0] = pack(B[2 * t][g], B[2 * t + 1][g]);
    b[lane * 2 + 1] = pack(B[2 * t + 8][g], B[2 * t + 9][g]);
  }

  auto run = [&]() -> llvm::Expected<std::vector<float>> {
    llvm::Expected<CUmodule> mod = cuda->loadModule(m->cubin);
    if (!mod)
      return mod.takeError();
    llvm::Expected<CUfunction> f = cuda->function(*mod, "mma16816");
    if (!f)
      return f.takeError();
    std::vector<float> c(32 * 4, std::nanf(""));
    llvm::Expected<CUdeviceptr> da = cuda->alloc(a.size() * 4), db = cuda->alloc(b.size() * 4),
                                dc = cuda->alloc(c.size() * 4);
    if (!da || !db || !dc)
      return llvm::joinErrors(da.takeError(), llvm::joinErrors(db.takeError(), dc.takeError()));
    void *args[] = {&*da, &*db, &*dc};
    if (llvm::Error e = llvm::joinErrors(
            cuda->copyToDevice(*da, a.data(), a.size() * 4),
            llvm::joinErrors(cuda->copyToDevice(*db, b.data(), b.size() * 4),
                             cuda->copyToDevice(*dc, c.data(), c.size() * 4))))
      return std::move(e);
    if (llvm::Error e = cuda->launch(*f, 1, 1, 1, 32, 0, nullptr, args))
      return std::move(e);
    if (llvm::Error e = cuda->synchronize())
      return std::move(e);
    if (llvm::Error e = cuda->copyToHost(c.data(), *dc, c.size() * 4))
      return std::move(e);
    for (CUdeviceptr p : {*da, *db, *dc})
      llvm::consumeError(cuda->free(p));
    return c;
  };
  llvm::Expected<std::vector<float>> c = run();
  ASSERT_TRUE(bool(c)) << llvm::toString(c.takeError());

  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int i = 0; i < 4; ++i) {
      int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i % 2);
      double want = 0, magnitude = 0;
      for (int k = 0; k < 16; ++k) {
        double p = double(attn::ref::decode(Format::BF16, A[row][k])) *
                   attn::ref::decode(Format::BF16, B[k][col]);
        want += p;
        magnitude += std::fabs(p);
      }
      // bf16 products are exact in float32; only the float32 additions round.
      EXPECT_NEAR((*c)[lane * 4 + i], want, 16 * 6e-8 * magnitude)
          << "C[" << row << "][" << col << "]";
    }
  }
}
