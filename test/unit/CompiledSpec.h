//===- CompiledSpec.h - A spec compiled for the kernel tests ----*- C++ -*-===//
#ifndef ATTN_TEST_UNIT_COMPILEDSPEC_H
#define ATTN_TEST_UNIT_COMPILEDSPEC_H

#include "check/KernelCheck.h"
#include "runtime/CudaDriver.h"

#include "mlir/IR/MLIRContext.h"
#include <gtest/gtest.h>
#include "llvm/Support/MemoryBuffer.h"

namespace attn::test {

/// A spec checked (for the reference) and generated (for the kernel): examples/<name>.attn, or
/// spec text with Compiled::Text; the default config or `options`' overrides.
struct Compiled {
  struct Text {
    const char *spec;
  };
  mlir::MLIRContext ctx;
  llvm::SourceMgr srcMgr;
  std::optional<CheckedSpec> spec;
  std::optional<GeneratedKernel> kernel;

  explicit Compiled(const std::string &name, const CodegenOptions &options = {}) {
    auto buf = llvm::MemoryBuffer::getFile(std::string(ATTN_SOURCE_DIR "/examples/") + name + ".attn");
    if (buf)
      build(std::move(*buf), options);
  }
  explicit Compiled(Text text, const CodegenOptions &options = {}) {
    build(llvm::MemoryBuffer::getMemBufferCopy(text.spec, "<spec>"), options);
  }

private:
  void build(std::unique_ptr<llvm::MemoryBuffer> buf, const CodegenOptions &options) {
    mlir::DialectRegistry registry;
    registerAttnDialects(registry);
    ctx.appendDialectRegistry(registry);
    srcMgr.AddNewSourceBuffer(std::move(buf), llvm::SMLoc());
    spec = parseAndCheck(srcMgr, ctx);
    kernel = generateKernel(srcMgr, ctx, options);
  }
};

/// Whether GPU 0 can be used (the GPU suite skips, visibly, where it cannot).
inline bool haveGpu() {
  llvm::Expected<rt::CudaDriver &> driver = rt::CudaDriver::get(0);
  if (driver)
    return true;
  llvm::consumeError(driver.takeError());
  return false;
}

} // namespace attn::test

/// Skips the calling test, visibly, where GPU 0 cannot be used.
#define ATTN_SKIP_WITHOUT_GPU()                                                                    \
  if (!::attn::test::haveGpu())                                                                    \
  GTEST_SKIP() << "no CUDA device"

/// SUITE.NAME runs CHECK(check::Device::Host); its twin GPU.NAME (the GPU suite) runs
/// CHECK(check::Device::Cuda).
#define ATTN_HOST_AND_GPU_TEST(SUITE, NAME, CHECK)                                                 \
  TEST(SUITE, NAME) { CHECK(::attn::check::Device::Host); }                                        \
  TEST(GPU, NAME) {                                                                                \
    ATTN_SKIP_WITHOUT_GPU();                                                                       \
    CHECK(::attn::check::Device::Cuda);                                                            \
  }

#endif // ATTN_TEST_UNIT_COMPILEDSPEC_H
