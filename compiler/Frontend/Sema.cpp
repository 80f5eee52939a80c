//===- Sema.cpp - Semantic checks of an .attn spec ------------------------===//
#include "compiler/Frontend/Sema.h"


#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>
#include <map>

using namespace attn;

llvm::StringRef attn::valueTypeName(ValueType t) {
  switch (t) {
  case ValueType::Bool: return "bool";
  case ValueType::Int: return "int";
  case ValueType::Float: return "float";
  case ValueType::Unknown: break;
  }
  return "unknown";
}

llvm::StringRef attn::opSpelling(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "!"; }

llvm::StringRef attn::opSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::Rem: return "%";
  case BinaryOp::Lt: return "<";
  case BinaryOp::Le: return "<=";
  case BinaryOp::Gt: return ">";
  case BinaryOp::Ge: return ">=";
  case BinaryOp::Eq: return "==";
  case BinaryOp::Ne: return "!=";
  case BinaryOp::And: return "&&";
  case BinaryOp::Or: return "||";
  }
  return "?";
}

namespace {

/// Built-in functions: float math (int arguments converted), polymorphic abs/min/max, and the
/// closed-form masks that take one int argument.
struct Builtin {
  llvm::StringRef name;
  unsigned arity;
  enum { FloatMath, Numeric, MaskInt } kind;
};
constexpr Builtin kBuiltins[] = {
    {"tanh", 1, Builtin::FloatMath},   {"exp", 1, Builtin::FloatMath},
    {"exp2", 1, Builtin::FloatMath},   {"log", 1, Builtin::FloatMath},
    {"log2", 1, Builtin::FloatMath},   {"sqrt", 1, Builtin::FloatMath},
    {"rsqrt", 1, Builtin::FloatMath},  {"sigmoid", 1, Builtin::FloatMath},
    {"abs", 1, Builtin::Numeric},      {"min", 2, Builtin::Numeric},
    {"max", 2, Builtin::Numeric},      {"sliding_window", 1, Builtin::MaskInt},
    {"prefix_lm", 1, Builtin::MaskInt}, {"chunked", 1, Builtin::MaskInt}};

const Builtin *findBuiltin(llvm::StringRef name) {
  for (const Builtin &b : kBuiltins)
    if (b.name == name)
      return &b;
  return nullptr;
}

constexpr llvm::StringRef kTensorNames[] = {"q", "k", "v", "out", "lse"};
constexpr llvm::StringRef kOptionNames[] = {"softmax_scale", "gqa", "batch", "kv_cache"};

/// The closest candidate within a small edit distance, for "did you mean".
std::optional<std::string> closest(llvm::StringRef word,
                                   llvm::ArrayRef<llvm::StringRef> candidates) {
  std::optional<std::string> best;
  // One edit per three letters, at most three: `nope` is not a misspelt `pi`.
  unsigned bestDist = std::max<unsigned>(1, std::min<unsigned>(3, (word.size() + 2) / 3));
  for (llvm::StringRef c : candidates) {
    unsigned d = word.edit_distance(c, true, bestDist);
    if (d <= bestDist && d > 0 && (!best || d < bestDist)) {
      best = c.str();
      bestDist = d;
    }
  }
  return best;
}

bool fitsInt32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

class Sema {
public:
  Sema(SpecAST &spec, SourceDiagnostics &diags) : spec(spec), diags(diags) {}
  std::optional<Signature> run();

private:
  enum class Where { Const, Option, Score, Mask };

  void checkTensors(Signature &sig);
  void checkParams(Signature &sig);
  void checkConsts();
  void checkOptions(Signature &sig);
  void checkSignatureRules(const Signature &sig);
  void checkBody(Expr &e, Where where, ValueType want, llvm::StringRef what);

  ValueType check(Expr &e, Where where);
  ValueType checkName(Expr &e, Where where);
  ValueType checkUnary(Expr &e, Where where);
  ValueType checkBinary(Expr &e, Where where);
  ValueType checkTernary(Expr &e, Where where);
  ValueType checkCall(Expr &e, Where where);
  ValueType checkIndex(Expr &e, Where where);
  ValueType checkLet(Expr &e, Where where);
  /// False (after reporting) when a constant operation overflows or divides by zero.
  bool fold(Expr &e);

  /// Reports "unknown WHAT 'word'", then "; did you mean 'x'?" for a close candidate or
  /// "; HINT" when there is none (and a hint is given).
  void unknown(llvm::SMLoc at, llvm::StringRef what, llvm::StringRef word,
               llvm::ArrayRef<llvm::StringRef> candidates, llvm::StringRef hint = "");
  /// Reports that `name` is declared twice unless it is new; records it when new.
  bool declare(llvm::StringRef name, llvm::SMRange range, llvm::StringRef what);
  std::vector<llvm::StringRef> namesInScope(Where where) const;
  llvm::SMRange tensorRange(SigField f) const;

  SpecAST &spec;
  SourceDiagnostics &diags;
  std::map<std::string, llvm::SMRange, std::less<>> declared;
  std::map<std::string, ConstValue, std::less<>> consts;
  std::vector<const Expr *> letScope;
  std::map<std::string, const TensorDecl *, std::less<>> tensors;
  std::map<std::string, const OptionDecl *, std::less<>> options;
};

void Sema::unknown(llvm::SMLoc at, llvm::StringRef what, llvm::StringRef word,
                   llvm::ArrayRef<llvm::StringRef> candidates, llvm::StringRef hint) {
  auto d = diags.error(at);
  d << "unknown " << what << " '" << word << "'";
  if (auto s = closest(word, candidates))
    d << "; did you mean '" << *s << "'?";
  else if (!hint.empty())
    d << "; " << hint;
}

bool Sema::declare(llvm::StringRef name, llvm::SMRange range, llvm::StringRef what) {
  auto [it, inserted] = declared.try_emplace(name.str(), range);
  if (inserted)
    return true;
  auto d = diags.error(range.Start);
  if (!it->second.Start.isValid()) {
    d << "'" << name << "' is a built-in name of the language; choose another name for this "
      << what;
    return false;
  }
  d << "duplicate declaration of " << what << " '" << name << "'";
  d.attachNote(diags.loc(it->second.Start)) << "'" << name << "' is first declared here";
  return false;
}

std::optional<Signature> Sema::run() {
  Signature sig;
  // Names the language gives meaning to cannot be declared again.
  for (llvm::StringRef n : {"s", "b", "h", "q_idx", "kv_idx", "causal", "inf", "pi"})
    declared.try_emplace(n.str(), llvm::SMRange());
  for (const Builtin &b : kBuiltins)
    declared.try_emplace(b.name.str(), llvm::SMRange());

  checkTensors(sig);
  checkParams(sig);
  checkConsts();
  checkOptions(sig);
  if (diags.errorCount() == 0)
    checkSignatureRules(sig);
  if (spec.score)
    checkBody(*spec.score, Where::Score, ValueType::Float, "score");
  // Whether the mask is false everywhere is decided on the attn dialect, by the mask analysis
  // that code generation uses (compiler/Driver/Pipeline.cpp warns).
  if (spec.mask)
    checkBody(*spec.mask, Where::Mask, ValueType::Bool, "mask");
  for (const SpecAST::DuplicateBlock &dup : spec.duplicateBlocks) {
    auto d = diags.error(dup.range.Start);
    d << "duplicate '" << dup.what << "' block";
    if (dup.what == "mask")
      d << ": combine masks in one block with '&&' or '||'";
    d.attachNote(diags.loc(dup.first.Start)) << "the first '" << dup.what << "' block is here";
  }
  if (diags.errorCount() != 0)
    return std::nullopt;
  return sig;
}

void Sema::checkTensors(Signature &sig) {
  for (const TensorDecl &t : spec.tensors) {
    if (!llvm::is_contained(kTensorNames, t.name)) {
      auto d = diags.error(t.nameRange.Start);
      d << "unknown tensor '" << t.name << "': the tensors are q, k, v, out and lse";
      if (auto s = closest(t.name, kTensorNames))
        d << "; did you mean '" << *s << "'?";
      else
        d << "; declare extra inputs with 'param'";
      continue;
    }
    if (!declare(t.name, t.nameRange, "tensor"))
      continue;
    tensors[t.name] = &t;
    std::optional<DType> dt = parseDType(t.dtype);
    if (!dt) {
      unknown(t.dtypeRange.Start, "dtype", t.dtype, dtypeNames(),
              "the dtypes are f32, f16, bf16, f8e4m3 and f8e5m2");
      continue;
    }
    std::optional<ScaleKind> sc = ScaleKind::None;
    if (t.scale) {
      sc = parseScale(*t.scale);
      if (!sc) {
        unknown(t.scaleRange.Start, "scale granularity", *t.scale, scaleNames(),
                "use per_tensor, per_head or per_token_head");
        continue;
      }
    }
    if (t.name == "lse") {
      if (*dt != DType::F32)
        diags.error(t.dtypeRange.Start)
            << "'lse' is the natural-log sum of exponentials in float32: declare 'lse: f32;'";
      if (t.headDim)
        diags.error(t.headDimRange.Start) << "'lse' has one value per row and no head dim";
      if (t.scale)
        diags.error(t.scaleRange.Start) << "'lse' is float32 and takes no scale";
      sig.lse = true;
      continue;
    }
    if (t.name == "out") {
      if (t.headDim)
        diags.error(t.headDimRange.Start)
            << "'out' takes its head dim from 'v': remove '[" << *t.headDim << "]'";
      sig.out.dtype = *dt;
      sig.out.scale = *sc;
      continue;
    }
    if (!t.headDim) {
      diags.error(t.dtypeRange.End)
          << "'" << t.name << "' needs a head dim: write '" << t.name << ": " << t.dtype
          << "[128]'";
      continue;
    }
    TensorSig &ts = t.name == "q" ? sig.q : t.name == "k" ? sig.k : sig.v;
    ts = TensorSig{*dt, *t.headDim, *sc};
  }
  sig.out.headDim = sig.v.headDim;
  for (llvm::StringRef n : {"q", "k", "v", "out"})
    if (!tensors.count(n) && !declared.count(n))
      diags.error(spec.nameRange.Start)
          << "kernel '" << spec.name << "' does not declare '" << n << "': add '" << n
          << (n == "out" ? ": bf16;'" : ": bf16[128];'");
}

void Sema::checkParams(Signature &sig) {
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamDecl &p = spec.params[i];
    if (!declare(p.name, p.nameRange, "param"))
      continue;
    ParamSig ps;
    ps.name = p.name;
    std::optional<DType> dt = parseDType(p.dtype);
    if (!dt) {
      unknown(p.dtypeRange.Start, "dtype", p.dtype, dtypeNames(),
              "params are f32, f16, bf16 or i32");
    } else {
      ps.dtype = *dt;
    }
    for (const ParamDecl::Dim &dim : p.dims) {
      if (dim.name.empty()) {
        ps.dims.push_back({ParamDim::Fixed, dim.size});
        continue;
      }
      std::optional<ParamDim::Kind> k = parseParamDim(dim.name);
      if (!k) {
        diags.error(dim.range.Start)
            << "unknown dimension '" << dim.name
            << "': param dimensions are B (batch), H (query heads), Hkv (KV heads), S "
               "(sequence positions) or an integer";
        continue;
      }
      ps.dims.push_back({*k, 0});
    }
    sig.params.push_back(std::move(ps));
  }
}

void Sema::checkConsts() {
  for (ConstDecl &c : spec.consts) {
    ValueType t = check(*c.value, Where::Const);
    bool fresh = declare(c.name, c.nameRange, "constant");
    if (t == ValueType::Unknown)
      continue;
    if (!c.value->constValue) {
      diags.error(c.value->loc())
          << "the value of 'const " << c.name
          << "' must be known at compile time: it may use literals, other constants and "
             "math functions, not indices, params or 's'";
      continue;
    }
    if (fresh)
      consts[c.name] = *c.value->constValue;
  }
}

void Sema::checkOptions(Signature &sig) {
  for (const OptionDecl &o : spec.options) {
    if (!llvm::is_contained(kOptionNames, o.name)) {
      unknown(o.nameRange.Start, "option", o.name, kOptionNames,
              "the options are softmax_scale, gqa, batch and kv_cache");
      continue;
    }
    if (auto [it, fresh] = options.try_emplace(o.name, &o); !fresh) {
      auto d = diags.error(o.nameRange.Start);
      d << "duplicate option '" << o.name << "'";
      d.attachNote(diags.loc(it->second->nameRange.Start)) << "first set here";
      continue;
    }
    Expr &v = *o.value;
    if (o.name == "batch" || o.name == "kv_cache") {
      // Layout options take a layout name, not an expression: `batch = ragged;`,
      // `kv_cache = paged(16);`.
      bool isBatch = o.name == "batch";
      if (isBatch && v.kind == Expr::Name && (v.name == "dense" || v.name == "ragged")) {
        sig.batch = v.name == "ragged" ? BatchLayout::Ragged : BatchLayout::Dense;
      } else if (!isBatch && v.kind == Expr::Name && v.name == "contiguous") {
        sig.kvCache = KVCache::Contiguous;
      } else if (!isBatch && v.kind == Expr::Call && v.name == "paged" && v.args.size() == 1 &&
                 v.args[0]->kind == Expr::IntLit) {
        sig.kvCache = KVCache::Paged;
        sig.pageSize = v.args[0]->intValue;
      } else {
        diags.error(v.loc()) << (isBatch ? "'batch' is 'dense' or 'ragged'"
                                         : "'kv_cache' is 'contiguous' or 'paged(PAGE_SIZE)' "
                                           "with an integer page size, e.g. paged(16)");
      }
      continue;
    }
    ValueType t = check(v, Where::Option);
    if (t == ValueType::Unknown)
      continue;
    if (!v.constValue) {
      diags.error(v.loc()) << "option '" << o.name << "' must be a compile-time constant";
      continue;
    }
    if (o.name == "gqa") {
      if (t != ValueType::Int) {
        diags.error(v.loc()) << "'gqa' is an int (query heads per KV head), got "
                             << valueTypeName(t);
        continue;
      }
      sig.gqa = v.constValue->i;
    } else { // softmax_scale
      if (t == ValueType::Bool) {
        diags.error(v.loc()) << "'softmax_scale' is a number, got bool";
        continue;
      }
      double s = t == ValueType::Int ? double(v.constValue->i) : v.constValue->f;
      if (!(s > 0) || !std::isfinite(s)) {
        diags.error(v.loc()) << "'softmax_scale' must be a positive finite number, got "
                             << llvm::formatv("{0}", s).str();
        continue;
      }
      sig.softmaxScale = s;
    }
  }
}

llvm::SMRange Sema::tensorRange(SigField f) const {
  auto find = [&](llvm::StringRef n) -> llvm::SMRange {
    auto it = tensors.find(n);
    return it == tensors.end() ? spec.nameRange : it->second->dtypeRange;
  };
  auto option = [&](llvm::StringRef n) -> llvm::SMRange {
    auto it = options.find(n);
    return it == options.end() ? spec.nameRange : it->second->value->range;
  };
  switch (f) {
  case SigField::Q: return find("q");
  case SigField::K: return find("k");
  case SigField::V: return find("v");
  case SigField::Out: return find("out");
  case SigField::Lse: return find("lse");
  case SigField::Gqa: return option("gqa");
  case SigField::SoftmaxScale: return option("softmax_scale");
  case SigField::KVCache: return option("kv_cache");
  case SigField::Param: break;
  }
  return spec.nameRange;
}

void Sema::checkSignatureRules(const Signature &sig) {
  for (const SigError &e : checkSignature(sig)) {
    llvm::SMRange at = e.field == SigField::Param ? spec.params[e.paramIndex].nameRange
                                                  : tensorRange(e.field);
    // A head-dim error points at the head dim itself.
    if (llvm::StringRef(e.message).starts_with("head dim")) {
      for (llvm::StringRef n : {"q", "k", "v"})
        if (auto it = tensors.find(n); it != tensors.end() &&
                                       ((n == "q" && e.field == SigField::Q) ||
                                        (n == "k" && e.field == SigField::K) ||
                                        (n == "v" && e.field == SigField::V)))
          at = it->second->headDimRange;
    }
    diags.error(at.Start) << e.message;
  }
}

void Sema::checkBody(Expr &e, Where where, ValueType want, llvm::StringRef what) {
  ValueType t = check(e, where);
  if (t == ValueType::Unknown || t == want || (want == ValueType::Float && t == ValueType::Int))
    return;
  diags.error(e.loc()) << what << " must be a " << valueTypeName(want) << " expression, got "
                       << valueTypeName(t)
                       << (what == "mask" ? " (compare it, e.g. 'q_idx >= kv_idx')" : "");
}

std::vector<llvm::StringRef> Sema::namesInScope(Where where) const {
  std::vector<llvm::StringRef> names;
  for (const Expr *l : letScope)
    names.push_back(l->name);
  if (where == Where::Score || where == Where::Mask) {
    if (where == Where::Score)
      names.push_back("s");
    for (llvm::StringRef n : {"b", "h", "q_idx", "kv_idx", "causal"})
      names.push_back(n);
    for (const ParamDecl &p : spec.params)
      names.push_back(p.name);
  }
  for (const auto &c : consts)
    names.push_back(c.first);
  names.push_back("inf");
  names.push_back("pi");
  return names;
}

ValueType Sema::check(Expr &e, Where where) {
  ValueType t = ValueType::Unknown;
  switch (e.kind) {
  case Expr::IntLit:
    t = ValueType::Int;
    e.constValue = ConstValue{t, false, e.intValue, 0};
    break;
  case Expr::FloatLit:
    t = ValueType::Float;
    e.constValue = ConstValue{t, false, 0, e.floatValue};
    break;
  case Expr::BoolLit:
    t = ValueType::Bool;
    e.constValue = ConstValue{t, e.boolValue, 0, 0};
    break;
  case Expr::Name: t = checkName(e, where); break;
  case Expr::Unary: t = checkUnary(e, where); break;
  case Expr::Binary: t = checkBinary(e, where); break;
  case Expr::Ternary: t = checkTernary(e, where); break;
  case Expr::Call: t = checkCall(e, where); break;
  case Expr::Index: t = checkIndex(e, where); break;
  case Expr::Let: t = checkLet(e, where); break;
  }
  e.type = t;
  if (t != ValueType::Unknown && !e.constValue && !fold(e))
    e.type = t = ValueType::Unknown;
  return t;
}

ValueType Sema::checkName(Expr &e, Where where) {
  for (auto it = letScope.rbegin(); it != letScope.rend(); ++it)
    if ((*it)->name == e.name) {
      e.ref = NameRef::Let;
      e.let = *it;
      e.constValue = (*it)->args[0]->constValue;
      return (*it)->args[0]->type;
    }
  bool inBody = where == Where::Score || where == Where::Mask;
  NameRef ref = llvm::StringSwitch<NameRef>(e.name)
                    .Case("s", NameRef::Score)
                    .Case("b", NameRef::Batch)
                    .Case("h", NameRef::Head)
                    .Case("q_idx", NameRef::QIdx)
                    .Case("kv_idx", NameRef::KVIdx)
                    .Case("causal", NameRef::Causal)
                    .Default(NameRef::Unresolved);
  if (ref != NameRef::Unresolved) {
    if (!inBody) {
      diags.error(e.loc()) << "'" << e.name
                           << "' varies per score and cannot be used in a compile-time "
                              "constant";
      return ValueType::Unknown;
    }
    if (ref == NameRef::Score && where == Where::Mask) {
      diags.error(e.loc()) << "the score 's' is not available in 'mask': a mask depends on "
                              "b, h, q_idx, kv_idx and params only; to mask on the score, "
                              "return -inf from 'score'";
      return ValueType::Unknown;
    }
    e.ref = ref;
    return ref == NameRef::Score    ? ValueType::Float
           : ref == NameRef::Causal ? ValueType::Bool
                                    : ValueType::Int;
  }
  if (auto it = consts.find(e.name); it != consts.end()) {
    e.ref = NameRef::Const;
    e.constValue = it->second;
    return it->second.type;
  }
  if (e.name == "inf" || e.name == "pi") {
    e.ref = NameRef::Const;
    e.constValue = ConstValue{ValueType::Float, false, 0,
                              e.name == "inf" ? std::numeric_limits<double>::infinity() : M_PI};
    return ValueType::Float;
  }
  for (const ParamDecl &p : spec.params)
    if (p.name == e.name) {
      diags.error(e.loc()) << "param '" << e.name << "' is a tensor: read it with "
                           << p.dims.size() << (p.dims.size() == 1 ? " index" : " indices")
                           << ", e.g. '" << e.name << "[h]'";
      return ValueType::Unknown;
    }
  if (findBuiltin(e.name)) {
    diags.error(e.loc()) << "'" << e.name << "' is a function: call it, e.g. '" << e.name
                         << "(x)'";
    return ValueType::Unknown;
  }
  unknown(e.loc(), "name", e.name, namesInScope(where));
  return ValueType::Unknown;
}

ValueType Sema::checkUnary(Expr &e, Where where) {
  ValueType t = check(*e.args[0], where);
  if (t == ValueType::Unknown)
    return t;
  if (e.unOp == UnaryOp::Neg && t == ValueType::Bool) {
    diags.error(e.loc()) << "operator '-' expects a number, got bool (negate a bool with '!')";
    return ValueType::Unknown;
  }
  if (e.unOp == UnaryOp::Not && t != ValueType::Bool) {
    diags.error(e.loc()) << "operator '!' expects a bool, got " << valueTypeName(t);
    return ValueType::Unknown;
  }
  return t;
}

ValueType Sema::checkBinary(Expr &e, Where where) {
  ValueType l = check(*e.args[0], where);
  ValueType r = check(*e.args[1], where);
  if (l == ValueType::Unknown || r == ValueType::Unknown)
    return ValueType::Unknown;
  BinaryOp op = e.binOp;
  auto mismatch = [&](llvm::StringRef expects) {
    diags.error(e.loc()) << "operator '" << opSpelling(op) << "' expects " << expects
                         << ", got " << valueTypeName(l) << " and " << valueTypeName(r);
    return ValueType::Unknown;
  };
  bool numeric = l != ValueType::Bool && r != ValueType::Bool;
  ValueType promoted =
      l == ValueType::Float || r == ValueType::Float ? ValueType::Float : ValueType::Int;
  switch (op) {
  case BinaryOp::And:
  case BinaryOp::Or:
    if (l != ValueType::Bool || r != ValueType::Bool)
      return mismatch("bool operands");
    return ValueType::Bool;
  case BinaryOp::Rem:
    if (l != ValueType::Int || r != ValueType::Int)
      return mismatch("int operands");
    return ValueType::Int;
  case BinaryOp::Eq:
  case BinaryOp::Ne:
    if (!numeric && l != r)
      return mismatch("two numbers or two bools");
    return ValueType::Bool;
  case BinaryOp::Lt:
  case BinaryOp::Le:
  case BinaryOp::Gt:
  case BinaryOp::Ge:
    if (!numeric)
      return mismatch("numbers");
    return ValueType::Bool;
  case BinaryOp::Add:
  case BinaryOp::Sub:
  case BinaryOp::Mul:
  case BinaryOp::Div:
    if (!numeric)
      return mismatch("numbers");
    return promoted;
  }
  return ValueType::Unknown;
}

ValueType Sema::checkTernary(Expr &e, Where where) {
  ValueType c = check(*e.args[0], where);
  ValueType a = check(*e.args[1], where);
  ValueType b = check(*e.args[2], where);
  if (c == ValueType::Unknown || a == ValueType::Unknown || b == ValueType::Unknown)
    return ValueType::Unknown;
  if (c != ValueType::Bool) {
    diags.error(e.args[0]->loc()) << "the condition of '?:' must be a bool, got "
                                  << valueTypeName(c);
    return ValueType::Unknown;
  }
  if (a == b)
    return a;
  if (a != ValueType::Bool && b != ValueType::Bool)
    return ValueType::Float;
  diags.error(e.args[1]->loc()) << "the branches of '?:' have different types, "
                                << valueTypeName(a) << " and " << valueTypeName(b);
  return ValueType::Unknown;
}

ValueType Sema::checkCall(Expr &e, Where where) {
  std::vector<ValueType> argTypes;
  bool bad = false;
  for (ExprPtr &a : e.args) {
    argTypes.push_back(check(*a, where));
    bad |= argTypes.back() == ValueType::Unknown;
  }
  const Builtin *fn = findBuiltin(e.name);
  if (!fn) {
    if (e.name == "causal") {
      diags.error(e.loc()) << "'causal' takes no arguments: write 'causal'";
      return ValueType::Unknown;
    }
    for (const ParamDecl &p : spec.params)
      if (p.name == e.name) {
        diags.error(e.loc()) << "param '" << e.name << "' is read with '[...]', not '(...)'";
        return ValueType::Unknown;
      }
    unknown(e.loc(), "function", e.name, builtinFunctionNames());
    return ValueType::Unknown;
  }
  if (e.args.size() != fn->arity) {
    diags.error(e.loc()) << "'" << e.name << "' takes " << fn->arity
                         << (fn->arity == 1 ? " argument" : " arguments") << ", got "
                         << e.args.size();
    return ValueType::Unknown;
  }
  if (bad)
    return ValueType::Unknown;
  for (size_t i = 0; i < e.args.size(); ++i) {
    ValueType t = argTypes[i];
    if (fn->kind == Builtin::MaskInt && t != ValueType::Int) {
      diags.error(e.args[i]->loc()) << "'" << e.name << "' takes an int, got "
                                    << valueTypeName(t);
      return ValueType::Unknown;
    }
    if (fn->kind != Builtin::MaskInt && t == ValueType::Bool) {
      diags.error(e.args[i]->loc()) << "'" << e.name << "' takes a number, got bool";
      return ValueType::Unknown;
    }
  }
  if (fn->kind == Builtin::MaskInt)
    return ValueType::Bool;
  if (fn->kind == Builtin::FloatMath)
    return ValueType::Float;
  return llvm::is_contained(argTypes, ValueType::Float) ? ValueType::Float : ValueType::Int;
}

ValueType Sema::checkIndex(Expr &e, Where where) {
  bool bad = false;
  for (ExprPtr &a : e.args) {
    ValueType t = check(*a, where);
    if (t != ValueType::Unknown && t != ValueType::Int) {
      diags.error(a->loc()) << "a param index must be an int, got " << valueTypeName(t);
      bad = true;
    }
    bad |= t == ValueType::Unknown;
  }
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamDecl &p = spec.params[i];
    if (p.name != e.name)
      continue;
    if (where != Where::Score && where != Where::Mask) {
      diags.error(e.loc()) << "param '" << e.name
                           << "' is read at run time and cannot be used in a compile-time "
                              "constant";
      return ValueType::Unknown;
    }
    if (e.args.size() != p.dims.size()) {
      diags.error(e.loc()) << "param '" << e.name << "' has " << p.dims.size()
                           << (p.dims.size() == 1 ? " dimension" : " dimensions")
                           << " but is indexed with " << e.args.size();
      return ValueType::Unknown;
    }
    if (bad)
      return ValueType::Unknown;
    e.paramIndex = i;
    return p.dtype == "i32" ? ValueType::Int : ValueType::Float;
  }
  std::vector<llvm::StringRef> names;
  for (const ParamDecl &p : spec.params)
    names.push_back(p.name);
  unknown(e.loc(), "param", e.name, names,
          ("declare it, e.g. 'param " + e.name + ": f32[H];'"));
  return ValueType::Unknown;
}

ValueType Sema::checkLet(Expr &e, Where where) {
  ValueType v = check(*e.args[0], where);
  bool fresh = true;
  for (const Expr *l : letScope)
    fresh &= l->name != e.name;
  if (!fresh || declared.count(e.name)) {
    diags.error(e.loc()) << "'let " << e.name << "' redefines a name already in scope";
    return ValueType::Unknown;
  }
  if (v == ValueType::Unknown) {
    // Still check the body, with the binding in scope, to report its own errors.
    e.args[0]->type = ValueType::Unknown;
  }
  letScope.push_back(&e);
  ValueType body = check(*e.args[1], where);
  letScope.pop_back();
  if (v == ValueType::Unknown)
    return ValueType::Unknown;
  e.constValue = e.args[1]->constValue;
  return body;
}

/// Evaluates `e` when all its operands are compile-time constants, with the language's
/// semantics: int ops are 32-bit and must not overflow, int division truncates toward zero,
/// and int operands of float operations convert implicitly.
bool Sema::fold(Expr &e) {
  if (e.kind == Expr::Index || e.kind == Expr::Name)
    return true;
  if (e.kind == Expr::Call && !findBuiltin(e.name))
    return true;
  if (e.kind == Expr::Call && findBuiltin(e.name)->kind == Builtin::MaskInt)
    return true; // depends on q_idx/kv_idx
  for (const ExprPtr &a : e.args)
    if (!a->constValue)
      return true;
  auto asF = [](const ConstValue &c) { return c.type == ValueType::Int ? double(c.i) : c.f; };
  ConstValue out;
  out.type = e.type;
  auto intResult = [&](int64_t v) {
    if (!fitsInt32(v)) {
      diags.error(e.loc()) << "integer overflow: the value " << v << " does not fit in 32 bits";
      return false;
    }
    out.i = v;
    return true;
  };
  if (e.kind == Expr::Unary) {
    const ConstValue &a = *e.args[0]->constValue;
    if (e.unOp == UnaryOp::Not)
      out.b = !a.b;
    else if (a.type == ValueType::Int) {
      if (!intResult(-a.i))
        return false;
    } else
      out.f = -a.f;
  } else if (e.kind == Expr::Ternary) {
    const ConstValue &c = *e.args[0]->constValue;
    const ConstValue &chosen = c.b ? *e.args[1]->constValue : *e.args[2]->constValue;
    out = chosen;
    if (e.type == ValueType::Float && chosen.type == ValueType::Int)
      out.f = double(chosen.i);
    out.type = e.type;
  } else if (e.kind == Expr::Call) {
    std::vector<double> f;
    for (const ExprPtr &a : e.args)
      f.push_back(asF(*a->constValue));
    llvm::StringRef n = e.name;
    if (e.type == ValueType::Int) {
      int64_t x = e.args[0]->constValue->i;
      int64_t y = e.args.size() > 1 ? e.args[1]->constValue->i : 0;
      if (!intResult(n == "abs" ? std::abs(x) : n == "min" ? std::min(x, y) : std::max(x, y)))
        return false;
    } else {
      double x = f[0];
      out.f = llvm::StringSwitch<double>(n)
                  .Case("tanh", std::tanh(x))
                  .Case("exp", std::exp(x))
                  .Case("exp2", std::exp2(x))
                  .Case("log", std::log(x))
                  .Case("log2", std::log2(x))
                  .Case("sqrt", std::sqrt(x))
                  .Case("rsqrt", 1.0 / std::sqrt(x))
                  .Case("sigmoid", 1.0 / (1.0 + std::exp(-x)))
                  .Case("abs", std::fabs(x))
                  .Case("min", f.size() > 1 ? std::fmin(x, f[1]) : x)
                  .Case("max", f.size() > 1 ? std::fmax(x, f[1]) : x)
                  .Default(x);
    }
  } else if (e.kind == Expr::Binary) {
    const ConstValue &a = *e.args[0]->constValue;
    const ConstValue &b = *e.args[1]->constValue;
    bool ints = a.type == ValueType::Int && b.type == ValueType::Int;
    double x = asF(a), y = asF(b);
    switch (e.binOp) {
    case BinaryOp::And: out.b = a.b && b.b; break;
    case BinaryOp::Or: out.b = a.b || b.b; break;
    case BinaryOp::Eq: out.b = a.type == ValueType::Bool ? a.b == b.b : (ints ? a.i == b.i : x == y); break;
    case BinaryOp::Ne: out.b = a.type == ValueType::Bool ? a.b != b.b : (ints ? a.i != b.i : x != y); break;
    case BinaryOp::Lt: out.b = ints ? a.i < b.i : x < y; break;
    case BinaryOp::Le: out.b = ints ? a.i <= b.i : x <= y; break;
    case BinaryOp::Gt: out.b = ints ? a.i > b.i : x > y; break;
    case BinaryOp::Ge: out.b = ints ? a.i >= b.i : x >= y; break;
    case BinaryOp::Add:
      if (ints ? !intResult(a.i + b.i) : (out.f = x + y, false))
        return false;
      break;
    case BinaryOp::Sub:
      if (ints ? !intResult(a.i - b.i) : (out.f = x - y, false))
        return false;
      break;
    case BinaryOp::Mul:
      if (ints ? !intResult(a.i * b.i) : (out.f = x * y, false))
        return false;
      break;
    case BinaryOp::Div:
    case BinaryOp::Rem:
      if (ints) {
        if (b.i == 0) {
          diags.error(e.args[1]->loc()) << "integer division by zero";
          return false;
        }
        if (!intResult(e.binOp == BinaryOp::Div ? a.i / b.i : a.i % b.i))
          return false;
      } else {
        out.f = x / y;
      }
      break;
    }
  } else {
    return true;
  }
  e.constValue = out;
  return true;
}

} // namespace

std::vector<llvm::StringRef> attn::builtinFunctionNames() {
  std::vector<llvm::StringRef> names;
  for (const Builtin &b : kBuiltins)
    names.push_back(b.name);
  return names;
}

std::optional<Signature> attn::checkSpec(SpecAST &spec, SourceDiagnostics &diags) {
  return Sema(spec, diags).run();
}
