//===- ServingTest.cpp - What an inference server needs, against the reference -===//
//
// vLLM's FP8 test scales (q 0.75, k 0.5, v 0.25) on e4m3 and e5m2 codes of N(0, 1) values, for
// fp8 q with fp8 K/V and for bf16 q with fp8 K/V, per-token-head scales beside a paged cache,
// and fp8 output through its scale with saturation, in prefill and in decode steps (the
// warp-split decode build of fp8 K/V): each against the float64 reference. A
// paged cache (pages of 1, 16, 32 and 64) against the same keys stored contiguously, and a
// ragged batch against each of its sequences launched alone: the same bits; a mixed batch of
// prefill and decode sequences launched in two parts against the reference. A decode step
// launched to overlap the launch before it, taking that launch's out as its q, against the
// reference on that q; a lent workspace too small or misaligned is an error. Split KV has its
// own tests (GeneratedKernelsTest). Host builds in CI; the GPU twins (suite GPU) on the device.
//
//===----------------------------------------------------------------------===//
#include "CompiledSpec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace attn;
using attn::test::Compiled;

namespace {

/// Calls f(index) for every index of t, the last dimension fastest.
template <class F> void forEachIndex(const ref::Tensor &t, F f) {
  std::vector<int64_t> idx(size_t(t.rank()), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    f(idx);
    for (int64_t d = t.rank() - 1; d >= 0 && ++idx[size_t(d)] == t.shape()[size_t(d)]; --d)
      idx[size_t(d)] = 0;
  }
}

/// One launch, unsplit: the same bits need the same summation order, and the split count a
/// launch would choose depends on its grid.
check::KernelOutput run(const Compiled &c, const ref::Problem &p, check::Device device) {
  llvm::Expected<check::KernelOutput> got = check::runKernel(*c.kernel, p, device, 1);
  EXPECT_TRUE(bool(got)) << llvm::toString(got.takeError());
  return got ? *got : check::KernelOutput{};
}

/// `splits`: absent lets the launch choose (and split a mixed batch in two parts).
void expectMatchesReference(const Compiled &c, const ref::Problem &p, check::Device device,
                            std::optional<int> splits = 1) {
  llvm::Expected<ref::Result> want = ref::evaluate(*c.spec, p);
  ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
  llvm::Expected<check::KernelOutput> got = check::runKernel(*c.kernel, p, device, splits);
  ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
  check::Verdict v = check::judge(*got, *want, c.spec->signature);
  EXPECT_TRUE(v.pass) << "SQNR " << v.out.sqnrDb << " dB (needs " << v.requiredDb << "), lse "
                      << v.lseMaxAbsErr << ", finite " << v.finite;
}

struct ScaledCase {
  const char *spec;
  float outScale;
};

const ScaledCase kVllmScales[] = {
    {"kernel e4m3 { q: f8e4m3[128] scale per_tensor; k: f8e4m3[128] scale per_tensor;"
     " v: f8e4m3[128] scale per_tensor; out: bf16; lse: f32; mask { causal } }", 1},
    {"kernel e5m2 { q: f8e5m2[128] scale per_tensor; k: f8e5m2[128] scale per_tensor;"
     " v: f8e5m2[128] scale per_tensor; out: bf16; lse: f32; mask { causal } }", 1},
    // Q.K on fp8 tensor cores takes either fp8 type for each operand.
    {"kernel mixed { q: f8e4m3[128] scale per_tensor; k: f8e5m2[128] scale per_tensor;"
     " v: f8e4m3[128] scale per_tensor; out: bf16; lse: f32; mask { causal } }", 1},
    {"kernel bf16q { q: bf16[128]; k: f8e4m3[128] scale per_tensor; v: f8e4m3[128] scale per_tensor;"
     " out: bf16; gqa = 4; mask { causal } }", 1},
    {"kernel paged_tokens { q: bf16[128]; k: f8e4m3[128] scale per_token_head;"
     " v: f8e5m2[128] scale per_token_head; out: bf16; lse: f32; gqa = 4; batch = ragged;"
     " kv_cache = paged(16); mask { causal } }", 1},
    // o / 0.002 reaches past e4m3's 448: the stores saturate.
    {"kernel fp8_out { q: f8e4m3[128] scale per_tensor; k: f8e4m3[128] scale per_tensor;"
     " v: f8e4m3[128] scale per_tensor; out: f8e4m3 scale per_tensor; mask { causal } }", 0.002f},
};

/// The fp8 tensors hold the codes of N(0, 1) values (as vLLM's test casts randn to fp8) with
/// scales q 0.75, k 0.5 and v 0.25; per-token-head scales vary around those by token.
void expectVllmScalesAt(const char *spec, float outScale, const ref::ProblemShape &shape,
                        check::Device device, std::optional<int> splits) {
  Compiled c(Compiled::Text{spec});
  ASSERT_TRUE(c.kernel);
  ref::RandomProblem rp = ref::makeRandomProblem(c.spec->signature, shape, 31);
  ref::Problem &p = rp.problem;
  for (auto [t, exact] : {std::pair{&p.q, &rp.exact.q}, {&p.k, &rp.exact.k}, {&p.v, &rp.exact.v}})
    if (isFP8(t->dtype()))
      forEachIndex(*t, [&](const std::vector<int64_t> &i) { t->set(i, exact->get(i)); });
  for (auto [s, base] : {std::pair{&p.qScale, 0.75f}, {&p.kScale, 0.5f}, {&p.vScale, 0.25f}})
    for (size_t i = 0; i < s->size(); ++i)
      (*s)[i] = s->size() > 64 ? base * float(1 + i % 3) / 2 : base;
  p.outScale = outScale;
  expectMatchesReference(c, p, device, splits);
}

void expectVllmScales(check::Device device) {
  for (const ScaledCase &sc : kVllmScales) {
    SCOPED_TRACE(sc.spec);
    expectVllmScalesAt(sc.spec, sc.outScale, {2, 8, 2, 77, 300}, device, 1);
  }
}

/// The same scales in decode steps (one and three queries a sequence) of serving kernels, whose
/// decode build for fp8 K/V is warp split, unsplit and split as the launch chooses: each fp8
/// case above as a ragged batch over pages of 16, 32, 64 and 1.
void expectVllmScalesInDecode(check::Device device) {
  const int pages[] = {16, 32, 64, 1};
  int n = 0;
  for (const ScaledCase &sc : kVllmScales) {
    std::string spec = sc.spec;
    if (spec.find("batch = ragged") == std::string::npos) {
      size_t mask = spec.find(" mask {");
      spec.insert(mask, std::string(spec.find("gqa =") == std::string::npos ? " gqa = 4;" : "") +
                            " batch = ragged; kv_cache = paged(" + std::to_string(pages[n++ % 4]) + ");");
    }
    for (int64_t sq : {1, 3})
      for (std::optional<int> splits : {std::optional<int>(1), std::optional<int>()}) {
        SCOPED_TRACE(spec + ", " + std::to_string(sq) + " queries, " + (splits ? "unsplit" : "split as chosen"));
        expectVllmScalesAt(spec.c_str(), sc.outScale, {3, 8, 2, sq, 700}, device, splits);
      }
  }
}

/// A serving kernel: bf16 K/V, or e4m3 K/V with per-tensor scales (fp8, whose decode build is
/// warp split).
std::string raggedSpec(int page, bool fp8 = false) {
  std::string kv = fp8 ? "k: f8e4m3[128] scale per_tensor; v: f8e4m3[128] scale per_tensor;"
                       : "k: bf16[128]; v: bf16[128];";
  return "kernel r { q: bf16[128]; " + kv + " out: bf16; lse: f32; gqa = 4; batch = ragged; " +
         (page ? "kv_cache = paged(" + std::to_string(page) + "); " : "") + "mask { causal } }";
}

void expectSameOutput(const check::KernelOutput &a, const check::KernelOutput &b, size_t outFrom,
                      size_t lseFrom) {
  ASSERT_LE(outFrom + a.out.size(), b.out.size());
  ASSERT_LE(lseFrom + a.lse.size(), b.lse.size());
  for (size_t i = 0; i < a.out.size(); ++i)
    ASSERT_EQ(a.out[i], b.out[outFrom + i]) << "out element " << i;
  for (size_t i = 0; i < a.lse.size(); ++i)
    ASSERT_EQ(a.lse[i], b.lse[lseFrom + i]) << "lse row " << i;
}

/// The keys of a paged problem gathered into a contiguous ragged [Tkv, Hkv, D] with offsets.
ref::Problem contiguousTwin(const ref::Problem &paged, int page) {
  ref::Problem c = paged;
  int64_t B = int64_t(paged.seqLensKV.size()), H = paged.k.shape()[2], D = paged.k.shape()[3];
  c.cuSeqlensKV = {0};
  for (int32_t n : paged.seqLensKV)
    c.cuSeqlensKV.push_back(c.cuSeqlensKV.back() + n);
  for (auto [dst, src] : {std::pair{&c.k, &paged.k}, {&c.v, &paged.v}}) {
    *dst = ref::Tensor(src->dtype(), {c.cuSeqlensKV.back(), H, D});
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < paged.seqLensKV[size_t(b)]; ++t) {
        int64_t block = int64_t(paged.blockTable.get({b, t / page}));
        for (int64_t h = 0; h < H; ++h)
          for (int64_t d = 0; d < D; ++d)
            dst->set({c.cuSeqlensKV[size_t(b)] + t, h, d}, src->get({block, t % page, h, d}));
      }
  }
  c.seqLensKV.clear();
  c.blockTable = ref::Tensor();
  return c;
}

/// bf16 K/V in prefill chunks (the kernel's own build), and fp8 K/V in decode steps (its warp-
/// split decode build, whose 48-key slices hold whole pages of 16 only).
void expectPagedIsContiguous(check::Device device) {
  for (bool fp8 : {false, true}) {
    Compiled contiguous(Compiled::Text{raggedSpec(0, fp8).c_str()});
    ASSERT_TRUE(contiguous.kernel);
    for (int page : {1, 16, 32, 64}) {
      SCOPED_TRACE(std::string(fp8 ? "fp8 decode" : "bf16 prefill") + ", page " + std::to_string(page));
      std::string text = raggedSpec(page, fp8);
      Compiled paged(Compiled::Text{text.c_str()});
      ASSERT_TRUE(paged.kernel);
      ref::ProblemShape shape = fp8 ? ref::ProblemShape{3, 8, 2, 1, 700} : ref::ProblemShape{3, 8, 2, 37, 300};
      ref::RandomProblem rp = ref::makeRandomProblem(paged.spec->signature, shape, 41);
      check::KernelOutput a = run(paged, rp.problem, device);
      check::KernelOutput b = run(contiguous, contiguousTwin(rp.problem, page), device);
      expectSameOutput(a, b, 0, 0);
      expectMatchesReference(paged, rp.problem, device);
    }
  }
}

void expectRaggedIsPerSequence(check::Device device) {
  Compiled ragged(Compiled::Text{raggedSpec(0).c_str()});
  Compiled dense(Compiled::Text{"kernel d { q: bf16[128]; k: bf16[128]; v: bf16[128]; out: bf16;"
                                " lse: f32; gqa = 4; mask { causal } }"});
  ASSERT_TRUE(ragged.kernel && dense.kernel);
  ref::RandomProblem rp = ref::makeRandomProblem(ragged.spec->signature, {4, 8, 2, 150, 300}, 43);
  const ref::Problem &p = rp.problem;
  check::KernelOutput all = run(ragged, p, device);
  int64_t H = p.q.shape()[1], Hkv = p.k.shape()[1], D = p.q.shape()[2];
  for (size_t b = 0; b + 1 < p.cuSeqlensQ.size(); ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b));
    int64_t q0 = p.cuSeqlensQ[b], nq = p.cuSeqlensQ[b + 1] - q0;
    int64_t k0 = p.cuSeqlensKV[b], nk = p.cuSeqlensKV[b + 1] - k0;
    ref::Problem one;
    one.q = ref::Tensor(p.q.dtype(), {1, nq, H, D});
    one.k = ref::Tensor(p.k.dtype(), {1, nk, Hkv, D});
    one.v = ref::Tensor(p.v.dtype(), {1, nk, Hkv, D});
    for (auto [dst, src, first] : {std::tuple{&one.q, &p.q, q0}, {&one.k, &p.k, k0}, {&one.v, &p.v, k0}})
      forEachIndex(*dst, [&](const std::vector<int64_t> &i) {
        dst->set(i, src->get({first + i[1], i[2], i[3]}));
      });
    expectSameOutput(run(dense, one, device), all, size_t(q0 * H * D), size_t(q0 * H));
  }
}

/// bf16 q with fp8 K/V takes k's uniform scale into the exponents and its sign into q's rows.
/// Scales outside the contract (the reference takes positive ones only) still give the
/// answer of their meaning: a per-head scale of -s on codes c is the reference's s on -c, and
/// 0 is s on zeros (half of the heads each, the others keeping s).
void expectAnyKScaleGivesItsMeaning(check::Device device) {
  Compiled c(Compiled::Text{"kernel kscale { q: bf16[128]; k: f8e4m3[128] scale per_head;"
                            " v: f8e4m3[128] scale per_tensor; out: bf16; lse: f32; gqa = 4;"
                            " mask { causal } }"});
  ASSERT_TRUE(c.kernel);
  for (float sign : {-1.0f, 0.0f}) {
    SCOPED_TRACE("k scales times " + std::to_string(sign));
    ref::RandomProblem rp = ref::makeRandomProblem(c.spec->signature, {2, 8, 2, 77, 300}, 53);
    ref::Problem launched = rp.problem, meaning = rp.problem;
    int64_t Hkv = meaning.k.shape()[2];
    for (size_t i = 1; i < launched.kScale.size(); i += 2)
      launched.kScale[i] *= sign;
    meaning.k = ref::Tensor(launched.k.dtype(), launched.k.shape()); // tensors share storage
    forEachIndex(meaning.k, [&](const std::vector<int64_t> &i) {
      meaning.k.set(i, ((i[0] * Hkv + i[2]) % 2 == 1 ? sign : 1.0f) * launched.k.get(i));
    });
    llvm::Expected<ref::Result> want = ref::evaluate(*c.spec, meaning);
    ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
    check::Verdict v = check::judge(run(c, launched, device), *want, c.spec->signature);
    EXPECT_TRUE(v.pass) << "SQNR " << v.out.sqnrDb << " dB (needs " << v.requiredDb << ")";
  }
}

/// Prefill chunks and decode steps in one launch over a paged cache, split as the launch
/// chooses: the long sequences on the kernel's build, the short ones (as many positions as a
/// decode tile holds: 16 with bf16 K/V, 4 with fp8) on the decode build, split and merged
/// (rt::mixedLaunch); every row against the reference.
void expectMixedBatchMatchesReference(check::Device device) {
  for (bool fp8 : {false, true}) {
    SCOPED_TRACE(fp8 ? "fp8 K/V" : "bf16 K/V");
    std::string text = raggedSpec(16, fp8);
    Compiled c(Compiled::Text{text.c_str()});
    ASSERT_TRUE(c.kernel && c.kernel->decode);
    ref::ProblemShape shape{6, 8, 2, 1, 600, {1, 4, 200, 2, 16, 17}};
    ref::RandomProblem rp = ref::makeRandomProblem(c.spec->signature, shape, 47);
    expectMatchesReference(c, rp.problem, device, std::nullopt);
  }
}

/// A decode step (one query per sequence over `keys` paged keys at most, half that at least:
/// split) launched to overlap the launch before it, its partials in a lent workspace. The
/// first launch's q is 16 times larger, so that its softmax picks out a few keys and its out
/// (the second's q) has values of V's size, not their average over the keys (a near-uniform
/// softmax would leave the second launch only the bf16 rounding of P to tell apart).
struct Chained {
  Compiled c;
  ref::RandomProblem rp;
  Chained(const std::string &text, int64_t keys)
      : c(Compiled::Text{text.c_str()}),
        rp(ref::makeRandomProblem(c.spec->signature, {4, 16, 4, 1, keys}, 53)) {
    ref::Tensor &q = rp.problem.q;
    forEachIndex(q, [&](const std::vector<int64_t> &i) { q.set(i, 16 * q.get(i)); });
  }
};

} // namespace

ATTN_HOST_AND_GPU_TEST(Serving, VllmFp8ScalesMatchTheReference, expectVllmScales)
ATTN_HOST_AND_GPU_TEST(Serving, VllmFp8ScalesMatchTheReferenceInDecode, expectVllmScalesInDecode)
ATTN_HOST_AND_GPU_TEST(Serving, PagedCacheGivesTheContiguousAnswer, expectPagedIsContiguous)
ATTN_HOST_AND_GPU_TEST(Serving, RaggedBatchGivesEachSequencesAnswer, expectRaggedIsPerSequence)
ATTN_HOST_AND_GPU_TEST(Serving, MixedBatchMatchesTheReference, expectMixedBatchMatchesReference)
ATTN_HOST_AND_GPU_TEST(Serving, AnyKScaleGivesItsMeaning, expectAnyKScaleGivesItsMeaning)

// The decode step takes as q the out that the launch before it writes, so it matches the
// reference on that q only if it waited for that launch (and its merge); its lent workspace
// starts as NaNs.
TEST(GPU, AnOverlappingLaunchSeesWhatTheLaunchBeforeItWrote) {
  ATTN_SKIP_WITHOUT_GPU();
  for (bool fp8 : {false, true}) {
    SCOPED_TRACE(fp8 ? "fp8 K/V" : "bf16 K/V");
    // Long enough (8-16k keys, 4 KV heads) that the second launch, not waiting, would read
    // its q before the first launch's merge writes it (shown with the wait removed).
    Chained t(raggedSpec(16, fp8), 16384);
    ASSERT_TRUE(t.c.kernel);
    llvm::Expected<check::ChainedOutput> got = check::runChained(*t.c.kernel, t.rp.problem);
    ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
    EXPECT_GT(got->workspaceBytes, 0) << "the decode step splits";
    ref::Problem p = t.rp.problem;
    p.q = got->q;
    llvm::Expected<ref::Result> want = ref::evaluate(*t.c.spec, p);
    ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
    check::Verdict v = check::judge(got->output, *want, t.c.spec->signature);
    EXPECT_TRUE(v.pass) << "SQNR " << v.out.sqnrDb << " dB (needs " << v.requiredDb << "), lse "
                        << v.lseMaxAbsErr << ", finite " << v.finite;
  }
}

TEST(GPU, ALentWorkspaceIsChecked) {
  ATTN_SKIP_WITHOUT_GPU();
  Chained t(raggedSpec(16), 3000);
  ASSERT_TRUE(t.c.kernel);
  llvm::Expected<check::ChainedOutput> ok = check::runChained(*t.c.kernel, t.rp.problem);
  ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
  int64_t need = ok->workspaceBytes;
  llvm::Expected<check::ChainedOutput> small = check::runChained(*t.c.kernel, t.rp.problem, need - 4);
  ASSERT_FALSE(bool(small));
  EXPECT_THAT(llvm::toString(small.takeError()),
              ::testing::MatchesRegex("workspace: " + std::to_string(need - 4) +
                                      " bytes, but this launch of 'attn_r_decode' \\(split [0-9]+ "
                                      "ways\\) needs " + std::to_string(need)));
  llvm::Expected<check::ChainedOutput> skewed = check::runChained(*t.c.kernel, t.rp.problem, need, 8);
  ASSERT_FALSE(bool(skewed));
  EXPECT_THAT(llvm::toString(skewed.takeError()),
              ::testing::MatchesRegex("workspace: 0x[0-9a-f]+ is not 16-byte aligned"));
}
