//===- attnc.cpp - The attn compiler command line -------------------------===//
#include "check/KernelCheck.h"
#include "compiler/Driver/Codegen.h"
#include "reference/Run.h"
#include "runtime/NVRTC.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

int main(int argc, char **argv) {
  CLI::App app{"attnc: compile an attention spec (.attn) to the attn dialect and below"};
  std::string input = "-", output = "-", emit = "attn";
  app.add_option("FILE", input, "the .attn spec ('-' for standard input)");
  attn::CodegenOptions codegen;
  app.add_option("--emit", emit, "what to print: ast, attn, tile, cuda, ptx or cubin")
      ->check(CLI::IsMember({"ast", "attn", "tile", "cuda", "ptx", "cubin"}));
  app.add_option("--arch", codegen.arch, "target GPU architecture (sm_90a, sm_80, ...)");
  app.add_flag("--print-ir-after-all", codegen.printIRAfterAll,
               "print the module after every pass (to standard error)");
  bool decodeBuild = false;
  app.add_flag("--decode-build", decodeBuild,
               "with --emit=cuda|ptx|cubin: the kernel's decode build (serving kernels)");
  auto addConfig = [&](CLI::App *cmd) {
    cmd->add_option("--block-m", codegen.blockM, "query rows per CTA (default: chosen)");
    cmd->add_option("--block-n", codegen.blockN, "keys per KV tile (default: chosen)");
    cmd->add_option("--warps", codegen.warps, "warps per CTA (default: chosen)");
    cmd->add_option("--heads-per-tile", codegen.headsPerTile, "GQA heads per CTA (default: chosen)");
    cmd->add_option("--stages", codegen.stages, "K/V tile buffers, 1 to 4 (default: chosen)");
    cmd->add_option("--mma", codegen.mma, "wgmma (sm_90a) or mma.sync (default: chosen)");
    cmd->add_option("--pingpong", codegen.pingpong,
                    "true or false: two warpgroups take turns at the tensor cores (default: chosen)");
    cmd->add_option("--warp-split", codegen.warpSplit,
                    "true or false: the warps split each K/V tile's keys, each with all query rows "
                    "(mma.sync; default: chosen)");
  };
  addConfig(&app);
  app.add_option("-o", output, "output file ('-' for standard output)");
  app.set_version_flag("--version", std::string("attnc ") + ATTN_VERSION);
  CLI::App *run = app.add_subcommand("run", "run a spec on random inputs and check it");
  std::string device = "cpu", shapeText = "b=1,hq=4,hkv=4,sq=128,skv=128";
  uint64_t seed = 1;
  run->add_option("SPEC", input, "the .attn spec ('-' for standard input)")->required();
  run->add_option("--device", device,
                  "cpu: the float64 reference alone; host: the generated kernel built for the "
                  "CPU; cuda: the generated kernel on GPU 0 (both checked against the reference)")
      ->check(CLI::IsMember({"cpu", "host", "cuda"}));
  run->add_option("--arch", codegen.arch, "target GPU architecture (sm_90a, sm_80, ...)");
  addConfig(run);
  run->add_option("--shape", shapeText, "b=,hq=,hkv=,sq=,skv= (batch, query/KV heads, lengths)");
  run->add_option("--seed", seed, "seed of the random inputs");
  std::optional<int> splits;
  run->add_option("--splits", splits,
                  "split KV: cut each query tile's keys into this many parts, merged after "
                  "(default: as the launch chooses)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e) == 0 ? 0 : 1; // --help and --version exit 0, usage errors 1
  }

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = mlir::openInputFile(input, &error);
  if (!buffer) {
    fmt::print(stderr, "attnc: error: {}\n", error);
    return 1;
  }
  llvm::SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  mlir::DialectRegistry registry;
  attn::registerAttnDialects(registry);
  mlir::MLIRContext ctx(registry);
  mlir::SourceMgrDiagnosticHandler handler(srcMgr, &ctx);

  if (run->parsed()) {
    std::optional<attn::GeneratedKernel> kernel;
    if (device != "cpu" && !(kernel = attn::generateKernel(srcMgr, ctx, codegen)))
      return 1;
    std::optional<attn::CheckedSpec> spec;
    {
      // The reference needs the checked AST; its warnings were printed already.
      mlir::ScopedDiagnosticHandler quiet(&ctx, [&](mlir::Diagnostic &d) {
        return mlir::success(kernel && d.getSeverity() != mlir::DiagnosticSeverity::Error);
      });
      spec = attn::parseAndCheck(srcMgr, ctx);
    }
    if (!spec)
      return 1;
    llvm::Expected<attn::ref::ProblemShape> shape = attn::ref::parseShape(shapeText);
    if (!shape) {
      fmt::print(stderr, "attnc run: error: {}\n", llvm::toString(shape.takeError()));
      return 1;
    }
    if (device == "cpu") {
      if (llvm::Error err = attn::ref::runReference(*spec, *shape, seed, llvm::outs())) {
        fmt::print(stderr, "attnc run: error: {}\n", llvm::toString(std::move(err)));
        return 1;
      }
      return 0;
    }
    llvm::Expected<bool> pass = attn::check::runAndCheck(
        *spec, *kernel, *shape, seed,
        device == "host" ? attn::check::Device::Host : attn::check::Device::Cuda, llvm::outs(),
        splits);
    if (!pass) {
      fmt::print(stderr, "attnc run: error: {}\n", llvm::toString(pass.takeError()));
      return 1;
    }
    return *pass ? 0 : 1;
  }

  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out) {
    fmt::print(stderr, "attnc: error: {}\n", error);
    return 1;
  }
  if (emit == "ast" || emit == "attn") {
    attn::Stage stage = emit == "ast" ? attn::Stage::AST : attn::Stage::Attn;
    if (failed(attn::emitStage(srcMgr, ctx, stage, out->os())))
      return 1;
  } else if (emit == "tile") {
    mlir::OwningOpRef<mlir::ModuleOp> module = attn::compileToTile(srcMgr, ctx, codegen);
    if (!module)
      return 1;
    module->print(out->os());
    out->os() << "\n";
  } else {
    std::optional<attn::GeneratedKernel> kernel = attn::generateKernel(srcMgr, ctx, codegen);
    if (!kernel)
      return 1;
    if (decodeBuild) {
      if (!kernel->decode) {
        fmt::print(stderr, "attnc: error: kernel '{}' has no decode build (kernels on the 128-row "
                           "ping-pong tile with head dims up to 128 have one, unless the config is "
                           "overridden)\n",
                   kernel->name);
        return 1;
      }
      attn::GeneratedKernel decode = *kernel->decode;
      kernel = std::move(decode);
    }
    if (emit == "cuda") {
      out->os() << kernel->source;
    } else {
      llvm::Expected<attn::rt::NVRTC &> nvrtc = attn::rt::NVRTC::get();
      llvm::Expected<attn::rt::CompiledModule> m =
          nvrtc ? nvrtc->compile(kernel->source, kernel->name + ".cu", codegen.arch)
                : llvm::Expected<attn::rt::CompiledModule>(nvrtc.takeError());
      if (!m) {
        fmt::print(stderr, "attnc: error: {}\n", llvm::toString(m.takeError()));
        return 1;
      }
      if (emit == "ptx") {
        out->os() << m->ptx;
        // ptxas's resource report (registers, spills), as comments that PTX tools ignore.
        llvm::SmallVector<llvm::StringRef> lines;
        llvm::StringRef(m->log).split(lines, '\n', -1, false);
        for (llvm::StringRef l : lines)
          out->os() << "// " << l << "\n";
      } else {
        out->os().write(m->cubin.data(), m->cubin.size());
      }
    }
  }
  out->keep();
  return 0;
}
