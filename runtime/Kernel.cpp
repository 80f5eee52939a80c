//===- Kernel.cpp - A generated kernel compiled for and launched on a GPU -===//
#include "runtime/Kernel.h"
#include "runtime/Error.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace attn;
using namespace attn::rt;

namespace {

/// One module cache per directory for the whole process, so that kernels share builds.
ModuleCache &cacheFor(const std::string &dir) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<ModuleCache>> caches;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<ModuleCache> &c = caches[dir];
  if (!c)
    c = std::make_unique<ModuleCache>(dir);
  return *c;
}

/// "sm_90a" -> {90, true}; nullopt when it is not sm_<digits>[suffix].
struct Arch {
  int cc = 0;
  bool specific = false; ///< sm_XXa: runs only on exactly that compute capability
};
std::optional<Arch> parseArch(llvm::StringRef arch) {
  if (!arch.consume_front("sm_"))
    return std::nullopt;
  llvm::StringRef digits = arch.take_while(llvm::isDigit);
  Arch a;
  if (digits.empty() || digits.getAsInteger(10, a.cc))
    return std::nullopt;
  a.specific = arch.drop_front(digits.size()) == "a";
  return a;
}

} // namespace

std::string attn::rt::archForComputeCapability(int cc) {
  return "sm_" + std::to_string(cc) + (cc == 90 ? "a" : "");
}

llvm::Expected<std::shared_ptr<Kernel>> Kernel::compile(const GeneratedKernel &kernel,
                                                        const GpuOptions &options) {
  std::string arch = !options.arch.empty() ? options.arch : kernel.config.arch;
  if (arch.empty()) {
    llvm::Expected<CudaDriver &> cuda = CudaDriver::get(0);
    if (!cuda)
      return fail("kernel '" + kernel.name + "': no architecture given and none to ask: " +
                  llvm::toString(cuda.takeError()));
    arch = archForComputeCapability(cuda->computeCapability());
  }
  if (arch == "sm_90")
    arch = "sm_90a"; // wgmma and setmaxnreg need the arch-specific target; it runs all sm_90 code
  if (!parseArch(arch))
    return fail(llvm::formatv("kernel '{0}': architecture '{1}' is not of the form sm_XX or "
                              "sm_XXa",
                              kernel.name, arch));
  llvm::Expected<NVRTC &> nvrtc = NVRTC::get();
  if (!nvrtc)
    return nvrtc.takeError();
  CacheKey key{kernel.name, kernel.source, arch,
               std::string("attn ") + ATTN_VERSION + " nvrtc " + nvrtc->version(),
               llvm::join(options.nvrtcOptions, " ")};
  llvm::Expected<std::shared_ptr<const CompiledModule>> m =
      cacheFor(options.cacheDir).getOrBuild(key, [&] {
        return nvrtc->compile(kernel.source, kernel.name + ".cu", arch, options.nvrtcOptions);
      });
  if (!m)
    return m.takeError();
  std::shared_ptr<Kernel> k(new Kernel(kernel, arch, std::move(*m)));
  k->options = options;
  k->options.arch = arch;
  return k;
}

llvm::Expected<const Kernel &> Kernel::decodeKernel() const {
  std::lock_guard<std::mutex> lock(decodeMutex);
  if (!decode) {
    llvm::Expected<std::shared_ptr<Kernel>> d = compile(*kernel.decode, options);
    if (!d)
      return d.takeError();
    decode = std::move(*d);
  }
  return *decode;
}

Kernel::~Kernel() {
  for (auto &[device, l] : loaded)
    if (llvm::Expected<CudaDriver &> cuda = CudaDriver::get(device))
      llvm::consumeError(cuda->unloadModule(l.module));
    else
      llvm::consumeError(cuda.takeError());
}

llvm::Expected<Kernel::Loaded> Kernel::functionsOn(int device) const {
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get(device);
  if (!cuda)
    return cuda.takeError();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.find(device); it != loaded.end())
    return it->second;

  // The cubin where the device runs it; else the PTX where the driver can JIT it.
  int cc = cuda->computeCapability();
  std::string where = llvm::formatv("CUDA device {0} (sm_{1})", device, cc);
  Arch a = *parseArch(target);
  bool cubinRuns = a.specific ? cc == a.cc : cc / 10 == a.cc / 10 && cc >= a.cc;
  bool ptxRuns = !a.specific && cc >= a.cc;
  if (!cubinRuns && !ptxRuns)
    return fail(llvm::formatv("kernel '{0}' was compiled for {1}, which {2} cannot run; compile "
                              "it for {3}",
                              kernel.name, target, where, archForComputeCapability(cc)));
  std::vector<char> image = compiled->cubin;
  if (!cubinRuns) {
    image.assign(compiled->ptx.begin(), compiled->ptx.end());
    image.push_back('\0');
  }
  if (kernel.threads < 1 || kernel.threads > 1024)
    return fail(llvm::formatv("kernel '{0}': {1} threads per block; a block has 1 to 1024",
                              kernel.name, kernel.threads));
  if (kernel.sharedBytes > cuda->maxSharedMemoryPerBlockOptin())
    return fail(llvm::formatv("kernel '{0}' needs {1} bytes of shared memory per block, but {2} "
                              "allows at most {3} (CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_"
                              "BLOCK_OPTIN); choose smaller tiles or fewer stages",
                              kernel.name, kernel.sharedBytes, where,
                              cuda->maxSharedMemoryPerBlockOptin()));
  llvm::Expected<CUmodule> module = cuda->loadModule(image);
  if (!module)
    return fail("kernel '" + kernel.name + "' on " + where + ": " +
                llvm::toString(module.takeError()));
  auto configure = [&]() -> llvm::Expected<Loaded> {
    llvm::Expected<CUfunction> f = cuda->function(*module, kernel.name.c_str());
    if (!f)
      return f.takeError();
    CUfunction merge = nullptr;
    if (!kernel.mergeName.empty()) {
      llvm::Expected<CUfunction> m = cuda->function(*module, kernel.mergeName.c_str());
      if (!m)
        return m.takeError();
      merge = *m;
    }
    if (llvm::Error e = cuda->setMaxDynamicSharedMemory(*f, int(kernel.sharedBytes)))
      return std::move(e);
    llvm::Expected<int> maxThreads = cuda->maxThreadsPerBlock(*f);
    if (!maxThreads)
      return maxThreads.takeError();
    if (kernel.threads > *maxThreads)
      return fail(llvm::formatv("kernel '{0}' needs {1} threads per block, but with its "
                                "registers {2} runs at most {3}",
                                kernel.name, kernel.threads, where, *maxThreads));
    llvm::Expected<int> perSM =
        cuda->blocksPerMultiprocessor(*f, int(kernel.threads), size_t(kernel.sharedBytes));
    if (!perSM)
      return perSM.takeError();
    return Loaded{*module, *f, merge, std::max(1, *perSM)};
  };
  llvm::Expected<Loaded> l = configure();
  if (!l) {
    llvm::consumeError(cuda->unloadModule(*module));
    return l.takeError();
  }
  loaded[device] = *l;
  return *l;
}

llvm::Error Kernel::launch(const dev::Args &args, LaunchGrid grid, int device, CUstream stream,
                           bool overlap) const {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0)
    return llvm::Error::success(); // no rows: nothing to compute
  llvm::Expected<Loaded> f = functionsOn(device);
  if (!f)
    return f.takeError();
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get(device); // current on this thread
  if (!cuda)
    return cuda.takeError();
  void *params[] = {const_cast<dev::Args *>(&args)};
  if (llvm::Error e = cuda->launch(f->function, grid.x, grid.y, grid.z, unsigned(kernel.threads),
                                   unsigned(kernel.sharedBytes), stream, params, overlap))
    return e;
  if (args.splits <= 1)
    return llvm::Error::success();
  // The merge may start while the kernel's last CTAs run (its CTAs wait at griddepcontrol.wait
  // for the partials), so no launch gap separates the two.
  LaunchGrid m = mergeGridOf(args);
  return cuda->launch(f->merge, m.x, m.y, m.z, unsigned(dev::kMergeThreads), 0, stream, params,
                      /*overlap=*/true);
}

llvm::Expected<Kernel::Plan> Kernel::plan(const LaunchDesc &desc, CUstream stream) const {
  if (desc.q.device == kHostDevice)
    return fail(llvm::formatv("q: in host memory, but this is the GPU build of '{0}'; pass CUDA "
                              "tensors or launch the host build",
                              kernel.name));
  llvm::Expected<dev::Args> args = toArgs(kernel, desc, stream);
  if (!args)
    return args.takeError();
  Plan p{this, *args, std::nullopt, desc.q.device, {}};
  std::optional<MixedLaunch> mixed = mixedLaunch(kernel, *args);
  if (mixed || &shapeFor(kernel, *args) == kernel.decode.get()) {
    llvm::Expected<const Kernel &> d = decodeKernel();
    if (!d)
      return d.takeError();
    p.on = &*d;
    if (mixed) {
      p.args = mixed->shorts;
      p.args.overlap = 0; // it overlaps the long part, with which it shares no data
      p.longs = mixed->longs;
    }
  }
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get(p.device);
  if (!cuda)
    return cuda.takeError();
  llvm::Expected<Loaded> f = p.on->functionsOn(p.device);
  if (!f)
    return f.takeError();
  chooseSplits(p.on->kernel, p.args, cuda->multiprocessors() * f->blocksPerSM);
  p.workspace = splitWorkspace(p.on->kernel, p.args);
  return p;
}

llvm::Expected<int64_t> Kernel::workspaceBytes(const LaunchDesc &desc, CUstream stream) const {
  llvm::Expected<Plan> p = plan(desc, stream);
  if (!p)
    return p.takeError();
  return p->workspace.bytes();
}

llvm::Error Kernel::launch(const LaunchDesc &desc, CUstream stream) const {
  llvm::Expected<Plan> p = plan(desc, stream);
  if (!p)
    return p.takeError();
  return launchPlanned(std::move(*p), desc.workspace, stream);
}

llvm::Error Kernel::launchPlanned(Plan p, const std::optional<Workspace> &lent, CUstream stream) const {
  llvm::Expected<CudaDriver &> cuda = CudaDriver::get(p.device);
  if (!cuda)
    return cuda.takeError();
  const Kernel &on = *p.on;
  int64_t bytes = p.workspace.bytes();
  std::optional<CUdeviceptr> owned;
  if (bytes > 0 && lent) {
    if (lent->bytes < bytes)
      return fail(llvm::formatv("workspace: {0} bytes, but this launch of '{1}' (split {2} ways) "
                                "needs {3}",
                                lent->bytes, on.kernel.name, p.args.splits, bytes));
    p.workspace.assign(p.args, lent->data);
  } else if (bytes > 0) {
    llvm::Expected<CUdeviceptr> a = cuda->allocAsync(size_t(bytes), stream);
    if (!a)
      return fail(llvm::formatv("kernel '{0}': the {1} bytes of a launch split {2} ways: {3}",
                                on.kernel.name, bytes, p.args.splits,
                                llvm::toString(a.takeError())));
    owned = *a;
    p.workspace.assign(p.args, reinterpret_cast<void *>(*owned));
  }
  llvm::Error e = llvm::Error::success();
  if (p.longs)
    e = launch(*p.longs, gridOf(kernel, *p.longs), p.device, stream, p.longs->overlap != 0);
  if (!e)
    e = on.launch(p.args, gridOf(on.kernel, p.args), p.device, stream,
                  /*overlap=*/p.longs.has_value() || p.args.overlap != 0);
  if (owned)
    e = llvm::joinErrors(std::move(e), cuda->freeAsync(*owned, stream));
  return e;
}
