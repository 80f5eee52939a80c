//===- SignatureTest.cpp - Legality rules of kernel signatures ------------===//
#include "compiler/Spec/Signature.h"

#include <gtest/gtest.h>

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
