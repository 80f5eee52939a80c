//===- KernelTest.cpp - Kernels built by NVRTC: cache, shared-memory limits, launches (suite GPU on a device) ---===//
#include "runtime/Kernel.h"

#include "TestKernels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace attn;
using namespace attn::rt;
using namespace attn::test;
using ::testing::HasSubstr;

namespace {

bool haveNVRTC() {
  llvm::Expected<NVRTC &> n = NVRTC::get();
  if (n)
    return true;
  llvm::consumeError(n.takeError());
  return false;
}

CudaDriver *gpuOrNull(std::string &why) {
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get();
  if (cuda)
    return &*cuda;
  why = llvm::toString(cuda.takeError());
  why = why.substr(0, why.find('\n'));
  return nullptr;
}

/// Device memory freed at scope exit.
struct DeviceBuffer {
  CudaDriver &cuda;
  CUdeviceptr p = 0;
  DeviceBuffer(CudaDriver &cuda, size_t bytes) : cuda(cuda) {
    llvm::Expected<CUdeviceptr> m = cuda.alloc(bytes);
    EXPECT_TRUE(bool(m)) << (m ? "" : llvm::toString(m.takeError()));
    if (m)
      p = *m;
  }
  ~DeviceBuffer() {
    if (p)
      llvm::consumeError(cuda.free(p));
  }
  const void *ptr() const { return reinterpret_cast<const void *>(p); }
};

GpuOptions inDir(const std::string &dir, std::string arch = "") {
  GpuOptions o;
  o.cacheDir = dir;
  o.arch = std::move(arch);
  return o;
}

} // namespace

TEST(Kernel, CompilesForTheConfigsArchWithoutADriverAndCaches) {
  if (!haveNVRTC())
    GTEST_SKIP() << "libnvrtc.so.13 is not installed here";
  std::string dir = freshDir("attn-kernel-test");
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  k.config.arch = "sm_90"; // compiled as sm_90a
  llvm::Expected<std::shared_ptr<Kernel>> a = Kernel::compile(k, inDir(dir));
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ((*a)->arch(), "sm_90a");
  EXPECT_THAT((*a)->module().ptx, HasSubstr(".entry copy_q"));
  // The same kernel again: the process-wide cache hands back the same module.
  llvm::Expected<std::shared_ptr<Kernel>> b = Kernel::compile(k, inDir(dir));
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(&(*a)->module(), &(*b)->module());
  // And it is on disk under the module cache's name.
  std::error_code ec;
  bool found = false;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    found |= llvm::StringRef(it->path()).contains("copy_q-sm_90a-");
  EXPECT_TRUE(found);
}

TEST(Kernel, BadArchitecturesAndCompileErrorsAreNamed) {
  if (!haveNVRTC())
    GTEST_SKIP() << "libnvrtc.so.13 is not installed here";
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  llvm::Expected<std::shared_ptr<Kernel>> a = Kernel::compile(k, inDir("", "hopper"));
  ASSERT_FALSE(bool(a));
  EXPECT_EQ(llvm::toString(a.takeError()),
            "kernel 'copy_q': architecture 'hopper' is not of the form sm_XX or sm_XXa");
  k = handWritten("broken", "KERNEL void broken(attn::dev::Args a) { undeclared_thing = 1; }");
  a = Kernel::compile(k, inDir("", "sm_80"));
  ASSERT_FALSE(bool(a));
  std::string e = llvm::toString(a.takeError());
  EXPECT_THAT(e, HasSubstr("nvrtcCompileProgram(broken.cu")) << e;
  EXPECT_THAT(e, HasSubstr("undeclared_thing")) << e;
}

TEST(Kernel, HostTensorsAreRefusedByTheGpuBuild) {
  if (!haveNVRTC())
    GTEST_SKIP() << "libnvrtc.so.13 is not installed here";
  llvm::Expected<std::shared_ptr<Kernel>> k =
      Kernel::compile(handWritten("copy_q", kCopyKernel), inDir("", "sm_80"));
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  LaunchDesc d;
  llvm::Error e = (*k)->launch(d, nullptr);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "q: in host memory, but this is the GPU build of 'copy_q'; pass CUDA tensors or "
            "launch the host build");
}

TEST(GPU, CopyKernelLaunchesWithOptInSharedMemory) {
  std::string why;
  CudaDriver *cuda = gpuOrNull(why);
  if (!cuda)
    GTEST_SKIP() << "no GPU: " << why;
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  k.sharedBytes = 100 * 1024; // over the 48 KiB default: needs the opt-in attribute
  ASSERT_LE(k.sharedBytes, cuda->maxSharedMemoryPerBlockOptin());
  llvm::Expected<std::shared_ptr<Kernel>> kernel = Kernel::compile(k, inDir(""));
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  EXPECT_EQ((*kernel)->arch(), archForComputeCapability(cuda->computeCapability()));

  const int64_t B = 2, S = 11, H = 3, n = B * S * H * 8;
  std::vector<uint16_t> q(n), out(n, 0xdead);
  for (int64_t i = 0; i < n; ++i)
    q[i] = uint16_t(i * 7 + 1);
  DeviceBuffer dq(*cuda, n * 2), dkv(*cuda, n * 2), dout(*cuda, n * 2);
  ASSERT_FALSE(bool(cuda->copyToDevice(dq.p, q.data(), n * 2)));
  ASSERT_FALSE(bool(cuda->copyToDevice(dout.p, out.data(), n * 2)));
  LaunchDesc d;
  d.q = TensorDesc::contiguous(dq.ptr(), DType::BF16, {B, S, H, 8}, 0);
  d.k = d.v = TensorDesc::contiguous(dkv.ptr(), DType::BF16, {B, S, H, 8}, 0);
  d.out = TensorDesc::contiguous(dout.ptr(), DType::BF16, {B, S, H, 8}, 0);
  llvm::Error e = (*kernel)->launch(d, nullptr);
  ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  ASSERT_FALSE(bool(cuda->synchronize()));
  ASSERT_FALSE(bool(cuda->copyToHost(out.data(), dout.p, n * 2)));
  EXPECT_EQ(out, q);
}

TEST(GPU, SharedMemoryOverTheDevicesLimitIsAClearError) {
  std::string why;
  CudaDriver *cuda = gpuOrNull(why);
  if (!cuda)
    GTEST_SKIP() << "no GPU: " << why;
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  k.sharedBytes = cuda->maxSharedMemoryPerBlockOptin() + 16;
  llvm::Expected<std::shared_ptr<Kernel>> kernel = Kernel::compile(k, inDir(""));
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  llvm::Error e = (*kernel)->launch(dev::Args{}, LaunchGrid{1, 1, 1}, 0, nullptr);
  ASSERT_TRUE(bool(e));
  std::string text = llvm::toString(std::move(e));
  EXPECT_THAT(text, HasSubstr("kernel 'copy_q' needs " + std::to_string(k.sharedBytes) +
                              " bytes of shared memory per block, but CUDA device 0"))
      << text;
  EXPECT_THAT(text, HasSubstr("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN")) << text;
}

TEST(GPU, PointersMustBeTheDeclaredDevicesMemory) {
  std::string why;
  CudaDriver *cuda = gpuOrNull(why);
  if (!cuda)
    GTEST_SKIP() << "no GPU: " << why;
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  DeviceBuffer buf(*cuda, 4096);
  alignas(16) static uint16_t host[2 * 8];
  LaunchDesc d;
  d.q = d.k = d.v = d.out = TensorDesc::contiguous(buf.ptr(), DType::BF16, {1, 2, 1, 8}, 0);
  EXPECT_FALSE(bool(validate(k, d)));
  d.k.data = host;
  llvm::Error e = validate(k, d);
  ASSERT_TRUE(bool(e));
  std::string text = llvm::toString(std::move(e));
  EXPECT_THAT(text, HasSubstr("k: data pointer 0x")) << text;
  EXPECT_THAT(text, HasSubstr("is not CUDA device memory (the CUDA driver does not know this "
                              "address)"))
      << text;
  d = LaunchDesc();
  d.q = d.k = d.v = d.out = TensorDesc::contiguous(buf.ptr(), DType::BF16, {1, 2, 1, 8}, 7);
  e = validate(k, d);
  ASSERT_TRUE(bool(e));
  EXPECT_THAT(llvm::toString(std::move(e)), HasSubstr("q: on CUDA device 7, which cannot be used: CUDA device 7 requested"));
}

TEST(GPU, DeviceMetadataIsReadBackAndChecked) {
  std::string why;
  CudaDriver *cuda = gpuOrNull(why);
  if (!cuda)
    GTEST_SKIP() << "no GPU: " << why;
  Signature sig = bf16Signature();
  sig.batch = BatchLayout::Ragged;
  GeneratedKernel k = handWritten("copy_q", kCopyKernel, sig);
  DeviceBuffer rows(*cuda, 64 * 16), meta(*cuda, 64);
  std::vector<int32_t> cu = {0, 2, 1, 6};
  ASSERT_FALSE(bool(cuda->copyToDevice(meta.p, cu.data(), 16)));
  LaunchDesc d;
  d.q = d.out = TensorDesc::contiguous(rows.ptr(), DType::BF16, {6, 1, 8}, 0);
  d.k = d.v = TensorDesc::contiguous(rows.ptr(), DType::BF16, {6, 1, 8}, 0);
  d.cuSeqlensQ = d.cuSeqlensKV = TensorDesc::contiguous(meta.ptr(), DType::I32, {4}, 0);
  llvm::Error e = validate(k, d);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "cu_seqlens_q: offsets must not decrease, but [2] = 1 < [1] = 2");
  // Unchecked, with the longest sequences given, nothing is read back.
  d.checkDeviceMetadata = false;
  d.maxSeqlenQ = d.maxSeqlenKV = 6;
  EXPECT_FALSE(bool(validate(k, d)));
  // Unchecked without them, the offsets are still read to size the grid.
  d.maxSeqlenQ.reset();
  e = validate(k, d);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "cu_seqlens_q: offsets must not decrease, but [2] = 1 < [1] = 2");
}
