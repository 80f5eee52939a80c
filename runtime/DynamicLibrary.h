//===- DynamicLibrary.h - dlopen with errors that say what is missing -*- C++ -*-===//
//
// The runtime loads libcuda and libnvrtc at run time, so a build, and compile-only work, needs
// neither: a machine without a driver can still compile kernels.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_DYNAMICLIBRARY_H
#define ATTN_RUNTIME_DYNAMICLIBRARY_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace attn::rt {

class DynamicLibrary {
public:
  /// Opens the first of `names` that the dynamic loader finds; the error lists every name
  /// tried with the loader's reason.
  static llvm::Expected<DynamicLibrary> open(const std::vector<std::string> &names);

  DynamicLibrary(DynamicLibrary &&o) noexcept : handle(o.handle), name(std::move(o.name)) {
    o.handle = nullptr;
  }
  DynamicLibrary(const DynamicLibrary &) = delete;
  ~DynamicLibrary();

  /// The address of `symbol`, or an error naming it and the library.
  llvm::Expected<void *> symbol(const char *symbol) const;
  /// Resolves `symbol` into a function pointer of the right type.
  template <typename Fn> llvm::Error bind(Fn &fn, const char *symbol) const {
    llvm::Expected<void *> p = this->symbol(symbol);
    if (!p)
      return p.takeError();
    fn = reinterpret_cast<Fn>(*p);
    return llvm::Error::success();
  }
  const std::string &path() const { return name; }

private:
  DynamicLibrary(void *handle, std::string name) : handle(handle), name(std::move(name)) {}
  void *handle;
  std::string name;
};

} // namespace attn::rt

#endif // ATTN_RUNTIME_DYNAMICLIBRARY_H
