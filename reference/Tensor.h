//===- Tensor.h - Host tensors of raw spec dtypes ---------------*- C++ -*-===//
//
// A strided tensor whose elements are stored as the spec's dtype stores them (fp8 and 16-bit
// values as their bits), so the reference reads exactly what a kernel would be given.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_REFERENCE_TENSOR_H
#define ATTN_REFERENCE_TENSOR_H

#include "compiler/Spec/Signature.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace attn::ref {

/// Bytes per element of a dtype.
int64_t elementSize(DType t);

class Tensor {
public:
  Tensor() = default;
  /// A contiguous (row-major) tensor of zeros.
  Tensor(DType dtype, std::vector<int64_t> shape);
  /// A view of `base`'s storage with other sizes and strides (in elements), at `offset`.
  static Tensor view(const Tensor &base, std::vector<int64_t> shape, std::vector<int64_t> strides,
                     int64_t offset = 0);

  DType dtype() const { return type; }
  const std::vector<int64_t> &shape() const { return sizes; }
  const std::vector<int64_t> &strides() const { return steps; }
  int64_t rank() const { return int64_t(sizes.size()); }
  int64_t numel() const;

  /// The exact value of an element, decoded from its dtype.
  double get(const std::vector<int64_t> &idx) const;
  /// Stores `x` rounded to nearest even in the dtype (fp8 overflow as NumberFormats says).
  void set(const std::vector<int64_t> &idx, double x);
  /// The address of element 0 (for handing the tensor to a kernel), the whole storage it
  /// views, and element 0's offset in it, in elements.
  void *data() const { return storage ? storage->data() + start * elementSize(type) : nullptr; }
  const std::vector<uint8_t> &bytes() const { return *storage; }
  int64_t offset() const { return start; }
  /// Stores raw bits (fp8/16-bit) or the integer value (i32).
  void setBits(const std::vector<int64_t> &idx, uint32_t bits);

private:
  int64_t offsetOf(const std::vector<int64_t> &idx) const;

  DType type = DType::F32;
  std::vector<int64_t> sizes, steps;
  int64_t start = 0;
  std::shared_ptr<std::vector<uint8_t>> storage;
};



} // namespace attn::ref

#endif // ATTN_REFERENCE_TENSOR_H
