// Reference: the float64 spec evaluator against closed forms, a naive softmax written here, layout equivalences (GQA, paged, ragged, fp8 dequantization) and its argument errors.
#include "DiagnosticCapture.h"

#include "reference/NumberFormats.h"
#include "reference/Quantize.h"
#include "reference/Reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

using namespace attn;
using namespace attn::ref;
using namespace attn::test;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// A checked spec and the front end that owns its source.
struct Compiled {
  std::unique_ptr<DiagnosticCapture> dc = std::make_unique<DiagnosticCapture>();
  std::optional<CheckedSpec> spec;
  const CheckedSpec &operator*() const { return *spec; }
};

Compiled compile(const std::string &src) {
  Compiled c;
  c.spec = c.dc->check(src);
  for (const CapturedDiag &d : c.dc->errors())
    ADD_FAILURE() << "spec error " << d.line << ":" << d.col << ": " << d.message << "\n" << src;
  return c;
}

/// `kernel t { q..v: DTYPE[16]; out: f32; BODY }`.
std::string spec(const std::string &body, const std::string &dtype = "f32", int d = 16) {
  std::string dim = "[" + std::to_string(d) + "]";
  return "kernel t {\n  q: " + dtype + dim + ";\n  k: " + dtype + dim + ";\n  v: " + dtype + dim +
         ";\n  out: f32;\n" + body + "\n}\n";
}

/// N(0, 1) values, never zero, stored in `t`'s dtype.
void fillRandom(Tensor &t, std::mt19937_64 &rng, double sigma = 1.0) {
  std::normal_distribution<double> n(0.0, sigma);
  forEachIndex(t.shape(), [&](const std::vector<int64_t> &i) {
    double x;
    do
      x = n(rng);
    while (x == 0.0);
    t.set(i, x);
  });
}

Tensor randomTensor(DType t, std::vector<int64_t> shape, std::mt19937_64 &rng) {
  Tensor x(t, std::move(shape));
  fillRandom(x, rng);
  return x;
}

/// A dense problem q [B, Sq, Hq, D], k [B, Skv, Hkv, D], v [B, Skv, Hkv, Dv], all random.
Problem denseProblem(int64_t B, int64_t Sq, int64_t Skv, int64_t Hq, int64_t Hkv,
                     std::mt19937_64 &rng, int64_t D = 16, int64_t Dv = 16,
                     DType t = DType::F32) {
  Problem p;
  p.q = randomTensor(t, {B, Sq, Hq, D}, rng);
  p.k = randomTensor(t, {B, Skv, Hkv, D}, rng);
  p.v = randomTensor(t, {B, Skv, Hkv, Dv}, rng);
  return p;
}

Result evalOK(const CheckedSpec &s, const Problem &p) {
  llvm::Expected<Result> r = evaluate(s, p);
  if (!r) {
    ADD_FAILURE() << "evaluate failed: " << llvm::toString(r.takeError());
    return Result{};
  }
  return std::move(*r);
}

std::string evalError(const CheckedSpec &s, const Problem &p) {
  llvm::Expected<Result> r = evaluate(s, p);
  if (r) {
    ADD_FAILURE() << "evaluate succeeded where an error was expected";
    return "";
  }
  return llvm::toString(r.takeError());
}

using ScoreFn = std::function<double(double s, int64_t b, int64_t h, int64_t qi, int64_t kj)>;
using MaskFn = std::function<bool(int64_t b, int64_t h, int64_t qi, int64_t kj)>;

/// Softmax attention written out for dense tensors, straight from the definition: for every
/// (b, h, i), weights exp(score(scale * q·k)) over unmasked keys, no max shift (the test data
/// keeps scores small), q_idx = Skv - Sq + i.
struct Naive {
  std::vector<double> out, lse;
};
Naive naiveDense(const Problem &p, double scale, const ScoreFn &score, const MaskFn &mask) {
  int64_t B = p.q.shape()[0], Sq = p.q.shape()[1], Hq = p.q.shape()[2], D = p.q.shape()[3];
  int64_t Skv = p.k.shape()[1], Hkv = p.k.shape()[2], Dv = p.v.shape()[3];
  Naive r;
  r.out.assign(size_t(B * Sq * Hq * Dv), 0.0);
  r.lse.assign(size_t(B * Sq * Hq), -kInf);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < Hq; ++h) {
        int64_t hk = h / (Hq / Hkv), qi = Skv - Sq + i;
        double sum = 0;
        std::vector<double> acc(size_t(Dv), 0.0);
        for (int64_t j = 0; j < Skv; ++j) {
          if (mask && !mask(b, h, qi, j))
            continue;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += p.q.get({b, i, h, d}) * p.k.get({b, j, hk, d});
          double s = scale * dot;
          double e = std::exp(score ? score(s, b, h, qi, j) : s);
          sum += e;
          for (int64_t d = 0; d < Dv; ++d)
            acc[size_t(d)] += e * p.v.get({b, j, hk, d});
        }
        int64_t row = b * Sq + i;
        if (sum > 0) {
          r.lse[size_t(row * Hq + h)] = std::log(sum);
          for (int64_t d = 0; d < Dv; ++d)
            r.out[size_t((row * Hq + h) * Dv + d)] = acc[size_t(d)] / sum;
        }
      }
  return r;
}

/// |a - b| <= tol * (1 + |b|) element by element (and the same infinities).
/// Sequence b of a paged problem (dense q [B, Sq, Hq, D], kv pages [blocks, P, Hkv, D]) as a
/// dense f32 batch of one: q row b, and its kvLen keys gathered through `blockOf(j)`; `keyAt`
/// gives the key value to store (raw, or dequantized by the test).
using KeyAt = std::function<double(int64_t block, int64_t slot, int64_t h, int64_t d)>;
Problem gatherSequence(const Problem &p, int64_t b, int64_t kvLen,
                       const std::function<int64_t(int64_t j)> &blockOf, const KeyAt &keyAt) {
  const std::vector<int64_t> &qs = p.q.shape(), &ks = p.k.shape();
  const int64_t P = ks[1], Hkv = ks[2], D = ks[3];
  Problem c;
  c.q = Tensor(DType::F32, {1, qs[1], qs[2], qs[3]});
  c.k = Tensor(DType::F32, {1, kvLen, Hkv, D});
  c.v = Tensor(DType::F32, {1, kvLen, Hkv, D});
  forEachIndex(c.q.shape(), [&](const std::vector<int64_t> &i) {
    c.q.set(i, p.q.get({b, i[1], i[2], i[3]}));
  });
  for (int64_t j = 0; j < kvLen; ++j) {
    int64_t block = blockOf(j), slot = j % P;
    for (int64_t h = 0; h < Hkv; ++h)
      for (int64_t d = 0; d < D; ++d) {
        c.k.set({0, j, h, d}, keyAt(block, slot, h, d));
        c.v.set({0, j, h, d}, p.v.get({block, slot, h, d}));
      }
  }
  return c;
}

void expectClose(const std::vector<double> &a, const std::vector<double> &b, double tol,
                 const char *what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok = std::isinf(b[i]) ? a[i] == b[i] : std::fabs(a[i] - b[i]) <= tol * (1 + std::fabs(b[i]));
    if (!ok && ++bad <= 5)
      ADD_FAILURE() << what << "[" << i << "] = " << a[i] << ", want " << b[i];
  }
  EXPECT_EQ(bad, 0u) << what;
}

double maxAbsDiff(const std::vector<double> &a, const std::vector<double> &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Closed forms.

TEST(RefClosedForm, ConstantValueGivesValue) {
  // Whatever the weights, Σ_j p_j c = c: a position-dependent score, a windowed causal mask,
  // GQA, and queries offset into the keys (q_idx = 4 + i, so no row is fully masked).
  Compiled c = compile(spec("  score { 3.0 * tanh(s / 3.0) + 0.1 * (q_idx - kv_idx) }\n"
                            "  mask { causal && sliding_window(7) }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(101);
  const int64_t B = 2, Sq = 9, Skv = 13, Hq = 4, Hkv = 2, D = 16;
  Problem p = denseProblem(B, Sq, Skv, Hq, Hkv, rng);
  Tensor cst = randomTensor(DType::F32, {B, Hkv, D}, rng);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < Skv; ++j)
      for (int64_t hk = 0; hk < Hkv; ++hk)
        for (int64_t d = 0; d < D; ++d)
          p.v.set({b, j, hk, d}, cst.get({b, hk, d}));
  Result r = evalOK(*c, p);
  ASSERT_EQ(r.rows, B * Sq);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < Hq; ++h)
        for (int64_t d = 0; d < D; ++d) {
          double want = cst.get({b, h / 2, d});
          EXPECT_NEAR(r.at(b * Sq + i, h, d), want, 1e-14 * std::fabs(want) + 1e-300);
        }
}

TEST(RefClosedForm, SingleUnmaskedKeyGivesItsValueRow) {
  // mask kv_idx == 3: p = (0, 0, 0, 1, 0, ...), so out is v[3] bit for bit and lse is that
  // one score. bf16 inputs: the values are exactly their decoded bits.
  Compiled c = compile("kernel t {\n  q: bf16[16];\n  k: bf16[16];\n  v: bf16[16];\n"
                       "  out: f32;\n  lse: f32;\n  mask { kv_idx == 3 }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(102);
  const int64_t B = 2, Sq = 5, Skv = 8, H = 3, D = 16;
  Problem p = denseProblem(B, Sq, Skv, H, H, rng, D, D, DType::BF16);
  Result r = evalOK(*c, p);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < H; ++h) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) {
          EXPECT_EQ(r.at(b * Sq + i, h, d), p.v.get({b, 3, h, d}));
          dot += p.q.get({b, i, h, d}) * p.k.get({b, 3, h, d});
        }
        EXPECT_NEAR(r.lse[size_t((b * Sq + i) * H + h)], dot / 4.0, 1e-13);
      }
}

TEST(RefClosedForm, CausalRowZeroIsValueRowZero) {
  // Sq == Skv: query 0 has q_idx 0 and sees key 0 only.
  Compiled c = compile(spec("  mask { causal }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(103);
  const int64_t B = 2, S = 10, Hq = 4, Hkv = 2, D = 16;
  Problem p = denseProblem(B, S, S, Hq, Hkv, rng);
  Result r = evalOK(*c, p);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h)
      for (int64_t d = 0; d < D; ++d)
        EXPECT_EQ(r.at(b * S, h, d), p.v.get({b, 0, h / 2, d}));
  // Row 1 is a mixture of keys 0 and 1, so not equal to either (the test discriminates).
  EXPECT_NE(r.at(1, 0, 0), p.v.get({0, 1, 0, 0}));
  EXPECT_NE(r.at(1, 0, 0), p.v.get({0, 0, 0, 0}));
}

TEST(RefClosedForm, PermutingKeysAndValuesTogetherKeepsTheOutput) {
  // No position in the score or the mask: attention is a function of the set of (k, v) pairs.
  Compiled c = compile(spec("  lse: f32;\n  score { 0.1 * s * s + tanh(s) }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(104);
  const int64_t B = 2, Sq = 6, Skv = 20, H = 2, D = 16;
  Problem p = denseProblem(B, Sq, Skv, H, H, rng);
  Problem perm = p;
  perm.k = Tensor(DType::F32, p.k.shape());
  perm.v = Tensor(DType::F32, p.v.shape());
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> pi(Skv);
    std::iota(pi.begin(), pi.end(), 0);
    std::shuffle(pi.begin(), pi.end(), rng);
    for (int64_t j = 0; j < Skv; ++j)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t d = 0; d < D; ++d) {
          perm.k.set({b, j, h, d}, p.k.get({b, pi[j], h, d}));
          perm.v.set({b, j, h, d}, p.v.get({b, pi[j], h, d}));
        }
  }
  Result a = evalOK(*c, p), b = evalOK(*c, perm);
  expectClose(b.out, a.out, 1e-13, "permuted out");
  expectClose(b.lse, a.lse, 1e-13, "permuted lse");
  EXPECT_GT(maxAbsDiff(a.out, std::vector<double>(a.out.size(), 0.0)), 0.1);
}

TEST(RefClosedForm, SoftcapWithAHugeCapIsNoSoftcap) {
  // cap * tanh(s / cap) = s - s^3 / (3 cap^2) + ...: with cap = 1e6 and |s| < 10 the scores
  // move by < 1e-9 relative.
  Compiled capped = compile(spec("  const cap = 1000000.0;\n  score { cap * tanh(s / cap) }\n"
                                 "  mask { causal }"));
  Compiled plain = compile(spec("  mask { causal }"));
  ASSERT_TRUE(capped.spec && plain.spec);
  std::mt19937_64 rng(105);
  Problem p = denseProblem(2, 7, 12, 4, 4, rng);
  Result a = evalOK(*capped, p), b = evalOK(*plain, p);
  expectClose(a.out, b.out, 1e-9, "softcapped out");
  // And a small cap does change it (the test discriminates).
  Compiled small = compile(spec("  const cap = 0.5;\n  score { cap * tanh(s / cap) }\n"
                                "  mask { causal }"));
  Result s = evalOK(*small, p);
  EXPECT_GT(maxAbsDiff(s.out, b.out), 1e-3);
}

// ---------------------------------------------------------------------------------------------
// Against the naive softmax.

TEST(RefNaive, AlibiMatchesNaiveSoftmax) {
  Compiled c = compile(spec("  lse: f32;\n  param slopes: f32[H];\n"
                            "  score { s - slopes[h] * (q_idx - kv_idx) }\n  mask { causal }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(201);
  const int64_t B = 2, Sq = 7, Skv = 19, H = 4;
  Problem p = denseProblem(B, Sq, Skv, H, H, rng);
  Tensor slopes(DType::F32, {H});
  std::vector<double> slope(H);
  for (int64_t h = 0; h < H; ++h) {
    slopes.set({h}, std::exp2(-8.0 * double(h + 1) / double(H))); // 2^(-8(h+1)/H)
    slope[size_t(h)] = slopes.get({h});
  }
  p.params["slopes"] = slopes;
  Result r = evalOK(*c, p);
  Naive n = naiveDense(
      p, 0.25,
      [&](double s, int64_t, int64_t h, int64_t qi, int64_t kj) {
        return s - slope[size_t(h)] * double(qi - kj);
      },
      [](int64_t, int64_t, int64_t qi, int64_t kj) { return kj <= qi; });
  expectClose(r.out, n.out, 1e-12, "alibi out");
  expectClose(r.lse, n.lse, 1e-12, "alibi lse");
}

TEST(RefNaive, CausalSlidingWindowMatchesNaiveSoftmax) {
  const int64_t W = 5;
  Compiled c = compile(spec("  lse: f32;\n  mask { causal && sliding_window(5) }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(202);
  Problem p = denseProblem(2, 11, 23, 4, 2, rng);
  Result r = evalOK(*c, p);
  Naive n = naiveDense(p, 0.25, nullptr, [&](int64_t, int64_t, int64_t qi, int64_t kj) {
    return kj <= qi && qi - kj < W;
  });
  expectClose(r.out, n.out, 1e-12, "window out");
  expectClose(r.lse, n.lse, 1e-12, "window lse");
}

TEST(RefNaive, LseIsLogSumExpOfTheScores) {
  Compiled c = compile(spec("  lse: f32;"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(203);
  const int64_t B = 2, Sq = 4, Skv = 9, H = 2, D = 16;
  Problem p = denseProblem(B, Sq, Skv, H, H, rng);
  Result r = evalOK(*c, p);
  ASSERT_EQ(r.lse.size(), size_t(B * Sq * H));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < H; ++h) {
        double sum = 0;
        for (int64_t j = 0; j < Skv; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += p.q.get({b, i, h, d}) * p.k.get({b, j, h, d});
          sum += std::exp(dot / std::sqrt(double(D)));
        }
        EXPECT_NEAR(r.lse[size_t((b * Sq + i) * H + h)], std::log(sum), 1e-13);
      }
}

TEST(RefNaive, SoftmaxScaleDefaultSpecAndLaunch) {
  std::mt19937_64 rng(204);
  Problem p = denseProblem(1, 5, 8, 2, 2, rng);
  // Default: 1/sqrt(Dqk) = 1/4 for D = 16.
  Compiled dflt = compile(spec(""));
  ASSERT_TRUE(dflt.spec);
  Result a = evalOK(*dflt, p);
  expectClose(a.out, naiveDense(p, 0.25, nullptr, nullptr).out, 1e-12, "default scale");
  // D = 64 default is 1/8.
  Compiled d64 = compile(spec("", "f32", 64));
  ASSERT_TRUE(d64.spec);
  Problem p64 = denseProblem(1, 3, 6, 2, 2, rng, 64, 64);
  expectClose(evalOK(*d64, p64).out, naiveDense(p64, 0.125, nullptr, nullptr).out, 1e-12,
              "default scale D=64");
  // The spec's softmax_scale.
  Compiled given = compile(spec("  softmax_scale = 0.15625;"));
  ASSERT_TRUE(given.spec);
  EXPECT_EQ(given.spec->signature.softmaxScale, 0.15625);
  Result b = evalOK(*given, p);
  expectClose(b.out, naiveDense(p, 0.15625, nullptr, nullptr).out, 1e-12, "spec scale");
  EXPECT_GT(maxAbsDiff(a.out, b.out), 1e-3);
  // A launch's softmaxScale wins over the spec's.
  Problem launch = p;
  launch.softmaxScale = 0.7;
  expectClose(evalOK(*given, launch).out, naiveDense(p, 0.7, nullptr, nullptr).out, 1e-12,
              "launch scale");
}

TEST(RefNaive, FullyMaskedRowGivesZeroAndMinusInfLse) {
  // q_idx != 2 masks every key of the query at position 2.
  Compiled c = compile(spec("  lse: f32;\n  mask { q_idx != 2 }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(205);
  const int64_t B = 2, S = 5, H = 2, D = 16;
  Problem p = denseProblem(B, S, S, H, H, rng);
  Result r = evalOK(*c, p);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i)
      for (int64_t h = 0; h < H; ++h) {
        double lse = r.lse[size_t((b * S + i) * H + h)];
        if (i == 2) {
          EXPECT_EQ(lse, -kInf);
          for (int64_t d = 0; d < D; ++d)
            EXPECT_EQ(r.at(b * S + i, h, d), 0.0);
        } else {
          EXPECT_TRUE(std::isfinite(lse));
        }
      }
  Naive n = naiveDense(p, 0.25, nullptr, [](int64_t, int64_t, int64_t qi, int64_t) {
    return qi != 2;
  });
  expectClose(r.out, n.out, 1e-12, "masked out");
  expectClose(r.lse, n.lse, 1e-12, "masked lse");
}

// ---------------------------------------------------------------------------------------------
// Layout equivalences.

TEST(RefLayout, GqaEqualsMhaWithRepeatedKVHeads) {
  Compiled any = compile(spec("  lse: f32;\n  mask { causal }"));
  Compiled fixed = compile(spec("  lse: f32;\n  gqa = 4;\n  mask { causal }"));
  ASSERT_TRUE(any.spec && fixed.spec);
  std::mt19937_64 rng(301);
  const int64_t B = 2, Sq = 6, Skv = 10, Hq = 8, Hkv = 2, D = 16;
  Problem gqa = denseProblem(B, Sq, Skv, Hq, Hkv, rng);
  Problem mha = gqa;
  mha.k = Tensor(DType::F32, {B, Skv, Hq, D});
  mha.v = Tensor(DType::F32, {B, Skv, Hq, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < Skv; ++j)
      for (int64_t h = 0; h < Hq; ++h)
        for (int64_t d = 0; d < D; ++d) {
          mha.k.set({b, j, h, d}, gqa.k.get({b, j, h / 4, d})); // g(h) = h / (8 / 2)
          mha.v.set({b, j, h, d}, gqa.v.get({b, j, h / 4, d}));
        }
  Result g = evalOK(*any, gqa), m = evalOK(*any, mha), f = evalOK(*fixed, gqa);
  expectClose(g.out, m.out, 1e-15, "gqa out");
  expectClose(g.lse, m.lse, 1e-15, "gqa lse");
  expectClose(f.out, m.out, 1e-15, "gqa = 4 out");
  // Heads 0..3 share KV head 0 and differ only by their queries: not all equal.
  EXPECT_NE(g.at(0, 0, 0), g.at(0, 1, 0));
}

TEST(RefLayout, StridedTensorsEqualContiguousOnes) {
  // q stored [B, Hq, Sq, D] and k, v stored [B, Hkv, Skv, D] (SDPA's layout), read through
  // [B, S, H, D] views with permuted strides, equal the contiguous problem element for element.
  Compiled c = compile(spec("  mask { causal }"));
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(307);
  const int64_t B = 2, Sq = 5, Skv = 9, Hq = 4, Hkv = 2, D = 16;
  Problem dense = denseProblem(B, Sq, Skv, Hq, Hkv, rng);
  Problem strided = dense;
  auto permuted = [](const Tensor &src) {
    const std::vector<int64_t> &s = src.shape(); // [B, S, H, D]
    Tensor store(src.dtype(), {s[0], s[2], s[1], s[3]});
    for (int64_t b = 0; b < s[0]; ++b)
      for (int64_t i = 0; i < s[1]; ++i)
        for (int64_t h = 0; h < s[2]; ++h)
          for (int64_t d = 0; d < s[3]; ++d)
            store.set({b, h, i, d}, src.get({b, i, h, d}));
    return Tensor::view(store, s, {s[2] * s[1] * s[3], s[3], s[1] * s[3], 1});
  };
  strided.q = permuted(dense.q);
  strided.k = permuted(dense.k);
  strided.v = permuted(dense.v);
  ASSERT_EQ(strided.q.strides()[1], D); // really not row-major [B, S, H, D]
  expectClose(evalOK(*c, strided).out, evalOK(*c, dense).out, 0, "strided out");
}

TEST(RefLayout, PagedEqualsContiguousAfterGathering) {
  // Pages of 16, sequences of 37, 16 and 50 keys (a partial page, a full one, four pages) in
  // shuffled blocks among spare blocks of random data; causal with q_idx = kvLen - Sq + i.
  Compiled paged = compile(spec("  lse: f32;\n  kv_cache = paged(16);\n  mask { causal }"));
  Compiled dense = compile(spec("  lse: f32;\n  mask { causal }"));
  ASSERT_TRUE(paged.spec && dense.spec);
  std::mt19937_64 rng(302);
  const int64_t B = 3, Sq = 4, Hq = 4, Hkv = 2, D = 16, P = 16;
  const std::vector<int32_t> lens = {37, 16, 50};
  int64_t used = 0, maxPages = 0;
  for (int32_t l : lens) {
    used += (l + P - 1) / P;
    maxPages = std::max<int64_t>(maxPages, (l + P - 1) / P);
  }
  const int64_t numBlocks = used + 3;
  std::vector<int32_t> ids(static_cast<size_t>(numBlocks));
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  Problem p;
  p.q = randomTensor(DType::F32, {B, Sq, Hq, D}, rng);
  p.k = randomTensor(DType::F32, {numBlocks, P, Hkv, D}, rng);
  p.v = randomTensor(DType::F32, {numBlocks, P, Hkv, D}, rng);
  p.seqLensKV = lens;
  p.blockTable = Tensor(DType::I32, {B, maxPages});
  size_t next = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < maxPages; ++j)
      p.blockTable.setBits({b, j}, uint32_t(j < (lens[b] + P - 1) / P ? ids[next++] : ids.back()));
  Result r = evalOK(*paged, p);
  ASSERT_EQ(r.rows, B * Sq);
  for (int64_t b = 0; b < B; ++b) {
    // Gather sequence b's keys into a dense batch of one.
    Problem c = gatherSequence(
        p, b, lens[b], [&](int64_t j) { return int64_t(p.blockTable.get({b, j / P})); },
        [&](int64_t block, int64_t slot, int64_t h, int64_t d) {
          return p.k.get({block, slot, h, d});
        });
    Result want = evalOK(*dense, c);
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < Hq; ++h) {
        EXPECT_DOUBLE_EQ(r.lse[size_t((b * Sq + i) * Hq + h)], want.lse[size_t(i * Hq + h)]);
        for (int64_t d = 0; d < D; ++d)
          EXPECT_DOUBLE_EQ(r.at(b * Sq + i, h, d), want.at(i, h, d)) << b << " " << i;
      }
  }
}

TEST(RefLayout, PagedFp8PerTokenHeadScalesEqualDequantizedContiguous) {
  // k in e4m3 with one scale per (block, slot, KV head), as vLLM stores it beside the cache.
  Compiled paged = compile("kernel t {\n  q: f32[16];\n  k: f8e4m3[16] scale per_token_head;\n"
                           "  v: f32[16];\n  out: f32;\n  kv_cache = paged(16);\n"
                           "  mask { causal }\n}\n");
  Compiled dense = compile(spec("  mask { causal }"));
  ASSERT_TRUE(paged.spec && dense.spec);
  std::mt19937_64 rng(303);
  const int64_t B = 2, Sq = 3, Hq = 2, Hkv = 2, D = 16, P = 16, numBlocks = 6;
  const std::vector<int32_t> lens = {20, 33};
  Problem p;
  p.q = randomTensor(DType::F32, {B, Sq, Hq, D}, rng);
  p.k = Tensor(DType::F8E4M3, {numBlocks, P, Hkv, D});
  std::uniform_int_distribution<uint32_t> code(0x20, 0x57); // e4m3 magnitudes 2^-3 .. 2^4
  forEachIndex(p.k.shape(), [&](const std::vector<int64_t> &i) {
    p.k.setBits(i, code(rng) | (rng() & 1 ? 0x80 : 0));
  });
  p.v = randomTensor(DType::F32, {numBlocks, P, Hkv, D}, rng);
  // Scales with 20 significant bits: decode(bits) (4 bits) * scale is exact in float32.
  std::uniform_int_distribution<uint32_t> mant(1u << 19, (1u << 20) - 1);
  for (int64_t i = 0; i < numBlocks * P * Hkv; ++i)
    p.kScale.push_back(std::ldexp(float(mant(rng)), -23)); // in [1/16, 1/8)
  p.seqLensKV = lens;
  p.blockTable = Tensor(DType::I32, {B, 3});
  const int32_t table[2][3] = {{4, 1, 5}, {2, 0, 3}}; // seq 0 uses 2 pages, seq 1 uses 3
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < 3; ++j)
      p.blockTable.setBits({b, j}, uint32_t(table[b][j]));
  Result r = evalOK(*paged, p);
  for (int64_t b = 0; b < B; ++b) {
    bool exact = true;
    Problem c = gatherSequence(
        p, b, lens[b], [&](int64_t j) { return int64_t(table[b][j / P]); },
        [&](int64_t block, int64_t slot, int64_t h, int64_t d) {
          double k = p.k.get({block, slot, h, d}) *
                     double(p.kScale[size_t((block * P + slot) * Hkv + h)]);
          exact &= double(float(k)) == k;
          return k;
        });
    ASSERT_TRUE(exact) << "dequantized keys must be exact in float32";
    Result want = evalOK(*dense, c);
    for (int64_t i = 0; i < Sq; ++i)
      for (int64_t h = 0; h < Hq; ++h)
        for (int64_t d = 0; d < D; ++d)
          EXPECT_DOUBLE_EQ(r.at(b * Sq + i, h, d), want.at(i, h, d)) << b << " " << i;
  }
}

TEST(RefLayout, RaggedEqualsEachSequenceAlone) {
  // (qLen, kvLen) per sequence; kvLen > qLen puts the queries at q_idx = kvLen - qLen + i, which
  // the causal mask and the position score both see.
  Compiled ragged = compile(spec("  lse: f32;\n  batch = ragged;\n"
                                 "  score { s - 0.05 * (q_idx - kv_idx) }\n  mask { causal }"));
  Compiled dense = compile(spec("  lse: f32;\n  score { s - 0.05 * (q_idx - kv_idx) }\n"
                                "  mask { causal }"));
  ASSERT_TRUE(ragged.spec && dense.spec);
  std::mt19937_64 rng(304);
  const std::vector<std::pair<int32_t, int32_t>> seqs = {{3, 10}, {1, 7}, {6, 6}, {2, 15}};
  const int64_t Hq = 4, Hkv = 2, D = 16;
  Problem p;
  p.cuSeqlensQ = {0};
  p.cuSeqlensKV = {0};
  for (auto [q, kv] : seqs) {
    p.cuSeqlensQ.push_back(p.cuSeqlensQ.back() + q);
    p.cuSeqlensKV.push_back(p.cuSeqlensKV.back() + kv);
  }
  const int64_t Tq = p.cuSeqlensQ.back(), Tkv = p.cuSeqlensKV.back();
  p.q = randomTensor(DType::F32, {Tq, Hq, D}, rng);
  p.k = randomTensor(DType::F32, {Tkv, Hkv, D}, rng);
  p.v = randomTensor(DType::F32, {Tkv, Hkv, D}, rng);
  Result r = evalOK(*ragged, p);
  ASSERT_EQ(r.rows, Tq);
  for (size_t b = 0; b < seqs.size(); ++b) {
    auto [qLen, kvLen] = seqs[b];
    Problem c;
    c.q = Tensor(DType::F32, {1, qLen, Hq, D});
    c.k = Tensor(DType::F32, {1, kvLen, Hkv, D});
    c.v = Tensor(DType::F32, {1, kvLen, Hkv, D});
    forEachIndex(c.q.shape(), [&](const std::vector<int64_t> &i) {
      c.q.set(i, p.q.get({p.cuSeqlensQ[b] + i[1], i[2], i[3]}));
    });
    forEachIndex(c.k.shape(), [&](const std::vector<int64_t> &i) {
      c.k.set(i, p.k.get({p.cuSeqlensKV[b] + i[1], i[2], i[3]}));
      c.v.set(i, p.v.get({p.cuSeqlensKV[b] + i[1], i[2], i[3]}));
    });
    Result want = evalOK(*dense, c);
    // And the dense one against the naive softmax, so the offsets are checked, not assumed.
    Naive n = naiveDense(
        c, 0.25,
        [](double s, int64_t, int64_t, int64_t qi, int64_t kj) { return s - 0.05 * double(qi - kj); },
        [](int64_t, int64_t, int64_t qi, int64_t kj) { return kj <= qi; });
    expectClose(want.out, n.out, 1e-12, "dense sequence vs naive");
    for (int64_t i = 0; i < qLen; ++i)
      for (int64_t h = 0; h < Hq; ++h) {
        int64_t row = p.cuSeqlensQ[b] + i;
        EXPECT_DOUBLE_EQ(r.lse[size_t(row * Hq + h)], want.lse[size_t(i * Hq + h)]);
        for (int64_t d = 0; d < D; ++d)
          EXPECT_DOUBLE_EQ(r.at(row, h, d), want.at(i, h, d)) << "seq " << b << " row " << i;
      }
  }
  // Sequence 1 (one query at q_idx 6) sees all 7 keys; sequence 2 (6 queries, 6 keys) row 0
  // sees key 0 only: out is v's row.
  for (int64_t h = 0; h < Hq; ++h)
    for (int64_t d = 0; d < D; ++d)
      EXPECT_EQ(r.at(p.cuSeqlensQ[2], h, d), p.v.get({p.cuSeqlensKV[2], h / 2, d}));
}

/// Random fp8 codes with exponent fields in [lo, hi] and random signs (no NaN or inf); returns
/// them in row-major order.
std::vector<uint16_t> fillCodes(Tensor &t, std::mt19937_64 &rng, int manBits, uint32_t lo,
                                uint32_t hi) {
  std::uniform_int_distribution<uint32_t> e(lo, hi), m(0, (1u << manBits) - 1);
  std::vector<uint16_t> codes;
  forEachIndex(t.shape(), [&](const std::vector<int64_t> &i) {
    codes.push_back(uint16_t((rng() & 1 ? 0x80 : 0) | e(rng) << manBits | m(rng)));
    t.setBits(i, codes.back());
  });
  return codes;
}

/// `n` scales of 20 significant bits in [2^e, 2^(e+1)): times an fp8 value (<= 4 significant
/// bits) they are exact in float32.
std::vector<float> scales(std::mt19937_64 &rng, size_t n, int e) {
  std::uniform_int_distribution<uint32_t> mant(1u << 19, (1u << 20) - 1);
  std::vector<float> s;
  for (size_t i = 0; i < n; ++i)
    s.push_back(std::ldexp(float(mant(rng)), e - 19));
  return s;
}

TEST(RefLayout, Fp8DequantizationEqualsTheDequantizedF32Problem) {
  // q f32; k e4m3 per (b, h_kv); v e5m2 per tensor. The twin holds decode(bits) * scale in
  // f32 (exact by construction) and no scales.
  Compiled c = compile("kernel t {\n  q: f32[16];\n  k: f8e4m3[16] scale per_head;\n"
                       "  v: f8e5m2[16] scale per_tensor;\n  out: f32;\n  lse: f32;\n"
                       "  mask { causal }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(305);
  const int64_t B = 2, Sq = 5, Skv = 9, Hq = 4, Hkv = 2, D = 16;
  Problem p;
  p.q = randomTensor(DType::F32, {B, Sq, Hq, D}, rng);
  p.k = Tensor(DType::F8E4M3, {B, Skv, Hkv, D});
  p.v = Tensor(DType::F8E5M2, {B, Skv, Hkv, D});
  std::vector<uint16_t> kCodes = fillCodes(p.k, rng, 3, 4, 10);  // 2^-3 .. 2^3
  std::vector<uint16_t> vCodes = fillCodes(p.v, rng, 2, 12, 18); // 2^-3 .. 2^3
  p.kScale = scales(rng, size_t(B * Hkv), -4);
  p.vScale = scales(rng, 1, -2);
  Result r = evalOK(*c, p);

  Problem twin;
  twin.q = p.q;
  twin.k = Tensor(DType::F32, p.k.shape());
  twin.v = Tensor(DType::F32, p.v.shape());
  size_t n = 0;
  forEachIndex(p.k.shape(), [&](const std::vector<int64_t> &i) {
    double kv = double(decode(Format::E4M3, kCodes[n])) * p.kScale[size_t(i[0] * Hkv + i[2])];
    double vv = double(decode(Format::E5M2, vCodes[n++])) * p.vScale[0];
    ASSERT_EQ(double(float(kv)), kv);
    ASSERT_EQ(double(float(vv)), vv);
    twin.k.set(i, kv);
    twin.v.set(i, vv);
  });
  Signature twinSig = c.spec->signature;
  twinSig.k = {DType::F32, 16, ScaleKind::None};
  twinSig.v = {DType::F32, 16, ScaleKind::None};
  llvm::Expected<Result> t = evaluate(*c.spec->ast, twinSig, twin);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  expectClose(r.out, t->out, 1e-14, "dequantized out");
  expectClose(r.lse, t->lse, 1e-14, "dequantized lse");
  // The scales matter: without them (all 1) the answer moves.
  Problem unscaled = p;
  std::fill(unscaled.kScale.begin(), unscaled.kScale.end(), 1.0f);
  unscaled.vScale = {1.0f};
  EXPECT_GT(maxAbsDiff(evalOK(*c, unscaled).out, r.out), 1e-2);
}

TEST(RefLayout, Fp8QueriesPerTokenHeadScales) {
  // All-fp8: q e4m3 with one scale per (b, position, head), k per head, v per tensor.
  Compiled c = compile("kernel t {\n  q: f8e4m3[16] scale per_token_head;\n"
                       "  k: f8e4m3[16] scale per_head;\n  v: f8e4m3[16] scale per_tensor;\n"
                       "  out: f32;\n  mask { causal }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(306);
  const int64_t B = 2, Sq = 4, Skv = 6, H = 2, D = 16;
  Problem p;
  p.q = Tensor(DType::F8E4M3, {B, Sq, H, D});
  p.k = Tensor(DType::F8E4M3, {B, Skv, H, D});
  p.v = Tensor(DType::F8E4M3, {B, Skv, H, D});
  fillCodes(p.q, rng, 3, 4, 10);
  fillCodes(p.k, rng, 3, 4, 10);
  fillCodes(p.v, rng, 3, 4, 10);
  p.qScale = scales(rng, size_t(B * Sq * H), -3);
  p.kScale = scales(rng, size_t(B * H), -3);
  p.vScale = scales(rng, 1, 0);
  Result r = evalOK(*c, p);
  Problem twin;
  twin.q = Tensor(DType::F32, p.q.shape());
  twin.k = Tensor(DType::F32, p.k.shape());
  twin.v = Tensor(DType::F32, p.v.shape());
  forEachIndex(p.q.shape(), [&](const std::vector<int64_t> &i) {
    twin.q.set(i, p.q.get(i) * double(p.qScale[size_t((i[0] * Sq + i[1]) * H + i[2])]));
  });
  forEachIndex(p.k.shape(), [&](const std::vector<int64_t> &i) {
    twin.k.set(i, p.k.get(i) * double(p.kScale[size_t(i[0] * H + i[2])]));
    twin.v.set(i, p.v.get(i) * double(p.vScale[0]));
  });
  Signature twinSig = c.spec->signature;
  for (TensorSig *t : {&twinSig.q, &twinSig.k, &twinSig.v})
    *t = {DType::F32, 16, ScaleKind::None};
  llvm::Expected<Result> t = evaluate(*c.spec->ast, twinSig, twin);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  expectClose(r.out, t->out, 1e-14, "fp8 q out");
}

// ---------------------------------------------------------------------------------------------
// The stored output.

TEST(RefOutput, Fp8OutputIsScaledSaturatedAndRounded) {
  // mask kv_idx == 0 makes out exactly v's row 0; out_scale = 0.5 doubles it before e4m3
  // rounding. Expected values worked by hand (e4m3: [1, 2) in steps of 1/8, [0.5, 1) of 1/16,
  // subnormal step 2^-9, max 448).
  Compiled c = compile("kernel t {\n  q: f32[8];\n  k: f32[8];\n  v: f32[8];\n"
                       "  out: f8e4m3 scale per_tensor;\n  mask { kv_idx == 0 }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(401);
  Problem p = denseProblem(1, 2, 3, 1, 1, rng, 8, 8);
  const float v0[8] = {1.0f, 300.0f, -1000.0f, 0.3f, 0.53125f, 0.59375f, -0.001f, 20.0f};
  const double want[8] = {2.0,       // exact
                          448.0,     // 600 saturates
                          -448.0,    // -2000 saturates
                          0.625,     // 0.6: nearer 0.625 than 0.5625
                          1.0,       // 1.0625: tie between 1 (even) and 1.125
                          1.25,      // 1.1875: tie between 1.125 and 1.25 (even)
                          -0x1p-9,   // -0.002: nearest subnormal 2^-9
                          40.0};     // exact in [32, 64) steps of 4
  for (int64_t d = 0; d < 8; ++d)
    p.v.set({0, 0, 0, d}, v0[d]);
  p.outScale = 0.5f;
  Result r = evalOK(*c, p);
  for (int64_t row = 0; row < 2; ++row)
    for (int64_t d = 0; d < 8; ++d) {
      EXPECT_EQ(r.at(row, 0, d), double(v0[d]));
      EXPECT_EQ(r.stored[size_t(row * 8 + d)], want[d]) << "d=" << d;
    }
  // out_scale must be positive.
  p.outScale = 0;
  EXPECT_NE(evalError(*c, p).find("out_scale"), std::string::npos);
}

TEST(RefOutput, SixteenBitOutputIsRounded) {
  Compiled c = compile("kernel t {\n  q: bf16[8];\n  k: bf16[8];\n  v: bf16[8];\n"
                       "  out: bf16;\n  mask { kv_idx == 0 }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(402);
  Problem p = denseProblem(1, 1, 2, 1, 1, rng, 8, 8, DType::BF16);
  // With two keys unmasked the output is a genuine mixture; one key: v itself, already bf16.
  Result r = evalOK(*c, p);
  for (int64_t d = 0; d < 8; ++d)
    EXPECT_EQ(r.stored[size_t(d)], p.v.get({0, 0, 0, d}));
  Compiled mix = compile("kernel t {\n  q: bf16[8];\n  k: bf16[8];\n  v: bf16[8];\n"
                         "  out: bf16;\n}\n");
  Result m = evalOK(*mix, p);
  for (size_t i = 0; i < m.out.size(); ++i) {
    // Stored is the nearest bf16: within half a bf16 ulp (2^-8 relative) of out, and a bf16.
    double s = m.stored[i];
    EXPECT_LE(std::fabs(s - m.out[i]), std::ldexp(std::fabs(m.out[i]), -8));
    EXPECT_EQ(double(decode(Format::BF16, encode(Format::BF16, float(s)))), s);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors name the argument.

TEST(RefErrors, EachBadArgumentIsNamed) {
  Compiled c = compile("kernel t {\n  q: f32[16];\n  k: f8e4m3[16] scale per_head;\n"
                       "  v: f32[16];\n  out: f32;\n  param slopes: f32[H];\n"
                       "  param bias: f32[8];\n"
                       "  score { s - slopes[h] * (q_idx - kv_idx) + bias[q_idx - kv_idx] }\n}\n");
  ASSERT_TRUE(c.spec);
  std::mt19937_64 rng(501);
  const int64_t B = 2, S = 4, H = 2, D = 16;
  Problem good;
  good.q = randomTensor(DType::F32, {B, S, H, D}, rng);
  good.k = Tensor(DType::F8E4M3, {B, S, H, D});
  fillCodes(good.k, rng, 3, 4, 9);
  good.v = randomTensor(DType::F32, {B, S, H, D}, rng);
  good.kScale = scales(rng, size_t(B * H), -3);
  good.params["slopes"] = randomTensor(DType::F32, {H}, rng);
  good.params["bias"] = randomTensor(DType::F32, {8}, rng);
  // The good problem fails only on the bias index: q_idx - kv_idx < 0 above the diagonal.
  std::string msg = evalError(*c, good);
  EXPECT_NE(msg.find("param 'bias': index -1 of dimension 0 is out of bounds [0, 8)"),
            std::string::npos)
      << msg;

  Compiled ok = compile("kernel t {\n  q: f32[16];\n  k: f8e4m3[16] scale per_head;\n"
                        "  v: f32[16];\n  out: f32;\n  param slopes: f32[H];\n"
                        "  param bias: f32[8];\n"
                        "  score { s - slopes[h] * (q_idx - kv_idx) + bias[q_idx - kv_idx] }\n"
                        "  mask { causal }\n}\n");
  ASSERT_TRUE(ok.spec);
  evalOK(*ok, good); // causal keeps the index in [0, 4)

  auto expectMsg = [&](const Problem &p, const std::string &want) {
    std::string m = evalError(*ok, p);
    EXPECT_NE(m.find(want), std::string::npos) << "got: " << m << "\nwant: " << want;
  };
  {
    Problem p = good;
    p.q = randomTensor(DType::F32, {B * S, H, D}, rng);
    expectMsg(p, "q: expected [B, Sq, Hq, Dqk], got shape [8, 2, 16]");
  }
  {
    Problem p = good;
    p.v = randomTensor(DType::BF16, {B, S, H, D}, rng);
    expectMsg(p, "v: the spec declares f32, got bf16");
  }
  {
    Problem p = good;
    p.k = randomTensor(DType::F32, {B, S, H, D}, rng);
    expectMsg(p, "k: the spec declares f8e4m3, got f32");
  }
  {
    Problem p = good;
    p.kScale.pop_back();
    expectMsg(p, "k_scale: per_head scale of 'k' needs 4 float32 values [B=2, H=2], got 3");
  }
  {
    Problem p = good;
    p.vScale = {1.0f};
    expectMsg(p, "v_scale: 'v' is f32, not quantized, but 1 scale values were given");
  }
  {
    Problem p = good;
    p.kScale[1] = -1.0f;
    expectMsg(p, "k_scale: scales must be positive and finite");
  }
  {
    Problem p = good;
    p.params.erase("slopes");
    expectMsg(p, "param 'slopes': not given");
  }
  {
    Problem p = good;
    p.params["slopes"] = randomTensor(DType::F32, {H + 1}, rng);
    expectMsg(p, "param 'slopes': dimension 0 (H) must be 2, got 3");
  }
  {
    Problem p = good;
    p.params["bias"] = randomTensor(DType::F32, {8, 1}, rng);
    expectMsg(p, "param 'bias': expected f32 with 1 dimensions, got f32 [8, 1]");
  }
  {
    Problem p = good;
    p.q = randomTensor(DType::F32, {B, S, H, 32}, rng);
    expectMsg(p, "q: head dim 32, but the spec declares 16");
  }
  {
    Problem p = good;
    p.q = randomTensor(DType::F32, {B, S, 3, D}, rng);
    expectMsg(p, "k: 2 KV heads do not divide the 3 query heads");
  }
}

TEST(RefErrors, LayoutArgumentsAreNamed) {
  std::mt19937_64 rng(502);
  Compiled fixed = compile(spec("  gqa = 4;"));
  ASSERT_TRUE(fixed.spec);
  Problem p = denseProblem(1, 2, 2, 4, 2, rng);
  EXPECT_NE(evalError(*fixed, p).find("q: the spec fixes gqa = 4, so 2 KV heads need 8 query "
                                      "heads, got 4"),
            std::string::npos);

  Compiled ragged = compile(spec("  batch = ragged;"));
  ASSERT_TRUE(ragged.spec);
  Problem r;
  r.q = randomTensor(DType::F32, {5, 2, 16}, rng);
  r.k = randomTensor(DType::F32, {7, 2, 16}, rng);
  r.v = randomTensor(DType::F32, {7, 2, 16}, rng);
  r.cuSeqlensQ = {0, 2, 4}; // ends at 4, not Tq = 5
  r.cuSeqlensKV = {0, 3, 7};
  EXPECT_NE(evalError(*ragged, r).find("cu_seqlens_q: must run from 0 to Tq=5"), std::string::npos);
  r.cuSeqlensQ = {0, 2, 5};
  r.cuSeqlensKV = {0, 3, 6};
  EXPECT_NE(evalError(*ragged, r).find("cu_seqlens_kv: need B+1=3 offsets from 0 to Tkv=7"),
            std::string::npos);
  r.cuSeqlensKV = {0, 3, 7};
  evalOK(*ragged, r);

  Compiled paged = compile(spec("  kv_cache = paged(16);"));
  ASSERT_TRUE(paged.spec);
  Problem g;
  g.q = randomTensor(DType::F32, {1, 1, 2, 16}, rng);
  g.k = randomTensor(DType::F32, {2, 16, 2, 16}, rng);
  g.v = randomTensor(DType::F32, {2, 16, 2, 16}, rng);
  g.blockTable = Tensor(DType::I32, {1, 1});
  g.seqLensKV = {17}; // needs 2 pages, the table has 1
  EXPECT_NE(evalError(*paged, g).find("block_table: sequence 0 has 17 keys, more than 1 pages of "
                                      "16 hold"),
            std::string::npos);
  g.seqLensKV = {};
  EXPECT_NE(evalError(*paged, g).find("seq_lens_kv"), std::string::npos);
  g.seqLensKV = {16};
  g.k = randomTensor(DType::F32, {2, 8, 2, 16}, rng);
  g.v = g.k;
  EXPECT_NE(evalError(*paged, g).find("k: pages of 8 tokens, but the spec declares paged(16)"),
            std::string::npos);
}

} // namespace
