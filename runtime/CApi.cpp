//===- CApi.cpp - The C ABI over the runtime (include/attn/attn.h) ----------===//
//
// Each entry point turns C arguments into the C++ API's, catches anything thrown (a C caller
// cannot), and turns an error into ATTN_ERROR with its text kept for attn_last_error(). A
// kernel handle builds its host and GPU versions on the first launch that needs them.
//
//===----------------------------------------------------------------------===//
#include "runtime/CApi.h"
#include "runtime/Error.h"

#include "runtime/Compile.h"

#include "llvm/Support/FormatVariadic.h"

#include <exception>

using namespace attn;
using namespace attn::rt;

struct attn_kernel {
  GeneratedKernel generated;
  HostOptions hostOptions;
  GpuOptions gpuOptions;
  std::mutex mutex; ///< guards the builds
  std::unique_ptr<HostKernel> host;
  std::shared_ptr<Kernel> gpu;
};

namespace {

thread_local std::string lastError;


int report(llvm::Error e) {
  if (!e)
    return ATTN_OK;
  lastError = llvm::toString(std::move(e));
  return ATTN_ERROR;
}

/// Runs `body` (returning llvm::Error), turning exceptions into errors.
template <typename Body> int guarded(const char *what, Body body) {
  try {
    return report(body());
  } catch (const std::exception &ex) {
    return report(fail(llvm::Twine(what) + ": internal error: " + ex.what()));
  } catch (...) {
    return report(fail(llvm::Twine(what) + ": internal error"));
  }
}

llvm::Expected<TensorDesc> toTensor(const attn_tensor &t, llvm::StringRef name) {
  if (t.dtype < ATTN_F32 || t.dtype > ATTN_I32)
    return fail(llvm::formatv("{0}: unknown dtype code {1} (attn_dtype codes are {2} to {3})",
                              name, t.dtype, int(ATTN_F32), int(ATTN_I32)));
  if (t.rank < 0 || t.rank > ATTN_MAX_RANK)
    return fail(llvm::formatv("{0}: rank {1}; a tensor has 0 to {2} dimensions", name, t.rank,
                              ATTN_MAX_RANK));
  static constexpr DType kTypes[] = {DType::F32,    DType::F16,    DType::BF16,
                                     DType::F8E4M3, DType::F8E5M2, DType::I32};
  TensorDesc d;
  d.data = t.data;
  d.dtype = kTypes[t.dtype];
  d.device = t.device;
  d.shape.assign(t.shape, t.shape + t.rank);
  d.strides.assign(t.stride, t.stride + t.rank);
  return d;
}

attn_kernel *makeHandle(GeneratedKernel kernel, HostOptions host, GpuOptions gpu) {
  auto *k = new attn_kernel();
  k->generated = std::move(kernel);
  k->hostOptions = std::move(host);
  k->gpuOptions = std::move(gpu);
  return k;
}

int compileWith(llvm::function_ref<llvm::Expected<GeneratedKernel>(const CodegenOptions &)> gen,
                const char *what, const char *arch, attn_kernel **out, const char *config = nullptr) {
  return guarded(what, [&]() -> llvm::Error {
    if (!out)
      return fail(llvm::Twine(what) + ": out is NULL");
    *out = nullptr;
    CodegenOptions options;
    if (arch && *arch) {
      options.arch = arch;
    } else if (llvm::Expected<CudaDriver &> cuda = CudaDriver::get(0)) {
      options.arch = archForComputeCapability(cuda->computeCapability());
    } else {
      llvm::consumeError(cuda.takeError()); // no GPU here: the default architecture
    }
    if (config) // its choices, arch included, win
      if (llvm::Error e = parseConfigOverrides(config, options))
        return e;
    llvm::Expected<GeneratedKernel> kernel = gen(options);
    if (!kernel)
      return kernel.takeError();
    *out = makeHandle(std::move(*kernel), {}, {});
    return llvm::Error::success();
  });
}

/// compileWith on spec text (NULL is an error naming `what`).
int compileText(const char *spec_text, const char *what, const char *arch, const char *config,
                attn_kernel **out) {
  if (!spec_text) {
    if (out)
      *out = nullptr;
    return report(fail(llvm::Twine(what) + ": spec_text is NULL"));
  }
  return compileWith([&](const CodegenOptions &o) { return generate(spec_text, o, "<spec>"); },
                     what, arch, out, config);
}

/// The kernel's GPU build, compiled on first use.
llvm::Expected<std::shared_ptr<Kernel>> gpuBuild(attn_kernel &kernel) {
  std::lock_guard<std::mutex> lock(kernel.mutex);
  if (!kernel.gpu) {
    llvm::Expected<std::shared_ptr<Kernel>> built =
        Kernel::compile(kernel.generated, kernel.gpuOptions);
    if (!built)
      return built.takeError();
    kernel.gpu = std::move(*built);
  }
  return kernel.gpu;
}

} // namespace

attn_kernel *attn::rt::wrapKernel(GeneratedKernel kernel, HostOptions host, GpuOptions gpu) {
  return makeHandle(std::move(kernel), std::move(host), std::move(gpu));
}

llvm::Expected<LaunchDesc> attn::rt::toLaunchDesc(const struct attn_launch &l) {
  LaunchDesc d;
  for (auto [name, in, out] : {std::tuple{"q", &l.q, &d.q}, std::tuple{"k", &l.k, &d.k},
                               std::tuple{"v", &l.v, &d.v}, std::tuple{"out", &l.out, &d.out}}) {
    llvm::Expected<TensorDesc> t = toTensor(*in, name);
    if (!t)
      return t.takeError();
    *out = std::move(*t);
  }
  for (auto [name, in, out] :
       {std::tuple{"lse", l.lse, &d.lse}, std::tuple{"q_scale", l.q_scale, &d.qScale},
        std::tuple{"k_scale", l.k_scale, &d.kScale}, std::tuple{"v_scale", l.v_scale, &d.vScale},
        std::tuple{"out_scale", l.out_scale, &d.outScale},
        std::tuple{"cu_seqlens_q", l.cu_seqlens_q, &d.cuSeqlensQ},
        std::tuple{"cu_seqlens_kv", l.cu_seqlens_kv, &d.cuSeqlensKV},
        std::tuple{"seqlens_kv", l.seqlens_kv, &d.seqlensKV},
        std::tuple{"block_table", l.block_table, &d.blockTable}}) {
    if (!in)
      continue;
    llvm::Expected<TensorDesc> t = toTensor(*in, name);
    if (!t)
      return t.takeError();
    *out = std::move(*t);
  }
  if (l.num_params < 0 || (l.num_params > 0 && !l.params))
    return fail(llvm::formatv("params: {0} params at {1}; give a count of 0 or more and an "
                              "array that holds them",
                              l.num_params, l.params ? "an array" : "NULL"));
  for (int32_t i = 0; i < l.num_params; ++i) {
    const attn_param &p = l.params[i];
    if (!p.name)
      return fail(llvm::formatv("params[{0}]: the name is NULL", i));
    std::string name = llvm::formatv("param '{0}'", p.name);
    llvm::Expected<TensorDesc> t = toTensor(p.tensor, name);
    if (!t)
      return t.takeError();
    if (!d.params.emplace(p.name, std::move(*t)).second)
      return fail(name + ": given twice");
  }
  for (auto [name, in, out] : {std::tuple{"max_seqlen_q", l.max_seqlen_q, &d.maxSeqlenQ},
                               std::tuple{"max_seqlen_kv", l.max_seqlen_kv, &d.maxSeqlenKV}}) {
    if (in < 0)
      return fail(llvm::formatv("{0}: {1}; give the longest sequence, or 0 to read it from the "
                                "metadata",
                                name, in));
    if (in > 0)
      *out = in;
  }
  d.checkDeviceMetadata = !l.skip_metadata_check;
  if (l.num_splits < 0)
    return fail(llvm::formatv("num_splits: {0}; give 1 to {1} parts (1: no split), or 0 to have "
                              "them chosen",
                              l.num_splits, dev::kMaxSplits));
  if (l.num_splits > 0)
    d.splits = l.num_splits;
  if (l.workspace_bytes != 0) // 0 bytes: none, as attn_workspace_size says where none is needed
    d.workspace = Workspace{l.workspace, l.workspace_bytes};
  d.overlapPrevious = l.overlap_previous != 0;
  return d;
}

extern "C" {

ATTN_API int attn_compile(const char *spec_text, const char *arch, attn_kernel **out) {
  return compileText(spec_text, "attn_compile", arch, nullptr, out);
}

ATTN_API int attn_compile_config(const char *spec_text, const char *config, attn_kernel **out) {
  return compileText(spec_text, "attn_compile_config", nullptr, config, out);
}

ATTN_API int attn_compile_file(const char *path, const char *arch, attn_kernel **out) {
  if (!path) {
    if (out)
      *out = nullptr;
    return report(fail("attn_compile_file: path is NULL"));
  }
  return compileWith([&](const CodegenOptions &o) { return generateFile(path, o); },
                     "attn_compile_file", arch, out);
}

ATTN_API int attn_launch(attn_kernel *kernel, const struct attn_launch *launch,
                         void *cuda_stream) {
  return guarded("attn_launch", [&]() -> llvm::Error {
    if (!kernel)
      return fail("attn_launch: kernel is NULL");
    if (!launch)
      return fail("attn_launch: launch is NULL");
    llvm::Expected<LaunchDesc> desc = toLaunchDesc(*launch);
    if (!desc)
      return desc.takeError();
    if (desc->q.device == kHostDevice) {
      const HostKernel *host;
      {
        std::lock_guard<std::mutex> lock(kernel->mutex);
        if (!kernel->host) {
          llvm::Expected<std::unique_ptr<HostKernel>> built =
              HostKernel::compile(kernel->generated, kernel->hostOptions);
          if (!built)
            return built.takeError();
          kernel->host = std::move(*built);
        }
        host = kernel->host.get();
      }
      return host->launch(*desc);
    }
    llvm::Expected<std::shared_ptr<Kernel>> gpu = gpuBuild(*kernel);
    if (!gpu)
      return gpu.takeError();
    return (*gpu)->launch(*desc, static_cast<CUstream>(cuda_stream));
  });
}

ATTN_API int attn_workspace_size(attn_kernel *kernel, const struct attn_launch *launch,
                                 void *cuda_stream, int64_t *bytes) {
  return guarded("attn_workspace_size", [&]() -> llvm::Error {
    if (!kernel || !launch || !bytes)
      return fail(llvm::Twine("attn_workspace_size: ") +
                  (!kernel ? "kernel" : !launch ? "launch" : "bytes") + " is NULL");
    llvm::Expected<LaunchDesc> desc = toLaunchDesc(*launch);
    if (!desc)
      return desc.takeError();
    if (desc->q.device == kHostDevice) { // the host build keeps its partials itself
      *bytes = 0;
      return llvm::Error::success();
    }
    llvm::Expected<std::shared_ptr<Kernel>> gpu = gpuBuild(*kernel);
    if (!gpu)
      return gpu.takeError();
    llvm::Expected<int64_t> n = (*gpu)->workspaceBytes(*desc, static_cast<CUstream>(cuda_stream));
    if (!n)
      return n.takeError();
    *bytes = *n;
    return llvm::Error::success();
  });
}

ATTN_API const char *attn_kernel_source(const attn_kernel *kernel) {
  if (!kernel) {
    report(fail("attn_kernel_source: kernel is NULL"));
    return nullptr;
  }
  return kernel->generated.source.c_str();
}

ATTN_API const char *attn_kernel_name(const attn_kernel *kernel) {
  if (!kernel) {
    report(fail("attn_kernel_name: kernel is NULL"));
    return nullptr;
  }
  return kernel->generated.name.c_str();
}

ATTN_API int attn_kernel_get_info(const attn_kernel *kernel, attn_kernel_info *info) {
  if (!kernel || !info)
    return report(fail(llvm::Twine("attn_kernel_get_info: ") + (kernel ? "info" : "kernel") +
                       " is NULL"));
  const Signature &s = kernel->generated.signature;
  auto code = [](DType t) { return int32_t(t); }; // DType's order is attn_dtype's
  *info = attn_kernel_info{};
  info->q_dtype = code(s.q.dtype);
  info->k_dtype = code(s.k.dtype);
  info->v_dtype = code(s.v.dtype);
  info->out_dtype = code(s.out.dtype);
  info->head_dim_qk = int32_t(s.q.headDim);
  info->head_dim_v = int32_t(s.v.headDim);
  info->lse = s.lse;
  info->ragged = s.batch == BatchLayout::Ragged;
  info->page_size = s.kvCache == KVCache::Paged ? int32_t(s.pageSize) : 0;
  info->gqa = s.gqa ? int32_t(*s.gqa) : 0;
  info->num_params = int32_t(s.params.size());
  return ATTN_OK;
}

ATTN_API const char *attn_last_error(void) { return lastError.c_str(); }

ATTN_API void attn_kernel_free(attn_kernel *kernel) { delete kernel; }

} // extern "C"

static_assert(int(DType::F32) == ATTN_F32 && int(DType::F16) == ATTN_F16 &&
                  int(DType::BF16) == ATTN_BF16 && int(DType::F8E4M3) == ATTN_F8E4M3 &&
                  int(DType::F8E5M2) == ATTN_F8E5M2 && int(DType::I32) == ATTN_I32,
              "attn_dtype codes follow attn::DType");
