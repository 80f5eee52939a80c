//===- AnalyzeMask.cpp - Where a mask can be true, per tile (attn-analyze-mask) ===//
//
// The mask region is read once into a formula in negation normal form over atoms:
//   lin   e(q, kv) <= 0, e = a*q + c*kv + k + sum_i m_i*u_i   (a, c, k, m_i integer constants,
//         u_i uniform: computed from b, constants and param reads at uniform indices)
//   chunk q / C == kv / C  and its negation                   (C uniform)
//   cond  a uniform i1 and its negation
//   unknown                                                   (anything else: h, doc[q_idx], ...)
// joined by && and ||. The built-ins are lin atoms: causal is kv - q <= 0, sliding_window(W) is
// q - kv - (W - 1) <= 0 && kv - q - (W - 1) <= 0, prefix_lm(P) is kv - P + 1 <= 0 || kv - q <= 0;
// a comparison x OP y is one (x < y: x - y + 1 <= 0; x == y: two; x != y: their negations);
// !, xor, select and == of bools are pushed down to atoms by De Morgan (an atom's negation is an
// atom: e <= 0 negates to -e + 1 <= 0). Every Value is read once per polarity, so the formula is
// linear in the region's size.
//
// Within a box B = [q_first, q_last] x [kv_first, kv_last] each formula evaluates to
//   full  an i1 that implies the formula is true on all of B (exact for an atom: max_B e <= 0,
//         taken at the corner the signs of a and c pick; && and ||: full_x && full_y, full_x ||
//         full_y), and
//   boxes a union of at most kMaxBoxes boxes over (q, kv, d = q - kv), each a list of lower and
//         upper bounds per coordinate and an i1 "alive", that contains every point of B where the
//         formula may be true. An atom with (a, c) = (1, -1) or (-1, 1) bounds d; with c = +-1
//         (a = +-1) it bounds kv (q), by its extreme over B's q (kv) range when a (c) is not 0;
//         other atoms get alive = (min_B e <= 0); a chunk bounds kv to
//         [(q_first/C)*C, (q_last/C)*C + |C| - 1]. && intersects boxes pairwise, || unites them;
//         past kMaxBoxes they merge into their hull.
// A box meets B iff its q range, its kv range and its d range, intersected with B's, are
// non-empty and the d range meets [q_lo - kv_hi, q_hi - kv_lo] (exact for integer ranges), so
//   tile_class: full as above, empty = no box meets B;
//   kv_bounds:  for the query tile [q_first, q_last], each box spans kv in
//               [max(kv_lo, q_lo - d_hi), min(kv_hi, q_hi - d_lo) + 1), exactly its keys when
//               its q range, d range and alive hold (a box where they may not is guarded by a
//               select); lo, hi is the hull of the spans, and the kernel clamps it to [0, kv_len).
// causal then gives lo = 0, hi = q_last + 1, full = kv_last <= q_first, empty = q_last < kv_first;
// sliding_window(W) gives lo = q_first - W + 1, hi = q_last + W. Conditions the analysis can
// decide (constants; the region's arguments lie in [0, 2^30)) fold away before they are emitted.
//
// Assumptions (the analysis reasons about integers, the mask computes in i32):
//   - positions, tile corners and kv_len lie in [0, 2^30);
//   - a comparison is analysed only if neither side can wrap around i32 at positions in
//     [0, 2^30) (checked from its constant coefficients); uniform values (windows, prefixes, chunk
//     sizes, other uniform terms) are assumed small enough, |u| < 2^29, that no side and no
//     emitted bound wraps; chunk sizes are non-zero (their sign does not matter).
// Positions are non-negative, so q / C truncates like floor.
//
//===----------------------------------------------------------------------===//
#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

#include <cstdlib>
#include <numeric>
#include <optional>

namespace attn {
#define GEN_PASS_DEF_ATTNANALYZEMASK
#include "dialects/Attn/Transforms/Passes.h.inc"
} // namespace attn

using namespace attn;
using mlir::Value;
using mlir::arith::CmpIPredicate;

namespace {

/// Positions and tile corners lie in [0, kMaxPos].
constexpr int64_t kMaxPos = (int64_t(1) << 30) - 1;
/// Linear forms with a larger coefficient or constant are not analysed.
constexpr int64_t kMaxCoef = int64_t(1) << 16;
constexpr int64_t kMaxConst = int64_t(1) << 33;
constexpr size_t kMaxUniformTerms = 4;
/// Unions of more boxes merge into their hull; longer bound lists into one min/max.
constexpr size_t kMaxBoxes = 8;
constexpr size_t kMaxBounds = 3;

//===----------------------------------------------------------------------===//
// The mask as a formula
//===----------------------------------------------------------------------===//

/// q*q_idx + kv*kv_idx + k + sum m*u over uniform values u of the mask region.
struct LinForm {
  int64_t q = 0, kv = 0, k = 0;
  llvm::SmallVector<std::pair<Value, int64_t>, 2> uniform;
};

std::optional<int64_t> checkedMulAdd(int64_t x, int64_t s, int64_t y) { // x*s + y
  int64_t p, r;
  if (__builtin_mul_overflow(x, s, &p) || __builtin_add_overflow(p, y, &r))
    return std::nullopt;
  return r;
}

/// x + s*y, or nothing past the limits.
std::optional<LinForm> combine(const LinForm &x, const LinForm &y, int64_t s) {
  LinForm r = x;
  auto q = checkedMulAdd(y.q, s, x.q), kv = checkedMulAdd(y.kv, s, x.kv),
       k = checkedMulAdd(y.k, s, x.k);
  if (!q || !kv || !k || std::abs(*q) > kMaxCoef || std::abs(*kv) > kMaxCoef ||
      std::abs(*k) > kMaxConst)
    return std::nullopt;
  r.q = *q, r.kv = *kv, r.k = *k;
  for (auto [u, m] : y.uniform) {
    auto it = llvm::find_if(r.uniform, [&](auto &t) { return t.first == u; });
    auto c = checkedMulAdd(m, s, it == r.uniform.end() ? 0 : it->second);
    if (!c || std::abs(*c) > kMaxCoef)
      return std::nullopt;
    if (it == r.uniform.end())
      r.uniform.push_back({u, *c});
    else
      it->second = *c;
  }
  llvm::erase_if(r.uniform, [](auto &t) { return t.second == 0; });
  if (r.uniform.size() > kMaxUniformTerms)
    return std::nullopt;
  return r;
}

/// True when the i32 value a side of a comparison computes equals its exact value at every
/// position in [0, kMaxPos]: i32 addition and multiplication wrap modulo 2^32 like the exact
/// value, so only the final value has to fit (uniform terms are assumed to keep it so).
bool cannotWrap(const LinForm &f) {
  int64_t lo = f.k, hi = f.k;
  for (int64_t c : {f.q, f.kv})
    (c > 0 ? hi : lo) += c * kMaxPos;
  return lo >= INT32_MIN && hi <= INT32_MAX;
}

struct Node {
  enum Kind : uint8_t { True, False, Unknown, Lin, Chunk, NotChunk, Cond, NotCond, And, Or };
  Kind kind;
  LinForm lin;       // Lin: lin <= 0
  Value value;       // Chunk, NotChunk: the chunk size; Cond, NotCond: a uniform i1
  unsigned a = 0, b = 0; // And, Or: the operands (smaller ids)
};

/// The mask region as a formula in negation normal form; node ids are topologically ordered.
class MaskFormula {
public:
  explicit MaskFormula(mlir::Block &mask);

  const Node &node(unsigned id) const { return nodes[id]; }
  unsigned size() const { return nodes.size(); }
  unsigned root() const { return rootId; }
  Value batch() const { return batchArg; }

private:
  static constexpr unsigned kTrue = 0, kFalse = 1, kUnknown = 2;

  unsigned add(Node n) {
    nodes.push_back(std::move(n));
    return nodes.size() - 1;
  }
  unsigned mkAnd(unsigned x, unsigned y);
  unsigned mkOr(unsigned x, unsigned y);
  unsigned mkLin(LinForm e);
  unsigned compare(CmpIPredicate pred, const std::optional<LinForm> &l,
                   const std::optional<LinForm> &r);
  std::optional<LinForm> linOf(Value v) const {
    auto it = lin.find(v);
    return it == lin.end() ? std::nullopt : std::optional<LinForm>(it->second);
  }
  std::pair<unsigned, unsigned> boolOf(Value v) const {
    auto it = bools.find(v);
    return it == bools.end() ? std::pair(kUnknown, kUnknown) : it->second;
  }
  void visit(mlir::Operation &op);

  std::vector<Node> nodes;
  unsigned rootId = kUnknown;
  Value batchArg, qArg, kvArg;
  llvm::DenseSet<Value> uniform;
  llvm::DenseMap<Value, LinForm> lin;
  /// The formula of each i1 value and of its negation.
  llvm::DenseMap<Value, std::pair<unsigned, unsigned>> bools;
};

MaskFormula::MaskFormula(mlir::Block &mask) {
  add({Node::True});
  add({Node::False});
  add({Node::Unknown});
  batchArg = mask.getArgument(0);
  qArg = mask.getArgument(2);
  kvArg = mask.getArgument(3);
  uniform.insert(batchArg);
  lin[batchArg] = LinForm{0, 0, 0, {{batchArg, 1}}};
  lin[qArg] = LinForm{1, 0, 0, {}};
  lin[kvArg] = LinForm{0, 1, 0, {}};
  // One block, so operands are defined before their users: one forward pass, no recursion.
  for (mlir::Operation &op : mask.without_terminator())
    visit(op);
  auto yield = llvm::cast<YieldOp>(mask.getTerminator());
  rootId = boolOf(yield.getValue()).first;
}

unsigned MaskFormula::mkAnd(unsigned x, unsigned y) {
  if (x == kFalse || y == kFalse)
    return kFalse;
  if (x == kTrue || x == y)
    return y;
  if (y == kTrue)
    return x;
  return add({Node::And, {}, {}, x, y});
}

unsigned MaskFormula::mkOr(unsigned x, unsigned y) {
  if (x == kTrue || y == kTrue)
    return kTrue;
  if (x == kFalse || x == y)
    return y;
  if (y == kFalse)
    return x;
  return add({Node::Or, {}, {}, x, y});
}

/// The atom e <= 0, divided by the gcd g of its non-constant coefficients:
/// g*x + k <= 0  <=>  x <= floor(-k/g)  <=>  x + ceil(k/g) <= 0.
unsigned MaskFormula::mkLin(LinForm e) {
  int64_t g = std::gcd(e.q, e.kv);
  for (auto &t : e.uniform)
    g = std::gcd(g, t.second);
  if (g == 0)
    return e.k <= 0 ? kTrue : kFalse;
  if (g > 1) {
    e.q /= g, e.kv /= g;
    for (auto &t : e.uniform)
      t.second /= g;
    e.k = e.k >= 0 ? (e.k + g - 1) / g : -((-e.k) / g);
  }
  return add({Node::Lin, std::move(e)});
}

unsigned MaskFormula::compare(CmpIPredicate pred, const std::optional<LinForm> &l,
                              const std::optional<LinForm> &r) {
  if (!l || !r || !cannotWrap(*l) || !cannotWrap(*r))
    return kUnknown;
  std::optional<LinForm> lr = combine(*l, *r, -1), rl = combine(*r, *l, -1);
  if (!lr || !rl)
    return kUnknown;
  auto plusOne = [](LinForm f) {
    ++f.k;
    return f;
  };
  switch (pred) {
  case CmpIPredicate::slt: return mkLin(plusOne(*lr)); // l - r + 1 <= 0
  case CmpIPredicate::sle: return mkLin(*lr);          // l - r <= 0
  case CmpIPredicate::sgt: return mkLin(plusOne(*rl)); // r - l + 1 <= 0
  case CmpIPredicate::sge: return mkLin(*rl);          // r - l <= 0
  case CmpIPredicate::eq: return mkAnd(mkLin(*lr), mkLin(*rl));
  case CmpIPredicate::ne: return mkOr(mkLin(plusOne(*lr)), mkLin(plusOne(*rl)));
  default: return kUnknown; // unsigned comparisons
  }
}

void MaskFormula::visit(mlir::Operation &op) {
  namespace arith = mlir::arith;
  if (op.getNumRegions() == 0 && mlir::isMemoryEffectFree(&op) &&
      llvm::all_of(op.getOperands(), [&](Value v) { return uniform.contains(v); }))
    for (Value r : op.getResults())
      uniform.insert(r);
  if (op.getNumResults() != 1)
    return;
  Value r = op.getResult(0);
  mlir::APInt c;

  if (r.getType().isInteger(32)) {
    if (mlir::matchPattern(r, mlir::m_ConstantInt(&c)))
      lin[r] = LinForm{0, 0, c.getSExtValue(), {}};
    else if (uniform.contains(r))
      lin[r] = LinForm{0, 0, 0, {{r, 1}}};
    else if (auto add = llvm::dyn_cast<arith::AddIOp>(op)) {
      if (auto x = linOf(add.getLhs()), y = linOf(add.getRhs()); x && y)
        if (auto s = combine(*x, *y, 1))
          lin[r] = *s;
    } else if (auto sub = llvm::dyn_cast<arith::SubIOp>(op)) {
      if (auto x = linOf(sub.getLhs()), y = linOf(sub.getRhs()); x && y)
        if (auto s = combine(*x, *y, -1))
          lin[r] = *s;
    } else if (auto mul = llvm::dyn_cast<arith::MulIOp>(op)) {
      auto x = linOf(mul.getLhs()), y = linOf(mul.getRhs());
      auto isConst = [](const std::optional<LinForm> &f) {
        return f && !f->q && !f->kv && f->uniform.empty();
      };
      if (x && isConst(y))
        std::swap(x, y);
      if (isConst(x) && y)
        if (auto s = combine(LinForm{}, *y, x->k))
          lin[r] = *s;
    }
    return;
  }
  if (!r.getType().isInteger(1))
    return;

  std::pair<unsigned, unsigned> &out = bools[r];
  out = {kUnknown, kUnknown};
  if (mlir::matchPattern(r, mlir::m_ConstantInt(&c))) {
    out = c.isZero() ? std::pair(kFalse, kTrue) : std::pair(kTrue, kFalse);
    return;
  }
  if (uniform.contains(r)) {
    out = {add({Node::Cond, {}, r}), add({Node::NotCond, {}, r})};
    return;
  }
  auto cmp = [&](CmpIPredicate p, std::optional<LinForm> l, std::optional<LinForm> rr) {
    return compare(p, l, rr);
  };
  auto diff = [&](Value x, Value y) -> std::optional<LinForm> { // x - y
    auto lx = linOf(x), ly = linOf(y);
    return lx && ly ? combine(*lx, *ly, -1) : std::nullopt;
  };
  if (auto causal = llvm::dyn_cast<CausalOp>(op)) { // q >= kv
    auto q = linOf(causal.getQIdx()), kv = linOf(causal.getKvIdx());
    out = {cmp(CmpIPredicate::sge, q, kv), cmp(CmpIPredicate::slt, q, kv)};
  } else if (auto win = llvm::dyn_cast<SlidingWindowOp>(op)) { // |q - kv| < W
    auto d = diff(win.getQIdx(), win.getKvIdx()), nd = diff(win.getKvIdx(), win.getQIdx());
    auto w = linOf(win.getWindow());
    out = {mkAnd(cmp(CmpIPredicate::slt, d, w), cmp(CmpIPredicate::slt, nd, w)),
           mkOr(cmp(CmpIPredicate::sge, d, w), cmp(CmpIPredicate::sge, nd, w))};
  } else if (auto pre = llvm::dyn_cast<PrefixLMOp>(op)) { // kv < P || q >= kv
    auto q = linOf(pre.getQIdx()), kv = linOf(pre.getKvIdx()), p = linOf(pre.getPrefix());
    out = {mkOr(cmp(CmpIPredicate::slt, kv, p), cmp(CmpIPredicate::sge, q, kv)),
           mkAnd(cmp(CmpIPredicate::sge, kv, p), cmp(CmpIPredicate::slt, q, kv))};
  } else if (auto chunk = llvm::dyn_cast<ChunkedOp>(op)) { // q / C == kv / C
    Value x = chunk.getQIdx(), y = chunk.getKvIdx(), size = chunk.getChunk();
    bool indices = (x == qArg && y == kvArg) || (x == kvArg && y == qArg);
    bool zero = mlir::matchPattern(size, mlir::m_ConstantInt(&c)) && c.isZero();
    if (indices && uniform.contains(size) && !zero)
      out = {add({Node::Chunk, {}, size}), add({Node::NotChunk, {}, size})};
  } else if (auto ci = llvm::dyn_cast<arith::CmpIOp>(op)) {
    Value x = ci.getLhs(), y = ci.getRhs();
    if (x.getType().isInteger(1)) {
      if (ci.getPredicate() == CmpIPredicate::eq || ci.getPredicate() == CmpIPredicate::ne) {
        auto [px, nx] = boolOf(x);
        auto [py, ny] = boolOf(y);
        unsigned same = mkOr(mkAnd(px, py), mkAnd(nx, ny));
        unsigned differ = mkOr(mkAnd(px, ny), mkAnd(nx, py));
        out = ci.getPredicate() == CmpIPredicate::eq ? std::pair(same, differ)
                                                     : std::pair(differ, same);
      }
    } else {
      out = {cmp(ci.getPredicate(), linOf(x), linOf(y)),
             cmp(arith::invertPredicate(ci.getPredicate()), linOf(x), linOf(y))};
    }
  } else if (auto a = llvm::dyn_cast<arith::AndIOp>(op)) {
    auto [px, nx] = boolOf(a.getLhs());
    auto [py, ny] = boolOf(a.getRhs());
    out = {mkAnd(px, py), mkOr(nx, ny)};
  } else if (auto o = llvm::dyn_cast<arith::OrIOp>(op)) {
    auto [px, nx] = boolOf(o.getLhs());
    auto [py, ny] = boolOf(o.getRhs());
    out = {mkOr(px, py), mkAnd(nx, ny)};
  } else if (auto x = llvm::dyn_cast<arith::XOrIOp>(op)) { // !x is x ^ true
    auto [px, nx] = boolOf(x.getLhs());
    auto [py, ny] = boolOf(x.getRhs());
    out = {mkOr(mkAnd(px, ny), mkAnd(nx, py)), mkOr(mkAnd(px, py), mkAnd(nx, ny))};
  } else if (auto s = llvm::dyn_cast<arith::SelectOp>(op)) {
    auto [pc, nc] = boolOf(s.getCondition());
    auto [px, nx] = boolOf(s.getTrueValue());
    auto [py, ny] = boolOf(s.getFalseValue());
    out = {mkOr(mkAnd(pc, px), mkAnd(nc, py)), mkOr(mkAnd(pc, nx), mkAnd(nc, ny))};
  }
}

//===----------------------------------------------------------------------===//
// Evaluation over a box, emitting arith ops
//===----------------------------------------------------------------------===//

/// An exact integer k + sum coef*v over i32 values of the region being built.
struct Sym {
  int64_t k = 0;
  llvm::SmallVector<std::pair<Value, int64_t>, 2> terms;

  static Sym of(int64_t k) { return Sym{k, {}}; }
  static Sym of(Value v) { return Sym{0, {{v, 1}}}; }
  bool isConstant() const { return terms.empty(); }

  Sym &addTerm(Value v, int64_t c) {
    auto it = llvm::find_if(terms, [&](auto &t) { return t.first == v; });
    if (it == terms.end())
      terms.push_back({v, c});
    else if ((it->second += c) == 0)
      terms.erase(it);
    return *this;
  }
  Sym operator+(const Sym &o) const {
    Sym r = *this;
    r.k += o.k;
    for (auto [v, c] : o.terms)
      r.addTerm(v, c);
    return r;
  }
  Sym operator*(int64_t s) const {
    Sym r{k * s, {}};
    if (s != 0)
      for (auto [v, c] : terms)
        r.terms.push_back({v, c * s});
    return r;
  }
  Sym operator-(const Sym &o) const { return *this + o * -1; }
  Sym operator+(int64_t c) const { return *this + of(c); }
  bool operator==(const Sym &o) const {
    return k == o.k && terms.size() == o.terms.size() &&
           llvm::all_of(terms, [&](auto &t) { return llvm::is_contained(o.terms, t); });
  }
};

/// Lower and upper bounds of q, kv and d = q - kv (a lower list means their max), and a
/// condition (null: true); every point of the box may satisfy the formula, no other may.
struct Box {
  llvm::SmallVector<Sym, 1> qlo, qhi, kvlo, kvhi, dlo, dhi;
  Value alive;

  bool isTop() const {
    return qlo.empty() && qhi.empty() && kvlo.empty() && kvhi.empty() && dlo.empty() &&
           dhi.empty() && !alive;
  }
  bool operator==(const Box &o) const {
    return qlo == o.qlo && qhi == o.qhi && kvlo == o.kvlo && kvhi == o.kvhi && dlo == o.dlo &&
           dhi == o.dhi && alive == o.alive;
  }
};

/// What a formula is over the context box.
struct Abs {
  Value full; // null when not asked for
  llvm::SmallVector<Box, 2> boxes;
};

/// The box the regions are evaluated over. With kvWhole (kv_bounds), kv ranges over the whole
/// sequence: bounds on q derived from it are useless and are not made.
struct Context {
  Sym qFirst, qLast, kvFirst, kvLast;
  bool kvWhole = false;
  bool needFull = true;
};

/// Ranges [lo, hi] of values.
using Ranges = llvm::DenseMap<Value, std::pair<int64_t, int64_t>>;

class Evaluator {
public:
  /// Evaluates `formula` over the box `ctx`, emitting ops with `b`; the context's values lie in
  /// `ranges` and are ordered as `facts` (v <= w) say.
  Evaluator(const MaskFormula &formula, mlir::OpBuilder &b, mlir::Location loc, Value batch,
            Context ctx, Ranges ranges,
            llvm::ArrayRef<std::pair<Value, Value>> facts)
      : formula(formula), b(b), loc(loc), ctx(std::move(ctx)), ranges(std::move(ranges)),
        lessEq(facts.begin(), facts.end()) {
    mapping.map(formula.batch(), batch);
  }

  /// The formula of the whole mask over the context box.
  const Abs &root();
  /// i1: the box meets the context box (exact).
  Value meets(const Box &box);
  /// The box cannot meet the context box (decided without emitting anything).
  bool neverMeets(const Box &box);
  /// (lo, hi): the hull of the kv spans of the boxes that meet the context box.
  std::pair<Value, Value> kvBounds(Value kvLen);
  /// i1: no box meets the context box.
  Value empty();

private:
  // Decisions and emission of integer expressions.
  std::pair<std::optional<int64_t>, std::optional<int64_t>> bounds(const Sym &s) const;
  std::optional<bool> decideLE(const Sym &x, const Sym &y) const;
  Value constInt(int64_t v);
  Value constBool(bool v);
  Value materialize(const Sym &s);
  Sym maxOf(llvm::ArrayRef<Sym> list);
  Sym minOf(llvm::ArrayRef<Sym> list);
  Value emitLE(const Sym &x, const Sym &y);
  Value emitEQ(const Sym &x, const Sym &y);
  Value andOf(Value x, Value y);
  Value orOf(Value x, Value y);
  Value notOf(Value x);
  Value clone(Value v);

  // Boxes.
  enum class Coord { Pos, Diff };
  void addLower(llvm::SmallVectorImpl<Sym> &list, Sym s, Coord c);
  void addUpper(llvm::SmallVectorImpl<Sym> &list, Sym s, Coord c);
  std::optional<Box> intersect(const Box &x, const Box &y);
  Box hull(llvm::ArrayRef<Box> boxes);
  void normalize(llvm::SmallVectorImpl<Box> &boxes);
  /// Calls f(lo, hi) for every condition lo <= hi of "the box meets the context box" but its
  /// alive; stops when f returns false. With qAndDOnly, only those a kv span does not reflect:
  /// a non-empty q range and a non-empty d range.
  template <typename F> void forEachCondition(const Box &box, F f, bool qAndDOnly = false);
  /// i1: the box's kv span (kvBounds) is all that may be true of it.
  Value spanHolds(const Box &box);

  // Nodes.
  Abs evalLin(const LinForm &e);
  Abs evalChunk(Value size, bool negated);
  Abs evalNode(unsigned id);

  const MaskFormula &formula;
  mlir::OpBuilder &b;
  mlir::Location loc;
  Context ctx;
  /// Known ranges of values, and facts v <= w between them.
  Ranges ranges;
  llvm::DenseSet<std::pair<Value, Value>> lessEq;
  mlir::IRMapping mapping;
  llvm::DenseMap<int64_t, Value> intConsts;
  /// The and/or ops this evaluator made, and the negations it made of values.
  llvm::DenseSet<Value> made;
  llvm::DenseMap<Value, Value> negations;
  Value boolConsts[2];
  std::vector<std::optional<Abs>> memo;
};

/// Bounds of s from the ranges of its values and from facts v <= w, which bound
/// c*w - c*v (c > 0) below by 0.
std::pair<std::optional<int64_t>, std::optional<int64_t>> Evaluator::bounds(const Sym &s) const {
  std::optional<int64_t> lo = s.k, hi = s.k;
  llvm::SmallVector<bool, 4> used(s.terms.size());
  for (size_t i = 0; i < s.terms.size(); ++i) {
    if (used[i])
      continue;
    auto [v, c] = s.terms[i];
    // A pair c*v - c*w with a fact between v and w.
    bool paired = false;
    for (size_t j = i + 1; j < s.terms.size() && !paired; ++j) {
      auto [w, d] = s.terms[j];
      if (used[j] || d != -c)
        continue;
      Value big = c > 0 ? v : w, small = c > 0 ? w : v; // |c|*(big - small)
      if (lessEq.contains({small, big})) {
        hi = std::nullopt; // >= 0, unbounded above
      } else if (lessEq.contains({big, small})) {
        lo = std::nullopt; // <= 0
      } else {
        continue;
      }
      used[i] = used[j] = paired = true;
    }
    if (paired)
      continue;
    auto it = ranges.find(v);
    if (it == ranges.end())
      return {std::nullopt, std::nullopt};
    auto [vlo, vhi] = it->second;
    if (lo)
      *lo += c > 0 ? c * vlo : c * vhi;
    if (hi)
      *hi += c > 0 ? c * vhi : c * vlo;
  }
  return {lo, hi};
}

std::optional<bool> Evaluator::decideLE(const Sym &x, const Sym &y) const {
  auto [lo, hi] = bounds(y - x);
  if (lo && *lo >= 0)
    return true;
  if (hi && *hi < 0)
    return false;
  return std::nullopt;
}

Value Evaluator::constInt(int64_t v) {
  Value &c = intConsts[v];
  if (!c)
    c = mlir::arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  return c;
}

Value Evaluator::constBool(bool v) {
  Value &c = boolConsts[v];
  if (!c)
    c = mlir::arith::ConstantIntOp::create(b, loc, b.getI1Type(), v);
  return c;
}

/// Positive terms first, then the negative ones subtracted, then the constant: q_last + 1,
/// q_first - 63, kv_len - q_first.
Value Evaluator::materialize(const Sym &s) {
  namespace arith = mlir::arith;
  Value acc;
  auto scaled = [&](Value v, int64_t c) {
    return c == 1 ? v : Value(arith::MulIOp::create(b, loc, v, constInt(c)));
  };
  for (auto [v, c] : s.terms)
    if (c > 0)
      acc = acc ? Value(arith::AddIOp::create(b, loc, acc, scaled(v, c))) : scaled(v, c);
  for (auto [v, c] : s.terms)
    if (c < 0)
      acc = arith::SubIOp::create(b, loc, acc ? acc : constInt(0), scaled(v, -c));
  if (!acc)
    return constInt(s.k);
  if (s.k > 0)
    return arith::AddIOp::create(b, loc, acc, constInt(s.k));
  if (s.k < 0)
    return arith::SubIOp::create(b, loc, acc, constInt(-s.k));
  return acc;
}

Sym Evaluator::maxOf(llvm::ArrayRef<Sym> list) {
  Sym m = list.front();
  for (const Sym &s : list.drop_front()) {
    if (decideLE(s, m) == true)
      continue;
    m = decideLE(m, s) == true
            ? s
            : Sym::of(mlir::arith::MaxSIOp::create(b, loc, materialize(m), materialize(s)));
  }
  return m;
}

Sym Evaluator::minOf(llvm::ArrayRef<Sym> list) {
  Sym m = list.front();
  for (const Sym &s : list.drop_front()) {
    if (decideLE(m, s) == true)
      continue;
    m = decideLE(s, m) == true
            ? s
            : Sym::of(mlir::arith::MinSIOp::create(b, loc, materialize(m), materialize(s)));
  }
  return m;
}

/// x <= y as `cmpi sle|slt, A, B` with the terms of y - x split by sign (kv_last <= q_first,
/// q_first <= 99, kv_first < q_last + 64 ...).
Value Evaluator::emitLE(const Sym &x, const Sym &y) {
  if (auto d = decideLE(x, y))
    return constBool(*d);
  Sym diff = y - x, pos, neg; // y - x = pos - neg + k >= 0
  for (auto [v, c] : diff.terms)
    (c > 0 ? pos : neg).terms.push_back({v, std::abs(c)});
  int64_t k = diff.k;
  auto pred = CmpIPredicate::sle;
  if (k == -1) { // neg + 1 <= pos
    pred = CmpIPredicate::slt;
  } else if (k < 0) {
    neg.k = -k;
  } else {
    pos.k = k;
  }
  return mlir::arith::CmpIOp::create(b, loc, pred, materialize(neg), materialize(pos));
}

Value Evaluator::emitEQ(const Sym &x, const Sym &y) {
  Sym diff = y - x;
  if (diff.isConstant())
    return constBool(diff.k == 0);
  return mlir::arith::CmpIOp::create(b, loc, CmpIPredicate::eq, materialize(x), materialize(y));
}

Value Evaluator::andOf(Value x, Value y) {
  if (!x || !y)
    return x ? x : y; // null is true
  mlir::APInt c;
  if (mlir::matchPattern(x, mlir::m_ConstantInt(&c)))
    return c.isZero() ? x : y;
  if (mlir::matchPattern(y, mlir::m_ConstantInt(&c)))
    return c.isZero() ? y : x;
  if (x == y)
    return x;
  Value r = mlir::arith::AndIOp::create(b, loc, x, y);
  made.insert(r);
  return r;
}

Value Evaluator::orOf(Value x, Value y) {
  mlir::APInt c;
  if (mlir::matchPattern(x, mlir::m_ConstantInt(&c)))
    return c.isZero() ? y : x;
  if (mlir::matchPattern(y, mlir::m_ConstantInt(&c)))
    return c.isZero() ? x : y;
  if (x == y)
    return x;
  Value r = mlir::arith::OrIOp::create(b, loc, x, y);
  made.insert(r);
  return r;
}

/// !x, as the inverse comparison when x is one (!(A <= B) is B < A) and by De Morgan through
/// the and/or ops this evaluator made; memoized, so shared operands are negated once.
Value Evaluator::notOf(Value x) {
  namespace arith = mlir::arith;
  if (Value n = negations.lookup(x))
    return n;
  Value n;
  mlir::APInt c;
  if (mlir::matchPattern(x, mlir::m_ConstantInt(&c))) {
    n = constBool(c.isZero());
  } else if (auto a = x.getDefiningOp<arith::AndIOp>(); a && made.contains(x)) {
    n = orOf(notOf(a.getLhs()), notOf(a.getRhs()));
  } else if (auto o = x.getDefiningOp<arith::OrIOp>(); o && made.contains(x)) {
    n = andOf(notOf(o.getLhs()), notOf(o.getRhs()));
  } else if (auto cmp = x.getDefiningOp<arith::CmpIOp>()) {
    switch (cmp.getPredicate()) {
    case CmpIPredicate::sle:
      n = arith::CmpIOp::create(b, loc, CmpIPredicate::slt, cmp.getRhs(), cmp.getLhs());
      break;
    case CmpIPredicate::slt:
      n = arith::CmpIOp::create(b, loc, CmpIPredicate::sle, cmp.getRhs(), cmp.getLhs());
      break;
    default:
      n = arith::CmpIOp::create(b, loc, arith::invertPredicate(cmp.getPredicate()),
                                cmp.getLhs(), cmp.getRhs());
    }
  } else {
    n = arith::XOrIOp::create(b, loc, x, constBool(true));
  }
  negations[x] = n;
  return n;
}

/// The value `v` of the mask region (uniform: b, constants, param reads at uniform indices)
/// computed in the region being built, by cloning the ops it depends on.
Value Evaluator::clone(Value v) {
  if (Value m = mapping.lookupOrNull(v))
    return m;
  mlir::Operation *op = v.getDefiningOp();
  assert(op && "the only uniform block argument is b");
  for (Value operand : op->getOperands())
    clone(operand);
  b.clone(*op, mapping);
  return mapping.lookup(v);
}

void Evaluator::addLower(llvm::SmallVectorImpl<Sym> &list, Sym s, Coord c) {
  // q, kv >= 0 and |d| <= kMaxPos make weaker bounds vacuous; clamping a large constant keeps it
  // (and what is computed from it) in i32 and changes nothing at positions in [0, kMaxPos].
  int64_t floor = c == Coord::Pos ? 0 : -kMaxPos;
  if (decideLE(s, Sym::of(floor)) == true)
    return;
  if (s.isConstant() && s.k > kMaxPos + 1)
    s.k = kMaxPos + 1;
  for (const Sym &e : list)
    if (decideLE(s, e) == true)
      return;
  llvm::erase_if(list, [&](const Sym &e) { return decideLE(e, s) == true; });
  list.push_back(std::move(s));
  if (list.size() > kMaxBounds) {
    Sym m = maxOf(list);
    list.assign(1, m);
  }
}

void Evaluator::addUpper(llvm::SmallVectorImpl<Sym> &list, Sym s, Coord c) {
  if (decideLE(Sym::of(kMaxPos), s) == true)
    return;
  int64_t floor = c == Coord::Pos ? -1 : -kMaxPos - 1;
  if (s.isConstant() && s.k < floor)
    s.k = floor;
  for (const Sym &e : list)
    if (decideLE(e, s) == true)
      return;
  llvm::erase_if(list, [&](const Sym &e) { return decideLE(s, e) == true; });
  list.push_back(std::move(s));
  if (list.size() > kMaxBounds) {
    Sym m = minOf(list);
    list.assign(1, m);
  }
}

template <typename F> void Evaluator::forEachCondition(const Box &box, F f, bool qAndDOnly) {
  auto withCtx = [](llvm::ArrayRef<Sym> list, const Sym &c) {
    llvm::SmallVector<Sym, 2> all(list.begin(), list.end());
    all.push_back(c);
    return all;
  };
  auto qlo = withCtx(box.qlo, ctx.qFirst), qhi = withCtx(box.qhi, ctx.qLast);
  auto kvlo = withCtx(box.kvlo, ctx.kvFirst), kvhi = withCtx(box.kvhi, ctx.kvLast);
  // Non-empty q and kv ranges (the context box itself is taken to be non-empty).
  for (size_t i = 0; i < qlo.size(); ++i)
    for (size_t j = 0; j < qhi.size(); ++j)
      if ((i + 1 != qlo.size() || j + 1 != qhi.size()) && !f(qlo[i], qhi[j]))
        return;
  for (const Sym &l : box.dlo)
    for (const Sym &h : box.dhi)
      if (!f(l, h))
        return;
  if (qAndDOnly)
    return;
  for (size_t i = 0; i < kvlo.size(); ++i)
    for (size_t j = 0; j < kvhi.size(); ++j)
      if ((i + 1 != kvlo.size() || j + 1 != kvhi.size()) && !f(kvlo[i], kvhi[j]))
        return;
  // A d range that meets [q_lo - kv_hi, q_hi - kv_lo].
  for (const Sym &l : box.dlo)
    for (const Sym &q : qhi)
      for (const Sym &kv : kvlo)
        if (!f(l, q - kv))
          return;
  for (const Sym &h : box.dhi)
    for (const Sym &q : qlo)
      for (const Sym &kv : kvhi)
        if (!f(q - kv, h))
          return;
}

bool Evaluator::neverMeets(const Box &box) {
  mlir::APInt c;
  if (box.alive && mlir::matchPattern(box.alive, mlir::m_ConstantInt(&c)) && c.isZero())
    return true;
  bool never = false;
  forEachCondition(box, [&](const Sym &lo, const Sym &hi) {
    never = decideLE(lo, hi) == false;
    return !never;
  });
  return never;
}

Value Evaluator::meets(const Box &box) {
  Value all = constBool(true);
  forEachCondition(box, [&](const Sym &lo, const Sym &hi) {
    all = andOf(all, emitLE(lo, hi));
    return true;
  });
  return andOf(all, box.alive);
}

/// The span [max(kv_lo, q_lo - d_hi), min(kv_hi, q_hi - d_lo)] is exactly the kvs of the box
/// when its q range, its d range and its alive hold (and is clamped to the sequence).
Value Evaluator::spanHolds(const Box &box) {
  Value all = constBool(true);
  forEachCondition(
      box,
      [&](const Sym &lo, const Sym &hi) {
        all = andOf(all, emitLE(lo, hi));
        return true;
      },
      /*qAndDOnly=*/true);
  return andOf(all, box.alive);
}

std::optional<Box> Evaluator::intersect(const Box &x, const Box &y) {
  Box r = x;
  for (const Sym &s : y.qlo) addLower(r.qlo, s, Coord::Pos);
  for (const Sym &s : y.kvlo) addLower(r.kvlo, s, Coord::Pos);
  for (const Sym &s : y.dlo) addLower(r.dlo, s, Coord::Diff);
  for (const Sym &s : y.qhi) addUpper(r.qhi, s, Coord::Pos);
  for (const Sym &s : y.kvhi) addUpper(r.kvhi, s, Coord::Pos);
  for (const Sym &s : y.dhi) addUpper(r.dhi, s, Coord::Diff);
  r.alive = andOf(x.alive, y.alive);
  if (neverMeets(r))
    return std::nullopt;
  return r;
}

Box Evaluator::hull(llvm::ArrayRef<Box> boxes) {
  Box h;
  auto lower = [&](llvm::SmallVector<Sym, 1> Box::*field) {
    llvm::SmallVector<Sym, 4> each;
    for (const Box &x : boxes) {
      if ((x.*field).empty())
        return;
      each.push_back(maxOf(x.*field));
    }
    (h.*field).push_back(minOf(each));
  };
  auto upper = [&](llvm::SmallVector<Sym, 1> Box::*field) {
    llvm::SmallVector<Sym, 4> each;
    for (const Box &x : boxes) {
      if ((x.*field).empty())
        return;
      each.push_back(minOf(x.*field));
    }
    (h.*field).push_back(maxOf(each));
  };
  lower(&Box::qlo), lower(&Box::kvlo), lower(&Box::dlo);
  upper(&Box::qhi), upper(&Box::kvhi), upper(&Box::dhi);
  h.alive = boxes.front().alive;
  for (const Box &x : boxes.drop_front())
    h.alive = h.alive && x.alive ? orOf(h.alive, x.alive) : Value();
  return h;
}

/// Drops duplicates and boxes that never meet the context; a top box absorbs the union; past
/// kMaxBoxes, the hull.
void Evaluator::normalize(llvm::SmallVectorImpl<Box> &boxes) {
  llvm::SmallVector<Box, 2> out;
  for (Box &x : boxes) {
    if (x.isTop()) {
      boxes.assign(1, Box());
      return;
    }
    if (!llvm::is_contained(out, x) && !neverMeets(x))
      out.push_back(std::move(x));
  }
  if (out.size() > kMaxBoxes) {
    Box h = hull(out);
    out.assign(1, h);
  }
  boxes = std::move(out);
}

/// e = a*q + c*kv + R <= 0 over the context box [qf, ql] x [kf, kl].
Abs Evaluator::evalLin(const LinForm &e) {
  Sym r = Sym::of(e.k);
  for (auto [u, m] : e.uniform)
    r.addTerm(clone(u), m);
  int64_t a = e.q, c = e.kv;
  const Context &x = ctx;
  auto at = [](int64_t coef, const Sym &lo, const Sym &hi, bool max) { // extreme of coef*v
    return (coef > 0) == max ? hi * coef : lo * coef;
  };
  Abs out;
  if (ctx.needFull) // max over the box of e <= 0
    out.full = emitLE(at(a, x.qFirst, x.qLast, true) + at(c, x.kvFirst, x.kvLast, true) + r,
                      Sym::of(0));
  Box box;
  if (a == 1 && c == -1) { // d + R <= 0
    addUpper(box.dhi, Sym::of(0) - r, Coord::Diff);
  } else if (a == -1 && c == 1) { // -d + R <= 0
    addLower(box.dlo, r, Coord::Diff);
  } else if (a == 0 && c == 0) { // a uniform condition
    box.alive = emitLE(r, Sym::of(0));
  } else {
    bool bounded = false;
    if (c == 1) { // kv <= -a*q - R, at its largest over q
      addUpper(box.kvhi, at(-a, x.qFirst, x.qLast, true) - r, Coord::Pos);
      bounded = true;
    } else if (c == -1) { // kv >= a*q + R, at its smallest over q
      addLower(box.kvlo, at(a, x.qFirst, x.qLast, false) + r, Coord::Pos);
      bounded = true;
    }
    if ((a == 1 || a == -1) && (c == 0 || !ctx.kvWhole)) {
      if (a == 1)
        addUpper(box.qhi, at(-c, x.kvFirst, x.kvLast, true) - r, Coord::Pos);
      else
        addLower(box.qlo, at(c, x.kvFirst, x.kvLast, false) + r, Coord::Pos);
      bounded = true;
    }
    if (!bounded) // min over the box of e <= 0
      box.alive = emitLE(at(a, x.qFirst, x.qLast, false) + at(c, x.kvFirst, x.kvLast, false) + r,
                         Sym::of(0));
  }
  out.boxes.push_back(std::move(box));
  normalize(out.boxes);
  return out;
}

/// q / C == kv / C (or its negation) over the context box. Positions are non-negative, so
/// q / C is floor(q / |C|) up to a sign that q and kv share: chunks of |C| positions. The box
/// bounds kv only (q and d bounds would add little but ops).
Abs Evaluator::evalChunk(Value size, bool negated) {
  namespace arith = mlir::arith;
  mlir::APInt c;
  std::optional<int64_t> cst;
  Value sizeValue; // |C| when it is not a constant
  if (mlir::matchPattern(size, mlir::m_ConstantInt(&c))) {
    cst = std::abs(c.getSExtValue());
  } else {
    sizeValue = mlir::math::AbsIOp::create(b, loc, clone(size));
    ranges[sizeValue] = {1, INT32_MAX};
  }
  Sym csym = cst ? Sym::of(*cst) : Sym::of(sizeValue);
  // s / |C| and (s / |C|) * |C| for a position s, in [0, kMaxPos].
  auto div = [&](const Sym &s) -> Sym {
    if (s.isConstant() && (cst || s.k == 0))
      return Sym::of(cst ? s.k / *cst : 0);
    Value v = arith::DivSIOp::create(b, loc, materialize(s), cst ? constInt(*cst) : sizeValue);
    ranges[v] = {0, kMaxPos};
    return Sym::of(v);
  };
  auto mul = [&](const Sym &s) -> Sym {
    if (cst || s.isConstant())
      return cst ? s * *cst : Sym::of(0);
    Value v = arith::MulIOp::create(b, loc, materialize(s), sizeValue);
    ranges[v] = {0, kMaxPos};
    return Sym::of(v);
  };
  // first <= last, so first / |C| <= last / |C|, and the same times |C|.
  auto order = [&](const Sym &first, const Sym &last) {
    if (first.terms.size() == 1 && last.terms.size() == 1 && first.terms[0].second == 1 &&
        last.terms[0].second == 1 && !first.k && !last.k)
      lessEq.insert({first.terms[0].first, last.terms[0].first});
  };
  Sym qf = div(ctx.qFirst), ql = div(ctx.qLast);
  order(qf, ql);
  Sym qfStart = mul(qf), qlStart = mul(ql);
  order(qfStart, qlStart);
  Abs out;
  Box box;
  auto sameChunk = [&] { // the q chunks and the kv chunks are one and the same
    Sym kf = div(ctx.kvFirst), kl = div(ctx.kvLast);
    return andOf(emitEQ(qf, kl), emitEQ(ql, kf));
  };
  if (!negated) {
    // kv in [(q_first / C) * C, (q_last / C) * C + |C| - 1]
    addLower(box.kvlo, qfStart, Coord::Pos);
    addUpper(box.kvhi, qlStart + csym - Sym::of(1), Coord::Pos);
    if (ctx.needFull)
      out.full = sameChunk();
  } else {
    box.alive = notOf(sameChunk());
    if (ctx.needFull) { // the q chunks and the kv chunks are disjoint
      Sym kf = div(ctx.kvFirst), kl = div(ctx.kvLast);
      out.full = orOf(emitLE(ql + 1, kf), emitLE(kl + 1, qf));
    }
  }
  out.boxes.push_back(std::move(box));
  normalize(out.boxes);
  return out;
}

Abs Evaluator::evalNode(unsigned id) {
  const Node &n = formula.node(id);
  Abs out;
  switch (n.kind) {
  case Node::True:
    out.full = ctx.needFull ? constBool(true) : Value();
    out.boxes.push_back(Box());
    return out;
  case Node::False:
    out.full = ctx.needFull ? constBool(false) : Value();
    return out;
  case Node::Unknown:
    out.full = ctx.needFull ? constBool(false) : Value();
    out.boxes.push_back(Box());
    return out;
  case Node::Lin:
    return evalLin(n.lin);
  case Node::Chunk:
  case Node::NotChunk:
    return evalChunk(n.value, n.kind == Node::NotChunk);
  case Node::Cond:
  case Node::NotCond: {
    Value v = clone(n.value);
    if (n.kind == Node::NotCond)
      v = notOf(v);
    out.full = ctx.needFull ? v : Value();
    Box box;
    box.alive = v;
    out.boxes.push_back(box);
    normalize(out.boxes);
    return out;
  }
  case Node::And: {
    const Abs &x = *memo[n.a], &y = *memo[n.b];
    out.full = ctx.needFull ? andOf(x.full, y.full) : Value();
    for (const Box &bx : x.boxes)
      for (const Box &by : y.boxes)
        if (std::optional<Box> m = intersect(bx, by))
          out.boxes.push_back(std::move(*m));
    normalize(out.boxes);
    return out;
  }
  case Node::Or: {
    const Abs &x = *memo[n.a], &y = *memo[n.b];
    out.full = ctx.needFull ? orOf(x.full, y.full) : Value();
    out.boxes.append(x.boxes.begin(), x.boxes.end());
    out.boxes.append(y.boxes.begin(), y.boxes.end());
    normalize(out.boxes);
    return out;
  }
  }
  llvm_unreachable("every node kind handled");
}

const Abs &Evaluator::root() {
  unsigned rootId = formula.root();
  if (memo.empty()) {
    // Only what the root reaches; ids are topological, so one pass down marks it and one pass
    // up evaluates it.
    std::vector<bool> reached(formula.size());
    reached[rootId] = true;
    for (unsigned id = rootId + 1; id-- > 0;) {
      const Node &n = formula.node(id);
      if (reached[id] && (n.kind == Node::And || n.kind == Node::Or))
        reached[n.a] = reached[n.b] = true;
    }
    memo.resize(formula.size());
    for (unsigned id = 0; id <= rootId; ++id)
      if (reached[id])
        memo[id] = evalNode(id);
  }
  return *memo[rootId];
}

std::pair<Value, Value> Evaluator::kvBounds(Value kvLen) {
  namespace arith = mlir::arith;
  const Abs &abs = root();
  Sym kvLenSym = Sym::of(kvLen);
  llvm::SmallVector<Sym, 2> los, his; // of the boxes that meet the query tile
  Value lo, hi;
  bool loZero = false, hiAll = false;
  for (const Box &box : abs.boxes) {
    if (neverMeets(box))
      continue;
    Value meet = spanHolds(box);
    mlir::APInt c;
    bool surely = mlir::matchPattern(meet, mlir::m_ConstantInt(&c));
    if (surely && c.isZero())
      continue;
    surely = surely && c.isOne();
    // kv in [max(kv_lo, q_lo - d_hi), min(kv_hi, q_hi - d_lo)].
    llvm::SmallVector<Sym, 2> lower, upper;
    auto addIf = [&](llvm::SmallVectorImpl<Sym> &list, Sym s, bool isLower) {
      if (isLower ? decideLE(s, Sym::of(0)) == true : decideLE(Sym::of(kMaxPos), s) == true)
        return; // no tighter than 0 <= kv < kv_len <= 2^30
      (isLower ? addLower(list, s, Coord::Pos) : addUpper(list, s, Coord::Pos));
    };
    for (const Sym &s : box.kvlo)
      addIf(lower, s, true);
    for (const Sym &q : llvm::concat<const Sym>(box.qlo, llvm::ArrayRef(ctx.qFirst)))
      for (const Sym &d : box.dhi)
        addIf(lower, q - d, true);
    for (const Sym &s : box.kvhi)
      addIf(upper, s + 1, false);
    for (const Sym &q : llvm::concat<const Sym>(box.qhi, llvm::ArrayRef(ctx.qLast)))
      for (const Sym &d : box.dlo)
        addIf(upper, q - d + 1, false);
    Sym boxLo = lower.empty() ? Sym::of(0) : maxOf(lower);
    Sym boxHi = upper.empty() ? kvLenSym : minOf(upper);
    if (surely) {
      loZero |= lower.empty();
      hiAll |= upper.empty();
      los.push_back(boxLo);
      his.push_back(boxHi);
    } else { // a box that may be empty adds nothing then: (kv_len, 0)
      los.push_back(Sym::of(arith::SelectOp::create(b, loc, meet, materialize(boxLo), kvLen)));
      his.push_back(Sym::of(arith::SelectOp::create(b, loc, meet, materialize(boxHi),
                                                    constInt(0))));
    }
  }
  if (los.empty())
    return {constInt(0), constInt(0)};
  lo = loZero ? constInt(0) : materialize(minOf(los));
  hi = hiAll ? kvLen : materialize(maxOf(his));
  return {lo, hi};
}

Value Evaluator::empty() {
  Value any = constBool(false);
  for (const Box &box : root().boxes)
    any = orOf(any, meets(box));
  return notOf(any);
}

/// Merges identical pure ops and erases unused ones (the evaluation emits eagerly).
void cleanUp(mlir::Block &block) {
  llvm::DenseMap<llvm::hash_code, llvm::SmallVector<mlir::Operation *, 1>> seen;
  for (mlir::Operation &op : llvm::make_early_inc_range(block.without_terminator())) {
    if (!mlir::isPure(&op) || op.getNumRegions() != 0)
      continue;
    llvm::hash_code h = mlir::OperationEquivalence::computeHash(
        &op, mlir::OperationEquivalence::directHashValue,
        mlir::OperationEquivalence::ignoreHashValue,
        mlir::OperationEquivalence::IgnoreLocations);
    auto &bucket = seen[h];
    auto it = llvm::find_if(bucket, [&](mlir::Operation *o) {
      return mlir::OperationEquivalence::isEquivalentTo(
          o, &op, mlir::OperationEquivalence::IgnoreLocations);
    });
    if (it != bucket.end()) {
      op.replaceAllUsesWith(*it);
      op.erase();
    } else {
      bucket.push_back(&op);
    }
  }
  for (mlir::Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (mlir::isOpTriviallyDead(&op))
      op.erase();
}

/// Replaces `region` by one block with i32 arguments `argCount` and returns it.
mlir::Block &freshBlock(mlir::Region &region, unsigned argCount, mlir::Location loc) {
  region.dropAllReferences();
  region.getBlocks().clear();
  auto *block = new mlir::Block();
  region.push_back(block);
  mlir::Type i32 = mlir::IntegerType::get(loc.getContext(), 32);
  for (unsigned i = 0; i < argCount; ++i)
    block->addArgument(i32, loc);
  return *block;
}

std::pair<int64_t, int64_t> positionRange() { return {0, kMaxPos}; }

} // namespace

mlir::LogicalResult attn::analyzeMask(KernelOp kernel) {
  mlir::Block &mask = kernel.getMask().front();
  MaskFormula formula(mask);
  mlir::Location loc = mask.getTerminator()->getLoc(); // the mask's source
  mlir::OpBuilder b(kernel.getContext());

  { // kv_bounds(b, q_first, q_last, kv_len) -> (lo, hi)
    mlir::Block &block = freshBlock(kernel.getKvBounds(), 4, loc);
    b.setInsertionPointToEnd(&block);
    Value qf = block.getArgument(1), ql = block.getArgument(2), kvLen = block.getArgument(3);
    Context ctx{Sym::of(qf), Sym::of(ql), Sym::of(0), Sym::of(kvLen) + -1,
                /*kvWhole=*/true, /*needFull=*/false};
    Evaluator eval(formula, b, loc, block.getArgument(0), ctx,
                   {{qf, positionRange()}, {ql, positionRange()}, {kvLen, {0, kMaxPos + 1}}},
                   {{qf, ql}});
    auto [lo, hi] = eval.kvBounds(kvLen);
    YieldOp::create(b, loc, mlir::ValueRange{lo, hi});
    cleanUp(block);
  }
  { // tile_class(b, q_first, q_last, kv_first, kv_last) -> (full, empty)
    mlir::Block &block = freshBlock(kernel.getTileClass(), 5, loc);
    b.setInsertionPointToEnd(&block);
    Value qf = block.getArgument(1), ql = block.getArgument(2), kf = block.getArgument(3),
          kl = block.getArgument(4);
    Context ctx{Sym::of(qf), Sym::of(ql), Sym::of(kf), Sym::of(kl), false, true};
    Evaluator eval(formula, b, loc, block.getArgument(0), ctx,
                   {{qf, positionRange()}, {ql, positionRange()}, {kf, positionRange()},
                    {kl, positionRange()}},
                   {{qf, ql}, {kf, kl}});
    Value full = eval.root().full;
    Value empty = eval.empty();
    mlir::APInt c;
    if (mlir::matchPattern(empty, mlir::m_ConstantInt(&c)) && c.isOne())
      full = mlir::arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
    YieldOp::create(b, loc, mlir::ValueRange{full, empty});
    cleanUp(block);
  }
  return mlir::success();
}

bool attn::isMaskEmptyEverywhere(KernelOp kernel) {
  MaskFormula formula(kernel.getMask().front());
  // The tile_class evaluation over [0, 2^30) x [0, 2^30), in a scratch block: the emptiness
  // folds to a constant unless it depends on uniform values.
  mlir::Region scratch;
  mlir::Location loc = kernel.getLoc();
  mlir::Block &block = freshBlock(scratch, 1, loc);
  mlir::OpBuilder b(kernel.getContext()); // the scratch region has no op to take it from
  b.setInsertionPointToEnd(&block);
  Context ctx{Sym::of(0), Sym::of(kMaxPos), Sym::of(0), Sym::of(kMaxPos), false, false};
  Evaluator eval(formula, b, loc, block.getArgument(0), ctx, Ranges(), /*facts=*/{});
  mlir::APInt c;
  return mlir::matchPattern(eval.empty(), mlir::m_ConstantInt(&c)) && c.isOne();
}

namespace {
struct AttnAnalyzeMask : attn::impl::AttnAnalyzeMaskBase<AttnAnalyzeMask> {
  void runOnOperation() override {
    getOperation().walk([&](KernelOp kernel) {
      if (failed(analyzeMask(kernel)))
        signalPassFailure();
    });
  }
};
} // namespace
