//===- DynamicLibrary.cpp - dlopen with errors that say what is missing ---===//
#include "runtime/DynamicLibrary.h"

#include <dlfcn.h>

using namespace attn::rt;

llvm::Expected<DynamicLibrary> DynamicLibrary::open(const std::vector<std::string> &names) {
  std::string tried;
  for (const std::string &n : names) {
    if (void *h = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL))
      return DynamicLibrary(h, n);
    const char *why = dlerror();
    tried += "\n  " + n + ": " + (why ? why : "not found");
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "cannot load any of:" + tried);
}

DynamicLibrary::~DynamicLibrary() {
  if (handle)
    dlclose(handle);
}

llvm::Expected<void *> DynamicLibrary::symbol(const char *sym) const {
  dlerror();
  void *p = dlsym(handle, sym);
  if (!p)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s has no symbol %s", name.c_str(), sym);
  return p;
}
