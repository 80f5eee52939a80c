//===- FrontendFuzzer.cpp - libFuzzer target: a spec through the front end -===//
//
// The input is the text of a spec. It goes through everything `attnc --emit=attn` does
// (parse, Sema, import to the attn dialect, verify); a module that comes out is then printed
// and parsed back, and must verify and print the same. Errors in the spec are expected and
// their diagnostics are dropped, but a spec is rejected if and only if an error was reported.
// A crash, a sanitizer report, a silent rejection or a failed round trip is a bug.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver/Pipeline.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {
std::string print(mlir::ModuleOp module, mlir::OpPrintingFlags flags = {}) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, flags);
  return text;
}

[[noreturn]] void fail(const char *what, llvm::StringRef text, llvm::StringRef diag) {
  llvm::errs() << "attn-fuzz-frontend: " << what << "\n-- module:\n"
               << text << "\n-- last diagnostic: " << diag << "\n";
  std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry r;
    attn::registerAttnDialects(r);
    return r;
  }();
  llvm::SourceMgr srcMgr;
  srcMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.attn"),
      llvm::SMLoc());
  // A fresh context per input: nothing uniqued by one input can hide a bug in the next.
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  std::string lastDiag;
  unsigned errors = 0;
  ctx.getDiagEngine().registerHandler([&](mlir::Diagnostic &d) {
    lastDiag = d.str();
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });

  mlir::OwningOpRef<mlir::ModuleOp> module = attn::compileToAttn(srcMgr, ctx);
  if (!module) {
    if (errors == 0)
      fail("the spec was rejected without an error", "(none)", lastDiag);
    return 0;
  }
  if (errors != 0)
    fail("the spec was accepted despite an error", print(*module), lastDiag);

  // Round trip: the generic form with locations exercises the rest of the printer; the custom
  // form must parse back, verify, and print the same.
  llvm::raw_null_ostream null;
  module->print(null, mlir::OpPrintingFlags().printGenericOpForm().enableDebugInfo());
  std::string text = print(*module);
  mlir::OwningOpRef<mlir::ModuleOp> reparsed = mlir::parseSourceString<mlir::ModuleOp>(text, &ctx);
  if (!reparsed)
    fail("the printed module does not parse", text, lastDiag);
  if (failed(mlir::verify(*reparsed)))
    fail("the reparsed module does not verify", text, lastDiag);
  if (print(*reparsed) != text)
    fail("the reparsed module prints differently", print(*reparsed), lastDiag);
  return 0;
}
