//===- Tensor.cpp - Host tensors of raw spec dtypes -----------------------===//
#include "reference/Tensor.h"

#include "reference/NumberFormats.h"

#include <cassert>
#include <cstring>

using namespace attn;
using namespace attn::ref;

int64_t attn::ref::elementSize(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32: return 4;
  case DType::F16:
  case DType::BF16: return 2;
  case DType::F8E4M3:
  case DType::F8E5M2: return 1;
  }
  return 4;
}

namespace {
Format formatOf(DType t) {
  switch (t) {
  case DType::F16: return Format::F16;
  case DType::BF16: return Format::BF16;
  case DType::F8E4M3: return Format::E4M3;
  default: return Format::E5M2;
  }
}
} // namespace

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : type(dtype), sizes(std::move(shape)) {
  steps.assign(sizes.size(), 1);
  for (int64_t i = rank() - 2; i >= 0; --i)
    steps[i] = steps[i + 1] * sizes[i + 1];
  storage = std::make_shared<std::vector<uint8_t>>(size_t(numel() * elementSize(type)));
}

Tensor Tensor::view(const Tensor &base, std::vector<int64_t> shape, std::vector<int64_t> strides,
                    int64_t offset) {
  Tensor t = base;
  t.sizes = std::move(shape);
  t.steps = std::move(strides);
  t.start = base.start + offset;
  return t;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

int64_t Tensor::offsetOf(const std::vector<int64_t> &idx) const {
  assert(idx.size() == sizes.size() && "index rank");
  int64_t off = start;
  for (size_t i = 0; i < idx.size(); ++i) {
    assert(idx[i] >= 0 && idx[i] < sizes[i] && "index in bounds");
    off += idx[i] * steps[i];
  }
  return off;
}

double Tensor::get(const std::vector<int64_t> &idx) const {
  const uint8_t *p = storage->data() + offsetOf(idx) * elementSize(type);
  switch (type) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case DType::I32: {
    int32_t i;
    std::memcpy(&i, p, 4);
    return i;
  }
  case DType::F16:
  case DType::BF16: {
    uint16_t u;
    std::memcpy(&u, p, 2);
    return decode(formatOf(type), u);
  }
  default:
    return decode(formatOf(type), *p);
  }
}

void Tensor::setBits(const std::vector<int64_t> &idx, uint32_t bits) {
  uint8_t *p = storage->data() + offsetOf(idx) * elementSize(type);
  int64_t n = elementSize(type);
  for (int64_t i = 0; i < n; ++i)
    p[i] = uint8_t(bits >> (8 * i)); // little endian, as the GPU stores it
}

void Tensor::set(const std::vector<int64_t> &idx, double x) {
  switch (type) {
  case DType::F32: {
    float f = float(x);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return setBits(idx, u);
  }
  case DType::I32:
    return setBits(idx, uint32_t(int32_t(x)));
  default:
    return setBits(idx, encode(formatOf(type), float(x)));
  }
}
