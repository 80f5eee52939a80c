//===- SignatureTest.cpp - Legality rules of kernel signatures ------------===//
#include "compiler/Spec/Signature.h"

#include <gtest/gtest.h>

#include <limits>

using namespace attn;

namespace {
Signature bf16Causal() {
  Signature s;
  s.q = s.k = s.v = {DType::BF16, 128, ScaleKind::None};
  s.out = {DType::BF16, 128, ScaleKind::None};
  return s;
}
} // namespace

TEST(Signature, PlainBf16IsLegal) { EXPECT_TRUE(checkSignature(bf16Causal()).empty()); }

TEST(Signature, Fp8QNeedsFp8K) {
  Signature s = bf16Causal();
  s.q = {DType::F8E4M3, 128, ScaleKind::PerTensor};
  s.v = {DType::F8E4M3, 128, ScaleKind::PerTensor};
  std::vector<SigError> errs = checkSignature(s);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, SigField::K);
  EXPECT_NE(errs[0].message.find("fp8 'q' (f8e4m3) needs fp8 'k', not bf16"), std::string::npos);
}

namespace {
/// The messages of checkSignature(s), in order.
std::vector<std::string> messages(const Signature &s) {
  std::vector<std::string> out;
  for (const SigError &e : checkSignature(s))
    out.push_back(e.message);
  return out;
}
} // namespace

TEST(Signature, HeadDimBounds) {
  // Multiples of 8 from 8 to 256 are legal; q and k must agree, v may differ.
  for (int64_t d : {8, 64, 96, 128, 256}) {
    Signature s = bf16Causal();
    s.q.headDim = s.k.headDim = d;
    EXPECT_TRUE(checkSignature(s).empty()) << d;
  }
  for (int64_t d : {0, -8, 7, 100, 264, 512}) {
    Signature s = bf16Causal();
    s.v.headDim = s.out.headDim = d;
    std::vector<SigError> errs = checkSignature(s);
    ASSERT_EQ(errs.size(), 1u) << d;
    EXPECT_EQ(errs[0].field, SigField::V);
    EXPECT_EQ(errs[0].message, "head dim " + std::to_string(d) +
                                   " of 'v' is not supported: head dims must be multiples of 8 "
                                   "from 8 to 256");
  }
  Signature s = bf16Causal();
  s.k.headDim = 64;
  std::vector<SigError> errs = checkSignature(s);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, SigField::K);
  EXPECT_EQ(errs[0].message, "head dim 64 of 'k' must equal the head dim 128 of 'q'");
  s = bf16Causal();
  s.out.headDim = 64;
  EXPECT_EQ(messages(s),
            std::vector<std::string>{"head dim 64 of 'out' must equal the head dim 128 of 'v'"});
}

TEST(Signature, DtypeCombinations) {
  const std::string combos = "supported: q, k and v all fp8; or q in f32/f16/bf16 with each of k "
                             "and v either q's dtype or fp8";
  // Legal: all fp8 (any mix of e4m3/e5m2); a 16/32-bit q with k, v in its type or fp8.
  Signature allFp8 = bf16Causal();
  allFp8.q = {DType::F8E4M3, 128, ScaleKind::PerTensor};
  allFp8.k = {DType::F8E5M2, 128, ScaleKind::PerHead};
  allFp8.v = {DType::F8E4M3, 128, ScaleKind::PerTokenHead};
  EXPECT_TRUE(checkSignature(allFp8).empty());
  Signature f32Mixed = bf16Causal();
  f32Mixed.q = f32Mixed.k = {DType::F32, 128, ScaleKind::None};
  f32Mixed.v = {DType::F8E5M2, 128, ScaleKind::PerTensor};
  EXPECT_TRUE(checkSignature(f32Mixed).empty());

  Signature bad = bf16Causal();
  bad.v.dtype = DType::F16;
  std::vector<SigError> errs = checkSignature(bad);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, SigField::V);
  EXPECT_EQ(errs[0].message, "'v' is f16 but 'q' is bf16; " + combos);

  Signature fp8q = bf16Causal();
  fp8q.q = {DType::F8E5M2, 128, ScaleKind::PerTensor};
  // Both k and v are bf16: two errors, k first.
  EXPECT_EQ(messages(fp8q),
            (std::vector<std::string>{"fp8 'q' (f8e5m2) needs fp8 'k', not bf16; " + combos,
                                      "fp8 'q' (f8e5m2) needs fp8 'v', not bf16; " + combos}));

  Signature intQ = bf16Causal();
  intQ.q.dtype = DType::I32;
  EXPECT_EQ(messages(intQ), std::vector<std::string>{"'q' cannot be i32: i32 is only for param "
                                                     "tensors; use f32, f16, bf16, f8e4m3 or "
                                                     "f8e5m2"});
}

TEST(Signature, Scales) {
  Signature s = bf16Causal();
  s.k = {DType::F8E4M3, 128, ScaleKind::None};
  std::vector<SigError> errs = checkSignature(s);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, SigField::K);
  EXPECT_EQ(errs[0].message, "'k' is f8e4m3 and needs a dequantization scale: add 'scale "
                             "per_tensor', 'scale per_head' or 'scale per_token_head'");
  s = bf16Causal();
  s.q.scale = ScaleKind::PerTokenHead;
  EXPECT_EQ(messages(s), std::vector<std::string>{"'q' is bf16, not quantized, and takes no "
                                                  "scale: remove 'scale per_token_head' or make "
                                                  "it f8e4m3/f8e5m2"});
  // fp8 out takes exactly a per-tensor scale; other outs take none.
  s = bf16Causal();
  s.out = {DType::F8E4M3, 128, ScaleKind::PerTensor};
  EXPECT_TRUE(checkSignature(s).empty());
  s.out.scale = ScaleKind::PerHead;
  EXPECT_EQ(messages(s), std::vector<std::string>{"fp8 'out' (f8e4m3) needs an output scale: add "
                                                  "'scale per_tensor' (out = saturate(o / "
                                                  "out_scale))"});
  s = bf16Causal();
  s.out.scale = ScaleKind::PerTensor;
  EXPECT_EQ(messages(s), std::vector<std::string>{"'out' is bf16, not quantized, and takes no "
                                                  "scale: remove 'scale per_tensor' or make it "
                                                  "f8e4m3/f8e5m2"});
  s = bf16Causal();
  s.out.dtype = DType::I32;
  EXPECT_EQ(messages(s), std::vector<std::string>{"'out' cannot be i32: use f32, f16, bf16, "
                                                  "f8e4m3 or f8e5m2"});
}

TEST(Signature, Options) {
  Signature s = bf16Causal();
  s.gqa = 1;
  s.softmaxScale = 0.125;
  s.kvCache = KVCache::Paged;
  for (int64_t page : {1, 2, 16, 256, 1024}) {
    s.pageSize = page;
    EXPECT_TRUE(checkSignature(s).empty()) << page;
  }
  for (int64_t page : {0, -4, 3, 12, 2048}) {
    s.pageSize = page;
    std::vector<SigError> errs = checkSignature(s);
    ASSERT_EQ(errs.size(), 1u) << page;
    EXPECT_EQ(errs[0].field, SigField::KVCache);
    EXPECT_EQ(errs[0].message, "page size " + std::to_string(page) +
                                   " is not supported: use a power of two from 1 to 1024");
  }
  // A contiguous cache ignores the page size.
  s.kvCache = KVCache::Contiguous;
  s.pageSize = 12;
  EXPECT_TRUE(checkSignature(s).empty());

  s = bf16Causal();
  s.gqa = 0;
  std::vector<SigError> errs = checkSignature(s);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, SigField::Gqa);
  EXPECT_EQ(errs[0].message, "gqa must be a positive number of query heads per KV head, got 0");

  // 0 means the default scale; negative or infinite scales are errors.
  s = bf16Causal();
  s.softmaxScale = 0;
  EXPECT_TRUE(checkSignature(s).empty());
  for (double bad : {-0.5, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    s.softmaxScale = bad;
    errs = checkSignature(s);
    ASSERT_EQ(errs.size(), 1u) << bad;
    EXPECT_EQ(errs[0].field, SigField::SoftmaxScale);
    EXPECT_EQ(errs[0].message, "softmax_scale must be a positive finite number (leave it out for "
                               "1/sqrt(head dim))");
  }
}

TEST(Signature, Params) {
  Signature s = bf16Causal();
  s.params.push_back({"ok", DType::I32, {{ParamDim::B, 0}, {ParamDim::Fixed, 3}}});
  s.params.push_back({"fp8", DType::F8E4M3, {{ParamDim::H, 0}}});
  s.params.push_back({"nodims", DType::F32, {}});
  s.params.push_back({"zero", DType::BF16, {{ParamDim::Fixed, 0}}});
  std::vector<SigError> errs = checkSignature(s);
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(errs[0].field, SigField::Param);
  EXPECT_EQ(errs[0].paramIndex, 1u);
  EXPECT_EQ(errs[0].message, "param 'fp8' cannot be f8e4m3: params are f32, f16, bf16 or i32");
  EXPECT_EQ(errs[1].paramIndex, 2u);
  EXPECT_EQ(errs[1].message, "param 'nodims' needs at least one dimension");
  EXPECT_EQ(errs[2].paramIndex, 3u);
  EXPECT_EQ(errs[2].message, "param 'zero' has extent 0; fixed extents must be positive");
}

TEST(Signature, NamesRoundTrip) {
  const std::pair<const char *, DType> dtypes[] = {
      {"f32", DType::F32},       {"f16", DType::F16},       {"bf16", DType::BF16},
      {"f8e4m3", DType::F8E4M3}, {"f8e5m2", DType::F8E5M2}, {"i32", DType::I32}};
  for (auto [name, t] : dtypes) {
    EXPECT_EQ(dtypeName(t), name);
    EXPECT_EQ(parseDType(name), t);
  }
  EXPECT_EQ(dtypeNames().size(), 6u);
  EXPECT_FALSE(parseDType("BF16").has_value());
  EXPECT_FALSE(parseDType("f64").has_value());
  EXPECT_TRUE(isFP8(DType::F8E4M3) && isFP8(DType::F8E5M2));
  EXPECT_FALSE(isFP8(DType::BF16) || isFP8(DType::I32));
  EXPECT_TRUE(isFloat(DType::F16));
  EXPECT_FALSE(isFloat(DType::I32));

  EXPECT_EQ(parseScale("per_tensor"), ScaleKind::PerTensor);
  EXPECT_EQ(parseScale("per_head"), ScaleKind::PerHead);
  EXPECT_EQ(parseScale("per_token_head"), ScaleKind::PerTokenHead);
  EXPECT_FALSE(parseScale("none").has_value());
  EXPECT_EQ(scaleName(ScaleKind::PerHead), "per_head");
  EXPECT_EQ(scaleName(ScaleKind::None), "none");
  EXPECT_EQ(scaleNames().size(), 3u);

  for (auto [name, k] : {std::pair{"B", ParamDim::B}, std::pair{"H", ParamDim::H},
                         std::pair{"Hkv", ParamDim::Hkv}, std::pair{"S", ParamDim::S}}) {
    EXPECT_EQ(paramDimName(k), name);
    EXPECT_EQ(parseParamDim(name), k);
  }
  EXPECT_EQ(paramDimName(ParamDim::Fixed), "");
  EXPECT_FALSE(parseParamDim("h").has_value());
}
