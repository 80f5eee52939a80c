//===- attnc.cpp - The attn compiler command line -------------------------===//
#include "compiler/Driver/Pipeline.h"
#include "reference/Run.h"

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
  app.add_option("--emit", emit, "what to print: ast or attn")
      ->check(CLI::IsMember({"ast", "attn"}));
  app.add_option("-o", output, "output file ('-' for standard output)");
  app.set_version_flag("--version", std::string("attnc ") + ATTN_VERSION);
  CLI::App *run = app.add_subcommand("run", "run a spec on random inputs and check it");
  std::string device = "cpu", shapeText = "b=1,hq=4,hkv=4,sq=128,skv=128";
  uint64_t seed = 1;
  run->add_option("SPEC", input, "the .attn spec ('-' for standard input)")->required();
  run->add_option("--device", device, "cpu: the float64 reference")
      ->check(CLI::IsMember({"cpu"}));
  run->add_option("--shape", shapeText, "b=,hq=,hkv=,sq=,skv= (batch, query/KV heads, lengths)");
  run->add_option("--seed", seed, "seed of the random inputs");
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
    std::optional<attn::CheckedSpec> spec = attn::parseAndCheck(srcMgr, ctx);
    if (!spec)
      return 1;
    llvm::Expected<attn::ref::ProblemShape> shape = attn::ref::parseShape(shapeText);
    llvm::Error err = shape ? attn::ref::runReference(*spec, *shape, seed, llvm::outs())
                            : shape.takeError();
    if (err) {
      fmt::print(stderr, "attnc run: error: {}\n", llvm::toString(std::move(err)));
      return 1;
    }
    return 0;
  }

  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out) {
    fmt::print(stderr, "attnc: error: {}\n", error);
    return 1;
  }
  attn::Stage stage = emit == "ast" ? attn::Stage::AST : attn::Stage::Attn;
  if (failed(attn::emitStage(srcMgr, ctx, stage, out->os())))
    return 1;
  out->keep();
  return 0;
}
