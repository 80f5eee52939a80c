// Test helper: runs the front end on a source string and records every diagnostic it emits.
#ifndef ATTN_TEST_UNIT_DIAGNOSTICCAPTURE_H
#define ATTN_TEST_UNIT_DIAGNOSTICCAPTURE_H

#include "compiler/Driver/Pipeline.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/SourceDiagnostics.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cassert>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace attn::test {

/// One diagnostic as the engine delivered it: severity, message text and 1-based position
/// (0:0 when the location is not a FileLineColLoc), with its attached notes.
struct CapturedDiag {
  mlir::DiagnosticSeverity severity;
  std::string message;
  unsigned line = 0, col = 0;
  struct Note {
    std::string message;
    unsigned line = 0, col = 0;
  };
  std::vector<Note> notes;

  bool isError() const { return severity == mlir::DiagnosticSeverity::Error; }
  bool isWarning() const { return severity == mlir::DiagnosticSeverity::Warning; }
};

inline std::pair<unsigned, unsigned> lineCol(mlir::Location loc) {
  if (auto flc = llvm::dyn_cast<mlir::FileLineColLoc>(loc))
    return {flc.getLine(), flc.getColumn()};
  return {0, 0};
}

/// Owns an MLIRContext with a handler that records diagnostics, and the SourceMgr holding the
/// source (so SMLocs in the returned AST stay valid while this object lives). One source per
/// object.
class DiagnosticCapture {
public:
  DiagnosticCapture() {
    mlir::DialectRegistry registry;
    registerAttnDialects(registry);
    ctx.appendDialectRegistry(registry);
    handler = ctx.getDiagEngine().registerHandler([this](mlir::Diagnostic &d) {
      CapturedDiag c;
      c.severity = d.getSeverity();
      c.message = d.str();
      std::tie(c.line, c.col) = lineCol(d.getLocation());
      for (mlir::Diagnostic &n : d.getNotes()) {
        auto [l, col] = lineCol(n.getLocation());
        c.notes.push_back({n.str(), l, col});
      }
      diags.push_back(std::move(c));
      return mlir::success();
    });
  }
  ~DiagnosticCapture() { ctx.getDiagEngine().eraseHandler(handler); }
  DiagnosticCapture(const DiagnosticCapture &) = delete;
  DiagnosticCapture &operator=(const DiagnosticCapture &) = delete;

  /// attn::parseAndCheck on `src`.
  std::optional<CheckedSpec> check(llvm::StringRef src) {
    load(src);
    return parseAndCheck(srcMgr, ctx);
  }

  /// attn::compileToAttn on `src`.
  mlir::OwningOpRef<mlir::ModuleOp> compile(llvm::StringRef src) {
    load(src);
    return compileToAttn(srcMgr, ctx);
  }

  /// The parser alone (attn::parseSpec), with its error count.
  std::unique_ptr<SpecAST> parse(llvm::StringRef src, unsigned *errorCount = nullptr) {
    load(src);
    SourceDiagnostics sd(ctx, srcMgr);
    std::unique_ptr<SpecAST> ast = parseSpec(buffer(), sd);
    if (errorCount)
      *errorCount = sd.errorCount();
    return ast;
  }

  /// The start of the source buffer (to turn SMLocs into byte offsets).
  llvm::StringRef buffer() const {
    return srcMgr.getMemoryBuffer(srcMgr.getMainFileID())->getBuffer();
  }
  size_t offset(llvm::SMLoc loc) const { return loc.getPointer() - buffer().data(); }

  const std::vector<CapturedDiag> &all() const { return diags; }
  std::vector<CapturedDiag> errors() const { return filter(mlir::DiagnosticSeverity::Error); }
  std::vector<CapturedDiag> warnings() const {
    return filter(mlir::DiagnosticSeverity::Warning);
  }
  mlir::MLIRContext &context() { return ctx; }

private:
  void load(llvm::StringRef src) {
    assert(srcMgr.getNumBuffers() == 0 && "one source per DiagnosticCapture");
    srcMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(src, "t.attn"), llvm::SMLoc());
  }
  std::vector<CapturedDiag> filter(mlir::DiagnosticSeverity s) const {
    std::vector<CapturedDiag> out;
    for (const CapturedDiag &d : diags)
      if (d.severity == s)
        out.push_back(d);
    return out;
  }

  mlir::MLIRContext ctx;
  llvm::SourceMgr srcMgr;
  mlir::DiagnosticEngine::HandlerID handler;
  std::vector<CapturedDiag> diags;
};

/// The four tensors every spec needs, bf16 with head dim 128, one per line (lines 2-5 of a
/// spec whose first line is `kernel NAME {`).
inline constexpr const char *kStdTensors = "  q: bf16[128];\n"
                                           "  k: bf16[128];\n"
                                           "  v: bf16[128];\n"
                                           "  out: bf16;\n";

/// `kernel t {` + the standard tensors + `body` + `}`. `body` starts on line 6.
inline std::string specWith(llvm::StringRef body) {
  return "kernel t {\n" + std::string(kStdTensors) + body.str() + "\n}\n";
}

} // namespace attn::test

#endif // ATTN_TEST_UNIT_DIAGNOSTICCAPTURE_H
