//===- MaskEmptiness.cpp - Proving a mask false everywhere ----------------===//
//
// A mask is over-approximated by a union of boxes over (q, kv, d = q - kv): every (q, kv) where
// the mask is true lies in one of the boxes. If no box is feasible, the mask is false
// everywhere. A box is feasible iff its q and kv ranges are non-empty and the differences they
// allow, [q_lo - kv_hi, q_hi - kv_lo], meet its d range (exact for integer ranges).
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/MaskEmptiness.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <optional>

using namespace attn;

namespace {

constexpr int64_t kInf = int64_t(1) << 60;

struct Range {
  int64_t lo = -kInf, hi = kInf;
  Range meet(Range o) const { return {std::max(lo, o.lo), std::min(hi, o.hi)}; }
};

struct Box {
  Range q{0, kInf}, kv{0, kInf}, d;
  bool feasible() const {
    Range implied{q.lo - kv.hi, q.hi - kv.lo};
    Range dd = d.meet(implied);
    return q.lo <= q.hi && kv.lo <= kv.hi && dd.lo <= dd.hi;
  }
};

/// A union of boxes; `top` when nothing is known (the mask may be true anywhere).
using Region = std::vector<Box>;
constexpr size_t kMaxBoxes = 16;
Region top() { return {Box{}}; }

/// a*q + b*kv + c, for a, b in {-1, 0, 1}.
struct Linear {
  int64_t a = 0, b = 0, c = 0;
};

/// What each `let` binding analyzes to, computed once: bindings built from each other
/// (`let b = a && a; let c = b && b; ...`) would otherwise take time exponential in their number.
struct Memo {
  llvm::DenseMap<const Expr *, std::optional<Linear>> linear;
  llvm::DenseMap<const Expr *, Region> region;
};

std::optional<Linear> linearize(const Expr &e, Memo &memo) {
  if (e.constValue) {
    if (e.constValue->type != ValueType::Int)
      return std::nullopt;
    return Linear{0, 0, e.constValue->i};
  }
  switch (e.kind) {
  case Expr::Name:
    if (e.ref == NameRef::QIdx)
      return Linear{1, 0, 0};
    if (e.ref == NameRef::KVIdx)
      return Linear{0, 1, 0};
    if (e.ref == NameRef::Let && e.let) {
      if (auto it = memo.linear.find(e.let); it != memo.linear.end())
        return it->second;
      std::optional<Linear> r = linearize(*e.let->args[0], memo);
      memo.linear[e.let] = r;
      return r;
    }
    return std::nullopt;
  case Expr::Unary:
    if (auto x = linearize(*e.args[0], memo); x && e.unOp == UnaryOp::Neg)
      return Linear{-x->a, -x->b, -x->c};
    return std::nullopt;
  case Expr::Binary: {
    if (e.binOp != BinaryOp::Add && e.binOp != BinaryOp::Sub)
      return std::nullopt;
    auto x = linearize(*e.args[0], memo), y = linearize(*e.args[1], memo);
    if (!x || !y)
      return std::nullopt;
    int64_t s = e.binOp == BinaryOp::Add ? 1 : -1;
    Linear r{x->a + s * y->a, x->b + s * y->b, x->c + s * y->c};
    // Past 32 bits the i32 arithmetic wraps; give up there (it also keeps c from overflowing).
    if (std::abs(r.a) > 1 || std::abs(r.b) > 1 ||
        std::abs(r.c) > std::numeric_limits<int32_t>::max())
      return std::nullopt;
    return r;
  }
  default:
    return std::nullopt;
  }
}

/// The box where `v OP 0` holds for v = lhs - rhs linear in q, kv.
Region compare(const Expr &e, Memo &memo) {
  auto l = linearize(*e.args[0], memo), r = linearize(*e.args[1], memo);
  if (!l || !r)
    return top();
  Linear v{l->a - r->a, l->b - r->b, l->c - r->c};
  // solve() divides by a coefficient of +-1 only: `q_idx > -q_idx + 1` is 2*q_idx - 1 > 0,
  // true from q_idx = 1, and treating it as q_idx - 1 > 0 would wrongly rule out q_idx = 1.
  if (std::abs(v.a) > 1 || std::abs(v.b) > 1)
    return top();
  Range vr;
  switch (e.binOp) {
  case BinaryOp::Lt: vr = {-kInf, -1}; break;
  case BinaryOp::Le: vr = {-kInf, 0}; break;
  case BinaryOp::Gt: vr = {1, kInf}; break;
  case BinaryOp::Ge: vr = {0, kInf}; break;
  case BinaryOp::Eq: vr = {0, 0}; break;
  default: return top();
  }
  // x = (v - c) / sign, for the one variable x that v depends on.
  auto solve = [&](int64_t sign) -> Range {
    Range x{vr.lo == -kInf ? -kInf : vr.lo - v.c, vr.hi == kInf ? kInf : vr.hi - v.c};
    return sign > 0 ? x : Range{-x.hi, -x.lo};
  };
  Box b;
  if (v.a == 0 && v.b == 0) {
    bool holds = vr.lo <= v.c && v.c <= vr.hi;
    return holds ? top() : Region{};
  }
  if (v.b == 0)
    b.q = b.q.meet(solve(v.a));
  else if (v.a == 0)
    b.kv = b.kv.meet(solve(v.b));
  else if (v.a == -v.b)
    b.d = b.d.meet(solve(v.a)); // v = a*(q - kv) + c
  else
    return top();
  return {b};
}

Region eval(const Expr &e, Memo &memo) {
  if (e.constValue && e.constValue->type == ValueType::Bool)
    return e.constValue->b ? top() : Region{};
  switch (e.kind) {
  case Expr::Name:
    if (e.ref == NameRef::Causal) {
      Box b;
      b.d.lo = 0;
      return {b};
    }
    if (e.ref == NameRef::Let && e.let) {
      if (auto it = memo.region.find(e.let); it != memo.region.end())
        return it->second;
      Region r = eval(*e.let->args[0], memo);
      memo.region[e.let] = r;
      return r;
    }
    return top();
  case Expr::Let:
    return eval(*e.args[1], memo);
  case Expr::Call: {
    const Expr *arg = e.args.empty() ? nullptr : e.args[0].get();
    if (!arg || !arg->constValue || arg->constValue->type != ValueType::Int)
      return top();
    int64_t n = arg->constValue->i;
    if (e.name == "sliding_window") { // |q - kv| < n
      Box b;
      b.d = {-n + 1, n - 1};
      return {b};
    }
    if (e.name == "prefix_lm") { // kv < n || q >= kv
      Box prefix, causal;
      prefix.kv.hi = n - 1;
      causal.d.lo = 0;
      return {prefix, causal};
    }
    return top();
  }
  case Expr::Binary: {
    if (e.binOp == BinaryOp::Or) {
      Region r = eval(*e.args[0], memo), s = eval(*e.args[1], memo);
      r.insert(r.end(), s.begin(), s.end());
      return r.size() > kMaxBoxes ? top() : r;
    }
    if (e.binOp == BinaryOp::And) {
      Region out;
      Region rhs = eval(*e.args[1], memo);
      for (const Box &x : eval(*e.args[0], memo))
        for (const Box &y : rhs) {
          Box m{x.q.meet(y.q), x.kv.meet(y.kv), x.d.meet(y.d)};
          if (m.feasible())
            out.push_back(m);
        }
      return out.size() > kMaxBoxes ? top() : out;
    }
    return compare(e, memo);
  }
  default:
    return top();
  }
}

} // namespace

bool attn::isMaskEmpty(const Expr &mask) {
  Memo memo;
  for (const Box &b : eval(mask, memo))
    if (b.feasible())
      return false;
  return true;
}
