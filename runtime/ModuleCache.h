//===- ModuleCache.h - Compiled modules cached in memory and on disk -*- C++ -*-===//
//
// A kernel is compiled once per key: once per process (threads asking for the same key wait
// for the first one's build) and, with a cache directory, once per machine (processes take a
// file lock and look again before building). Files are written to a temporary name and renamed,
// so a reader never sees half a file; a file that fails its checks (magic, key, sizes,
// checksum) is treated as absent and rebuilt.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_MODULECACHE_H
#define ATTN_RUNTIME_MODULECACHE_H

#include "runtime/NVRTC.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <future>
#include <map>
#include <mutex>

namespace attn::rt {

/// Everything a compiled module depends on. Its text is stored in the file and compared on
/// load; the file name is readable: `<kernel>-<arch>-<16 hex digits of the SHA-256>.attnmod`.
struct CacheKey {
  std::string kernel;   ///< the spec's kernel name (for the file name only)
  std::string source;   ///< what is compiled (the generated CUDA C++)
  std::string arch;     ///< e.g. sm_90a
  std::string compiler; ///< attn and NVRTC versions
  std::string options;  ///< compile options, joined

  std::string text() const;
  std::string fileName() const;
};

class ModuleCache {
public:
  /// A cache in memory, backed by `dir` unless it is empty.
  explicit ModuleCache(std::string dir) : dir(std::move(dir)) {}
  /// $ATTN_CACHE_DIR, else $HOME/.cache/attn, else no disk cache.
  static std::string defaultDir();

  using Build = llvm::function_ref<llvm::Expected<CompiledModule>()>;
  /// The module for `key`, built by `build` only if no thread, process or earlier run has.
  llvm::Expected<std::shared_ptr<const CompiledModule>> getOrBuild(const CacheKey &key,
                                                                   Build build);

  /// Why the last load from disk was refused (empty if none was), for tests and logs.
  std::string lastRejection() const;

private:
  using Result = std::shared_ptr<const CompiledModule>;
  llvm::Expected<Result> loadOrBuildOnDisk(const CacheKey &key, Build build);

  std::string dir;
  mutable std::mutex mutex;
  std::map<std::string, std::shared_future<Result>> modules; ///< by key text
  std::string rejection;
};

/// Serializes a module with its key and a checksum (the on-disk format).
std::string serializeModule(const CacheKey &key, const CompiledModule &m);
/// Parses what serializeModule wrote for the same key; the error says what is wrong.
llvm::Expected<CompiledModule> deserializeModule(const CacheKey &key, llvm::StringRef bytes);

} // namespace attn::rt

#endif // ATTN_RUNTIME_MODULECACHE_H
