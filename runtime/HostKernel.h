//===- HostKernel.h - A generated kernel built by the host C++ compiler -*- C++ -*-===//
//
// The generated source is also host C++ (the device tile library has a CPU implementation), so
// CI without a GPU runs the same kernels: the source is compiled with $CXX (else c++) into a
// shared object, cached beside the GPU modules, loaded with dlopen, and every block of the grid
// runs on a pool of threads. Besides the entry point `void NAME(attn::dev::Args)`, the shared
// object exports `void attn_host_set_block(unsigned x, unsigned y, unsigned z)`, which sets the
// calling thread's block index that the kernel body reads.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_HOSTKERNEL_H
#define ATTN_RUNTIME_HOSTKERNEL_H

#include "runtime/DynamicLibrary.h"
#include "runtime/Launch.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attn::rt {

/// How the host build of a kernel is made and run.
struct HostOptions {
  /// The compiler command; empty: $CXX if set, else c++. May carry arguments ("ccache g++").
  std::string compiler;
  /// Flags added after `-std=c++17 -O2 -shared -fPIC`.
  std::vector<std::string> flags;
  /// Where built shared objects are kept; empty: built in a temporary directory, not kept.
  std::string cacheDir = defaultCacheDir();
  /// Threads that run blocks; 0: one per hardware thread.
  unsigned threads = 0;

  /// ModuleCache::defaultDir()/host, or empty when there is no cache directory.
  static std::string defaultCacheDir();
};

/// A kernel compiled for and run on the host.
class HostKernel {
public:
  /// Compiles `kernel.source` (or takes it from the cache) and loads it. A compile error
  /// carries the compiler's command line and output; a missing entry point or
  /// attn_host_set_block is an error naming it.
  static llvm::Expected<std::unique_ptr<HostKernel>> compile(const GeneratedKernel &kernel,
                                                             const HostOptions &options = {});

  const GeneratedKernel &generated() const { return kernel; }
  /// The shared object loaded (in the cache directory when there is one).
  const std::string &libraryPath() const { return path; }
  /// Whether the shared object came from the cache rather than a compile in this call.
  bool fromCache() const { return cached; }

  /// Runs every block of `grid`, each on one of the pool's threads after setting its index;
  /// then, when args.splits > 1, the merge of args' partials.
  void run(const dev::Args &args, LaunchGrid grid) const;
  /// Validates `desc` (all tensors in host memory) and runs the kernel over its launch grid,
  /// with the decode build where shapeFor picks it.
  llvm::Error launch(const LaunchDesc &desc) const;

private:
  HostKernel(GeneratedKernel kernel, DynamicLibrary lib, std::string path, unsigned threads)
      : kernel(std::move(kernel)), lib(std::move(lib)), path(std::move(path)), threads(threads) {}

  GeneratedKernel kernel;
  DynamicLibrary lib;
  std::string path;
  unsigned threads;
  bool cached = false;
  HostOptions options; ///< as compiled, for the decode build
  /// The decode build's kernel, compiled on the first launch that takes it.
  llvm::Expected<const HostKernel &> decodeKernel() const;
  mutable std::mutex decodeMutex;
  mutable std::unique_ptr<HostKernel> decode;
  void runBlocks(void (*fn)(dev::Args), const dev::Args &args, LaunchGrid grid) const;
  /// Splits (when chosen) and runs validated Args.
  void runValidated(dev::Args args) const;

  void (*entry)(dev::Args) = nullptr;
  void (*merge)(dev::Args) = nullptr;
  void (*setBlock)(unsigned, unsigned, unsigned) = nullptr;
};

} // namespace attn::rt

#endif // ATTN_RUNTIME_HOSTKERNEL_H
