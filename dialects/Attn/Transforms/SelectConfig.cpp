//===- SelectConfig.cpp - Tile sizes per kernel (attn-select-config) ------===//
//
// A thin pass over attn::selectConfig (compiler/Spec/Config.cpp), which holds the choice and its
// reasons; options override single fields and the result is checked before it is attached.
//
//===----------------------------------------------------------------------===//
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace attn {
#define GEN_PASS_DEF_ATTNSELECTCONFIG
#include "dialects/Attn/Transforms/Passes.h.inc"
} // namespace attn

using namespace attn;

mlir::FailureOr<mlir::DictionaryAttr> attn::selectKernelConfig(KernelOp kernel,
                                                               const ConfigOverrides &overrides) {
  Signature sig = kernel.getSignature();
  KernelConfig c = selectConfig(sig, overrides);
  if (std::string why = checkConfig(c, sig); !why.empty())
    return kernel.emitError() << "cannot build this kernel: " << why;
  mlir::Builder b(kernel.getContext());
  return b.getDictionaryAttr({
      b.getNamedAttr("arch", b.getStringAttr(c.arch)),
      b.getNamedAttr("block_m", b.getI64IntegerAttr(c.blockM)),
      b.getNamedAttr("block_n", b.getI64IntegerAttr(c.blockN)),
      b.getNamedAttr("heads_per_tile", b.getI64IntegerAttr(c.headsPerTile)),
      b.getNamedAttr("mma", b.getStringAttr(c.mma)),
      b.getNamedAttr("pingpong", b.getBoolAttr(c.pingpong)),
      b.getNamedAttr("warp_split", b.getBoolAttr(c.warpSplit)),
      b.getNamedAttr("stages", b.getI64IntegerAttr(c.stages)),
      b.getNamedAttr("warps", b.getI64IntegerAttr(c.warps)),
  });
}

KernelConfig attn::configFromAttr(mlir::DictionaryAttr attr) {
  KernelConfig c;
  auto get = [&](llvm::StringRef name) {
    auto i = attr.getAs<mlir::IntegerAttr>(name);
    return i ? i.getInt() : 0;
  };
  c.blockM = get("block_m"), c.blockN = get("block_n"), c.warps = get("warps");
  c.stages = get("stages"), c.headsPerTile = get("heads_per_tile");
  if (auto s = attr.getAs<mlir::StringAttr>("arch"))
    c.arch = s.str();
  if (auto s = attr.getAs<mlir::StringAttr>("mma"))
    c.mma = s.str();
  if (auto p = attr.getAs<mlir::BoolAttr>("pingpong"))
    c.pingpong = p.getValue();
  if (auto p = attr.getAs<mlir::BoolAttr>("warp_split"))
    c.warpSplit = p.getValue();
  return c;
}

namespace {
struct AttnSelectConfig : attn::impl::AttnSelectConfigBase<AttnSelectConfig> {
  using Base::Base;
  void runOnOperation() override {
    ConfigOverrides o;
    o.arch = arch;
    auto set = [](std::optional<int64_t> &f, int64_t v) { if (v) f = v; };
    set(o.blockM, blockM), set(o.blockN, blockN), set(o.warps, warps), set(o.stages, stages);
    set(o.headsPerTile, headsPerTile);
    if (!mma.empty())
      o.mma = mma;
    if (!pingpong.empty())
      o.pingpong = pingpong == "on";
    if (!warpSplit.empty())
      o.warpSplit = warpSplit == "on";
    getOperation().walk([&](KernelOp kernel) {
      mlir::FailureOr<mlir::DictionaryAttr> config = selectKernelConfig(kernel, o);
      if (failed(config))
        return signalPassFailure();
      kernel->setAttr("config", *config);
    });
  }
};
} // namespace
