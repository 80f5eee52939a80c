//===- CudaDriver.h - The CUDA driver API through dlopen --------*- C++ -*-===//
//
// The few driver calls the runtime makes, loaded from libcuda.so.1 at first use. Every failing
// call becomes an error carrying the call, cuGetErrorName and cuGetErrorString, e.g.
// "cuModuleLoadData: CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid)".
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_CUDADRIVER_H
#define ATTN_RUNTIME_CUDADRIVER_H

#include "runtime/DynamicLibrary.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace attn::rt {

using CUdeviceptr = unsigned long long;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUcontext = struct CUctx_st *;

class CudaDriver {
public:
  /// Loads libcuda.so.1, initializes it and makes device `ordinal`'s primary context current
  /// on the calling thread. The error says when there is no driver or no device.
  static llvm::Expected<CudaDriver &> get(int ordinal = 0);

  /// Compute capability, e.g. 90 for sm_90, and the multiprocessor count.
  int computeCapability() const { return cc; }
  int multiprocessors() const { return sms; }
  /// The device's ordinal, and the most shared memory a block may opt in to
  /// (CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN).
  int ordinal() const { return device; }
  int maxSharedMemoryPerBlockOptin() const { return sharedOptin; }
  /// Makes this driver's context current on the calling thread.
  llvm::Error makeCurrent() const;

  llvm::Expected<CUmodule> loadModule(const std::vector<char> &cubin) const;
  llvm::Error unloadModule(CUmodule module) const;
  llvm::Expected<CUfunction> function(CUmodule module, const char *name) const;
  /// Raises the function's dynamic shared-memory limit to `bytes`.
  llvm::Error setMaxDynamicSharedMemory(CUfunction f, int bytes) const;
  /// The most threads a block of `f` may have (its registers may allow fewer than 1024).
  llvm::Expected<int> maxThreadsPerBlock(CUfunction f) const;
  /// How many blocks of `f` one SM runs at once with these threads and dynamic shared memory.
  llvm::Expected<int> blocksPerMultiprocessor(CUfunction f, int threads, size_t sharedBytes) const;
  /// `overlap`: with programmatic stream serialization (cuLaunchKernelEx), so the kernel may
  /// start while the one before it on the stream runs its last wave (once all of its CTAs have
  /// executed griddepcontrol.launch_dependents).
  llvm::Error launch(CUfunction f, unsigned gridX, unsigned gridY, unsigned gridZ,
                     unsigned blockX, unsigned sharedBytes, CUstream stream, void **args,
                     bool overlap = false) const;
  llvm::Error synchronize() const;
  llvm::Error synchronize(CUstream stream) const;

  llvm::Expected<CUdeviceptr> alloc(size_t bytes) const;
  llvm::Error free(CUdeviceptr p) const;
  /// Stream-ordered allocation (the device's default memory pool): usable by work queued on
  /// `stream` after this call, and freed in the stream's order.
  llvm::Expected<CUdeviceptr> allocAsync(size_t bytes, CUstream stream) const;
  llvm::Error freeAsync(CUdeviceptr p, CUstream stream) const;
  llvm::Error copyToDevice(CUdeviceptr dst, const void *src, size_t bytes) const;
  llvm::Error copyToHost(void *dst, CUdeviceptr src, size_t bytes) const;
  /// Copies to the host in `stream`'s order and waits for it (after the stream's earlier work).
  llvm::Error copyToHostOnStream(void *dst, CUdeviceptr src, size_t bytes, CUstream stream) const;
  /// The ordinal of the device whose memory `p` is (CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL through
  /// cuPointerGetAttributes); an error when `p` is not memory the driver knows.
  llvm::Expected<int> pointerDevice(const void *p) const;

private:
  explicit CudaDriver(DynamicLibrary lib) : lib(std::move(lib)) {}
  llvm::Error init(int ordinal);
  /// The error for a failed call `what` with result `rc`, or success.
  llvm::Error check(int rc, const char *what) const;
  struct Fns;
  DynamicLibrary lib;
  std::shared_ptr<Fns> fns;
  CUcontext ctx = nullptr;
  int cc = 0, sms = 0, device = 0, sharedOptin = 0;
};

} // namespace attn::rt

#endif // ATTN_RUNTIME_CUDADRIVER_H
