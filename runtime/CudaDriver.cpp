//===- CudaDriver.cpp - The CUDA driver API through dlopen ----------------===//
//
// The driver's C API is declared here (its ABI is stable; the _v2 entry points are the ones
// cuda.h maps the plain names to), so the runtime builds without the CUDA toolkit.
//
//===----------------------------------------------------------------------===//
#include "runtime/CudaDriver.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <mutex>

using namespace attn::rt;

namespace {
using CUresult = int;
using CUdevice = int;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2;
constexpr int CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL = 9;
constexpr int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;

/// cuda.h's CUlaunchAttribute and CUlaunchConfig (CUDA 12+), for cuLaunchKernelEx.
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char pad[64];
    int programmaticStreamSerializationAllowed;
  } value;
};
static_assert(sizeof(LaunchAttribute) == 72, "CUlaunchAttribute's layout");
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes;
  CUstream hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
static_assert(sizeof(LaunchConfig) == 56, "CUlaunchConfig's layout");
} // namespace

struct CudaDriver::Fns {
  CUresult (*init)(unsigned);
  CUresult (*getErrorName)(CUresult, const char **);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*ctxSynchronize)();
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*funcSetAttribute)(CUfunction, int, int);
  CUresult (*funcGetAttribute)(int *, int, CUfunction);
  CUresult (*occupancyMaxActiveBlocksPerMultiprocessor)(int *, CUfunction, int, size_t);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, CUstream, void **, void **);
  CUresult (*launchKernelEx)(const LaunchConfig *, CUfunction, void **, void **);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*pointerGetAttributes)(unsigned, int *, void **, CUdeviceptr);
};

llvm::Error CudaDriver::check(int rc, const char *what) const {
  if (rc == CUDA_SUCCESS)
    return llvm::Error::success();
  const char *name = "unknown error", *text = "";
  fns->getErrorName(rc, &name);
  fns->getErrorString(rc, &text);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s (%s)", what, name, text);
}

llvm::Error CudaDriver::init(int ordinal) {
  fns = std::make_shared<Fns>();
  llvm::Error err = llvm::Error::success();
  auto bind = [&](auto &fn, const char *symbol) {
    err = llvm::joinErrors(std::move(err), lib.bind(fn, symbol));
  };
  bind(fns->init, "cuInit");
  bind(fns->getErrorName, "cuGetErrorName");
  bind(fns->getErrorString, "cuGetErrorString");
  bind(fns->deviceGetCount, "cuDeviceGetCount");
  bind(fns->deviceGet, "cuDeviceGet");
  bind(fns->deviceGetAttribute, "cuDeviceGetAttribute");
  bind(fns->primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  bind(fns->ctxSetCurrent, "cuCtxSetCurrent");
  bind(fns->ctxSynchronize, "cuCtxSynchronize");
  bind(fns->moduleLoadData, "cuModuleLoadData");
  bind(fns->moduleUnload, "cuModuleUnload");
  bind(fns->moduleGetFunction, "cuModuleGetFunction");
  bind(fns->funcSetAttribute, "cuFuncSetAttribute");
  bind(fns->funcGetAttribute, "cuFuncGetAttribute");
  bind(fns->occupancyMaxActiveBlocksPerMultiprocessor,
       "cuOccupancyMaxActiveBlocksPerMultiprocessor");
  bind(fns->launchKernel, "cuLaunchKernel");
  bind(fns->launchKernelEx, "cuLaunchKernelEx");
  bind(fns->memAlloc, "cuMemAlloc_v2");
  bind(fns->memFree, "cuMemFree_v2");
  bind(fns->memAllocAsync, "cuMemAllocAsync");
  bind(fns->memFreeAsync, "cuMemFreeAsync");
  bind(fns->memcpyHtoD, "cuMemcpyHtoD_v2");
  bind(fns->memcpyDtoH, "cuMemcpyDtoH_v2");
  bind(fns->memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  bind(fns->streamSynchronize, "cuStreamSynchronize");
  bind(fns->pointerGetAttributes, "cuPointerGetAttributes");
  if (err)
    return err;
  if (llvm::Error e = check(fns->init(0), "cuInit"))
    return e;
  int count = 0;
  if (llvm::Error e = check(fns->deviceGetCount(&count), "cuDeviceGetCount"))
    return e;
  if (ordinal < 0 || ordinal >= count)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "CUDA device %d requested, but the driver sees %d", ordinal,
                                   count);
  CUdevice dev;
  int major = 0, minor = 0;
  if (llvm::Error e = check(fns->deviceGet(&dev, ordinal), "cuDeviceGet"))
    return e;
  for (auto [out, attr] : {std::pair{&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR},
                           std::pair{&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR},
                           std::pair{&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT},
                           std::pair{&sharedOptin,
                                     CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}})
    if (llvm::Error e = check(fns->deviceGetAttribute(out, attr, dev), "cuDeviceGetAttribute"))
      return e;
  cc = major * 10 + minor;
  device = ordinal;
  if (llvm::Error e = check(fns->primaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain"))
    return e;
  return makeCurrent();
}

llvm::Expected<CudaDriver &> CudaDriver::get(int ordinal) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<CudaDriver>> drivers;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = drivers.find(ordinal); it != drivers.end()) {
    if (llvm::Error e = it->second->makeCurrent())
      return std::move(e);
    return *it->second;
  }
  llvm::Expected<DynamicLibrary> lib = DynamicLibrary::open({"libcuda.so.1", "libcuda.so"});
  if (!lib)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no CUDA driver: " + llvm::toString(lib.takeError()));
  auto d = std::unique_ptr<CudaDriver>(new CudaDriver(std::move(*lib)));
  if (llvm::Error e = d->init(ordinal))
    return std::move(e);
  CudaDriver &ref = *d;
  drivers[ordinal] = std::move(d);
  return ref;
}

llvm::Error CudaDriver::makeCurrent() const { return check(fns->ctxSetCurrent(ctx), "cuCtxSetCurrent"); }

llvm::Expected<CUmodule> CudaDriver::loadModule(const std::vector<char> &cubin) const {
  CUmodule m = nullptr;
  if (llvm::Error e = check(fns->moduleLoadData(&m, cubin.data()), "cuModuleLoadData"))
    return std::move(e);
  return m;
}

llvm::Error CudaDriver::unloadModule(CUmodule module) const {
  return check(fns->moduleUnload(module), "cuModuleUnload");
}

llvm::Expected<CUfunction> CudaDriver::function(CUmodule module, const char *name) const {
  CUfunction f = nullptr;
  if (llvm::Error e = check(fns->moduleGetFunction(&f, module, name),
                            llvm::formatv("cuModuleGetFunction({0})", name).str().c_str()))
    return std::move(e);
  return f;
}

llvm::Error CudaDriver::setMaxDynamicSharedMemory(CUfunction f, int bytes) const {
  return check(fns->funcSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
               "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)");
}

llvm::Expected<int> CudaDriver::maxThreadsPerBlock(CUfunction f) const {
  int n = 0;
  if (llvm::Error e = check(fns->funcGetAttribute(&n, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
                            "cuFuncGetAttribute(MAX_THREADS_PER_BLOCK)"))
    return std::move(e);
  return n;
}

llvm::Expected<int> CudaDriver::blocksPerMultiprocessor(CUfunction f, int threads,
                                                         size_t sharedBytes) const {
  int n = 0;
  if (llvm::Error e = check(
          fns->occupancyMaxActiveBlocksPerMultiprocessor(&n, f, threads, sharedBytes),
                            "cuOccupancyMaxActiveBlocksPerMultiprocessor"))
    return std::move(e);
  return n;
}

llvm::Error CudaDriver::launch(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                               unsigned shared, CUstream stream, void **args, bool overlap) const {
  if (!overlap)
    return check(fns->launchKernel(f, gx, gy, gz, bx, 1, 1, shared, stream, args, nullptr),
                 "cuLaunchKernel");
  LaunchAttribute serialization{};
  serialization.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
  serialization.value.programmaticStreamSerializationAllowed = 1;
  LaunchConfig config{gx, gy, gz, bx, 1, 1, shared, stream, &serialization, 1};
  return check(fns->launchKernelEx(&config, f, args, nullptr), "cuLaunchKernelEx");
}

llvm::Error CudaDriver::synchronize() const {
  return check(fns->ctxSynchronize(), "cuCtxSynchronize");
}

llvm::Error CudaDriver::synchronize(CUstream stream) const {
  return check(fns->streamSynchronize(stream), "cuStreamSynchronize");
}

llvm::Expected<CUdeviceptr> CudaDriver::alloc(size_t bytes) const {
  CUdeviceptr p = 0;
  if (llvm::Error e = check(fns->memAlloc(&p, bytes), "cuMemAlloc"))
    return std::move(e);
  return p;
}

llvm::Error CudaDriver::free(CUdeviceptr p) const { return check(fns->memFree(p), "cuMemFree"); }

llvm::Expected<CUdeviceptr> CudaDriver::allocAsync(size_t bytes, CUstream stream) const {
  CUdeviceptr p = 0;
  if (llvm::Error e = check(fns->memAllocAsync(&p, bytes, stream), "cuMemAllocAsync"))
    return std::move(e);
  return p;
}

llvm::Error CudaDriver::freeAsync(CUdeviceptr p, CUstream stream) const {
  return check(fns->memFreeAsync(p, stream), "cuMemFreeAsync");
}

llvm::Error CudaDriver::copyToDevice(CUdeviceptr dst, const void *src, size_t bytes) const {
  return check(fns->memcpyHtoD(dst, src, bytes), "cuMemcpyHtoD");
}

llvm::Error CudaDriver::copyToHost(void *dst, CUdeviceptr src, size_t bytes) const {
  return check(fns->memcpyDtoH(dst, src, bytes), "cuMemcpyDtoH");
}

llvm::Error CudaDriver::copyToHostOnStream(void *dst, CUdeviceptr src, size_t bytes,
                                           CUstream stream) const {
  if (llvm::Error e = check(fns->memcpyDtoHAsync(dst, src, bytes, stream), "cuMemcpyDtoHAsync"))
    return e;
  return synchronize(stream);
}

llvm::Expected<int> CudaDriver::pointerDevice(const void *p) const {
  // The plural call answers "memory type 0" for memory the driver does not know, where the
  // singular one fails the call (which compute-sanitizer then reports as an error).
  int attrs[] = {CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL};
  unsigned memoryType = 0;
  int ordinal = -1;
  void *data[] = {&memoryType, &ordinal};
  if (llvm::Error e = check(fns->pointerGetAttributes(2, attrs, data,
                                                      reinterpret_cast<CUdeviceptr>(p)),
                            "cuPointerGetAttributes(MEMORY_TYPE, DEVICE_ORDINAL)"))
    return std::move(e);
  if (memoryType == 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the CUDA driver does not know this address");
  return ordinal;
}
