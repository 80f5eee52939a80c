//===- AST.cpp - Printing the syntax tree (attnc --emit=ast) --------------===//
#include "compiler/Frontend/AST.h"

#include "llvm/Support/Format.h"

using namespace attn;

namespace {

void printExpr(const Expr &e, llvm::raw_ostream &os, unsigned indent) {
  os.indent(indent);
  switch (e.kind) {
  case Expr::IntLit: os << "(int " << e.intValue; break;
  case Expr::FloatLit: os << "(float " << llvm::format("%g", e.floatValue); break;
  case Expr::BoolLit: os << "(bool " << (e.boolValue ? "true" : "false"); break;
  case Expr::Name: os << "(name " << e.name; break;
  case Expr::Unary: os << "(unary " << opSpelling(e.unOp); break;
  case Expr::Binary: os << "(binary " << opSpelling(e.binOp); break;
  case Expr::Ternary: os << "(select"; break;
  case Expr::Call: os << "(call " << e.name; break;
  case Expr::Index: os << "(index " << e.name; break;
  case Expr::Let: os << "(let " << e.name; break;
  }
  if (e.type != ValueType::Unknown)
    os << " : " << valueTypeName(e.type);
  for (const ExprPtr &a : e.args) {
    os << "\n";
    printExpr(*a, os, indent + 2);
  }
  os << ")";
}

} // namespace

void attn::printAST(const SpecAST &spec, llvm::raw_ostream &os) {
  os << "(kernel " << spec.name << "\n";
  for (const TensorDecl &t : spec.tensors) {
    os << "  (tensor " << t.name << " " << t.dtype;
    if (t.headDim)
      os << " [" << *t.headDim << "]";
    if (t.scale)
      os << " scale " << *t.scale;
    os << ")\n";
  }
  for (const ParamDecl &p : spec.params) {
    os << "  (param " << p.name << " " << p.dtype << " [";
    for (size_t i = 0; i < p.dims.size(); ++i) {
      os << (i ? ", " : "");
      if (p.dims[i].name.empty())
        os << p.dims[i].size;
      else
        os << p.dims[i].name;
    }
    os << "])\n";
  }
  for (const ConstDecl &c : spec.consts) {
    os << "  (const " << c.name << "\n";
    printExpr(*c.value, os, 4);
    os << ")\n";
  }
  for (const OptionDecl &o : spec.options) {
    os << "  (option " << o.name << "\n";
    printExpr(*o.value, os, 4);
    os << ")\n";
  }
  if (spec.score) {
    os << "  (score\n";
    printExpr(*spec.score, os, 4);
    os << ")\n";
  }
  if (spec.mask) {
    os << "  (mask\n";
    printExpr(*spec.mask, os, 4);
    os << ")\n";
  }
  os << ")\n";
}
