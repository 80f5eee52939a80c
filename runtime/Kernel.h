//===- Kernel.h - A generated kernel compiled for and launched on a GPU -*- C++ -*-===//
//
// NVRTC compiles the generated source for one architecture (the module cached in memory and on
// disk); the driver loads it lazily on each device it is launched on, raises its dynamic
// shared-memory limit once, and launches it with the Args struct by value on the caller's
// stream.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_KERNEL_H
#define ATTN_RUNTIME_KERNEL_H

#include "runtime/Launch.h"
#include "runtime/ModuleCache.h"

#include <map>
#include <memory>
#include <mutex>

namespace attn::rt {

/// How the GPU build of a kernel is made.
struct GpuOptions {
  /// The target, e.g. "sm_90a"; empty: the kernel's config.arch, else device 0's. sm_90 is
  /// compiled as sm_90a (a superset).
  std::string arch;
  /// Extra NVRTC options (part of the cache key).
  std::vector<std::string> nvrtcOptions;
  /// The module cache's directory; empty: in memory only.
  std::string cacheDir = ModuleCache::defaultDir();
};

/// The architecture NVRTC compiles for on a device of compute capability `cc` (90 -> sm_90a).
std::string archForComputeCapability(int cc);

/// A kernel compiled for one GPU architecture. Thread-safe.
class Kernel {
public:
  /// Compiles `kernel` with NVRTC, or takes it from the module cache. Needs no driver when the
  /// architecture is known (options.arch or config.arch).
  static llvm::Expected<std::shared_ptr<Kernel>> compile(const GeneratedKernel &kernel,
                                                         const GpuOptions &options = {});

  /// Unloads the module from every device it was loaded on.
  ~Kernel();
  Kernel(const Kernel &) = delete;
  Kernel &operator=(const Kernel &) = delete;

  const GeneratedKernel &generated() const { return kernel; }
  /// The architecture compiled for, e.g. "sm_90a".
  const std::string &arch() const { return target; }
  /// PTX, cubin and NVRTC's log (ptxas's resource report).
  const CompiledModule &module() const { return *compiled; }

  /// Validates `desc` (tensors on one CUDA device; metadata read back on `stream` unless
  /// desc.checkDeviceMetadata is off) and launches on `stream` over the launch grid, with the
  /// decode build where shapeFor picks it, or in two parts where mixedLaunch splits it. A split
  /// launch keeps its partials in desc.workspace, else in memory from the stream-ordered
  /// allocator, and merges them.
  llvm::Error launch(const LaunchDesc &desc, CUstream stream) const;
  /// The bytes of partials launch(desc, stream) would keep (desc.workspace's least size); 0 for
  /// a launch that does not split. Validates as launch does, without launching.
  llvm::Expected<int64_t> workspaceBytes(const LaunchDesc &desc, CUstream stream) const;
  /// Launches with Args already made, on CUDA device `device`; then, when args.splits > 1,
  /// the merge of args' partials. `overlap`: the kernel may start while the one queued before
  /// it on the stream finishes (programmatic stream serialization; see allow_next_launch).
  llvm::Error launch(const dev::Args &args, LaunchGrid grid, int device, CUstream stream,
                     bool overlap = false) const;

private:
  Kernel(GeneratedKernel kernel, std::string target,
         std::shared_ptr<const CompiledModule> compiled)
      : kernel(std::move(kernel)), target(std::move(target)), compiled(std::move(compiled)) {}
  struct Loaded {
    CUmodule module;
    CUfunction function, merge;
    int blocksPerSM; ///< of function, as the occupancy calculator says (at least 1)
  };
  /// The kernel's functions on `device`, loaded and configured on first use.
  llvm::Expected<Loaded> functionsOn(int device) const;
  /// What launch(desc) runs: validated Args, their split count chosen, on `on` (this kernel or
  /// its decode build); `longs`, a mixed batch's long part on this kernel, launched first,
  /// right before `on`, which overlaps its last wave (so the workspace is allocated before
  /// both).
  struct Plan {
    const Kernel *on;
    dev::Args args;
    std::optional<dev::Args> longs;
    int device;
    SplitWorkspace workspace;
  };
  llvm::Expected<Plan> plan(const LaunchDesc &desc, CUstream stream) const;
  llvm::Error launchPlanned(Plan p, const std::optional<Workspace> &lent, CUstream stream) const;

  GeneratedKernel kernel;
  std::string target;
  std::shared_ptr<const CompiledModule> compiled;
  GpuOptions options; ///< as compiled (arch resolved), for the decode build
  /// The decode build's kernel, compiled on the first launch that takes it.
  llvm::Expected<const Kernel &> decodeKernel() const;
  mutable std::mutex decodeMutex;
  mutable std::shared_ptr<Kernel> decode;
  mutable std::mutex mutex;
  mutable std::map<int, Loaded> loaded; ///< by device ordinal
};

} // namespace attn::rt

#endif // ATTN_RUNTIME_KERNEL_H
