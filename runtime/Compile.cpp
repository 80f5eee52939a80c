//===- Compile.cpp - Spec text to a kernel the runtime runs ---------------===//
#include "runtime/Compile.h"
#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace attn;
using namespace attn::rt;

llvm::Expected<GeneratedKernel> attn::rt::generate(llvm::StringRef specText,
                                                   const CodegenOptions &options,
                                                   llvm::StringRef bufferName) {
  llvm::SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(specText, bufferName),
                            llvm::SMLoc());
  mlir::DialectRegistry registry;
  registerAttnDialects(registry);
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::SourceMgrDiagnosticHandler handler(srcMgr, &ctx, os);
  std::optional<GeneratedKernel> kernel = generateKernel(srcMgr, ctx, options);
  if (!kernel) {
    llvm::StringRef text = llvm::StringRef(diagnostics).rtrim();
    return fail(text.empty() ? "code generation failed for " + bufferName +
                                   " without a diagnostic"
                             : llvm::Twine(text));
  }
  return std::move(*kernel);
}

llvm::Expected<GeneratedKernel> attn::rt::generateFile(llvm::StringRef path,
                                                       const CodegenOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return fail("cannot read " + path + ": " + buf.getError().message());
  return generate((*buf)->getBuffer(), options, path);
}

llvm::Expected<std::shared_ptr<Kernel>> attn::rt::compile(llvm::StringRef specText,
                                                          const CodegenOptions &options,
                                                          const GpuOptions &gpu) {
  llvm::Expected<GeneratedKernel> kernel = generate(specText, options);
  if (!kernel)
    return kernel.takeError();
  return Kernel::compile(*kernel, gpu);
}
