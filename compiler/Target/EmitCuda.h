//===- EmitCuda.h - tile.kernel to CUDA C++ ---------------------*- C++ -*-===//
#ifndef ATTN_TARGET_EMITCUDA_H
#define ATTN_TARGET_EMITCUDA_H

#include "dialects/Tile/IR/TileOps.h"

#include "llvm/Support/raw_ostream.h"

namespace attn {

/// The C entry point of a kernel's generated source.
std::string entryName(tile::KernelOp kernel);
/// The C entry point that merges a split launch's partials (merge_splits), beside `entry`.
std::string mergeEntryName(llvm::StringRef entry);

/// Writes one self-contained source for `kernel`: the device tile library (embedded), the
/// kernel's config struct and its body, one library call per tile op, and its merge entry. The same text compiles
/// with NVRTC for the GPU and with a host C++17 compiler for the CPU. Fails, with an error
/// on the op, for an op it cannot translate.
mlir::LogicalResult emitCuda(tile::KernelOp kernel, llvm::raw_ostream &os);

/// The device tile library, as embedded into every generated source.
llvm::StringRef deviceLibrarySource();

} // namespace attn

#endif // ATTN_TARGET_EMITCUDA_H
