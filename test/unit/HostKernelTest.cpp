//===- HostKernelTest.cpp - Kernels built by the host compiler: cache, blocks on threads, errors ---===//
#include "runtime/HostKernel.h"

#include "TestKernels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

using namespace attn;
using namespace attn::rt;
using namespace attn::test;
using ::testing::HasSubstr;

namespace {

HostOptions optionsIn(const std::string &dir, unsigned threads = 3) {
  HostOptions o;
  o.cacheDir = dir;
  o.threads = threads;
  return o;
}

/// q [B, S, H, 8] of distinct bf16 bit patterns, out filled with a marker.
struct DenseData {
  int64_t B, S, H;
  std::vector<uint16_t> q, out;
  DenseData(int64_t B, int64_t S, int64_t H) : B(B), S(S), H(H), q(B * S * H * 8), out(q.size()) {
    for (size_t i = 0; i < q.size(); ++i)
      q[i] = uint16_t(i * 7 + 1);
    std::fill(out.begin(), out.end(), 0xdead);
  }
  LaunchDesc desc(const void *kv) const {
    LaunchDesc d;
    d.q = TensorDesc::contiguous(q.data(), DType::BF16, {B, S, H, 8});
    d.out = TensorDesc::contiguous(out.data(), DType::BF16, {B, S, H, 8});
    d.k = TensorDesc::contiguous(kv, DType::BF16, {B, S, H, 8});
    d.v = d.k;
    return d;
  }
};

} // namespace

TEST(HostKernel, CopyKernelRunsEveryBlockAndIsCached) {
  std::string dir = freshDir("attn-host-test");
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  llvm::Expected<std::unique_ptr<HostKernel>> hk = HostKernel::compile(k, optionsIn(dir));
  ASSERT_TRUE(bool(hk)) << llvm::toString(hk.takeError());
  EXPECT_FALSE((*hk)->fromCache());
  EXPECT_THAT((*hk)->libraryPath(), ::testing::StartsWith(dir + "/copy_q-host-"));
  EXPECT_THAT((*hk)->libraryPath(), ::testing::EndsWith(".so"));

  DenseData data(2, 11, 3); // 11 positions: the last tile of 4 is partial
  alignas(16) static uint16_t kv[2 * 11 * 3 * 8];
  ASSERT_FALSE(bool((*hk)->launch(data.desc(kv))));
  EXPECT_EQ(data.out, data.q);

  // A second compile of the same source finds the shared object.
  llvm::Expected<std::unique_ptr<HostKernel>> again = HostKernel::compile(k, optionsIn(dir));
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_TRUE((*again)->fromCache());
  EXPECT_EQ((*again)->libraryPath(), (*hk)->libraryPath());
  // Other flags are another build.
  HostOptions o = optionsIn(dir);
  o.flags = {"-DUNUSED_FLAG=1"};
  llvm::Expected<std::unique_ptr<HostKernel>> other = HostKernel::compile(k, o);
  ASSERT_TRUE(bool(other)) << llvm::toString(other.takeError());
  EXPECT_FALSE((*other)->fromCache());
  EXPECT_NE((*other)->libraryPath(), (*hk)->libraryPath());
}

TEST(HostKernel, EachBlockRunsOnceWithItsIndex) {
  GeneratedKernel k = handWritten("count_blocks", kCountKernel);
  llvm::Expected<std::unique_ptr<HostKernel>> hk = HostKernel::compile(k, optionsIn("", 5));
  ASSERT_TRUE(bool(hk)) << llvm::toString(hk.takeError());
  EXPECT_EQ((*hk)->libraryPath(), ""); // built in a temporary directory, not kept
  LaunchGrid grid{7, 3, 2};
  std::vector<int> counts(7 * 3 * 2, 0);
  dev::Args a{};
  a.out.data = counts.data();
  a.heads_q = 3;
  a.seqlen_q = 7;
  (*hk)->run(a, grid);
  EXPECT_EQ(counts, std::vector<int>(counts.size(), 1));
}

TEST(HostKernel, CompileErrorsCarryTheCompilersOutput) {
  GeneratedKernel k = handWritten("broken", "KERNEL void broken(attn::dev::Args a) { undeclared_thing = 1; }");
  llvm::Expected<std::unique_ptr<HostKernel>> hk = HostKernel::compile(k, optionsIn(""));
  ASSERT_FALSE(bool(hk));
  std::string e = llvm::toString(hk.takeError());
  EXPECT_THAT(e, HasSubstr("host build of 'broken' failed (exit 1):")) << e;
  EXPECT_THAT(e, HasSubstr("-std=c++17 -O2 -shared -fPIC")) << e;
  EXPECT_THAT(e, HasSubstr("undeclared_thing")) << e;
  EXPECT_THAT(e, HasSubstr("error")) << e;
}

TEST(HostKernel, MissingEntryPointsAreNamed) {
  GeneratedKernel k = handWritten("copy_q", kCopyKernel);
  k.name = "not_there";
  llvm::Expected<std::unique_ptr<HostKernel>> hk = HostKernel::compile(k, optionsIn(""));
  ASSERT_FALSE(bool(hk));
  std::string e = llvm::toString(hk.takeError());
  EXPECT_THAT(e, HasSubstr("host build of 'not_there': no entry point:")) << e;
  EXPECT_THAT(e, HasSubstr("has no symbol not_there")) << e;

  k = handWritten("plain", "");
  k.source = argsHeader() + "extern \"C\" void plain(attn::dev::Args) {}\n";
  hk = HostKernel::compile(k, optionsIn(""));
  ASSERT_FALSE(bool(hk));
  e = llvm::toString(hk.takeError());
  EXPECT_THAT(e, HasSubstr("has no symbol attn_host_set_block")) << e;
  EXPECT_THAT(e, HasSubstr("the host implementation of the device library exports it")) << e;
}

TEST(HostKernel, MissingCompilerIsNamed) {
  HostOptions o = optionsIn("");
  o.compiler = "attn-no-such-compiler --flag";
  llvm::Expected<std::unique_ptr<HostKernel>> hk =
      HostKernel::compile(handWritten("copy_q", kCopyKernel), o);
  ASSERT_FALSE(bool(hk));
  EXPECT_THAT(llvm::toString(hk.takeError()),
              HasSubstr("host compiler 'attn-no-such-compiler' not found"));
}

TEST(HostKernel, LaunchValidatesAndNeedsHostMemory) {
  llvm::Expected<std::unique_ptr<HostKernel>> hk =
      HostKernel::compile(handWritten("copy_q", kCopyKernel), optionsIn(""));
  ASSERT_TRUE(bool(hk)) << llvm::toString(hk.takeError());
  DenseData data(1, 4, 2);
  alignas(16) static uint16_t kv[4 * 2 * 8];
  LaunchDesc d = data.desc(kv);
  d.k.dtype = DType::F16;
  llvm::Error e = (*hk)->launch(d);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)), "k: dtype f16, but the spec declares bf16");
  EXPECT_EQ(data.out[0], 0xdead); // nothing ran

  d = data.desc(kv);
  for (TensorDesc *t : {&d.q, &d.k, &d.v, &d.out})
    t->device = 0;
  e = (*hk)->launch(d);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "q: on CUDA device 0, but this is the host build of 'copy_q'; pass host memory "
            "(device -1) or launch the GPU build");
}
