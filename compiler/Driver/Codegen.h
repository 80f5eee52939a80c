//===- Codegen.h - A spec to a kernel source and its launch shape -*- C++ -*-===//
//
// The compiler's product for the runtime: one self-contained CUDA C++ source (the device tile
// library embedded) that NVRTC compiles for the GPU and a host C++ compiler compiles for the
// CPU, its entry point, and what a launch needs to know (threads, shared memory, how the grid
// follows from the shapes).
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DRIVER_CODEGEN_H
#define ATTN_DRIVER_CODEGEN_H

#include "compiler/Driver/Pipeline.h"
#include "compiler/Spec/Config.h"

#include "mlir/Pass/PassManager.h"

#include <memory>
#include <optional>
#include <string>

namespace attn {

/// What the caller may choose: the config overrides and the arch, and whether to print the
/// module after each pass (to stderr).
struct CodegenOptions : ConfigOverrides {
  bool printIRAfterAll = false;
};

/// A compiled spec, ready for NVRTC (GPU) or a host compiler (CPU).
struct GeneratedKernel {
  std::string name;   ///< the extern "C" entry point
  /// The entry point merging a split launch's partials (runtime/include/attn/device/Args.h);
  /// empty for a kernel that cannot split its keys.
  std::string mergeName;
  std::string source; ///< self-contained CUDA C++; also valid host C++
  Signature signature;
  KernelConfig config;
  int64_t threads = 0;     ///< per CTA
  int64_t sharedBytes = 0; ///< dynamic shared memory per CTA
  /// A second build for decode-shaped launches (decodeOverrides), entry `<name>_decode`.
  std::shared_ptr<const GeneratedKernel> decode;
};

/// The launch grid for given run-time sizes: x over query tiles of the longest sequence, y over
/// groups of packed query heads, z over the batch.
struct LaunchGrid {
  unsigned x = 1, y = 1, z = 1;
};
LaunchGrid launchGrid(const KernelConfig &config, int64_t batch, int64_t headsQ,
                      int64_t maxSeqlenQ);

/// Adds the passes from the attn dialect to the tile dialect: fold scales, analyze the mask,
/// select the config (with `options`' overrides), convert to tile.
void buildCodegenPipeline(mlir::OpPassManager &pm, const CodegenOptions &options);

/// Runs that pipeline on an attn-dialect module (errors through its context's diagnostics).
mlir::LogicalResult lowerToTile(mlir::ModuleOp module, const CodegenOptions &options);

/// The tile-dialect module of a spec, or null after reporting an error through `ctx`.
mlir::OwningOpRef<mlir::ModuleOp> compileToTile(const llvm::SourceMgr &srcMgr,
                                                mlir::MLIRContext &ctx,
                                                const CodegenOptions &options);

/// Runs the pass pipeline (fold scales, analyze mask, select config, attn -> tile) and the
/// translation to CUDA C++. Errors are reported through `ctx`'s diagnostic engine with source
/// locations; nullopt when there was one.
std::optional<GeneratedKernel> generateKernel(const llvm::SourceMgr &srcMgr,
                                              mlir::MLIRContext &ctx,
                                              const CodegenOptions &options);

} // namespace attn

#endif // ATTN_DRIVER_CODEGEN_H
