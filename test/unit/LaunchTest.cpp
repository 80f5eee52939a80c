//===- LaunchTest.cpp - Every launch-validation rule, its message, and the Args a good launch gives ---===//
#include "runtime/Launch.h"

#include "TestKernels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace attn;
using namespace attn::rt;
using attn::test::bf16Signature;
using attn::test::handWritten;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

const void *at(uintptr_t address) { return reinterpret_cast<const void *>(address); }

/// A kernel with signature `sig` (the source is never compiled here).
GeneratedKernel kernelOf(Signature sig, int64_t headsPerTile = 1) {
  GeneratedKernel k = handWritten("k", "", sig);
  k.config.headsPerTile = headsPerTile;
  return k;
}

/// Dense bf16, head dim 8: q/out [B, Sq, Hq, 8], k/v [B, Skv, Hkv, 8], fake aligned addresses
/// (validation never reads q/k/v/out).
LaunchDesc dense(int64_t B = 2, int64_t Sq = 5, int64_t Skv = 7, int64_t Hq = 4,
                 int64_t Hkv = 2) {
  LaunchDesc d;
  d.q = TensorDesc::contiguous(at(0x10000), DType::BF16, {B, Sq, Hq, 8});
  d.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {B, Skv, Hkv, 8});
  d.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {B, Skv, Hkv, 8});
  d.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {B, Sq, Hq, 8});
  return d;
}

/// The error's text, or "" when the launch is valid.
std::string errorOf(const GeneratedKernel &k, const LaunchDesc &d) {
  llvm::Error e = validate(k, d);
  return e ? llvm::toString(std::move(e)) : "";
}

Signature raggedSig() {
  Signature s = bf16Signature();
  s.batch = BatchLayout::Ragged;
  return s;
}

Signature pagedSig(int64_t page = 4) {
  Signature s = bf16Signature();
  s.kvCache = KVCache::Paged;
  s.pageSize = page;
  return s;
}

/// Host metadata for a ragged batch of three sequences: q lengths 2, 3, 1 (Tq = 6), kv lengths
/// 4, 5, 2 (Tkv = 11).
struct Ragged {
  std::vector<int32_t> cuQ = {0, 2, 5, 6}, cuKV = {0, 4, 9, 11};
  LaunchDesc desc() {
    LaunchDesc d;
    d.q = TensorDesc::contiguous(at(0x10000), DType::BF16, {6, 4, 8});
    d.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {6, 4, 8});
    d.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {11, 2, 8});
    d.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {11, 2, 8});
    d.cuSeqlensQ = TensorDesc::contiguous(cuQ.data(), DType::I32, {int64_t(cuQ.size())});
    d.cuSeqlensKV = TensorDesc::contiguous(cuKV.data(), DType::I32, {int64_t(cuKV.size())});
    return d;
  }
};

/// Host metadata for a paged cache of 10 blocks of 4 tokens: two sequences of 6 and 3 keys,
/// q dense [2, 1, 4, 8] (decode).
struct Paged {
  std::vector<int32_t> lens = {6, 3}, table = {7, 2, 0, 5, 9, 9};
  LaunchDesc desc() {
    LaunchDesc d;
    d.q = TensorDesc::contiguous(at(0x10000), DType::BF16, {2, 1, 4, 8});
    d.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {2, 1, 4, 8});
    d.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {10, 4, 2, 8});
    d.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {10, 4, 2, 8});
    d.seqlensKV = TensorDesc::contiguous(lens.data(), DType::I32, {2});
    d.blockTable = TensorDesc::contiguous(table.data(), DType::I32, {2, 3});
    return d;
  }
};

} // namespace

// --- A good launch and its Args ---------------------------------------------------------------

TEST(Launch, DenseLaunchFillsArgs) {
  GeneratedKernel k = kernelOf(bf16Signature());
  LaunchDesc d = dense();
  d.k.strides = {7 * 2 * 16, 2 * 16, 16, 1}; // k padded: each head's row is 16 elements apart
  d.k.shape = {2, 7, 2, 8};
  llvm::Expected<dev::Args> a = toArgs(k, d);
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->q.data, at(0x10000));
  EXPECT_EQ(a->q.stride[0], 5 * 4 * 8);
  EXPECT_EQ(a->q.stride[1], 4 * 8);
  EXPECT_EQ(a->q.stride[2], 8);
  EXPECT_EQ(a->k.stride[0], 7 * 2 * 16);
  EXPECT_EQ(a->k.stride[1], 2 * 16);
  EXPECT_EQ(a->k.stride[2], 16);
  EXPECT_EQ(a->out.data, at(0x40000));
  EXPECT_EQ(a->batch, 2);
  EXPECT_EQ(a->heads_q, 4);
  EXPECT_EQ(a->heads_kv, 2);
  EXPECT_EQ(a->seqlen_q, 5);
  EXPECT_EQ(a->seqlen_kv, 7);
  EXPECT_EQ(a->lse, nullptr);
  EXPECT_EQ(a->cu_seqlens_q, nullptr);
  EXPECT_EQ(a->block_table, nullptr);
}

TEST(Launch, RaggedLaunchFindsTheLongestSequences) {
  Ragged r;
  llvm::Expected<dev::Args> a = toArgs(kernelOf(raggedSig()), r.desc());
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->batch, 3);
  EXPECT_EQ(a->seqlen_q, 3);
  EXPECT_EQ(a->seqlen_kv, 5);
  EXPECT_EQ(a->q.stride[0], 0); // no batch stride in a ragged layout
  EXPECT_EQ(a->q.stride[1], 4 * 8);
  EXPECT_EQ(a->q.stride[2], 8);
  EXPECT_EQ(a->k.stride[1], 2 * 8);
  EXPECT_EQ(a->cu_seqlens_q, r.cuQ.data());
  EXPECT_EQ(a->cu_seqlens_kv, r.cuKV.data());
}

TEST(Launch, PagedLaunchPassesTheBlockTable) {
  Paged p;
  llvm::Expected<dev::Args> a = toArgs(kernelOf(pagedSig()), p.desc());
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->batch, 2);
  EXPECT_EQ(a->seqlen_q, 1);
  EXPECT_EQ(a->seqlen_kv, 6);
  EXPECT_EQ(a->k.stride[0], 4 * 2 * 8); // block
  EXPECT_EQ(a->k.stride[1], 2 * 8);     // slot
  EXPECT_EQ(a->k.stride[2], 8);         // head
  EXPECT_EQ(a->block_table, p.table.data());
  EXPECT_EQ(a->block_table_stride, 3);
  EXPECT_EQ(a->seqlens_kv, p.lens.data());
}

TEST(Launch, ParamsGoInDeclarationOrderWithTheirStrides) {
  Signature s = bf16Signature();
  s.params = {{"slopes", DType::F32, {{ParamDim::H}}},
              {"doc", DType::I32, {{ParamDim::B}, {ParamDim::S}}}};
  LaunchDesc d = dense();
  d.params["doc"] = {at(0x50000), DType::I32, kHostDevice, {2, 9}, {16, 1}};
  d.params["slopes"] = TensorDesc::contiguous(at(0x60000), DType::F32, {4});
  llvm::Expected<dev::Args> a = toArgs(kernelOf(s), d);
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->params[0].data, at(0x60000));
  EXPECT_EQ(a->params[0].stride[0], 1);
  EXPECT_EQ(a->params[1].data, at(0x50000));
  EXPECT_EQ(a->params[1].stride[0], 16);
  EXPECT_EQ(a->params[1].stride[1], 1);
  EXPECT_EQ(a->params[2].data, nullptr);
}

TEST(Launch, GridFollowsLaunchGrid) {
  GeneratedKernel k = kernelOf(bf16Signature());
  llvm::Expected<dev::Args> a = toArgs(k, dense(3, 9, 9, 4, 2));
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  LaunchGrid g = gridOf(k, *a), want = launchGrid(k.config, 3, 4, 9);
  EXPECT_EQ(g.x, want.x);
  EXPECT_EQ(g.y, want.y);
  EXPECT_EQ(g.z, want.z);
  EXPECT_EQ(g.z, 3u);
}

TEST(Launch, SplitsAreChosenWhenTheGridLeavesMostSlotsIdle) {
  // handWritten: 4-row query tiles, 16-key tiles. B = 2, Sq = 1, Hq = 4: 8 CTAs.
  GeneratedKernel k = kernelOf(bf16Signature());
  k.mergeName = "k_merge";
  auto chosen = [&](int64_t Skv, int slots, std::optional<int> given = std::nullopt) {
    LaunchDesc d = dense(2, 1, Skv, 4, 2);
    d.splits = given;
    llvm::Expected<dev::Args> a = toArgs(k, d);
    EXPECT_TRUE(bool(a)) << llvm::toString(a.takeError());
    chooseSplits(k, *a, slots);
    return *a;
  };
  EXPECT_EQ(chosen(1000, 132).splits, 16);  // 132 slots / 8 CTAs
  EXPECT_EQ(chosen(40, 132).splits, 3);     // no more parts than the 3 KV tiles
  EXPECT_EQ(chosen(1000, 12).splits, 1);    // 8 CTAs fill more than half of 12
  EXPECT_EQ(chosen(100000, 10000).splits, dev::kMaxSplits);
  EXPECT_EQ(chosen(1000, 132, 5).splits, 5); // the caller's choice stands
  dev::Args a = chosen(1000, 132, 5);
  LaunchGrid g = gridOf(k, a);
  EXPECT_EQ(g.x, 5u); // one query tile, five parts
  SplitWorkspace w = splitWorkspace(k, a);
  EXPECT_EQ(w.lseFloats, 5 * 2 * 1 * 4); // splits x sequences x query positions x query heads
  EXPECT_EQ(w.outFloats, 5 * 2 * 4 * 8);
  EXPECT_EQ(mergeGridOf(a).x, unsigned((2 * 4 + dev::kMergeRows - 1) / dev::kMergeRows));
  // A kernel without a merge entry never splits.
  k.mergeName.clear();
  EXPECT_EQ(chosen(1000, 132).splits, 1);
  EXPECT_EQ(splitWorkspace(k, chosen(1000, 132)).bytes(), 0);
}

TEST(Launch, DecodeBuildForKernelsOnThePingPongTile) {
  auto ragged = [](int64_t d) {
    Signature s = bf16Signature(d);
    s.batch = BatchLayout::Ragged;
    return s;
  };
  ConfigOverrides sm90;
  std::optional<ConfigOverrides> d = decodeOverrides(ragged(128), sm90);
  ASSERT_TRUE(d);
  KernelConfig c = selectConfig(ragged(128), *d);
  EXPECT_EQ(c.blockM, 64);
  EXPECT_EQ(c.blockN, 64);
  EXPECT_EQ(c.warps, 4);
  EXPECT_EQ(c.stages, 3);
  EXPECT_FALSE(c.pingpong);
  EXPECT_EQ(c.mma, "wgmma");
  EXPECT_EQ(checkConfig(c, ragged(128)), "");
  // Two CTAs per SM of the H100/H200's 228 KB (1 KB of it reserved per CTA).
  EXPECT_LE(2 * (sharedBytes(c, ragged(128)) + 1024), 228 * 1024);
  EXPECT_EQ(ctasPerSM(c, ragged(128)), 1); // two by shared memory: no register cap
  // fp8 K/V: the warps split each 192-key tile's keys (mma.sync), 8 rows (keys on the MMAs'
  // rows), two stages of raw codes in rows of 128 + 16 bytes: 8 * (256 + 16) (Q, f16) + 2 * 2 *
  // 192 * 144 (K, V), two CTAs per SM (no register cap).
  Signature fp8 = ragged(128);
  fp8.k.dtype = fp8.v.dtype = DType::F8E4M3;
  std::optional<ConfigOverrides> d8 = decodeOverrides(fp8, sm90);
  ASSERT_TRUE(d8);
  KernelConfig c8 = selectConfig(fp8, *d8);
  EXPECT_EQ(c8.mma, "mma.sync");
  EXPECT_TRUE(c8.warpSplit);
  EXPECT_EQ(c8.blockM, 8);
  EXPECT_EQ(c8.blockN, 192);
  EXPECT_EQ(c8.warps, 4);
  EXPECT_EQ(c8.stages, 2);
  EXPECT_EQ(checkConfig(c8, fp8), "");
  EXPECT_FALSE(fp8QK(c8, fp8)); // bf16 q: K's codes widen in registers
  EXPECT_EQ(sharedBytes(c8, fp8), 8 * 272 + 2 * 2 * 192 * 144);
  EXPECT_LE(2 * (sharedBytes(c8, fp8) + 1024), 228 * 1024);
  EXPECT_EQ(ctasPerSM(c8, fp8), 1);
  // Paged: each warp's copies stage their block-table entries in a ring of three slots, a tag
  // and the entries of the pages of its 48 keys (3 of 16, 2 of 32 or 64 at most); pages of
  // fewer than 6 keys are read from the table; still two CTAs per SM. The bf16 build's ring
  // (wgmma) takes the alignment's spare bytes.
  Signature fp8p = fp8;
  fp8p.kvCache = KVCache::Paged;
  for (auto [page, ring] : {std::pair{16, 4 * 3 * 4 * 4}, {32, 4 * 3 * 4 * 4}, {64, 4 * 3 * 3 * 4}, {1, 0}, {4, 0}}) {
    fp8p.pageSize = page;
    EXPECT_EQ(sharedBytes(c8, fp8p), sharedBytes(c8, fp8) + ring) << "page " << page;
  }
  fp8p.pageSize = 16;
  EXPECT_LE(2 * (sharedBytes(c8, fp8p) + 1024), 228 * 1024);
  Signature bf16p = ragged(128);
  bf16p.kvCache = KVCache::Paged;
  bf16p.pageSize = 16;
  EXPECT_EQ(sharedBytes(c, bf16p), sharedBytes(c, ragged(128)));
  // 64-key tiles would fit three, their registers capped.
  ConfigOverrides d64 = *d8;
  d64.blockN = 64;
  EXPECT_EQ(ctasPerSM(selectConfig(fp8, d64), fp8), 3);
  // fp8 q too: Q.K on fp8 tensor cores (m16n8k32), Q's codes in a 144-byte row each.
  Signature fp8q = fp8;
  fp8q.q.dtype = DType::F8E4M3;
  KernelConfig cq = selectConfig(fp8q, *decodeOverrides(fp8q, sm90));
  EXPECT_TRUE(fp8QK(cq, fp8q));
  EXPECT_EQ(sharedBytes(cq, fp8q), 8 * 144 + 2 * 2 * 192 * 144);
  // A dense batch gets the same build (its decode steps are the same tiles).
  std::optional<ConfigOverrides> dd = decodeOverrides(bf16Signature(128), sm90);
  ASSERT_TRUE(dd);
  EXPECT_EQ(selectConfig(bf16Signature(128), *dd).blockM, 64);
  EXPECT_FALSE(decodeOverrides(ragged(64), sm90));         // no ping-pong at d = 64
  EXPECT_FALSE(decodeOverrides(ragged(256), sm90));        // O would take 128 registers
  ConfigOverrides sm80;
  sm80.arch = "sm_80";
  EXPECT_FALSE(decodeOverrides(ragged(128), sm80)); // mma.sync path
  ConfigOverrides chosen;
  chosen.warps = 8;
  EXPECT_FALSE(decodeOverrides(ragged(128), chosen));
}

TEST(Launch, Fp8QKRunsOnFp8TensorCoresOnlyWithWgmmaFp8QAndKAndWholeRows) {
  auto sig = [](DType q, DType k, int64_t d) {
    Signature s = bf16Signature(d);
    s.q.dtype = q, s.k.dtype = k, s.v.dtype = DType::F8E4M3;
    return s;
  };
  ConfigOverrides sm90;
  sm90.arch = "sm_90a";
  auto qk8 = [&](const Signature &s, ConfigOverrides o) { return fp8QK(selectConfig(s, o), s); };
  EXPECT_TRUE(qk8(sig(DType::F8E4M3, DType::F8E4M3, 128), sm90));
  EXPECT_TRUE(qk8(sig(DType::F8E4M3, DType::F8E5M2, 128), sm90)); // mixed fp8 types
  EXPECT_TRUE(qk8(sig(DType::F8E5M2, DType::F8E5M2, 256), sm90));
  EXPECT_FALSE(qk8(sig(DType::BF16, DType::F8E4M3, 128), sm90)); // bf16 q: k widens
  EXPECT_FALSE(qk8(sig(DType::F8E4M3, DType::F8E4M3, 64), sm90)); // 64-byte rows
  ConfigOverrides sync = sm90;
  sync.mma = "mma.sync";
  EXPECT_FALSE(qk8(sig(DType::F8E4M3, DType::F8E4M3, 128), sync));
  // Warp split (mma.sync m16n8k32) takes head dims in 32-byte steps.
  ConfigOverrides split = sync;
  split.warpSplit = true, split.blockM = 16, split.blockN = 64;
  EXPECT_TRUE(qk8(sig(DType::F8E4M3, DType::F8E5M2, 96), split));
  EXPECT_FALSE(qk8(sig(DType::BF16, DType::F8E4M3, 128), split));
  // The Q and K tiles are fp8 codes (one byte each) and need no staging buffer; V widens to
  // f16 through its own: 1024 + (128 + 2 * 128) * 128 + 2 * 128 * 128 * 2 + 128 * 128.
  Signature s = sig(DType::F8E4M3, DType::F8E4M3, 128);
  EXPECT_EQ(sharedBytes(selectConfig(s, sm90), s), 1024 + 384 * 128 + 65536 + 16384);
  // bf16 q: f16 Q and K tiles, and K's staging buffer beside V's.
  Signature w = sig(DType::BF16, DType::F8E4M3, 128);
  EXPECT_EQ(sharedBytes(selectConfig(w, sm90), w), 1024 + 384 * 128 * 2 + 65536 + 2 * 16384);
}

TEST(Launch, DecodeBuildTakesLaunchesWhoseQueriesFitOneOfItsTiles) {
  GeneratedKernel k = kernelOf(bf16Signature(), 2);
  auto d = std::make_shared<GeneratedKernel>(kernelOf(bf16Signature(), 2));
  d->config.blockM = 8; // 4 positions of 2 packed heads
  k.decode = d;
  auto args = [&](int64_t Sq) {
    llvm::Expected<dev::Args> a = toArgs(k, dense(2, Sq, 7, 4, 2));
    EXPECT_TRUE(bool(a)) << llvm::toString(a.takeError());
    return *a;
  };
  EXPECT_EQ(&shapeFor(k, args(1)), d.get());
  EXPECT_EQ(&shapeFor(k, args(4)), d.get());
  EXPECT_EQ(&shapeFor(k, args(5)), &k);
  k.decode.reset();
  EXPECT_EQ(&shapeFor(k, args(1)), &k);
}

TEST(Launch, AMixedBatchRunsItsShortSequencesOnTheDecodeBuild) {
  GeneratedKernel k = kernelOf(raggedSig(), 2);
  auto d = std::make_shared<GeneratedKernel>(kernelOf(raggedSig(), 2));
  d->config.blockM = 8; // 4 positions of 2 packed heads
  k.decode = d;
  // Two sequences of 1 and Sq queries over 7 keys each (heads 4 / 2, head dim 8).
  std::vector<int32_t> cuQ, cuKV = {0, 7, 14};
  auto args = [&](int32_t Sq, std::optional<int> splits = std::nullopt) {
    cuQ = {0, 1, 1 + Sq};
    LaunchDesc desc;
    desc.q = TensorDesc::contiguous(at(0x10000), DType::BF16, {1 + Sq, 4, 8});
    desc.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {1 + Sq, 4, 8});
    desc.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {14, 2, 8});
    desc.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {14, 2, 8});
    desc.cuSeqlensQ = TensorDesc::contiguous(cuQ.data(), DType::I32, {3});
    desc.cuSeqlensKV = TensorDesc::contiguous(cuKV.data(), DType::I32, {3});
    desc.splits = splits;
    llvm::Expected<dev::Args> a = toArgs(k, desc);
    EXPECT_TRUE(bool(a)) << llvm::toString(a.takeError());
    return *a;
  };
  EXPECT_FALSE(mixedLaunch(k, args(4))); // every sequence fits the decode build
  EXPECT_FALSE(mixedLaunch(k, args(9, 1))); // the caller chose the split
  std::optional<MixedLaunch> m = mixedLaunch(k, args(9));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->longs.seq_class, dev::kLongSeqs);
  EXPECT_EQ(m->longs.class_q, 4);
  EXPECT_EQ(m->longs.seqlen_q, 9);
  EXPECT_EQ(m->longs.splits, 1); // nothing may free memory between the two parts
  EXPECT_EQ(m->shorts.seq_class, dev::kShortSeqs);
  EXPECT_EQ(m->shorts.class_q, 4);
  EXPECT_EQ(m->shorts.seqlen_q, 4); // one decode tile per sequence and head group
  EXPECT_EQ(m->shorts.splits, 0);   // chosen at the launch
  EXPECT_EQ(gridOf(*d, m->shorts).x, 1u);
  // A dense batch's sequences are all of one length: it runs whole on the kernel itself.
  GeneratedKernel kd = kernelOf(bf16Signature(), 2);
  kd.decode = d;
  llvm::Expected<dev::Args> da = toArgs(kd, dense(2, 9, 7, 4, 2));
  ASSERT_TRUE(bool(da)) << llvm::toString(da.takeError());
  EXPECT_EQ(&shapeFor(kd, *da), &kd);
  EXPECT_FALSE(mixedLaunch(kd, *da));
  k.decode.reset();
  EXPECT_FALSE(mixedLaunch(k, args(9)));
}

TEST(Launch, SplitsAreWithinTheirRange) {
  GeneratedKernel k = kernelOf(bf16Signature());
  k.mergeName = "k_merge";
  LaunchDesc d = dense();
  d.splits = 0;
  EXPECT_EQ(errorOf(k, d), "splits: 0; a launch cuts each query tile's keys into 1 to 64 parts "
                           "(1: no split), or leaves it unset to have it chosen");
  d.splits = 65;
  EXPECT_THAT(errorOf(k, d), StartsWith("splits: 65; a launch cuts"));
  d.splits = 2;
  k.mergeName.clear();
  EXPECT_EQ(errorOf(k, d), "splits: 2, but kernel 'k' has no merge entry point, so it cannot "
                           "split its keys; give 1");
}

// --- Each tensor on its own --------------------------------------------------------------------

TEST(Launch, DtypeMustBeTheSpecs) {
  LaunchDesc d = dense();
  d.v.dtype = DType::F16;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d), "v: dtype f16, but the spec declares bf16");
}

TEST(Launch, RankFollowsTheLayout) {
  LaunchDesc d = dense();
  d.q = TensorDesc::contiguous(at(0x10000), DType::BF16, {10, 4, 8});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "q: expected [B, Sq, Hq, D] (dense batch), got shape [10, 4, 8]");
  Ragged r;
  LaunchDesc rd = r.desc();
  rd.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {1, 11, 2, 8});
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), rd),
            "k: expected [Tkv, Hkv, D] (ragged batch), got shape [1, 11, 2, 8]");
  Paged p;
  LaunchDesc pd = p.desc();
  pd.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {40, 2, 8});
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), pd),
            "v: expected [blocks, P, Hkv, Dv] (paged KV cache), got shape [40, 2, 8]");
}

TEST(Launch, OneStridePerDimension) {
  LaunchDesc d = dense();
  d.k.strides.pop_back();
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "k: 4 sizes but 3 strides; give one stride per dimension");
}

TEST(Launch, SizesAndStridesAreNonNegative) {
  LaunchDesc d = dense();
  d.q.shape[1] = -5;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d), "q: negative size -5 in dimension 1");
  d = dense();
  d.k.strides[0] = -128;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "k: negative stride -128 in dimension 0; strides must be non-negative");
}

TEST(Launch, HeadDimsAreTheSpecs) {
  Signature s = bf16Signature();
  s.v.headDim = s.out.headDim = 16;
  LaunchDesc d = dense(); // v has head dim 8
  d.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {2, 5, 4, 16});
  EXPECT_EQ(errorOf(kernelOf(s), d), "v: head dim 8, but the spec declares 16");
}

TEST(Launch, HeadDimHasUnitStride) {
  LaunchDesc d = dense();
  d.k.strides = {7 * 2 * 16, 2 * 16, 16, 2};
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "k: the head dim (last dimension) must have unit stride, got stride 2");
}

TEST(Launch, DataPointersAre16ByteAligned) {
  LaunchDesc d = dense();
  d.out.data = at(0x40008);
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "out: data pointer 0x40008 is not 16-byte aligned; vectorized loads need 16-byte "
            "aligned rows");
  d = dense();
  d.q.data = at(0x10001);
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "q: data pointer 0x10001 is not aligned to its 2-byte elements");
}

TEST(Launch, RowStridesAreMultiplesOf16Bytes) {
  LaunchDesc d = dense();
  d.q.strides = {5 * 4 * 12, 4 * 12, 12, 1}; // heads 24 bytes apart
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "q: stride 12 of dimension 2 (Hq) is 24 bytes, not a multiple of 16; vectorized "
            "loads need 16-byte aligned rows");
  // A dimension of size 1 may have any stride: it is never stepped over.
  d = dense(1);
  d.q.strides[0] = 3;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d), "");
}

TEST(Launch, NullDataOnlyForEmptyTensors) {
  LaunchDesc d = dense();
  d.k.data = nullptr;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d), "k: null data pointer");
}

TEST(Launch, OutputRowsMustNotOverlap) {
  LaunchDesc d = dense();
  d.out.strides = {0, 32, 8, 1};
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "out: stride 0 in dimension 0 (B) of size 2; the rows of 'out' must not overlap");
}

// --- Sizes across tensors ----------------------------------------------------------------------

TEST(Launch, BatchAndShapesAgree) {
  LaunchDesc d = dense();
  d.k = TensorDesc::contiguous(at(0x20000), DType::BF16, {3, 7, 2, 8});
  d.v = d.k;
  d.v.data = at(0x30000);
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d), "k: batch 3 differs from q's 2");
  d = dense();
  d.out = TensorDesc::contiguous(at(0x40000), DType::BF16, {2, 6, 4, 8});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "out: shape [2, 6, 4, 8] must match q's [2, 5, 4, 8] but for the head dim");
  d = dense();
  d.v = TensorDesc::contiguous(at(0x30000), DType::BF16, {2, 6, 2, 8});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "v: shape [2, 6, 2, 8] must match k's [2, 7, 2, 8] but for the head dim");
}

TEST(Launch, KVHeadsDivideQueryHeads) {
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), dense(2, 5, 7, 4, 3)),
            "k: 3 KV heads do not divide the 4 query heads (Hq % Hkv must be 0)");
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), dense(2, 5, 7, 4, 0)),
            "k: needs at least one KV head, got 0");
}

TEST(Launch, GqaFixedByTheSpec) {
  Signature s = bf16Signature();
  s.gqa = 4;
  EXPECT_EQ(errorOf(kernelOf(s), dense(2, 5, 7, 4, 2)),
            "q: the spec fixes gqa = 4, so 2 KV heads need 8 query heads, got 4");
  EXPECT_EQ(errorOf(kernelOf(s), dense(2, 5, 7, 8, 2)), "");
}

TEST(Launch, QueryHeadsFillWholeTiles) {
  EXPECT_EQ(errorOf(kernelOf(bf16Signature(), 4), dense(2, 5, 7, 6, 6)),
            "q: 6 query heads are not a multiple of 4, the heads the kernel packs into one CTA "
            "(config.headsPerTile)");
  EXPECT_EQ(errorOf(kernelOf(bf16Signature(), 2), dense(2, 5, 7, 4, 4)),
            "q: groups of 1 query heads per KV head are not a multiple of 2, the heads of one "
            "group the kernel packs into one CTA (config.headsPerTile)");
  EXPECT_EQ(errorOf(kernelOf(bf16Signature(), 2), dense(2, 5, 7, 4, 2)), "");
}

TEST(Launch, SizesFitTheInt32OfArgs) {
  LaunchDesc d = dense(3'000'000'000LL, 1, 1, 4, 2);
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "q: batch size B 3000000000 does not fit the int32 the kernel's Args use (at most "
            "2147483647)");
  d = dense(1, 1, 1LL << 32, 4, 2);
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "k: sequence length Skv 4294967296 does not fit the int32 the kernel's Args use (at "
            "most 2147483647)");
}

TEST(Launch, KernelsBeyondTheABIAreRejected) {
  Signature s = bf16Signature();
  for (int i = 0; i < 9; ++i)
    s.params.push_back({"p" + std::to_string(i), DType::F32, {{ParamDim::H}}});
  EXPECT_EQ(errorOf(kernelOf(s), dense()),
            "kernel 'k': 9 params, but the launch ABI (Args.h) takes at most 8");
  EXPECT_EQ(errorOf(kernelOf(bf16Signature(), 0), dense()),
            "kernel 'k': config.headsPerTile is 0; it must be positive");
}

// --- Devices -------------------------------------------------------------------------------------

TEST(Launch, EveryTensorOnOneDevice) {
  LaunchDesc d = dense();
  d.v.device = 0;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "v: on CUDA device 0, but q is on host memory; every tensor of a launch must be on "
            "the device the kernel runs on");
  d = dense();
  std::vector<float> slopes(4);
  Signature s = bf16Signature();
  s.params = {{"slopes", DType::F32, {{ParamDim::H}}}};
  d.params["slopes"] = TensorDesc::contiguous(slopes.data(), DType::F32, {4}, 1);
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "param 'slopes': on CUDA device 1, but q is on host memory; every tensor of a launch "
            "must be on the device the kernel runs on");
  d = dense();
  for (TensorDesc *t : {&d.q, &d.k, &d.v, &d.out})
    t->device = -7;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "q: device -7 is neither a CUDA ordinal (0 and up) nor host memory (-1)");
}

TEST(Launch, CudaTensorsNeedTheirDevicesMemory) {
  // Here there is no driver (the error says so); on a GPU machine these fake addresses are not
  // device memory. Either way q is named and nothing is dereferenced.
  LaunchDesc d = dense();
  for (TensorDesc *t : {&d.q, &d.k, &d.v, &d.out})
    t->device = 0;
  std::string e = errorOf(kernelOf(bf16Signature()), d);
  EXPECT_THAT(e, StartsWith("q: ")) << e;
  EXPECT_THAT(e, ::testing::AnyOf(HasSubstr("on CUDA device 0, which cannot be used: no CUDA driver"),
                                  HasSubstr("is not CUDA device memory")))
      << e;
}

// --- Ragged and paged metadata -------------------------------------------------------------------

TEST(Launch, RaggedNeedsCumulativeOffsets) {
  Ragged r;
  LaunchDesc d = r.desc();
  d.cuSeqlensQ.reset();
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), d),
            "cu_seqlens_q: missing; a ragged batch needs int32 [B+1] cumulative query offsets");
  d = r.desc();
  d.cuSeqlensKV.reset();
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), d),
            "cu_seqlens_kv: missing; a ragged batch needs int32 [B+1] cumulative key offsets");
  d = r.desc();
  d.cuSeqlensQ->dtype = DType::F32;
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), d),
            "cu_seqlens_q: dtype f32, expected i32");
}

TEST(Launch, OffsetsStartAtZeroNeverDecreaseAndEndAtTheTotal) {
  Ragged r;
  r.cuQ = {1, 2, 5, 6};
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), r.desc()), "cu_seqlens_q: must start at 0, got 1");
  r.cuQ = {0, 3, 2, 6};
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), r.desc()),
            "cu_seqlens_q: offsets must not decrease, but [2] = 2 < [1] = 3");
  r.cuQ = {0, 2, 5, 5};
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), r.desc()),
            "cu_seqlens_q: must end at Tq=6 (the rows of q), got 5");
  r = Ragged();
  r.cuKV = {0, 4, 9, 12};
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), r.desc()),
            "cu_seqlens_kv: must end at Tkv=11 (the rows of k), got 12");
  r.cuKV = {0, 4, 11};
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), r.desc()),
            "cu_seqlens_kv: 3 offsets, but cu_seqlens_q gives B=3, so B+1=4 are needed");
}

TEST(Launch, GivenMaxSeqlenCoversEverySequence) {
  Ragged r;
  LaunchDesc d = r.desc();
  d.maxSeqlenQ = 2;
  EXPECT_EQ(errorOf(kernelOf(raggedSig()), d),
            "max_seqlen_q: 2, but the longest query sequence has 3 tokens");
  d = r.desc();
  d.maxSeqlenQ = 16; // a bound, not the exact maximum: the grid grows, the kernel stays right
  d.maxSeqlenKV = 5;
  llvm::Expected<dev::Args> a = toArgs(kernelOf(raggedSig()), d);
  ASSERT_TRUE(bool(a)) << llvm::toString(a.takeError());
  EXPECT_EQ(a->seqlen_q, 16);
  EXPECT_EQ(a->seqlen_kv, 5);
  d = dense();
  d.maxSeqlenKV = 8;
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "max_seqlen_kv: 8, but the dense batch has Skv=7");
}

TEST(Launch, MetadataOnlyWhereTheLayoutUsesIt) {
  std::vector<int32_t> offsets = {0, 5, 10};
  LaunchDesc d = dense();
  d.cuSeqlensQ = TensorDesc::contiguous(offsets.data(), DType::I32, {3});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "cu_seqlens_q: given, but the spec's batch is dense (declare 'batch = ragged;' for "
            "cumulative offsets)");
  d = dense();
  d.blockTable = TensorDesc::contiguous(offsets.data(), DType::I32, {1, 3});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "block_table: given, but the spec's KV cache is not paged (declare 'kv_cache = "
            "paged(P);')");
  Paged p;
  d = p.desc();
  d.cuSeqlensKV = TensorDesc::contiguous(offsets.data(), DType::I32, {3});
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), d),
            "cu_seqlens_kv: given, but a paged KV cache takes seqlens_kv and block_table instead");
}

TEST(Launch, PagedNeedsLengthsAndABlockTable) {
  Paged p;
  LaunchDesc d = p.desc();
  d.seqlensKV.reset();
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), d),
            "seqlens_kv: missing; a paged KV cache needs int32 [B] keys per sequence");
  d = p.desc();
  d.blockTable.reset();
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), d),
            "block_table: missing; a paged KV cache needs int32 [B, maxBlocks] page indices");
  d = p.desc();
  d.seqlensKV->shape = {3};
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), d),
            "seqlens_kv: expected int32 [B=2] keys per sequence, got shape [3]");
  d = p.desc();
  d.blockTable->shape = {3, 2};
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), d),
            "block_table: expected int32 [B=2, maxBlocks] page indices, got shape [3, 2]");
  EXPECT_EQ(errorOf(kernelOf(pagedSig(16)), p.desc()),
            "k: pages of 4 tokens, but the spec declares paged(16)");
}

TEST(Launch, BlockTableHoldsEverySequence) {
  Paged p;
  p.lens = {13, 3}; // 4 pages of 4, but the table has 3 columns
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), p.desc()),
            "block_table: sequence 0 has 13 keys, more than 3 pages of 4 hold");
  p = Paged();
  p.table = {7, 10, 0, 5, 9, 9}; // sequence 0 uses pages [0, 1]: 10 is not a block
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), p.desc()),
            "block_table: entry [0, 1] = 10 is not a block of the cache (0 to 9)");
  p = Paged();
  p.table = {7, 2, -1, 5, 9, -1}; // unused entries may hold anything
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), p.desc()), "");
  p.lens = {6, -2};
  EXPECT_EQ(errorOf(kernelOf(pagedSig()), p.desc()),
            "seqlens_kv: sequence 1 has a negative length -2");
}

// --- Scales and lse ------------------------------------------------------------------------------

TEST(Launch, ScalesPresentExactlyWhenTheSpecQuantizes) {
  Signature s = bf16Signature();
  s.k = {DType::F8E4M3, 8, ScaleKind::PerHead};
  s.v = {DType::F8E4M3, 8, ScaleKind::PerTensor};
  LaunchDesc d = dense();
  d.k.dtype = d.v.dtype = DType::F8E4M3;
  d.k.strides = d.v.strides = {7 * 2 * 16, 2 * 16, 16, 1}; // fp8 rows padded to 16 bytes
  std::vector<float> kScale(4), vScale(1);
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "k_scale: missing; the spec quantizes 'k' (f8e4m3, scale per_head), which needs a "
            "float32 [B=2, Hkv=2] scale");
  d.kScale = TensorDesc::contiguous(kScale.data(), DType::F32, {2, 2});
  d.vScale = TensorDesc::contiguous(vScale.data(), DType::F32, {});
  EXPECT_EQ(errorOf(kernelOf(s), d), ""); // a 0-d per-tensor scale is accepted
  d.qScale = TensorDesc::contiguous(vScale.data(), DType::F32, {1});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "q_scale: given, but 'q' is bf16, not quantized, and takes no scale");
}

TEST(Launch, ScalesHaveTheirGranularitysShape) {
  Signature s = bf16Signature();
  s.k = {DType::F8E4M3, 8, ScaleKind::PerHead};
  s.v = {DType::F8E4M3, 8, ScaleKind::PerTokenHead};
  LaunchDesc d = dense();
  d.k.dtype = d.v.dtype = DType::F8E4M3;
  d.k.strides = d.v.strides = {7 * 2 * 16, 2 * 16, 16, 1};
  std::vector<float> buf(64);
  d.kScale = TensorDesc::contiguous(buf.data(), DType::F32, {2, 4});
  d.vScale = TensorDesc::contiguous(buf.data(), DType::F32, {2, 7, 2});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "k_scale: expected float32 [B=2, Hkv=2] (per_head scale of 'k'), got shape [2, 4]");
  d.kScale = TensorDesc::contiguous(buf.data(), DType::BF16, {2, 2});
  EXPECT_EQ(errorOf(kernelOf(s), d), "k_scale: dtype bf16, expected f32");
  d.kScale = {buf.data(), DType::F32, kHostDevice, {2, 2}, {1, 2}};
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "k_scale: must be contiguous (row-major), got shape [2, 2] with strides [1, 2]");
  d.kScale = TensorDesc::contiguous(buf.data(), DType::F32, {2, 2});
  d.vScale = TensorDesc::contiguous(buf.data(), DType::F32, {14, 2});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "v_scale: expected float32 [B=2, Skv=7, Hkv=2] (per_token_head scale of 'v'), got "
            "shape [14, 2]");
  // Paged per-token-head scales follow the cache: [blocks, P, Hkv].
  s.kvCache = KVCache::Paged;
  s.pageSize = 4;
  Paged p;
  LaunchDesc pd = p.desc();
  pd.k.dtype = pd.v.dtype = DType::F8E4M3;
  pd.k.strides = pd.v.strides = {4 * 2 * 16, 2 * 16, 16, 1};
  pd.kScale = TensorDesc::contiguous(buf.data(), DType::F32, {2, 2});
  pd.vScale = TensorDesc::contiguous(buf.data(), DType::F32, {2, 6, 2});
  EXPECT_EQ(errorOf(kernelOf(s), pd),
            "v_scale: expected float32 [blocks=10, P=4, Hkv=2] (per_token_head scale of 'v'), "
            "got shape [2, 6, 2]");
}

TEST(Launch, Fp8OutputNeedsItsScale) {
  Signature s = bf16Signature();
  s.out = {DType::F8E4M3, 8, ScaleKind::PerTensor};
  LaunchDesc d = dense();
  d.out.dtype = DType::F8E4M3;
  d.out.strides = {5 * 4 * 16, 4 * 16, 16, 1};
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "out_scale: missing; the spec quantizes 'out' (f8e4m3, scale per_tensor), which needs "
            "a float32 [1] scale");
}

TEST(Launch, LsePresentExactlyWhenAskedFor) {
  std::vector<float> lse(40);
  LaunchDesc d = dense();
  d.lse = TensorDesc::contiguous(lse.data(), DType::F32, {10, 4});
  EXPECT_EQ(errorOf(kernelOf(bf16Signature()), d),
            "lse: given, but the spec does not ask for it (declare 'lse: f32;')");
  Signature s = bf16Signature();
  s.lse = true;
  EXPECT_EQ(errorOf(kernelOf(s), d), "");
  d.lse = TensorDesc::contiguous(lse.data(), DType::F32, {2, 5, 4}); // [B, Sq, Hq] as well
  EXPECT_EQ(errorOf(kernelOf(s), d), "");
  d.lse = TensorDesc::contiguous(lse.data(), DType::F32, {4, 10});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "lse: expected float32 [T=B*Sq=10, Hq=4] or [B=2, Sq=5, Hq=4], got shape [4, 10]");
  d.lse = {lse.data(), DType::F32, kHostDevice, {10, 4}, {1, 10}};
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "lse: must be contiguous (row-major), got shape [10, 4] with strides [1, 10]");
  d.lse.reset();
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "lse: missing; the spec asks for lse, which needs float32 [T=B*Sq=10, Hq=4] or [B=2, "
            "Sq=5, Hq=4] contiguous");
}

// --- Params --------------------------------------------------------------------------------------

TEST(Launch, ParamsAsDeclared) {
  Signature s = bf16Signature();
  s.params = {{"slopes", DType::F32, {{ParamDim::H}}},
              {"doc", DType::I32, {{ParamDim::S}}},
              {"table", DType::F16, {{ParamDim::Fixed, 3}, {ParamDim::Hkv}}}};
  std::vector<float> buf(64);
  auto good = [&] {
    LaunchDesc d = dense();
    d.params["slopes"] = TensorDesc::contiguous(buf.data(), DType::F32, {4});
    d.params["doc"] = TensorDesc::contiguous(buf.data(), DType::I32, {7});
    d.params["table"] = TensorDesc::contiguous(buf.data(), DType::F16, {3, 2});
    return d;
  };
  EXPECT_EQ(errorOf(kernelOf(s), good()), "");
  LaunchDesc d = good();
  d.params.erase("doc");
  EXPECT_EQ(errorOf(kernelOf(s), d), "param 'doc': missing; the spec declares it as i32 [S>=7]");
  d = good();
  d.params["bias"] = d.params["doc"];
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "param 'bias': the spec declares no such param (it declares slopes, doc, table)");
  d = good();
  d.params["slopes"].dtype = DType::F16;
  EXPECT_EQ(errorOf(kernelOf(s), d), "param 'slopes': dtype f16, but the spec declares f32");
  d = good();
  d.params["slopes"] = TensorDesc::contiguous(buf.data(), DType::F32, {2});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "param 'slopes': expected f32 [H=4], got shape [2] (dimension 0 must be 4)");
  d = good();
  d.params["doc"] = TensorDesc::contiguous(buf.data(), DType::I32, {6});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "param 'doc': expected i32 [S>=7], got shape [6] (dimension 0 must be at least the "
            "longest KV sequence, 7)");
  d = good();
  d.params["table"] = TensorDesc::contiguous(buf.data(), DType::F16, {3, 2, 1});
  EXPECT_EQ(errorOf(kernelOf(s), d),
            "param 'table': expected f16 [3, Hkv=2], got shape [3, 2, 1]");
  d = good();
  d.params["doc"] = TensorDesc::contiguous(buf.data(), DType::I32, {70}); // S: longer is fine
  EXPECT_EQ(errorOf(kernelOf(s), d), "");
}
