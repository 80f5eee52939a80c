//===- Error.h - The runtime's error values ---------------------*- C++ -*-===//
#ifndef ATTN_RUNTIME_ERROR_H
#define ATTN_RUNTIME_ERROR_H

#include "llvm/Support/Error.h"

namespace attn::rt {

/// An error carrying `msg`, the form every runtime failure takes.
inline llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

} // namespace attn::rt

#endif // ATTN_RUNTIME_ERROR_H
