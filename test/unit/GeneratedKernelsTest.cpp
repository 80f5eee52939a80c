//===- GeneratedKernelsTest.cpp - Every example's kernel against the reference -===//
//
// The generated source of every example, built for the host (HostKernels) and for GPU 0
// (GPU.*), run on random inputs at shapes that are not multiples of the tiles, with more keys
// than queries (chunked prefill) and GQA, and compared with the float64 reference on the same
// quantized inputs (check::judge: SQNR over the per-dtype bar, lse, no NaN).
//
//===----------------------------------------------------------------------===//
#include "CompiledSpec.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

using namespace attn;
using attn::test::Compiled;

namespace {

struct Case {
  const char *example;
  ref::ProblemShape shape;
};

/// The example's GQA ratio where it fixes one, else 4 (hkv = hq / 4).
const Case kCases[] = {
    {"causal", {2, 8, 2, 77, 130}},          {"causal", {1, 4, 4, 130, 77}},
    {"gemma2_local", {2, 4, 2, 77, 130}},    {"alibi", {2, 4, 1, 77, 130}},
    {"document_mask", {2, 4, 2, 77, 130}},   {"prefix_lm", {3, 4, 4, 77, 130}},
    {"bf16q_fp8kv", {2, 8, 2, 77, 130}},     {"fp8_qkv", {2, 4, 2, 77, 130}},
    {"paged_decode_gqa", {3, 8, 2, 5, 130}}, {"paged_decode_gqa", {2, 4, 1, 77, 130}},
    // Dense decode steps (the decode builds).
    {"causal", {2, 8, 2, 1, 300}},           {"bf16q_fp8kv", {2, 8, 2, 3, 300}},
    {"fp8_qkv", {2, 4, 2, 1, 300}},
};

void expectPass(const Case &c, check::Device device, uint64_t seed, const CodegenOptions &options = {}) {
  Compiled k(c.example, options);
  ASSERT_TRUE(k.kernel) << c.example << " did not compile";
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Expected<bool> pass = check::runAndCheck(*k.spec, *k.kernel, c.shape, seed, device, os);
  ASSERT_TRUE(bool(pass)) << llvm::toString(pass.takeError());
  EXPECT_TRUE(*pass) << log;
}

} // namespace

TEST(HostKernels, EveryExampleMatchesTheReference) {
  for (const Case &c : kCases) {
    SCOPED_TRACE(c.example);
    expectPass(c, check::Device::Host, 11);
  }
}

TEST(HostKernels, TheMmaSyncConfigsMatchTheReference) {
  // The default on sm_90a is wgmma with two K/V stages; the mma.sync configs with one and two
  // stages follow other load schedules and tile shapes (the host keeps a buffer per stage, so
  // a schedule that overwrote a tile still in use fails here).
  for (int64_t stages : {1, 2}) {
    CodegenOptions o;
    o.mma = "mma.sync", o.stages = stages;
    for (const Case &c : kCases) {
      SCOPED_TRACE(std::string(c.example) + " stages " + std::to_string(stages));
      expectPass(c, check::Device::Host, 17, o);
    }
  }
}

/// Three and four K/V stages (two and three tiles in flight, fp8 staged in a buffer per tile in
/// flight), with the two warpgroups taking turns and with one warpgroup of 64 rows; 64-key
/// tiles, so that every example's shared memory fits an H100/H200.
void expectDeepPipelinesPass(check::Device device) {
  for (int64_t stages : {3, 4})
    for (bool pingpong : {true, false}) {
      CodegenOptions o;
      o.stages = stages, o.pingpong = pingpong, o.blockN = 64;
      if (!pingpong)
        o.blockM = 64, o.warps = 4;
      else if (stages == 4)
        continue; // 128 query rows and four stages of fp8 K/V need more than 227 KB
      for (const Case &c : kCases) {
        SCOPED_TRACE(std::string(c.example) + " stages " + std::to_string(stages) +
                     (pingpong ? " pingpong" : ""));
        expectPass(c, device, 19, o);
      }
    }
}

TEST(HostKernels, DeeperPipelinesMatchTheReference) { expectDeepPipelinesPass(check::Device::Host); }

/// Warp split (mma.sync; the warps split each K/V tile's keys, each with all block_m rows and its
/// own online softmax, merged at the end; fp8 K/V widened in registers): every case on each shape
/// (warps, block_n, stages) with block_m rows; with 8 rows only the fp8 K/V examples, whose MMAs
/// then take the keys on their rows. The host builds one tile for the whole CTA, so it checks the
/// config and the schedule of the first two shapes; the GPU the layout on all of them.
struct SplitShape {
  int64_t warps, blockN, stages;
};
void expectSplitShapesPass(check::Device device, int64_t blockM, const std::vector<SplitShape> &shapes,
                           uint64_t seed) {
  for (size_t i = 0; i < shapes.size() && (device != check::Device::Host || i < 2); ++i) {
    const SplitShape &sh = shapes[i];
    CodegenOptions o;
    o.mma = "mma.sync", o.warpSplit = true, o.blockM = blockM;
    o.warps = sh.warps, o.blockN = sh.blockN, o.stages = sh.stages;
    for (const Case &c : kCases) {
      const std::string_view name = c.example;
      if (blockM == 8 && name != "bf16q_fp8kv" && name != "fp8_qkv")
        continue;
      SCOPED_TRACE(std::string(name) + " rows " + std::to_string(blockM) + " warps " + std::to_string(sh.warps) +
                   " block_n " + std::to_string(sh.blockN) + " stages " + std::to_string(sh.stages));
      expectPass(c, device, seed, o);
    }
  }
}

/// 16 rows: 16 keys a warp on one to three stages, 32 on two warps, 48 (192-key tiles), 16 on
/// six warps (a count that is no power of two).
void expectWarpSplitPass(check::Device device) {
  expectSplitShapesPass(device, 16, {{4, 64, 2}, {2, 64, 1}, {4, 64, 1}, {4, 64, 3}, {4, 192, 2}, {6, 96, 3}}, 23);
}

TEST(HostKernels, WarpSplitMatchesTheReference) { expectWarpSplitPass(check::Device::Host); }

/// 8 rows (fp8 K and V): keys on the MMAs' rows and the 8 query rows on their n, P transposed in
/// registers, the accumulator held as O^T; 48, 16, 32 and 32 keys a warp.
void expectKeyRowsPass(check::Device device) {
  expectSplitShapesPass(device, 8, {{4, 192, 2}, {4, 64, 1}, {2, 64, 3}, {6, 192, 2}}, 29);
}

TEST(HostKernels, KeyRowsMatchTheReference) { expectKeyRowsPass(check::Device::Host); }

TEST(HostKernels, OtherTileShapesGiveTheSameAnswer) {
  // 64 query rows on 4 warps, 32-key tiles: more tiles, other boundaries, same numbers.
  CodegenOptions o;
  o.blockM = 64, o.blockN = 32, o.warps = 4;
  Compiled k("gemma2_local", o);
  ASSERT_TRUE(k.kernel);
  EXPECT_EQ(k.kernel->config.blockN, 32);
  std::string log;
  llvm::raw_string_ostream os(log);
  llvm::Expected<bool> pass =
      check::runAndCheck(*k.spec, *k.kernel, {2, 4, 2, 100, 333}, 5, check::Device::Host, os);
  ASSERT_TRUE(bool(pass)) << llvm::toString(pass.takeError());
  EXPECT_TRUE(*pass) << log;
}

TEST(HostKernels, Bf16QueriesOutsideF16sRangeSurviveTheF16Tiles) {
  // bf16 q over fp8 K/V runs its MMAs on f16 tiles. Queries of KV head 0 times 2^20 (beyond
  // f16's 65504) and of KV head 1 times 2^-30 (below f16's smallest subnormal), with the per-head
  // K scales divided by the same powers: the same scores, so the kernel must still match the
  // reference on these inputs.
  Compiled k("bf16q_fp8kv");
  ASSERT_TRUE(k.kernel);
  const ref::ProblemShape shape{2, 8, 2, 77, 130};
  ref::RandomProblem rp = ref::makeRandomProblem(k.spec->signature, shape, 9);
  ref::Problem &p = rp.problem;
  const int64_t group = shape.hq / shape.hkv;
  const int exps[2] = {20, -30};
  double largest = 0;
  for (int64_t b = 0; b < shape.b; ++b)
    for (int64_t g = 0; g < shape.hkv; ++g) {
      p.kScale[size_t(b * shape.hkv + g)] *= std::ldexp(1.0f, -exps[g]);
      for (int64_t t = 0; t < shape.sq; ++t)
        for (int64_t h = g * group; h < (g + 1) * group; ++h)
          for (int64_t d = 0; d < p.q.shape()[3]; ++d) {
            p.q.set({b, t, h, d}, std::ldexp(p.q.get({b, t, h, d}), exps[g]));
            largest = std::max(largest, std::fabs(p.q.get({b, t, h, d})));
          }
    }
  ASSERT_GT(largest, 65504.0); // f16 could not hold these rows as they are
  llvm::Expected<check::KernelOutput> got = check::runKernel(*k.kernel, p, check::Device::Host);
  ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
  llvm::Expected<ref::Result> want = ref::evaluate(*k.spec, p);
  ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
  check::Verdict v = check::judge(*got, *want, k.spec->signature);
  EXPECT_TRUE(v.pass) << "SQNR " << v.out.sqnrDb << " dB (needs " << v.requiredDb << "), finite "
                      << v.finite;
}

/// Split KV: an example with its keys cut into 2, 5 and 7 parts (at 130 keys and 128-key tiles,
/// most parts are empty; at 1000 keys none is): each run passes against the reference and
/// agrees with the unsplit run to within the output's rounding (the merge only reorders float
/// sums), lse included.
void expectSplitsAgree(const Case &c, check::Device device) {
  Compiled k(c.example);
  ASSERT_TRUE(k.kernel);
  ref::RandomProblem rp = ref::makeRandomProblem(k.spec->signature, c.shape, 21);
  llvm::Expected<ref::Result> want = ref::evaluate(*k.spec, rp.problem);
  ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
  llvm::Expected<check::KernelOutput> whole = check::runKernel(*k.kernel, rp.problem, device, 1);
  ASSERT_TRUE(bool(whole)) << llvm::toString(whole.takeError());
  for (int splits : {2, 5, 7}) {
    SCOPED_TRACE("splits " + std::to_string(splits));
    llvm::Expected<check::KernelOutput> got = check::runKernel(*k.kernel, rp.problem, device, splits);
    ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
    check::Verdict v = check::judge(*got, *want, k.spec->signature);
    EXPECT_TRUE(v.pass) << "SQNR " << v.out.sqnrDb << " dB (needs " << v.requiredDb << ")";
    EXPECT_GT(ref::compare(got->out, whole->out).sqnrDb, v.requiredDb + 10);
    ASSERT_EQ(got->lse.size(), whole->lse.size());
    for (size_t i = 0; i < got->lse.size(); ++i)
      if (std::isinf(whole->lse[i]))
        EXPECT_EQ(got->lse[i], whole->lse[i]) << "row " << i;
      else
        EXPECT_NEAR(got->lse[i], whole->lse[i], 1e-5 * std::max(1.0, std::fabs(whole->lse[i]))) << "row " << i;
  }
}

TEST(HostKernels, SplitKeysGiveTheUnsplitAnswer) {
  for (const Case &c : kCases) {
    SCOPED_TRACE(c.example);
    expectSplitsAgree(c, check::Device::Host);
  }
  SCOPED_TRACE("decode");
  expectSplitsAgree({"paged_decode_gqa", {3, 8, 2, 3, 1000}}, check::Device::Host);
}

TEST(HostKernels, ServingKernelsCarryADecodeBuild) {
  // A kernel on the 128-row ping-pong tile, ragged or dense, gets a second build of 64-row
  // tiles on one warpgroup; one whose config the caller chose does not.
  Compiled paged("paged_decode_gqa");
  ASSERT_TRUE(paged.kernel && paged.kernel->decode);
  const GeneratedKernel &d = *paged.kernel->decode;
  EXPECT_EQ(d.name, "attn_paged_decode_gqa_decode");
  EXPECT_EQ(d.mergeName, "attn_paged_decode_gqa_decode_merge");
  EXPECT_EQ(d.config.blockM, 64);
  EXPECT_EQ(d.config.blockN, 64);
  EXPECT_EQ(d.config.warps, 4);
  EXPECT_FALSE(d.config.pingpong);
  EXPECT_EQ(d.config.headsPerTile, paged.kernel->config.headsPerTile);
  EXPECT_EQ(paged.kernel->config.blockM, 128);
  EXPECT_NE(d.source.find("ATTN_KERNEL_ENTRY(attn_paged_decode_gqa_decode,"), std::string::npos);
  Compiled dense("causal");
  ASSERT_TRUE(dense.kernel && dense.kernel->decode);
  EXPECT_EQ(dense.kernel->decode->config.blockM, 64);
  CodegenOptions chosen;
  chosen.blockN = 64;
  Compiled tuned("paged_decode_gqa", chosen);
  ASSERT_TRUE(tuned.kernel);
  EXPECT_FALSE(tuned.kernel->decode);
}

TEST(HostKernels, AWrongScaleFailsTheCheck) {
  // The check can fail: the kernel's output judged against the reference of another softmax
  // scale (0.5 instead of the spec's 1/sqrt(128)) on the same inputs.
  Compiled causal("causal");
  ASSERT_TRUE(causal.kernel);
  ref::RandomProblem rp = ref::makeRandomProblem(causal.spec->signature, {1, 4, 4, 77, 130}, 3);
  llvm::Expected<check::KernelOutput> got =
      check::runKernel(*causal.kernel, rp.problem, check::Device::Host);
  ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
  llvm::Expected<ref::Result> right = ref::evaluate(*causal.spec, rp.problem);
  ASSERT_TRUE(bool(right));
  EXPECT_TRUE(check::judge(*got, *right, causal.spec->signature).pass);
  ref::Problem other = rp.problem;
  other.softmaxScale = 0.5;
  llvm::Expected<ref::Result> wrong = ref::evaluate(*causal.spec, other);
  ASSERT_TRUE(bool(wrong));
  EXPECT_FALSE(check::judge(*got, *wrong, causal.spec->signature).pass);
}

TEST(GPU, EveryExampleMatchesTheReference) {
  ATTN_SKIP_WITHOUT_GPU();
  for (const Case &c : kCases) {
    SCOPED_TRACE(c.example);
    expectPass(c, check::Device::Cuda, 13);
  }
}

TEST(GPU, DeeperPipelinesMatchTheReference) {
  ATTN_SKIP_WITHOUT_GPU();
  expectDeepPipelinesPass(check::Device::Cuda);
}

TEST(GPU, WarpSplitMatchesTheReference) {
  ATTN_SKIP_WITHOUT_GPU();
  expectWarpSplitPass(check::Device::Cuda);
}

TEST(GPU, KeyRowsMatchTheReference) {
  ATTN_SKIP_WITHOUT_GPU();
  expectKeyRowsPass(check::Device::Cuda);
}

TEST(GPU, SplitKeysGiveTheUnsplitAnswer) {
  ATTN_SKIP_WITHOUT_GPU();
  for (const Case &c : kCases) {
    SCOPED_TRACE(c.example);
    expectSplitsAgree(c, check::Device::Cuda);
  }
  SCOPED_TRACE("decode");
  expectSplitsAgree({"paged_decode_gqa", {3, 8, 2, 3, 1000}}, check::Device::Cuda);
}
