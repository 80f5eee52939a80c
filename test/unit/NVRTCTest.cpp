//===- NVRTCTest.cpp - The dlopen'ed NVRTC compiles header-free device code for Hopper ---===//
#include "runtime/NVRTC.h"

#include "MmaKernel.h"

#include <gtest/gtest.h>

using namespace attn::rt;
using attn::test::kMmaKernel;

namespace {
NVRTC *nvrtcOrSkip() {
  llvm::Expected<NVRTC &> n = NVRTC::get();
  if (!n) {
    llvm::consumeError(n.takeError());
    return nullptr;
  }
  return &*n;
}
} // namespace

TEST(NVRTC, CompilesTensorCoreMmaForSm90a) {
  NVRTC *nvrtc = nvrtcOrSkip();
  if (!nvrtc)
    GTEST_SKIP() << "libnvrtc.so.13 is not installed here";
  llvm::Expected<CompiledModule> m = nvrtc->compile(kMmaKernel, "mma.cu", "sm_90a");
  ASSERT_TRUE(bool(m)) << llvm::toString(m.takeError());
  EXPECT_NE(m->ptx.find(".target sm_90a"), std::string::npos);
  EXPECT_NE(m->ptx.find("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), std::string::npos);
  // An ELF cubin, and ptxas's resource report naming the kernel, with no spills.
  ASSERT_GT(m->cubin.size(), 4u);
  EXPECT_EQ(std::string(m->cubin.begin(), m->cubin.begin() + 4), "\x7f" "ELF");
  EXPECT_NE(m->log.find("mma16816"), std::string::npos) << m->log;
  EXPECT_NE(m->log.find("0 bytes spill stores"), std::string::npos) << m->log;
}

TEST(NVRTC, CompileErrorsCarryTheLog) {
  NVRTC *nvrtc = nvrtcOrSkip();
  if (!nvrtc)
    GTEST_SKIP() << "libnvrtc.so.13 is not installed here";
  llvm::Expected<CompiledModule> m =
      nvrtc->compile("__global__ void k() { undeclared_name = 1; }", "bad.cu", "sm_80");
  ASSERT_FALSE(bool(m));
  std::string err = llvm::toString(m.takeError());
  EXPECT_NE(err.find("nvrtcCompileProgram(bad.cu"), std::string::npos) << err;
  EXPECT_NE(err.find("undeclared_name"), std::string::npos) << err;
  EXPECT_NE(err.find("bad.cu(1)"), std::string::npos) << err;
}

TEST(DynamicLibrary, MissingLibraryErrorListsWhatWasTried) {
  llvm::Expected<DynamicLibrary> lib =
      DynamicLibrary::open({"libattn-does-not-exist.so.1", "libattn-nor-this.so"});
  ASSERT_FALSE(bool(lib));
  std::string err = llvm::toString(lib.takeError());
  EXPECT_NE(err.find("cannot load any of:"), std::string::npos);
  EXPECT_NE(err.find("libattn-does-not-exist.so.1"), std::string::npos);
  EXPECT_NE(err.find("libattn-nor-this.so"), std::string::npos);
}
