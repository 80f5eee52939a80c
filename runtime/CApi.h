//===- CApi.h - The C ABI's kernel handle, seen from C++ --------*- C++ -*-===//
//
// For C++ code (the unit tests) that makes a C handle from a kernel it already has, such as a
// hand-written GeneratedKernel that exercises the plumbing without the code generator.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_CAPI_H
#define ATTN_RUNTIME_CAPI_H

#include "runtime/HostKernel.h"
#include "runtime/Kernel.h"
#include "runtime/include/attn/attn.h"

namespace attn::rt {

/// A handle owning `kernel`, built for the host with `host` and for GPUs with `gpu` on first
/// launch. Free it with attn_kernel_free.
attn_kernel *wrapKernel(GeneratedKernel kernel, HostOptions host = {}, GpuOptions gpu = {});

/// The launch a C descriptor describes; errors name the argument (bad dtype codes, ranks,
/// params).
llvm::Expected<LaunchDesc> toLaunchDesc(const struct attn_launch &launch);

} // namespace attn::rt

#endif // ATTN_RUNTIME_CAPI_H
