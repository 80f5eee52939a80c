//===- NVRTC.cpp - CUDA C++ to PTX and cubin through a dlopen'ed NVRTC ----===//
//
// The NVRTC C API is declared here rather than taken from nvrtc.h, so the runtime builds where
// the CUDA toolkit is absent; its ABI has been stable since CUDA 11.
//
//===----------------------------------------------------------------------===//
#include "runtime/NVRTC.h"

#include "llvm/Support/FormatVariadic.h"

#include <mutex>

using namespace attn::rt;

namespace {
using nvrtcResult = int;
using nvrtcProgram = struct _nvrtcProgram *;
constexpr nvrtcResult NVRTC_SUCCESS = 0;
} // namespace

struct NVRTC::Fns {
  nvrtcResult (*version)(int *, int *);
  const char *(*getErrorString)(nvrtcResult);
  nvrtcResult (*createProgram)(nvrtcProgram *, const char *, const char *, int,
                               const char *const *, const char *const *);
  nvrtcResult (*compileProgram)(nvrtcProgram, int, const char *const *);
  nvrtcResult (*getProgramLogSize)(nvrtcProgram, size_t *);
  nvrtcResult (*getProgramLog)(nvrtcProgram, char *);
  nvrtcResult (*getPTXSize)(nvrtcProgram, size_t *);
  nvrtcResult (*getPTX)(nvrtcProgram, char *);
  nvrtcResult (*getCUBINSize)(nvrtcProgram, size_t *);
  nvrtcResult (*getCUBIN)(nvrtcProgram, char *);
  nvrtcResult (*destroyProgram)(nvrtcProgram *);
};

llvm::Error NVRTC::bindAll() {
  fns = std::make_shared<Fns>();
  llvm::Error err = llvm::Error::success();
  auto bind = [&](auto &fn, const char *symbol) {
    err = llvm::joinErrors(std::move(err), lib.bind(fn, symbol));
  };
  bind(fns->version, "nvrtcVersion");
  bind(fns->getErrorString, "nvrtcGetErrorString");
  bind(fns->createProgram, "nvrtcCreateProgram");
  bind(fns->compileProgram, "nvrtcCompileProgram");
  bind(fns->getProgramLogSize, "nvrtcGetProgramLogSize");
  bind(fns->getProgramLog, "nvrtcGetProgramLog");
  bind(fns->getPTXSize, "nvrtcGetPTXSize");
  bind(fns->getPTX, "nvrtcGetPTX");
  bind(fns->getCUBINSize, "nvrtcGetCUBINSize");
  bind(fns->getCUBIN, "nvrtcGetCUBIN");
  bind(fns->destroyProgram, "nvrtcDestroyProgram");
  return err;
}

llvm::Expected<NVRTC &> NVRTC::get() {
  static std::once_flag once;
  static std::unique_ptr<NVRTC> instance;
  static std::string loadError;
  std::call_once(once, [] {
    llvm::Expected<DynamicLibrary> lib = DynamicLibrary::open({"libnvrtc.so.13", "libnvrtc.so"});
    if (!lib) {
      loadError = "NVRTC is needed to compile kernels: " + llvm::toString(lib.takeError());
      return;
    }
    auto n = std::unique_ptr<NVRTC>(new NVRTC(std::move(*lib)));
    if (llvm::Error e = n->bindAll()) {
      loadError = llvm::toString(std::move(e));
      return;
    }
    instance = std::move(n);
  });
  if (!instance)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), loadError);
  return *instance;
}

std::string NVRTC::version() const {
  int major = 0, minor = 0;
  fns->version(&major, &minor);
  return llvm::formatv("{0}.{1}", major, minor);
}

llvm::Expected<CompiledModule> NVRTC::compile(const std::string &source, const std::string &name,
                                              const std::string &arch,
                                              const std::vector<std::string> &options) const {
  CompiledModule out;
  // One compile per product: PTX for the virtual architecture (compute_XX), the cubin and
  // ptxas's resource report (-v) for the real one (sm_XX).
  for (bool real : {false, true}) {
    std::vector<std::string> opts = {
        "--gpu-architecture=" + (real ? arch : "compute_" + llvm::StringRef(arch).drop_front(3).str()),
        "--std=c++17", "-default-device"};
    if (real)
      opts.push_back("--ptxas-options=-v");
    opts.insert(opts.end(), options.begin(), options.end());
    std::vector<const char *> argv;
    for (const std::string &o : opts)
      argv.push_back(o.c_str());

    nvrtcProgram prog = nullptr;
    nvrtcResult rc = fns->createProgram(&prog, source.c_str(), name.c_str(), 0, nullptr, nullptr);
    if (rc != NVRTC_SUCCESS)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "nvrtcCreateProgram(%s): %s", name.c_str(),
                                     fns->getErrorString(rc));
    rc = fns->compileProgram(prog, int(argv.size()), argv.data());
    size_t logSize = 0;
    fns->getProgramLogSize(prog, &logSize);
    std::string log(logSize, '\0');
    if (logSize)
      fns->getProgramLog(prog, log.data());
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n'))
      log.pop_back();
    if (rc != NVRTC_SUCCESS) {
      fns->destroyProgram(&prog);
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "nvrtcCompileProgram(%s, %s): %s\n%s", name.c_str(),
                                     opts[0].c_str(), fns->getErrorString(rc), log.c_str());
    }
    if (real) {
      size_t n = 0;
      fns->getCUBINSize(prog, &n);
      out.cubin.resize(n);
      fns->getCUBIN(prog, out.cubin.data());
      out.log = log;
    } else {
      size_t n = 0;
      fns->getPTXSize(prog, &n);
      out.ptx.resize(n);
      fns->getPTX(prog, out.ptx.data());
      while (!out.ptx.empty() && out.ptx.back() == '\0')
        out.ptx.pop_back();
    }
    fns->destroyProgram(&prog);
  }
  return out;
}
