//===- Reference.cpp - The CPU oracle for any spec ------------------------===//
#include "reference/Reference.h"

#include "reference/NumberFormats.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace attn;
using namespace attn::ref;

namespace {

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

/// One sequence of the batch: its queries are rows [row0, row0 + qLen) of the packed output.
struct Sequence {
  int64_t b;                          ///< its index in the batch
  int64_t row0, qLen, kvLen, kvStart; ///< kvStart: first key row (ragged kv)
};

/// A value of the expression language.
struct Value {
  double f = 0;
  int64_t i = 0;
  bool b = false;
};

/// 32-bit two's-complement wrap, as the device computes ints.
int64_t wrap32(int64_t x) { return int32_t(uint32_t(uint64_t(x))); }

class Evaluator {
public:
  Evaluator(const SpecAST &ast, const Signature &sig, const Problem &p)
      : ast(ast), sig(sig), p(p) {}
  llvm::Expected<Result> run();

private:
  llvm::Error validate();
  llvm::Error checkScale(const std::vector<float> &scale, const TensorSig &t, const char *name,
                         int64_t heads, bool isKV);
  double scaleOf(const std::vector<float> &scale, const TensorSig &t, int64_t b, int64_t tokenRow,
                 int64_t pageBlock, int64_t pageSlot, int64_t head, int64_t heads) const;
  double query(const Sequence &s, int64_t i, int64_t h, int64_t d) const;
  double kv(bool isV, const Sequence &s, int64_t j, int64_t hk, int64_t d) const;

  // The score/mask interpreter.
  struct Env {
    double s;
    int64_t b, h, q, kv;
  };
  Value eval(const Expr &e, const Env &env);
  Value evalCall(const Expr &e, const Env &env);

  const SpecAST &ast;
  const Signature &sig;
  const Problem &p;
  int64_t B = 0, Hq = 0, Hkv = 0, Dqk = 0, Dv = 0, rows = 0, pageSize = 0;
  std::vector<Sequence> seqs;
  std::map<const Expr *, Value> lets;
  std::string runtimeError; ///< first error raised while interpreting (bad param index, ...)
};

llvm::Error Evaluator::checkScale(const std::vector<float> &scale, const TensorSig &t,
                                  const char *name, int64_t heads, bool isKV) {
  int64_t want = 0;
  std::string form;
  switch (t.scale) {
  case ScaleKind::None:
    if (!scale.empty())
      return fail(llvm::formatv("{0}_scale: '{0}' is {1}, not quantized, but {2} scale values "
                                "were given",
                                name, dtypeName(t.dtype), scale.size()));
    return llvm::Error::success();
  case ScaleKind::PerTensor: want = 1; form = "[1]"; break;
  case ScaleKind::PerHead: want = B * heads; form = llvm::formatv("[B={0}, H={1}]", B, heads); break;
  case ScaleKind::PerTokenHead:
    if (isKV && sig.kvCache == KVCache::Paged) {
      want = p.k.shape()[0] * pageSize * heads;
      form = llvm::formatv("[numBlocks={0}, P={1}, Hkv={2}]", p.k.shape()[0], pageSize, heads);
    } else {
      int64_t tokens = isKV ? (sig.batch == BatchLayout::Ragged ? p.k.shape()[0] : B * p.k.shape()[1])
                            : rows;
      want = tokens * heads;
      form = llvm::formatv("[tokens={0}, H={1}]", tokens, heads);
    }
    break;
  }
  if (int64_t(scale.size()) != want)
    return fail(llvm::formatv("{0}_scale: {1} scale of '{0}' needs {2} float32 values {3}, got "
                              "{4}",
                              name, scaleName(t.scale), want, form, scale.size()));
  for (float s : scale)
    if (!(s > 0) || !std::isfinite(s))
      return fail(llvm::formatv("{0}_scale: scales must be positive and finite, got {1}", name, s));
  return llvm::Error::success();
}

llvm::Error Evaluator::validate() {
  auto expectRank = [](const Tensor &t, const char *name, int64_t rank,
                       const char *form) -> llvm::Error {
    if (t.rank() != rank)
      return fail(llvm::formatv("{0}: expected {1}, got shape {2}", name, form, shapeStr(t.shape())));
    return llvm::Error::success();
  };
  auto expectDType = [](const Tensor &t, const char *name, DType want) -> llvm::Error {
    if (t.dtype() != want)
      return fail(llvm::formatv("{0}: the spec declares {1}, got {2}", name, dtypeName(want),
                                dtypeName(t.dtype())));
    return llvm::Error::success();
  };
  if (auto e = expectDType(p.q, "q", sig.q.dtype))
    return e;
  if (auto e = expectDType(p.k, "k", sig.k.dtype))
    return e;
  if (auto e = expectDType(p.v, "v", sig.v.dtype))
    return e;
  bool ragged = sig.batch == BatchLayout::Ragged, paged = sig.kvCache == KVCache::Paged;
  pageSize = sig.pageSize;

  // Queries and the sequences.
  if (ragged) {
    if (auto e = expectRank(p.q, "q", 3, "[Tq, Hq, Dqk] (ragged batch)"))
      return e;
    if (p.cuSeqlensQ.size() < 2)
      return fail("cu_seqlens_q: a ragged batch needs B+1 cumulative offsets, B >= 1");
    B = int64_t(p.cuSeqlensQ.size()) - 1;
    rows = p.q.shape()[0];
    Hq = p.q.shape()[1];
    Dqk = p.q.shape()[2];
    if (p.cuSeqlensQ.front() != 0 || p.cuSeqlensQ.back() != rows)
      return fail(llvm::formatv("cu_seqlens_q: must run from 0 to Tq={0}", rows));
  } else {
    if (auto e = expectRank(p.q, "q", 4, "[B, Sq, Hq, Dqk]"))
      return e;
    B = p.q.shape()[0];
    Hq = p.q.shape()[2];
    Dqk = p.q.shape()[3];
    rows = B * p.q.shape()[1];
  }
  // Keys and values.
  const char *kvForm = paged    ? "[numBlocks, P, Hkv, D] (paged)"
                       : ragged ? "[Tkv, Hkv, D] (ragged batch)"
                                : "[B, Skv, Hkv, D]";
  int64_t kvRank = ragged && !paged ? 3 : 4;
  if (auto e = expectRank(p.k, "k", kvRank, kvForm))
    return e;
  if (auto e = expectRank(p.v, "v", kvRank, kvForm))
    return e;
  Hkv = p.k.shape()[kvRank - 2];
  Dv = p.v.shape()[kvRank - 1];
  for (int64_t i = 0; i < kvRank - 1; ++i)
    if (p.k.shape()[i] != p.v.shape()[i])
      return fail(llvm::formatv("v: shape {0} must match k's {1} but for the head dim",
                                shapeStr(p.v.shape()), shapeStr(p.k.shape())));
  if (Dqk != sig.q.headDim)
    return fail(llvm::formatv("q: head dim {0}, but the spec declares {1}", Dqk, sig.q.headDim));
  if (p.k.shape()[kvRank - 1] != sig.k.headDim)
    return fail(llvm::formatv("k: head dim {0}, but the spec declares {1}", p.k.shape()[kvRank - 1],
                              sig.k.headDim));
  if (Dv != sig.v.headDim)
    return fail(llvm::formatv("v: head dim {0}, but the spec declares {1}", Dv, sig.v.headDim));
  if (Hkv < 1 || Hq % Hkv != 0)
    return fail(llvm::formatv("k: {0} KV heads do not divide the {1} query heads", Hkv, Hq));
  if (sig.gqa && Hq != *sig.gqa * Hkv)
    return fail(llvm::formatv("q: the spec fixes gqa = {0}, so {1} KV heads need {2} query heads, "
                              "got {3}",
                              *sig.gqa, Hkv, *sig.gqa * Hkv, Hq));
  if (!ragged && !paged && p.k.shape()[0] != B)
    return fail(llvm::formatv("k: batch {0} differs from q's {1}", p.k.shape()[0], B));
  if (paged) {
    if (p.k.shape()[1] != pageSize)
      return fail(llvm::formatv("k: pages of {0} tokens, but the spec declares paged({1})",
                                p.k.shape()[1], pageSize));
    if (int64_t(p.seqLensKV.size()) != B)
      return fail(llvm::formatv("seq_lens_kv: need one length per sequence (B={0}), got {1}", B,
                                p.seqLensKV.size()));
    if (p.blockTable.rank() != 2 || p.blockTable.shape()[0] != B ||
        p.blockTable.dtype() != DType::I32)
      return fail(llvm::formatv("block_table: expected i32 [B={0}, maxBlocks]", B));
  } else if (ragged) {
    if (int64_t(p.cuSeqlensKV.size()) != B + 1 || p.cuSeqlensKV.front() != 0 ||
        p.cuSeqlensKV.back() != p.k.shape()[0])
      return fail(llvm::formatv("cu_seqlens_kv: need B+1={0} offsets from 0 to Tkv={1}", B + 1,
                                p.k.shape()[0]));
  }
  // The sequences.
  for (int64_t b = 0; b < B; ++b) {
    Sequence s;
    s.b = b;
    s.row0 = ragged ? p.cuSeqlensQ[b] : b * p.q.shape()[1];
    s.qLen = ragged ? p.cuSeqlensQ[b + 1] - p.cuSeqlensQ[b] : p.q.shape()[1];
    s.kvStart = ragged && !paged ? p.cuSeqlensKV[b] : 0;
    s.kvLen = paged    ? p.seqLensKV[b]
              : ragged ? p.cuSeqlensKV[b + 1] - p.cuSeqlensKV[b]
                       : p.k.shape()[1];
    if (s.qLen < 0 || s.kvLen < 0)
      return fail(llvm::formatv("sequence {0}: negative length (cumulative offsets must not "
                                "decrease)",
                                b));
    if (paged && (s.kvLen + pageSize - 1) / pageSize > p.blockTable.shape()[1])
      return fail(llvm::formatv("block_table: sequence {0} has {1} keys, more than {2} pages of "
                                "{3} hold",
                                b, s.kvLen, p.blockTable.shape()[1], pageSize));
    seqs.push_back(s);
  }
  if (auto e = checkScale(p.qScale, sig.q, "q", Hq, false))
    return e;
  if (auto e = checkScale(p.kScale, sig.k, "k", Hkv, true))
    return e;
  if (auto e = checkScale(p.vScale, sig.v, "v", Hkv, true))
    return e;
  if (isFP8(sig.out.dtype) && !(p.outScale > 0 && std::isfinite(p.outScale)))
    return fail("out_scale: must be positive and finite");

  // Params: every declared one present with the declared dtype and shape.
  int64_t maxKV = 0;
  for (const Sequence &s : seqs)
    maxKV = std::max(maxKV, s.kvLen);
  for (const ParamSig &ps : sig.params) {
    auto it = p.params.find(ps.name);
    if (it == p.params.end())
      return fail(llvm::formatv("param '{0}': not given", ps.name));
    const Tensor &t = it->second;
    if (t.dtype() != ps.dtype || t.rank() != int64_t(ps.dims.size()))
      return fail(llvm::formatv("param '{0}': expected {1} with {2} dimensions, got {3} {4}",
                                ps.name, dtypeName(ps.dtype), ps.dims.size(),
                                dtypeName(t.dtype()), shapeStr(t.shape())));
    for (size_t i = 0; i < ps.dims.size(); ++i) {
      const ParamDim &d = ps.dims[i];
      int64_t want = d.extent(B, Hq, Hkv, maxKV);
      bool ok = d.kind == ParamDim::S ? t.shape()[i] >= want : t.shape()[i] == want;
      if (!ok)
        return fail(llvm::formatv("param '{0}': dimension {1} ({2}) must be {3}{4}, got {5}",
                                  ps.name, i,
                                  d.kind == ParamDim::Fixed ? "fixed" : paramDimName(d.kind),
                                  d.kind == ParamDim::S ? "at least " : "", want,
                                  t.shape()[i]));
    }
  }
  return llvm::Error::success();
}

double Evaluator::scaleOf(const std::vector<float> &scale, const TensorSig &t, int64_t b,
                          int64_t tokenRow, int64_t pageBlock, int64_t pageSlot, int64_t head,
                          int64_t heads) const {
  switch (t.scale) {
  case ScaleKind::None: return 1.0;
  case ScaleKind::PerTensor: return scale[0];
  case ScaleKind::PerHead: return scale[b * heads + head];
  case ScaleKind::PerTokenHead:
    if (pageBlock >= 0)
      return scale[(pageBlock * pageSize + pageSlot) * heads + head];
    return scale[tokenRow * heads + head];
  }
  return 1.0;
}

double Evaluator::query(const Sequence &s, int64_t i, int64_t h, int64_t d) const {
  int64_t row = s.row0 + i;
  double x = sig.batch == BatchLayout::Ragged ? p.q.get({row, h, d}) : p.q.get({s.b, i, h, d});
  return x * scaleOf(p.qScale, sig.q, s.b, row, -1, 0, h, Hq);
}

double Evaluator::kv(bool isV, const Sequence &s, int64_t j, int64_t hk, int64_t d) const {
  const int64_t b = s.b;
  const Tensor &t = isV ? p.v : p.k;
  const TensorSig &ts = isV ? sig.v : sig.k;
  const std::vector<float> &scale = isV ? p.vScale : p.kScale;
  if (sig.kvCache == KVCache::Paged) {
    int64_t block = int64_t(p.blockTable.get({b, j / pageSize})), slot = j % pageSize;
    return t.get({block, slot, hk, d}) * scaleOf(scale, ts, b, -1, block, slot, hk, Hkv);
  }
  if (sig.batch == BatchLayout::Ragged) {
    int64_t row = s.kvStart + j;
    return t.get({row, hk, d}) * scaleOf(scale, ts, b, row, -1, 0, hk, Hkv);
  }
  return t.get({b, j, hk, d}) * scaleOf(scale, ts, b, b * t.shape()[1] + j, -1, 0, hk, Hkv);
}

Value Evaluator::eval(const Expr &e, const Env &env) {
  Value v;
  if (e.constValue) {
    v.f = e.constValue->type == ValueType::Int ? double(e.constValue->i) : e.constValue->f;
    v.i = e.constValue->i;
    v.b = e.constValue->b;
    return v;
  }
  auto asFloat = [](const Expr &x, const Value &val) {
    return x.type == ValueType::Int ? double(val.i) : val.f;
  };
  switch (e.kind) {
  case Expr::Name:
    switch (e.ref) {
    case NameRef::Score: v.f = env.s; return v;
    case NameRef::Batch: v.i = env.b; return v;
    case NameRef::Head: v.i = env.h; return v;
    case NameRef::QIdx: v.i = env.q; return v;
    case NameRef::KVIdx: v.i = env.kv; return v;
    case NameRef::Causal: v.b = env.q >= env.kv; return v;
    case NameRef::Let: return lets[e.let];
    default: return v;
    }
  case Expr::Let:
    lets[&e] = eval(*e.args[0], env);
    return eval(*e.args[1], env);
  case Expr::Unary: {
    Value a = eval(*e.args[0], env);
    if (e.unOp == UnaryOp::Not)
      v.b = !a.b;
    else if (e.type == ValueType::Int)
      v.i = wrap32(-a.i);
    else
      v.f = -a.f;
    return v;
  }
  case Expr::Ternary: {
    Value c = eval(*e.args[0], env);
    const Expr &chosen = c.b ? *e.args[1] : *e.args[2];
    Value x = eval(chosen, env);
    if (e.type == ValueType::Float)
      x.f = asFloat(chosen, x);
    return x;
  }
  case Expr::Binary: {
    const Expr &l = *e.args[0], &r = *e.args[1];
    Value a = eval(l, env), c = eval(r, env);
    bool ints = l.type == ValueType::Int && r.type == ValueType::Int;
    double x = asFloat(l, a), y = asFloat(r, c);
    switch (e.binOp) {
    case BinaryOp::And: v.b = a.b && c.b; break;
    case BinaryOp::Or: v.b = a.b || c.b; break;
    case BinaryOp::Eq: v.b = l.type == ValueType::Bool ? a.b == c.b : ints ? a.i == c.i : x == y; break;
    case BinaryOp::Ne: v.b = l.type == ValueType::Bool ? a.b != c.b : ints ? a.i != c.i : x != y; break;
    case BinaryOp::Lt: v.b = ints ? a.i < c.i : x < y; break;
    case BinaryOp::Le: v.b = ints ? a.i <= c.i : x <= y; break;
    case BinaryOp::Gt: v.b = ints ? a.i > c.i : x > y; break;
    case BinaryOp::Ge: v.b = ints ? a.i >= c.i : x >= y; break;
    case BinaryOp::Add: ints ? void(v.i = wrap32(a.i + c.i)) : void(v.f = x + y); break;
    case BinaryOp::Sub: ints ? void(v.i = wrap32(a.i - c.i)) : void(v.f = x - y); break;
    case BinaryOp::Mul: ints ? void(v.i = wrap32(a.i * c.i)) : void(v.f = x * y); break;
    case BinaryOp::Div:
    case BinaryOp::Rem:
      if (!ints) {
        v.f = x / y;
        break;
      }
      if (c.i == 0) {
        if (runtimeError.empty())
          runtimeError = "integer division by zero in the spec's expressions";
        break;
      }
      v.i = wrap32(e.binOp == BinaryOp::Div ? a.i / c.i : a.i % c.i); // truncating, as C
      break;
    }
    return v;
  }
  case Expr::Call:
    return evalCall(e, env);
  case Expr::Index: {
    const ParamSig &ps = sig.params[e.paramIndex];
    const Tensor &t = p.params.at(ps.name);
    std::vector<int64_t> idx;
    for (size_t i = 0; i < e.args.size(); ++i) {
      int64_t k = eval(*e.args[i], env).i;
      if (k < 0 || k >= t.shape()[i]) {
        if (runtimeError.empty())
          runtimeError = llvm::formatv("param '{0}': index {1} of dimension {2} is out of "
                                       "bounds [0, {3}) (b={4}, h={5}, q_idx={6}, kv_idx={7})",
                                       ps.name, k, i, t.shape()[i], env.b, env.h, env.q, env.kv);
        return v;
      }
      idx.push_back(k);
    }
    double x = t.get(idx);
    v.f = x;
    v.i = int64_t(x);
    return v;
  }
  default:
    return v;
  }
}

Value Evaluator::evalCall(const Expr &e, const Env &env) {
  Value v;
  llvm::StringRef n = e.name;
  std::vector<Value> a;
  for (const ExprPtr &x : e.args)
    a.push_back(eval(*x, env));
  if (n == "sliding_window") {
    v.b = std::abs(env.q - env.kv) < a[0].i;
    return v;
  }
  if (n == "prefix_lm") {
    v.b = env.kv < a[0].i || env.q >= env.kv;
    return v;
  }
  if (n == "chunked") {
    if (a[0].i <= 0) {
      if (runtimeError.empty())
        runtimeError = "chunked(C) needs a positive chunk size";
      return v;
    }
    v.b = env.q / a[0].i == env.kv / a[0].i;
    return v;
  }
  if (e.type == ValueType::Int) {
    v.i = n == "abs" ? wrap32(std::abs(a[0].i))
          : n == "min" ? std::min(a[0].i, a[1].i)
                       : std::max(a[0].i, a[1].i);
    return v;
  }
  std::vector<double> f;
  for (size_t i = 0; i < a.size(); ++i)
    f.push_back(e.args[i]->type == ValueType::Int ? double(a[i].i) : a[i].f);
  double x = f[0];
  if (n == "tanh") v.f = std::tanh(x);
  else if (n == "exp") v.f = std::exp(x);
  else if (n == "exp2") v.f = std::exp2(x);
  else if (n == "log") v.f = std::log(x);
  else if (n == "log2") v.f = std::log2(x);
  else if (n == "sqrt") v.f = std::sqrt(x);
  else if (n == "rsqrt") v.f = 1.0 / std::sqrt(x);
  else if (n == "sigmoid") v.f = 1.0 / (1.0 + std::exp(-x));
  else if (n == "abs") v.f = std::fabs(x);
  // min/max propagate NaN (IEEE minimum/maximum), as the import's arith ops do.
  else if (n == "min") v.f = std::isnan(x) || std::isnan(f[1]) ? NAN : std::min(x, f[1]);
  else if (n == "max") v.f = std::isnan(x) || std::isnan(f[1]) ? NAN : std::max(x, f[1]);
  return v;
}

llvm::Expected<Result> Evaluator::run() {
  if (auto e = validate())
    return std::move(e);
  double scale = p.softmaxScale > 0   ? p.softmaxScale
                 : sig.softmaxScale > 0 ? sig.softmaxScale
                                        : 1.0 / std::sqrt(double(Dqk));
  Result r;
  r.rows = rows;
  r.headsQ = Hq;
  r.headDimV = Dv;
  r.out.assign(size_t(rows * Hq * Dv), 0.0);
  r.lse.assign(size_t(rows * Hq), -std::numeric_limits<double>::infinity());
  const int64_t group = Hq / Hkv;
  std::vector<double> qv(Dqk), s, keys, values;
  for (int64_t b = 0; b < B; ++b) {
    const Sequence &sq = seqs[b];
    for (int64_t hk = 0; hk < Hkv; ++hk) {
      // K'[j, :] and V'[j, :] of this sequence and KV head, dequantized once for its group.
      keys.resize(size_t(sq.kvLen * Dqk));
      values.resize(size_t(sq.kvLen * Dv));
      for (int64_t j = 0; j < sq.kvLen; ++j) {
        for (int64_t d = 0; d < Dqk; ++d)
          keys[j * Dqk + d] = kv(false, sq, j, hk, d);
        for (int64_t d = 0; d < Dv; ++d)
          values[j * Dv + d] = kv(true, sq, j, hk, d);
      }
      for (int64_t h = hk * group; h < (hk + 1) * group; ++h) { // the heads with g(h) = hk
        for (int64_t i = 0; i < sq.qLen; ++i) {
          for (int64_t d = 0; d < Dqk; ++d)
            qv[d] = query(sq, i, h, d);
          Env env{0, b, h, sq.kvLen - sq.qLen + i, 0};
          s.assign(size_t(sq.kvLen), -std::numeric_limits<double>::infinity());
          double m = -std::numeric_limits<double>::infinity();
          for (int64_t j = 0; j < sq.kvLen; ++j) {
            env.kv = j;
            if (ast.mask && !eval(*ast.mask, env).b)
              continue;
            double dot = 0;
            for (int64_t d = 0; d < Dqk; ++d)
              dot += qv[d] * keys[j * Dqk + d];
            env.s = scale * dot;
            if (ast.score) {
              Value x = eval(*ast.score, env);
              s[j] = ast.score->type == ValueType::Int ? double(x.i) : x.f;
            } else {
              s[j] = env.s;
            }
            m = std::max(m, s[j]);
          }
          if (!runtimeError.empty())
            return fail(runtimeError);
          if (m == -std::numeric_limits<double>::infinity())
            continue; // fully masked row: out 0, lse -inf
          double sum = 0;
          for (double &x : s)
            sum += (x = std::exp(x - m)); // exp(s_j - max): p_j times the sum
          int64_t row = sq.row0 + i;
          r.lse[row * Hq + h] = m + std::log(sum);
          double *o = &r.out[(row * Hq + h) * Dv];
          for (int64_t j = 0; j < sq.kvLen; ++j) {
            if (s[j] == 0)
              continue;
            double w = s[j] / sum;
            for (int64_t d = 0; d < Dv; ++d)
              o[d] += w * values[j * Dv + d];
          }
        }
      }
    }
  }
  // The stored output: rounded to out's dtype; fp8 divided by out_scale and saturated first.
  r.stored.resize(r.out.size());
  for (size_t i = 0; i < r.out.size(); ++i) {
    double x = r.out[i];
    switch (sig.out.dtype) {
    case DType::F32: r.stored[i] = float(x); break;
    case DType::F16: r.stored[i] = round(Format::F16, float(x)); break;
    case DType::BF16: r.stored[i] = round(Format::BF16, float(x)); break;
    case DType::F8E4M3: r.stored[i] = round(Format::E4M3, saturate(Format::E4M3, float(x / p.outScale))); break;
    case DType::F8E5M2: r.stored[i] = round(Format::E5M2, saturate(Format::E5M2, float(x / p.outScale))); break;
    case DType::I32: break;
    }
  }
  return r;
}

} // namespace

llvm::Expected<Result> attn::ref::evaluate(const SpecAST &ast, const Signature &sig,
                                           const Problem &problem) {
  return Evaluator(ast, sig, problem).run();
}
