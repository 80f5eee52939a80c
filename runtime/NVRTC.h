//===- NVRTC.h - CUDA C++ to PTX and cubin through a dlopen'ed NVRTC -*- C++ -*-===//
#ifndef ATTN_RUNTIME_NVRTC_H
#define ATTN_RUNTIME_NVRTC_H

#include "runtime/DynamicLibrary.h"

#include <memory>
#include <string>
#include <vector>

namespace attn::rt {

/// What one compilation produced.
struct CompiledModule {
  std::string ptx;            ///< the PTX (from a virtual-architecture compile)
  std::vector<char> cubin;    ///< machine code for the real architecture
  std::string log;            ///< NVRTC's log, with ptxas's resource report
};

/// NVRTC, loaded on first use. Thread-safe: each compile makes its own program.
class NVRTC {
public:
  /// Loads libnvrtc (libnvrtc.so.13, then libnvrtc.so); the error names what was tried.
  static llvm::Expected<NVRTC &> get();

  /// Compiles self-contained CUDA C++ (no include paths) for `arch` ("sm_90a", "sm_80"): PTX
  /// for compute_XX and a cubin for sm_XX, with ptxas's resource report in the log. A compile
  /// error returns NVRTC's log in the error.
  llvm::Expected<CompiledModule> compile(const std::string &source, const std::string &name,
                                         const std::string &arch,
                                         const std::vector<std::string> &options = {}) const;

  /// NVRTC's version, e.g. "13.0".
  std::string version() const;

private:
  explicit NVRTC(DynamicLibrary lib) : lib(std::move(lib)) {}
  llvm::Error bindAll();
  struct Fns;
  DynamicLibrary lib;
  std::shared_ptr<Fns> fns;
};

} // namespace attn::rt

#endif // ATTN_RUNTIME_NVRTC_H
