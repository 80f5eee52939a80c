//===- Codegen.cpp - A spec to a kernel source and its launch shape -------===//
#include "compiler/Driver/Codegen.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Target/EmitCuda.h"
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace attn;

LaunchGrid attn::launchGrid(const KernelConfig &c, int64_t batch, int64_t headsQ,
                            int64_t maxSeqlenQ) {
  int64_t positions = c.blockM / c.headsPerTile;
  LaunchGrid g;
  g.x = unsigned(std::max<int64_t>(1, (maxSeqlenQ + positions - 1) / positions));
  g.y = unsigned(headsQ / c.headsPerTile);
  g.z = unsigned(batch);
  return g;
}

void attn::buildCodegenPipeline(mlir::OpPassManager &pm, const CodegenOptions &o) {
  pm.addPass(createAttnFoldScales());
  pm.addPass(createAttnAnalyzeMask());
  AttnSelectConfigOptions sel;
  sel.arch = o.arch;
  sel.blockM = o.blockM.value_or(0), sel.blockN = o.blockN.value_or(0);
  sel.warps = o.warps.value_or(0), sel.stages = o.stages.value_or(0);
  sel.headsPerTile = o.headsPerTile.value_or(0);
  sel.mma = o.mma.value_or("");
  sel.pingpong = o.pingpong ? (*o.pingpong ? "on" : "off") : "";
  sel.warpSplit = o.warpSplit ? (*o.warpSplit ? "on" : "off") : "";
  pm.addPass(createAttnSelectConfig(sel));
  pm.addPass(createConvertAttnToTile());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

mlir::LogicalResult attn::lowerToTile(mlir::ModuleOp module, const CodegenOptions &options) {
  mlir::MLIRContext &ctx = *module.getContext();
  // A failing pass's error says what is wrong; the IR it was looking at would only bury it.
  ctx.printOpOnDiagnostic(false);
  mlir::PassManager pm(&ctx);
  if (options.printIRAfterAll) {
    ctx.disableMultithreading();
    pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                        [](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  buildCodegenPipeline(pm, options);
  return pm.run(module);
}

mlir::OwningOpRef<mlir::ModuleOp> attn::compileToTile(const llvm::SourceMgr &srcMgr,
                                                      mlir::MLIRContext &ctx,
                                                      const CodegenOptions &options) {
  mlir::OwningOpRef<mlir::ModuleOp> module = compileToAttn(srcMgr, ctx);
  if (!module || failed(lowerToTile(*module, options)))
    return nullptr;
  return module;
}

namespace {
/// One build of the attn module's kernel with `options`; `suffix` is added to its name.
std::optional<GeneratedKernel> generateOne(mlir::ModuleOp module, const CodegenOptions &options,
                                           llvm::StringRef suffix) {
  GeneratedKernel g;
  module->walk([&](KernelOp k) {
    g.signature = k.getSignature();
    if (!suffix.empty())
      k.setSymName((k.getSymName() + suffix).str());
  });
  if (failed(lowerToTile(module, options)))
    return std::nullopt;
  tile::KernelOp kernel;
  module->walk([&](tile::KernelOp k) { kernel = k; });
  llvm::raw_string_ostream os(g.source);
  if (failed(emitCuda(kernel, os)))
    return std::nullopt;
  g.name = entryName(kernel);
  g.mergeName = mergeEntryName(g.name);
  g.config = configFromAttr(kernel.getConfig());
  g.threads = g.config.warps * 32;
  g.sharedBytes = sharedBytes(g.config, g.signature);
  return g;
}
} // namespace

std::optional<GeneratedKernel> attn::generateKernel(const llvm::SourceMgr &srcMgr,
                                                    mlir::MLIRContext &ctx,
                                                    const CodegenOptions &options) {
  mlir::OwningOpRef<mlir::ModuleOp> module = compileToAttn(srcMgr, ctx);
  if (!module)
    return std::nullopt;
  Signature sig;
  module->walk([&](KernelOp k) { sig = k.getSignature(); });
  // The decode build lowers a copy of the same attn module (the spec is read once).
  std::optional<ConfigOverrides> d = decodeOverrides(sig, options);
  mlir::OwningOpRef<mlir::ModuleOp> copy = d ? module->clone() : nullptr;
  std::optional<GeneratedKernel> g = generateOne(*module, options, "");
  if (!g)
    return std::nullopt;
  if (d) {
    CodegenOptions o = options;
    static_cast<ConfigOverrides &>(o) = *d;
    o.printIRAfterAll = false;
    std::optional<GeneratedKernel> decode = generateOne(*copy, o, "_decode");
    if (!decode)
      return std::nullopt;
    g->decode = std::make_shared<const GeneratedKernel>(std::move(*decode));
  }
  return g;
}
