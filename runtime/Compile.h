//===- Compile.h - Spec text to a kernel the runtime runs -------*- C++ -*-===//
//
// The JIT entry points: a spec (text or file) through the code generator, its diagnostics
// collected into the error as the command-line compiler prints them
// (`NAME:line:col: error: message`, the source line and a caret), then NVRTC for the GPU.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_COMPILE_H
#define ATTN_RUNTIME_COMPILE_H

#include "runtime/Kernel.h"

namespace attn::rt {

/// Generates the kernel of `specText`; diagnostics name the source `bufferName`.
llvm::Expected<GeneratedKernel> generate(llvm::StringRef specText,
                                         const CodegenOptions &options = {},
                                         llvm::StringRef bufferName = "<spec>");

/// generate() on the contents of the file at `path` (named by its path in diagnostics).
llvm::Expected<GeneratedKernel> generateFile(llvm::StringRef path,
                                             const CodegenOptions &options = {});

/// generate() and Kernel::compile() for options.arch: a spec ready to launch on a GPU.
llvm::Expected<std::shared_ptr<Kernel>> compile(llvm::StringRef specText,
                                                const CodegenOptions &options = {},
                                                const GpuOptions &gpu = {});

} // namespace attn::rt

#endif // ATTN_RUNTIME_COMPILE_H
