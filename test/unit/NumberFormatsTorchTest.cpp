//===- NumberFormatsTorchTest.cpp - The reference's encoders equal PyTorch's on all 2^32 inputs ---===//
//
// test/data/torch_float_formats_hashes.txt holds, for each chunk of 2^26 float32 bit patterns,
// a hash of PyTorch's bf16, f16, float8_e4m3fn and float8_e5m2 conversions of every pattern in
// it (test/torch/float_formats_hashes.py made it on the GPU machine with torch 2.11, where the
// CUDA and CPU conversions agreed on every chunk). This test hashes attn's encoders the same way:
// equal hashes on all 64 chunks mean the same codes for every float32 input but NaN.
//
//===----------------------------------------------------------------------===//
#include "reference/NumberFormats.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

using namespace attn::ref;

namespace {

constexpr unsigned kChunkBits = 26;
constexpr Format kFormats[] = {Format::BF16, Format::F16, Format::E4M3, Format::E5M2};

std::array<uint64_t, 4> hashChunk(uint64_t chunk) {
  std::array<uint64_t, 4> h{};
  for (uint64_t i = chunk << kChunkBits, end = (chunk + 1) << kChunkBits; i < end; ++i) {
    uint32_t bits = uint32_t(i);
    float x;
    std::memcpy(&x, &bits, 4);
    uint64_t weight = i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    for (int f = 0; f < 4; ++f) {
      uint64_t code = std::isnan(x) ? 0 : encode(kFormats[f], x);
      h[f] += (code + 1) * weight;
    }
  }
  return h;
}

/// PyTorch's hashes, one row of four (bf16, f16, e4m3, e5m2) per chunk.
std::vector<std::array<uint64_t, 4>> torchHashes() {
  std::ifstream in(ATTN_SOURCE_DIR "/test/data/torch_float_formats_hashes.txt");
  std::vector<std::array<uint64_t, 4>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream ss(line);
    unsigned chunk;
    std::array<uint64_t, 4> h;
    ss >> chunk >> std::hex >> h[0] >> h[1] >> h[2] >> h[3];
    if (chunk != rows.size())
      return {};
    rows.push_back(h);
  }
  return rows;
}

/// Hashes `chunks` on every core and compares each with PyTorch's.
void expectChunksMatch(const std::vector<uint64_t> &chunks) {
  std::vector<std::array<uint64_t, 4>> torch = torchHashes();
  ASSERT_EQ(torch.size(), size_t(1) << (32 - kChunkBits))
      << "test/data/torch_float_formats_hashes.txt is missing or malformed";
  std::vector<std::array<uint64_t, 4>> ours(chunks.size());
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = t; i < chunks.size(); i += threads)
        ours[i] = hashChunk(chunks[i]);
    });
  for (std::thread &t : pool)
    t.join();
  const char *names[] = {"bf16", "f16", "e4m3", "e5m2"};
  for (size_t i = 0; i < chunks.size(); ++i)
    for (int f = 0; f < 4; ++f)
      EXPECT_EQ(ours[i][f], torch[chunks[i]][f])
          << names[f] << " differs from PyTorch in chunk " << chunks[i]
          << " (float32 bit patterns 0x" << std::hex << (chunks[i] << kChunkBits) << " to 0x"
          << (((chunks[i] + 1) << kChunkBits) - 1) << ")";
}

} // namespace

// Chunk c holds the float32s whose sign and top five exponent bits are c: chunks 12-17 (and
// 44-49) span every exponent that f16 and fp8 represent, with their subnormals, ties and
// overflow edges; 0 and 31 hold float32 subnormals and inf/NaN. Every `make test` checks these.
TEST(FormatsTorch, EncodersMatchPyTorchOverTheFp8AndF16Ranges) {
  std::vector<uint64_t> chunks;
  for (uint64_t sign : {0, 32})
    for (uint64_t c : {0, 12, 13, 14, 15, 16, 17, 31})
      chunks.push_back(sign + c);
  expectChunksMatch(chunks);
}

// All 2^32 float32 inputs: about 5 CPU-minutes, so not run by default; run it with
// `attn-unittests --gtest_also_run_disabled_tests --gtest_filter='FormatsTorch.*'`.
TEST(FormatsTorch, DISABLED_EncodersMatchPyTorchOnEveryFloat32) {
  std::vector<uint64_t> chunks(size_t(1) << (32 - kChunkBits));
  for (size_t c = 0; c < chunks.size(); ++c)
    chunks[c] = c;
  expectChunksMatch(chunks);
}
