// attn-analyze-mask (analyzeMask): the kv_bounds and tile_class regions checked by brute force.
// A test-only interpreter runs the mask region at every point of random boxes and the two
// regions on those boxes: soundness for the examples and random masks, tightness and exact
// full/empty for the built-ins' closed forms.
#include "DiagnosticCapture.h"

#include "dialects/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>

using namespace attn;
using namespace attn::test;

namespace {

//===----------------------------------------------------------------------===//
// A test-only interpreter of region ops
//===----------------------------------------------------------------------===//

/// The value of `name[idx...]` for a param read (i32 params; any value is allowed).
using ParamFn = std::function<int64_t(llvm::StringRef name, llvm::ArrayRef<int64_t> idx)>;

int64_t wrap32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }

/// One region compiled to a list of instructions over slots (arguments, then results): ints are
/// i32 (wrapping) and i1 is 0/1, both held in int64.
class Program {
public:
  Program() = default;
  Program(mlir::Block &block, ParamFn params) : params(std::move(params)) {
    llvm::DenseMap<mlir::Value, unsigned> slot;
    for (mlir::BlockArgument a : block.getArguments())
      slot[a] = numSlots++;
    for (mlir::Operation &op : block) {
      Inst in;
      in.op = &op;
      for (mlir::Value v : op.getOperands())
        in.in.push_back(slot.lookup(v));
      if (auto yield = llvm::dyn_cast<YieldOp>(op)) {
        results.assign(in.in.begin(), in.in.end());
        continue;
      }
      EXPECT_EQ(op.getNumResults(), 1u) << "unexpected op " << op.getName().getStringRef().str();
      in.out = numSlots++;
      slot[op.getResult(0)] = in.out;
      in.kind = classify(op, in);
      code.push_back(std::move(in));
    }
  }

  std::vector<int64_t> run(llvm::ArrayRef<int64_t> args) const {
    std::vector<int64_t> s(numSlots);
    std::copy(args.begin(), args.end(), s.begin());
    for (const Inst &in : code) {
      auto x = [&](unsigned i) { return s[in.in[i]]; };
      int64_t r = 0;
      switch (in.kind) {
      case K::Const: r = in.value; break;
      case K::Add: r = wrap32(x(0) + x(1)); break;
      case K::Sub: r = wrap32(x(0) - x(1)); break;
      case K::Mul: r = wrap32(x(0) * x(1)); break;
      case K::Div:
        if (x(1) == 0) {
          ADD_FAILURE() << "division by zero";
          return {};
        }
        r = wrap32(x(0) / x(1));
        break;
      case K::Rem:
        if (x(1) == 0) {
          ADD_FAILURE() << "remainder by zero";
          return {};
        }
        r = x(0) % x(1);
        break;
      case K::Min: r = std::min(x(0), x(1)); break;
      case K::Max: r = std::max(x(0), x(1)); break;
      case K::Abs: r = wrap32(std::abs(x(0))); break;
      case K::And: r = x(0) & x(1); break;
      case K::Or: r = x(0) | x(1); break;
      case K::Xor: r = in.isBool ? (x(0) ^ x(1)) : wrap32(x(0) ^ x(1)); break;
      case K::Select: r = x(0) ? x(1) : x(2); break;
      case K::Cmp: r = compare(in.pred, x(0), x(1), in.isBool); break;
      case K::Causal: r = x(0) >= x(1); break;
      case K::Window: r = std::abs(x(0) - x(1)) < x(2); break;
      case K::Prefix: r = x(1) < x(2) || x(0) >= x(1); break;
      case K::Chunk:
        if (x(2) == 0) {
          ADD_FAILURE() << "chunk of size 0";
          return {};
        }
        r = x(0) / x(2) == x(1) / x(2);
        break;
      case K::Param: {
        llvm::SmallVector<int64_t> idx;
        for (size_t i = 0; i < in.in.size(); ++i)
          idx.push_back(x(i));
        r = params(in.name, idx);
        break;
      }
      case K::Unsupported:
        ADD_FAILURE() << "the test interpreter does not know " << in.name;
        return {};
      }
      s[in.out] = r;
    }
    std::vector<int64_t> out;
    for (unsigned i : results)
      out.push_back(s[i]);
    return out;
  }

  /// The number of ops (yield excluded).
  size_t size() const { return code.size(); }

private:
  enum class K {
    Const, Add, Sub, Mul, Div, Rem, Min, Max, Abs, And, Or, Xor, Select, Cmp,
    Causal, Window, Prefix, Chunk, Param, Unsupported
  };
  struct Inst {
    mlir::Operation *op = nullptr;
    K kind = K::Unsupported;
    llvm::SmallVector<unsigned, 3> in;
    unsigned out = 0;
    int64_t value = 0;
    mlir::arith::CmpIPredicate pred{};
    bool isBool = false;
    std::string name;
  };

  static int64_t compare(mlir::arith::CmpIPredicate p, int64_t a, int64_t b, bool isBool) {
    using P = mlir::arith::CmpIPredicate;
    // i1 as a signed number is 0 or -1; unsigned, 0 or 1.
    int64_t sa = isBool ? -a : a, sb = isBool ? -b : b;
    uint64_t ua = isBool ? a : uint32_t(a), ub = isBool ? b : uint32_t(b);
    switch (p) {
    case P::eq: return a == b;
    case P::ne: return a != b;
    case P::slt: return sa < sb;
    case P::sle: return sa <= sb;
    case P::sgt: return sa > sb;
    case P::sge: return sa >= sb;
    case P::ult: return ua < ub;
    case P::ule: return ua <= ub;
    case P::ugt: return ua > ub;
    case P::uge: return ua >= ub;
    }
    return 0;
  }

  K classify(mlir::Operation &op, Inst &in) {
    namespace arith = mlir::arith;
    in.name = op.getName().getStringRef().str();
    in.isBool = op.getNumOperands() && op.getOperand(0).getType().isInteger(1);
    mlir::APInt c;
    if (mlir::matchPattern(op.getResult(0), mlir::m_ConstantInt(&c))) {
      in.value = c.getBitWidth() == 1 ? int64_t(c.getZExtValue()) : c.getSExtValue();
      return K::Const;
    }
    if (llvm::isa<arith::AddIOp>(op)) return K::Add;
    if (llvm::isa<arith::SubIOp>(op)) return K::Sub;
    if (llvm::isa<arith::MulIOp>(op)) return K::Mul;
    if (llvm::isa<arith::DivSIOp>(op)) return K::Div;
    if (llvm::isa<arith::RemSIOp>(op)) return K::Rem;
    if (llvm::isa<arith::MinSIOp>(op)) return K::Min;
    if (llvm::isa<arith::MaxSIOp>(op)) return K::Max;
    if (llvm::isa<mlir::math::AbsIOp>(op)) return K::Abs;
    if (llvm::isa<arith::AndIOp>(op)) return K::And;
    if (llvm::isa<arith::OrIOp>(op)) return K::Or;
    if (llvm::isa<arith::XOrIOp>(op)) return K::Xor;
    if (llvm::isa<arith::SelectOp>(op)) return K::Select;
    if (auto cmp = llvm::dyn_cast<arith::CmpIOp>(op)) {
      in.pred = cmp.getPredicate();
      return K::Cmp;
    }
    if (llvm::isa<CausalOp>(op)) return K::Causal;
    if (llvm::isa<SlidingWindowOp>(op)) return K::Window;
    if (llvm::isa<PrefixLMOp>(op)) return K::Prefix;
    if (llvm::isa<ChunkedOp>(op)) return K::Chunk;
    if (auto read = llvm::dyn_cast<ParamReadOp>(op)) {
      in.name = read.getParam().str();
      EXPECT_TRUE(read.getType().isInteger(32)) << "float param in a mask";
      return K::Param;
    }
    return K::Unsupported;
  }

  ParamFn params;
  std::vector<Inst> code;
  llvm::SmallVector<unsigned> results;
  unsigned numSlots = 0;
};

//===----------------------------------------------------------------------===//
// A spec compiled and analysed
//===----------------------------------------------------------------------===//

/// Deterministic param values: doc ids change every few positions, prefix lengths, windows,
/// chunk sizes (never 0) and offsets per batch; anything else in [-100, 300).
int64_t paramValue(uint32_t seed, llvm::StringRef name, llvm::ArrayRef<int64_t> idx) {
  uint64_t h = seed * 0x9E3779B97F4A7C15ull + llvm::hash_value(name);
  for (int64_t i : idx)
    h = h * 1000003u + uint64_t(i) + 0x632BE59BD9B4E019ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  int64_t first = idx.empty() ? 0 : idx.front();
  if (name == "doc")
    return first / (7 + seed % 23);
  if (name == "pre" || name == "prefix")
    return int64_t(h % 260) - 20;
  if (name == "win")
    return int64_t(h % 90) - 3;
  if (name == "ch") {
    int64_t c = int64_t(h % 50) + 1;
    return (h >> 40) & 1 ? -c : c;
  }
  if (name == "off")
    return int64_t(h % 200) - 100;
  return int64_t(h % 400) - 100;
}

struct Analyzed {
  std::unique_ptr<DiagnosticCapture> dc = std::make_unique<DiagnosticCapture>();
  mlir::OwningOpRef<mlir::ModuleOp> module;
  KernelOp kernel;
  Program mask, kvBounds, tileClass;
  uint32_t seed = 0;

  bool maskAt(int64_t b, int64_t h, int64_t q, int64_t kv) const {
    return mask.run({b, h, q, kv}).at(0) != 0;
  }
};

std::unique_ptr<Analyzed> analyze(llvm::StringRef src, uint32_t seed = 1) {
  auto a = std::make_unique<Analyzed>();
  a->seed = seed;
  a->module = a->dc->compile(src);
  EXPECT_TRUE(a->module) << src.str() << "\n"
                         << (a->dc->errors().empty() ? "" : a->dc->errors()[0].message);
  if (!a->module)
    return nullptr;
  a->kernel = *a->module->getOps<KernelOp>().begin();
  EXPECT_TRUE(mlir::succeeded(analyzeMask(a->kernel)));
  EXPECT_TRUE(mlir::succeeded(mlir::verify(a->kernel))) << src.str();
  ParamFn params = [seed](llvm::StringRef n, llvm::ArrayRef<int64_t> i) {
    return paramValue(seed, n, i);
  };
  a->mask = Program(a->kernel.getMask().front(), params);
  a->kvBounds = Program(a->kernel.getKvBounds().front(), params);
  a->tileClass = Program(a->kernel.getTileClass().front(), params);
  return a;
}

std::string specWithMask(llvm::StringRef mask) {
  return "kernel t {\n  q: bf16[128];\n  k: bf16[128];\n  v: bf16[128];\n  out: bf16;\n"
         "  param doc: i32[S];\n  param pre: i32[B];\n  param win: i32[B];\n"
         "  param ch: i32[B];\n  param off: i32[B];\n  mask { " +
         mask.str() + " }\n}\n";
}

constexpr int64_t kPositions = 300; // q, kv in [0, 300)
constexpr int64_t kHeads = 3, kBatches = 2;

struct Tile {
  int64_t qf, ql, kf, kl;
};

int64_t uniform(std::mt19937 &rng, int64_t lo, int64_t hi) { // [lo, hi]
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

/// A random range in [0, kPositions): one point, a small tile or a large one.
std::pair<int64_t, int64_t> randomRange(std::mt19937 &rng) {
  int64_t first = uniform(rng, 0, kPositions - 1);
  int64_t len = std::array<int64_t, 4>{1, uniform(rng, 1, 8), uniform(rng, 1, 64),
                                       uniform(rng, 1, kPositions)}[uniform(rng, 0, 3)];
  return {first, std::min(first + len - 1, kPositions - 1)};
}

/// Brute force: is the mask true (false) at every point of the tile, for every head?
std::pair<bool, bool> truth(const Analyzed &a, int64_t b, const Tile &t) {
  bool all = true, none = true;
  for (int64_t q = t.qf; q <= t.ql; ++q)
    for (int64_t kv = t.kf; kv <= t.kl; ++kv)
      for (int64_t h = 0; h < kHeads; ++h) {
        bool m = a.maskAt(b, h, q, kv);
        all &= m;
        none &= !m;
        if (!all && !none)
          return {false, false};
      }
  return {all, none};
}

/// A random kv range, half the time near the q range (where masks change most).
std::pair<int64_t, int64_t> randomKVRange(std::mt19937 &rng, int64_t qf) {
  auto [kf, kl] = randomRange(rng);
  if (uniform(rng, 0, 1)) {
    int64_t len = kl - kf;
    kf = std::clamp<int64_t>(qf + uniform(rng, -70, 70), 0, kPositions - 1);
    kl = std::min(kf + len, kPositions - 1);
  }
  return {kf, kl};
}

/// tile_class on random tiles: never both; full means true everywhere, empty false everywhere;
/// with `exact`, full and empty are exactly the truth.
void checkTileClass(const Analyzed &a, std::mt19937 &rng, int tiles, bool exact,
                    const std::string &what) {
  for (int i = 0; i < tiles; ++i) {
    auto [qf, ql] = randomRange(rng);
    auto [kf, kl] = randomKVRange(rng, qf);
    Tile t{qf, ql, kf, kl};
    int64_t b = uniform(rng, 0, kBatches - 1);
    std::vector<int64_t> r = a.tileClass.run({b, qf, ql, kf, kl});
    ASSERT_EQ(r.size(), 2u);
    bool full = r[0], empty = r[1];
    std::string box = what + " on b=" + std::to_string(b) + " q [" + std::to_string(qf) + ", " +
                      std::to_string(ql) + "] kv [" + std::to_string(kf) + ", " +
                      std::to_string(kl) + "]";
    ASSERT_FALSE(full && empty) << box;
    if (!full && !empty && !exact)
      continue;
    auto [all, none] = truth(a, b, t);
    ASSERT_TRUE(!full || all) << box << ": called full, but the mask is false somewhere";
    ASSERT_TRUE(!empty || none) << box << ": called empty, but the mask is true somewhere";
    if (exact) {
      EXPECT_EQ(full, all) << box << ": full is not exact";
      EXPECT_EQ(empty, none) << box << ": empty is not exact";
    }
  }
}

/// kv_bounds on random query tiles and sequence lengths: every key outside [lo, hi) (clamped to
/// [0, kv_len)) is masked out for every q of the tile and every head.
void checkKVBounds(const Analyzed &a, std::mt19937 &rng, int tiles, const std::string &what) {
  for (int i = 0; i < tiles; ++i) {
    auto [qf, ql] = randomRange(rng);
    if (ql - qf > 63)
      ql = qf + 63;
    int64_t kvLen = uniform(rng, 0, kPositions);
    int64_t b = uniform(rng, 0, kBatches - 1);
    std::vector<int64_t> r = a.kvBounds.run({b, qf, ql, kvLen});
    ASSERT_EQ(r.size(), 2u);
    int64_t lo = std::clamp<int64_t>(r[0], 0, kvLen), hi = std::clamp<int64_t>(r[1], 0, kvLen);
    for (int64_t q = qf; q <= ql; ++q)
      for (int64_t kv = 0; kv < kvLen; ++kv) {
        if (kv >= lo && kv < hi)
          continue;
        for (int64_t h = 0; h < kHeads; ++h)
          ASSERT_FALSE(a.maskAt(b, h, q, kv))
              << what << ": b=" << b << " q tile [" << qf << ", " << ql << "], kv_len " << kvLen
              << " gives [" << r[0] << ", " << r[1] << ") but the mask is true at q=" << q
              << " kv=" << kv << " h=" << h;
      }
  }
}

/// isMaskEmptyEverywhere: when it says so, the mask is false on [0, 300)^2.
void checkEmptiness(const Analyzed &a, const std::string &what) {
  if (!isMaskEmptyEverywhere(a.kernel))
    return;
  for (int64_t b = 0; b < kBatches; ++b) {
    auto [all, none] = truth(a, b, Tile{0, kPositions - 1, 0, kPositions - 1});
    ASSERT_TRUE(none) << what << ": called empty everywhere, but it is not";
  }
}

void checkSound(const Analyzed &a, std::mt19937 &rng, const std::string &what, int tiles = 40) {
  checkTileClass(a, rng, tiles, /*exact=*/false, what);
  checkKVBounds(a, rng, tiles / 2, what);
  checkEmptiness(a, what);
}

//===----------------------------------------------------------------------===//
// Soundness: the examples and random masks
//===----------------------------------------------------------------------===//

TEST(AnalyzeMask, SoundOnEveryExample) {
  std::mt19937 rng(7);
  int n = 0;
  for (const auto &entry : std::filesystem::directory_iterator(ATTN_SOURCE_DIR "/examples")) {
    if (entry.path().extension() != ".attn")
      continue;
    auto buf = llvm::MemoryBuffer::getFile(entry.path().string());
    ASSERT_TRUE(buf) << entry.path();
    std::unique_ptr<Analyzed> a = analyze((*buf)->getBuffer());
    ASSERT_TRUE(a) << entry.path();
    EXPECT_TRUE(a->dc->warnings().empty()) << entry.path();
    checkSound(*a, rng, entry.path().filename().string(), 60);
    ++n;
  }
  EXPECT_GE(n, 8);
}

/// Random masks over the built-ins, linear comparisons, uniform params, a document mask and
/// terms the analysis cannot see through, joined by && || ! ?: and == of bools.
class MaskGenerator {
public:
  explicit MaskGenerator(std::mt19937 &rng) : rng(rng) {}

  std::string mask(int depth) {
    if (depth == 0 || uniform(rng, 0, 3) == 0)
      return leaf();
    std::string x = mask(depth - 1), y = mask(depth - 1);
    switch (uniform(rng, 0, 6)) {
    case 0:
    case 1: return "(" + x + ") && (" + y + ")";
    case 2:
    case 3: return "(" + x + ") || (" + y + ")";
    case 4: return "!(" + x + ")";
    case 5: return "(" + x + ") ? (" + y + ") : (" + mask(depth - 1) + ")";
    default: return "(" + x + ") " + (uniform(rng, 0, 1) ? "==" : "!=") + " (" + y + ")";
    }
  }

private:
  std::string num(int64_t lo, int64_t hi) {
    int64_t v = uniform(rng, lo, hi);
    return v < 0 ? "(" + std::to_string(v) + ")" : std::to_string(v);
  }
  /// a*q_idx + c*kv_idx + k (+ off[b]), small coefficients.
  std::string linear() {
    std::string s;
    auto term = [&](const std::string &var) {
      int64_t c = uniform(rng, -3, 3);
      if (c == 0)
        return;
      s += (s.empty() ? "" : " + ") + (c == 1 ? var : num(c, c) + " * " + var);
    };
    term("q_idx");
    term("kv_idx");
    if (uniform(rng, 0, 1))
      s += (s.empty() ? "" : " + ") + num(-50, 300);
    if (uniform(rng, 0, 5) == 0)
      s += (s.empty() ? "" : " - ") + std::string("off[b]");
    return s.empty() ? "0" : s;
  }
  std::string leaf() {
    static const char *ops[] = {"<", "<=", ">", ">=", "==", "!="};
    switch (uniform(rng, 0, 15)) {
    case 0: return "causal";
    case 1: return "sliding_window(" + num(-2, 100) + ")";
    case 2: return "prefix_lm(" + num(-10, 300) + ")";
    case 3: return "chunked(" + num(1, 64) + ")";
    case 4: return "chunked(" + num(-40, -1) + ")";
    case 5: return "sliding_window(win[b])";
    case 6: return "prefix_lm(pre[b])";
    case 7: return "chunked(ch[b])";
    case 8:
    case 9:
    case 10: return linear() + " " + ops[uniform(rng, 0, 5)] + " " + linear();
    case 11: return "doc[q_idx] == doc[kv_idx]";
    case 12: return "h < 2";
    case 13: return "b == 0";
    case 14: return "q_idx % 7 < " + num(0, 7);
    default: return uniform(rng, 0, 1) ? "true" : "false";
    }
  }
  std::mt19937 &rng;
};

TEST(AnalyzeMask, SoundOnRandomMasks) {
  std::mt19937 rng(2024);
  MaskGenerator gen(rng);
  for (int i = 0; i < 400; ++i) {
    std::string mask = gen.mask(int(uniform(rng, 1, 4)));
    std::unique_ptr<Analyzed> a = analyze(specWithMask(mask), uint32_t(i));
    ASSERT_TRUE(a) << mask;
    checkSound(*a, rng, mask, 30);
    if (HasFatalFailure())
      return;
  }
}

TEST(AnalyzeMask, LinearInTheMaskAndBounded) {
  // 2^150 paths through nested lets, and a conjunction of 60 unions: each value is analysed
  // once, unions past 8 boxes merge into their hull, and the regions stay small.
  std::string lets = "let m0 = causal || q_idx < 5; ";
  for (int i = 1; i <= 150; ++i)
    lets += "let m" + std::to_string(i) + " = m" + std::to_string(i - 1) + " && m" +
            std::to_string(i - 1) + "; ";
  std::string conj = "causal";
  for (int i = 0; i < 60; ++i)
    conj += " && (kv_idx >= " + std::to_string(i) + " || q_idx - kv_idx < " +
            std::to_string(10 + i) + " || chunked(" + std::to_string(i + 1) + "))";
  std::mt19937 rng(5);
  for (const std::string &mask : {lets + "m150", conj}) {
    auto start = std::chrono::steady_clock::now();
    std::unique_ptr<Analyzed> a = analyze(specWithMask(mask));
    ASSERT_TRUE(a);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              5.0);
    EXPECT_LT(a->tileClass.size(), 20000u);
    EXPECT_LT(a->kvBounds.size(), 20000u);
    checkSound(*a, rng, mask.substr(0, 40), 20);
  }
}

//===----------------------------------------------------------------------===//
// Tightness: the closed forms of the built-ins
//===----------------------------------------------------------------------===//

/// kv_bounds(q_first, q_last) equals `expected` exactly (before any clamping).
void expectBounds(const Analyzed &a, std::mt19937 &rng, const std::string &what,
                  const std::function<std::pair<int64_t, int64_t>(int64_t, int64_t)> &expected) {
  for (int i = 0; i < 200; ++i) {
    auto [qf, ql] = randomRange(rng);
    int64_t kvLen = uniform(rng, 0, kPositions);
    std::vector<int64_t> r = a.kvBounds.run({0, qf, ql, kvLen});
    EXPECT_EQ(std::make_pair(r.at(0), r.at(1)), expected(qf, ql))
        << what << " for q [" << qf << ", " << ql << "], kv_len " << kvLen;
  }
}

TEST(AnalyzeMask, CausalBoundsAreTight) {
  std::mt19937 rng(11);
  auto a = analyze(specWithMask("causal"));
  ASSERT_TRUE(a);
  expectBounds(*a, rng, "causal", [](int64_t, int64_t ql) { return std::pair(int64_t(0), ql + 1); });
  checkTileClass(*a, rng, 300, /*exact=*/true, "causal");
}

TEST(AnalyzeMask, SlidingWindowBoundsAreTight) {
  std::mt19937 rng(12);
  for (int64_t w : {1, 5, 64}) {
    std::string ws = std::to_string(w);
    auto window = analyze(specWithMask("sliding_window(" + ws + ")"));
    ASSERT_TRUE(window);
    expectBounds(*window, rng, "sliding_window(" + ws + ")",
                 [w](int64_t qf, int64_t ql) { return std::pair(qf - w + 1, ql + w); });
    checkTileClass(*window, rng, 300, true, "sliding_window(" + ws + ")");
    auto both = analyze(specWithMask("causal && sliding_window(" + ws + ")"));
    ASSERT_TRUE(both);
    expectBounds(*both, rng, "causal && sliding_window(" + ws + ")",
                 [w](int64_t qf, int64_t ql) { return std::pair(qf - w + 1, ql + 1); });
    checkTileClass(*both, rng, 300, true, "causal && sliding_window(" + ws + ")");
  }
}

TEST(AnalyzeMask, ChunkedBoundsAreTight) {
  std::mt19937 rng(13);
  for (int64_t c : {1, 16, 100}) {
    std::string what = "chunked(" + std::to_string(c) + ")";
    auto a = analyze(specWithMask(what));
    ASSERT_TRUE(a);
    expectBounds(*a, rng, what, [c](int64_t qf, int64_t ql) {
      return std::pair(qf / c * c, (ql / c + 1) * c);
    });
    checkTileClass(*a, rng, 300, true, what);
  }
}

TEST(AnalyzeMask, PrefixLMBoundsAreTight) {
  std::mt19937 rng(14);
  for (int64_t p : {0, 7, 200}) {
    std::string what = "prefix_lm(" + std::to_string(p) + ")";
    auto a = analyze(specWithMask(what));
    ASSERT_TRUE(a);
    expectBounds(*a, rng, what, [p](int64_t, int64_t ql) {
      return std::pair(int64_t(0), std::max(p, ql + 1));
    });
    checkTileClass(*a, rng, 300, true, what);
  }
  // The prefix read per batch: full and empty still exact.
  auto a = analyze(specWithMask("prefix_lm(pre[b])"));
  ASSERT_TRUE(a);
  checkTileClass(*a, rng, 300, true, "prefix_lm(pre[b])");
}

TEST(AnalyzeMask, LinearAtomsAreExact) {
  // One comparison of a linear form is decided exactly on every box: full from the corner where
  // the form is largest, empty from the bounds it puts on q, kv or q - kv (or the corner where
  // it is smallest), with common factors divided out (2q - 2kv < 3 is q - kv <= 1). Sides that
  // could wrap around i32 at positions below 2^30 (3 * q_idx) are not analysed, so coefficients
  // stay small here.
  std::mt19937 rng(16);
  static const char *ops[] = {"<", "<=", ">", ">=", "==", "!="};
  for (int i = 0; i < 100; ++i) {
    int64_t g = uniform(rng, 1, 2), a = uniform(rng, -1, 1), c = uniform(rng, -1, 1);
    if (g == 2 && a == c) // 2q + 2kv could wrap; 2q - 2kv cannot
      g = 1;
    int op = int(uniform(rng, 0, 5));
    std::string mask = std::to_string(g * a) + " * q_idx + " + std::to_string(g * c) +
                       " * kv_idx " + ops[op] + " " + std::to_string(uniform(rng, -20, 40));
    auto an = analyze(specWithMask(mask));
    ASSERT_TRUE(an);
    // x != y is x < y || x > y: a union, full only where one side is.
    checkTileClass(*an, rng, 40, /*exact=*/op != 5, mask);
    checkKVBounds(*an, rng, 10, mask);
    if (HasFatalFailure())
      return;
  }
}

TEST(AnalyzeMask, SidesThatCanWrapAreNotAnalysed) {
  // 4 * q_idx wraps around i32 from q_idx = 2^29: there the mask is false although 4q >= kv
  // in the integers. The analysis leaves such comparisons unknown; 2 * q_idx is analysed.
  auto wraps = analyze(specWithMask("4 * q_idx >= kv_idx"));
  ASSERT_TRUE(wraps);
  int64_t q0 = (int64_t(1) << 29) + 5;
  Tile t{q0, q0 + 3, 0, 3};
  EXPECT_FALSE(wraps->maskAt(0, 0, q0, 0)); // the interpreter wraps like the kernel
  std::vector<int64_t> r = wraps->tileClass.run({0, t.qf, t.ql, t.kf, t.kl});
  EXPECT_EQ(r, (std::vector<int64_t>{0, 0}));
  auto fits = analyze(specWithMask("2 * q_idx >= kv_idx"));
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->tileClass.run({0, t.qf, t.ql, t.kf, t.kl}), (std::vector<int64_t>{1, 0}));
}

TEST(AnalyzeMask, DataDependentMasksAreNeverFull) {
  std::mt19937 rng(15);
  auto a = analyze(specWithMask("causal && doc[q_idx] == doc[kv_idx]"));
  ASSERT_TRUE(a);
  expectBounds(*a, rng, "document mask",
               [](int64_t, int64_t ql) { return std::pair(int64_t(0), ql + 1); });
  for (int i = 0; i < 100; ++i) {
    auto [qf, ql] = randomRange(rng);
    auto [kf, kl] = randomRange(rng);
    EXPECT_EQ(a->tileClass.run({0, qf, ql, kf, kl}).at(0), 0);
  }
  // The regions never read the document ids.
  for (mlir::Region *r : {&a->kernel.getKvBounds(), &a->kernel.getTileClass()})
    r->walk([](ParamReadOp op) { ADD_FAILURE() << "a param read in a derived region"; });
}

TEST(AnalyzeMask, RunsAgainReplacingTheRegions) {
  auto a = analyze(specWithMask("causal"));
  ASSERT_TRUE(a);
  size_t before = a->kernel.getTileClass().front().getOperations().size();
  ASSERT_TRUE(mlir::succeeded(analyzeMask(a->kernel)));
  EXPECT_EQ(a->kernel.getTileClass().getBlocks().size(), 1u);
  EXPECT_EQ(a->kernel.getTileClass().front().getOperations().size(), before);
}

} // namespace
