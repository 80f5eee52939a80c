//===- AST.h - Syntax tree of an .attn spec ---------------------*- C++ -*-===//
//
// The parser builds it; Sema resolves names, types each expression and evaluates constants in
// place; ASTToAttn turns it into the attn dialect. Every node keeps the source range it came
// from, so diagnostics and MLIR locations point into the .attn file.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_FRONTEND_AST_H
#define ATTN_FRONTEND_AST_H

#include "compiler/Spec/Signature.h"

#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attn {

/// The three value types of the expression language.
enum class ValueType { Unknown, Bool, Int, Float };
llvm::StringRef valueTypeName(ValueType t);

enum class UnaryOp { Neg, Not };
enum class BinaryOp { Add, Sub, Mul, Div, Rem, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
llvm::StringRef opSpelling(UnaryOp op);
llvm::StringRef opSpelling(BinaryOp op);

/// What a name in an expression stands for, once Sema has resolved it.
enum class NameRef {
  Unresolved,
  Score,  ///< s: the scaled score (score only)
  Batch,  ///< b
  Head,   ///< h: the query head
  QIdx,   ///< q_idx: absolute query position
  KVIdx,  ///< kv_idx: absolute key position
  Const,  ///< a `const` or built-in constant; its value is in Expr::constValue
  Let,    ///< a `let` binding; Expr::let points at the Let node
  Causal, ///< the built-in mask `causal`
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// A constant computed by Sema.
struct ConstValue {
  ValueType type = ValueType::Unknown;
  bool b = false;
  int64_t i = 0;
  double f = 0;
};

/// One expression node. A single struct with a kind keeps the small language in one place:
///   IntLit, FloatLit, BoolLit  literal (value in the fields below)
///   Name                       identifier (`name`), resolved to `ref`
///   Unary, Binary              operator `unOp`/`binOp` over `args`
///   Ternary                    args = {cond, then, else}
///   Call                       function or built-in mask `name` applied to `args`
///   Index                      param `name` read at `args`
///   Let                        `let name = args[0]; args[1]`
struct Expr {
  enum Kind { IntLit, FloatLit, BoolLit, Name, Unary, Binary, Ternary, Call, Index, Let } kind;
  llvm::SMRange range;
  std::string name;
  UnaryOp unOp = UnaryOp::Neg;
  BinaryOp binOp = BinaryOp::Add;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  std::vector<ExprPtr> args;
  unsigned depth = 1; ///< height of this subtree, bounded by the parser

  // Filled in by Sema.
  ValueType type = ValueType::Unknown;
  NameRef ref = NameRef::Unresolved;
  const Expr *let = nullptr;            ///< for NameRef::Let
  std::optional<ConstValue> constValue; ///< set where the expression is a compile-time constant
  size_t paramIndex = 0;                ///< for Index: position in SpecAST::params

  Expr(Kind k, llvm::SMRange r) : kind(k), range(r) {}
  llvm::SMLoc loc() const { return range.Start; }
};

/// `q: bf16[128] scale per_head;` and the like.
struct TensorDecl {
  std::string name;
  llvm::SMRange nameRange;
  std::string dtype;
  llvm::SMRange dtypeRange;
  std::optional<int64_t> headDim;
  llvm::SMRange headDimRange;
  std::optional<std::string> scale;
  llvm::SMRange scaleRange;
};

/// `param slopes: f32[H];`
struct ParamDecl {
  std::string name;
  llvm::SMRange nameRange;
  std::string dtype;
  llvm::SMRange dtypeRange;
  struct Dim {
    std::string name; ///< B, H, Hkv, S, or empty for a fixed extent
    int64_t size = 0;
    llvm::SMRange range;
  };
  std::vector<Dim> dims;
};

/// `const cap = 50.0;`
struct ConstDecl {
  std::string name;
  llvm::SMRange nameRange;
  ExprPtr value;
};

/// `softmax_scale = ...;`, `gqa = 4;`, `batch = ragged;`, `kv_cache = paged(16);`
struct OptionDecl {
  std::string name;
  llvm::SMRange nameRange;
  ExprPtr value;
};

/// A whole `kernel NAME { ... }`.
struct SpecAST {
  std::string name;
  llvm::SMRange nameRange;
  std::vector<TensorDecl> tensors;
  std::vector<ParamDecl> params;
  std::vector<ConstDecl> consts;
  std::vector<OptionDecl> options;
  ExprPtr score; ///< null when the spec has no score block (s is used as is)
  llvm::SMRange scoreRange;
  ExprPtr mask; ///< null when the spec has no mask block (nothing is masked)
  llvm::SMRange maskRange;
  /// A second `score` or `mask` block: kept out of the tree, reported by Sema.
  struct DuplicateBlock {
    std::string what; ///< "score" or "mask"
    llvm::SMRange range, first;
  };
  std::vector<DuplicateBlock> duplicateBlocks;
};

/// Prints the tree as indented S-expressions (attnc --emit=ast).
void printAST(const SpecAST &spec, llvm::raw_ostream &os);

} // namespace attn

#endif // ATTN_FRONTEND_AST_H
