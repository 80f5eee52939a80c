//===- attnc.cpp - The attn compiler command line -------------------------===//
#include "compiler/Driver/Pipeline.h"

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

  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out) {
    fmt::print(stderr, "attnc: error: {}\n", error);
    return 1;
  }
  if (emit == "ast") {
    std::optional<attn::CheckedSpec> spec = attn::parseAndCheck(srcMgr, ctx);
    if (!spec)
      return 1;
    attn::printAST(*spec->ast, out->os());
  } else {
    mlir::OwningOpRef<mlir::ModuleOp> module = attn::compileToAttn(srcMgr, ctx);
    if (!module)
      return 1;
    module->print(out->os());
    out->os() << "\n";
  }
  out->keep();
  return 0;
}
