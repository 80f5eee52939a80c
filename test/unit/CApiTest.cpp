//===- CApiTest.cpp - The C ABI: null handles, bad descriptors, host launches, compile errors ---===//
#include "runtime/CApi.h"

#include "TestKernels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

using namespace attn;
using namespace attn::rt;
using namespace attn::test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

attn_tensor tensor(const void *data, attn_dtype dtype, std::vector<int64_t> shape,
                   int32_t device = ATTN_DEVICE_HOST) {
  attn_tensor t{};
  t.data = data;
  t.dtype = dtype;
  t.device = device;
  t.rank = int32_t(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    t.shape[i] = shape[i];
    t.stride[i] = stride;
    stride *= shape[i];
  }
  return t;
}

/// A dense bf16 launch of [1, 4, 2, 8] tensors over host buffers.
struct HostLaunch {
  alignas(16) uint16_t q[64], kv[64], out[64];
  struct attn_launch l = {};
  HostLaunch() { reset(); }
  HostLaunch(const HostLaunch &) = delete; // l points into this object
  void reset() {
    l = {};
    for (int i = 0; i < 64; ++i)
      q[i] = uint16_t(3 * i + 5), out[i] = 0xdead, kv[i] = 0;
    l.q = tensor(q, ATTN_BF16, {1, 4, 2, 8});
    l.k = l.v = tensor(kv, ATTN_BF16, {1, 4, 2, 8});
    l.out = tensor(out, ATTN_BF16, {1, 4, 2, 8});
  }
};

/// A handle around the hand-written copy kernel, built on the host in a temporary directory.
struct CopyHandle {
  attn_kernel *k;
  CopyHandle() {
    HostOptions o;
    o.cacheDir = "";
    k = wrapKernel(handWritten("copy_q", kCopyKernel), o);
  }
  ~CopyHandle() { attn_kernel_free(k); }
};

} // namespace

TEST(CApi, NullArgumentsAreErrorsNotCrashes) {
  HostLaunch h;
  EXPECT_EQ(attn_launch(nullptr, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_launch: kernel is NULL");
  CopyHandle c;
  EXPECT_EQ(attn_launch(c.k, nullptr, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_launch: launch is NULL");
  EXPECT_EQ(attn_kernel_source(nullptr), nullptr);
  EXPECT_STREQ(attn_last_error(), "attn_kernel_source: kernel is NULL");
  EXPECT_EQ(attn_kernel_name(nullptr), nullptr);
  attn_kernel_info info;
  EXPECT_EQ(attn_kernel_get_info(nullptr, &info), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_kernel_get_info: kernel is NULL");
  EXPECT_EQ(attn_kernel_get_info(c.k, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_kernel_get_info: info is NULL");
  int64_t bytes = -1;
  EXPECT_EQ(attn_workspace_size(nullptr, &h.l, nullptr, &bytes), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_workspace_size: kernel is NULL");
  EXPECT_EQ(attn_workspace_size(c.k, nullptr, nullptr, &bytes), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_workspace_size: launch is NULL");
  EXPECT_EQ(attn_workspace_size(c.k, &h.l, nullptr, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_workspace_size: bytes is NULL");
  attn_kernel_free(nullptr);

  attn_kernel *k = reinterpret_cast<attn_kernel *>(0x1);
  EXPECT_EQ(attn_compile(nullptr, nullptr, &k), ATTN_ERROR);
  EXPECT_EQ(k, nullptr);
  EXPECT_STREQ(attn_last_error(), "attn_compile: spec_text is NULL");
  EXPECT_EQ(attn_compile("kernel k {}", nullptr, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_compile: out is NULL");
  EXPECT_EQ(attn_compile_file(nullptr, nullptr, &k), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "attn_compile_file: path is NULL");
}

TEST(CApi, LastErrorIsPerThread) {
  EXPECT_EQ(attn_launch(nullptr, nullptr, nullptr), ATTN_ERROR);
  std::string other = "unset";
  std::thread([&] { other = attn_last_error(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_STREQ(attn_last_error(), "attn_launch: kernel is NULL");
}

TEST(CApi, BadDescriptorsNameTheArgument) {
  CopyHandle c;
  HostLaunch h;
  h.l.q.dtype = 9;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "q: unknown dtype code 9 (attn_dtype codes are 0 to 5)");
  h.reset();
  h.l.k.rank = 5;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "k: rank 5; a tensor has 0 to 4 dimensions");
  h.reset();
  attn_tensor lse = tensor(nullptr, ATTN_F32, {8}), p = tensor(h.q, ATTN_F32, {2});
  lse.rank = -1;
  h.l.lse = &lse;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "lse: rank -1; a tensor has 0 to 4 dimensions");
  h.reset();
  attn_param params[2] = {{nullptr, p}, {"slopes", p}};
  h.l.params = params;
  h.l.num_params = 1;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "params[0]: the name is NULL");
  params[0].name = "slopes";
  h.l.num_params = 2;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "param 'slopes': given twice");
  h.l.params = nullptr;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "params: 2 params at NULL; give a count of 0 or more and an "
                                  "array that holds them");
  h.reset();
  h.l.max_seqlen_kv = -3;
  EXPECT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "max_seqlen_kv: -3; give the longest sequence, or 0 to read it "
                                  "from the metadata");
}

TEST(CApi, HostLaunchRunsTheHostBuild) {
  CopyHandle c;
  EXPECT_STREQ(attn_kernel_name(c.k), "copy_q");
  EXPECT_THAT(attn_kernel_source(c.k), HasSubstr("KERNEL void copy_q"));
  HostLaunch h;
  ASSERT_EQ(attn_launch(c.k, &h.l, nullptr), ATTN_OK) << attn_last_error();
  EXPECT_TRUE(std::equal(h.q, h.q + 64, h.out));
  // The host build keeps its own partials: no workspace to lend it.
  int64_t bytes = -1;
  ASSERT_EQ(attn_workspace_size(c.k, &h.l, nullptr, &bytes), ATTN_OK) << attn_last_error();
  EXPECT_EQ(bytes, 0);
  // Validation errors come back as text, and nothing runs.
  HostLaunch bad;
  bad.l.v.dtype = ATTN_F16;
  EXPECT_EQ(attn_launch(c.k, &bad.l, nullptr), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "v: dtype f16, but the spec declares bf16");
  EXPECT_EQ(bad.out[0], 0xdead);
}

TEST(CApi, HostBuildErrorsComeBackAsText) {
  HostOptions o;
  o.cacheDir = "";
  attn_kernel *k =
      wrapKernel(handWritten("broken", "KERNEL void broken(attn::dev::Args a) { nope; }"), o);
  HostLaunch h;
  EXPECT_EQ(attn_launch(k, &h.l, nullptr), ATTN_ERROR);
  EXPECT_THAT(attn_last_error(), StartsWith("host build of 'broken' failed"));
  EXPECT_THAT(attn_last_error(), HasSubstr("nope"));
  attn_kernel_free(k);
}

TEST(CApi, KernelInfoDescribesTheSignature) {
  Signature s = bf16Signature(16);
  s.v.headDim = s.out.headDim = 8;
  s.k = {DType::F8E4M3, 16, ScaleKind::PerTensor};
  s.out.dtype = DType::F32;
  s.lse = true;
  s.batch = BatchLayout::Ragged;
  s.kvCache = KVCache::Paged;
  s.pageSize = 16;
  s.gqa = 4;
  s.params = {{"slopes", DType::F32, {{ParamDim::H}}}};
  attn_kernel *k = wrapKernel(handWritten("k", "", s));
  attn_kernel_info info;
  ASSERT_EQ(attn_kernel_get_info(k, &info), ATTN_OK);
  EXPECT_EQ(info.q_dtype, ATTN_BF16);
  EXPECT_EQ(info.k_dtype, ATTN_F8E4M3);
  EXPECT_EQ(info.out_dtype, ATTN_F32);
  EXPECT_EQ(info.head_dim_qk, 16);
  EXPECT_EQ(info.head_dim_v, 8);
  EXPECT_EQ(info.lse, 1);
  EXPECT_EQ(info.ragged, 1);
  EXPECT_EQ(info.page_size, 16);
  EXPECT_EQ(info.gqa, 4);
  EXPECT_EQ(info.num_params, 1);
  attn_kernel_free(k);
}

TEST(CApi, CompileErrorsCarryFileLineAndColumn) {
  attn_kernel *k = nullptr;
  const char *spec = "kernel bad {\n"
                     "  q: bf16[128];\n"
                     "  k: bf16[100];\n"
                     "  v: bf16[128];\n"
                     "  out: bf16;\n"
                     "}\n";
  EXPECT_EQ(attn_compile(spec, "sm_90a", &k), ATTN_ERROR);
  EXPECT_EQ(k, nullptr);
  EXPECT_THAT(attn_last_error(), StartsWith("<spec>:3:")) << attn_last_error();
  EXPECT_THAT(attn_last_error(), HasSubstr("error: ")) << attn_last_error();
  EXPECT_EQ(attn_compile_file("/nonexistent/spec.attn", nullptr, &k), ATTN_ERROR);
  EXPECT_THAT(attn_last_error(), StartsWith("cannot read /nonexistent/spec.attn: "));
}

TEST(CApi, CompilesAnExampleToASourceAndName) {
  attn_kernel *k = nullptr;
  ASSERT_EQ(attn_compile_file(ATTN_SOURCE_DIR "/examples/causal.attn", "sm_90a", &k), ATTN_OK)
      << attn_last_error();
  std::string name = attn_kernel_name(k);
  EXPECT_THAT(name, HasSubstr("causal"));
  EXPECT_THAT(attn_kernel_source(k), HasSubstr(name));
  attn_kernel_info info;
  ASSERT_EQ(attn_kernel_get_info(k, &info), ATTN_OK);
  EXPECT_EQ(info.q_dtype, ATTN_BF16);
  EXPECT_EQ(info.head_dim_qk, 128);
  attn_kernel_free(k);
}

TEST(CApi, ConfigOverridesTheChosenTiles) {
  const char *spec = "kernel c { q: bf16[128]; k: bf16[128]; v: bf16[128]; out: bf16; }";
  attn_kernel *k = nullptr;
  ASSERT_EQ(attn_compile_config(spec, "arch=sm_90a, block_m=64,block_n=32,warps=4,mma=mma.sync", &k),
            ATTN_OK)
      << attn_last_error();
  EXPECT_THAT(attn_kernel_source(k), HasSubstr("BM = 64, BN = 32, WARPS = 4"));
  EXPECT_THAT(attn_kernel_source(k), HasSubstr("WGMMA = false"));
  attn_kernel_free(k);
  ASSERT_EQ(attn_compile_config(spec, "", &k), ATTN_OK) << attn_last_error();
  attn_kernel_free(k);
  EXPECT_EQ(attn_compile_config(spec, "block_m=zero", &k), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "config 'block_m': 'zero' is not a positive integer");
  EXPECT_EQ(attn_compile_config(spec, "pingpong=maybe", &k), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "config 'pingpong': 'maybe' is not on or off");
  EXPECT_EQ(attn_compile_config(spec, "warp_split=yes", &k), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "config 'warp_split': 'yes' is not on or off");
  EXPECT_EQ(attn_compile_config(spec, "tile=3", &k), ATTN_ERROR);
  EXPECT_STREQ(attn_last_error(), "config: unknown 'tile=3'; the keys are arch, block_m, block_n, "
                                  "warps, stages, heads_per_tile, mma, pingpong and warp_split, as "
                                  "key=value separated by commas");
  // A config the kernel cannot be built with is the code generator's error.
  EXPECT_EQ(attn_compile_config(spec, "arch=sm_90a,block_m=48", &k), ATTN_ERROR);
  EXPECT_THAT(attn_last_error(), HasSubstr("block_m")) << attn_last_error();
  EXPECT_EQ(k, nullptr);
}
