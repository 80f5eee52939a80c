//===- ModuleCache.cpp - Compiled modules cached in memory and on disk ----===//
#include "runtime/ModuleCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/xxhash.h"
#include "llvm/ADT/ScopeExit.h"

#include <cstring>

#include <unistd.h>

using namespace attn::rt;

namespace {
constexpr llvm::StringLiteral kMagic = "ATTNMOD1\n";

llvm::Error corrupt(const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
}

void putField(std::string &out, llvm::StringRef bytes) {
  uint64_t n = bytes.size();
  out.append(reinterpret_cast<const char *>(&n), 8);
  out.append(bytes.data(), bytes.size());
}

/// Reads one length-prefixed field, or fails if the length runs past the end.
bool takeField(llvm::StringRef &in, llvm::StringRef &field) {
  uint64_t n;
  if (in.size() < 8)
    return false;
  std::memcpy(&n, in.data(), 8);
  in = in.drop_front(8);
  if (n > in.size())
    return false;
  field = in.take_front(n);
  in = in.drop_front(n);
  return true;
}
} // namespace

std::string CacheKey::text() const {
  std::string t;
  for (const std::string *f : {&kernel, &arch, &compiler, &options, &source})
    putField(t, *f);
  return t;
}

std::string CacheKey::fileName() const {
  std::array<uint8_t, 32> sha = llvm::SHA256::hash(llvm::arrayRefFromStringRef(text()));
  std::string name;
  for (char c : kernel) // keep file names portable whatever the kernel is called
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return name + "-" + arch + "-" + llvm::toHex(llvm::ArrayRef(sha).take_front(8), true) +
         ".attnmod";
}

std::string attn::rt::serializeModule(const CacheKey &key, const CompiledModule &m) {
  std::string out(kMagic);
  putField(out, key.text());
  putField(out, m.ptx);
  putField(out, llvm::StringRef(m.cubin.data(), m.cubin.size()));
  putField(out, m.log);
  uint64_t sum = llvm::xxh3_64bits(llvm::StringRef(out));
  out.append(reinterpret_cast<const char *>(&sum), 8);
  return out;
}

llvm::Expected<CompiledModule> attn::rt::deserializeModule(const CacheKey &key,
                                                           llvm::StringRef bytes) {
  if (!bytes.starts_with(kMagic))
    return corrupt("not an attn module file (bad magic)");
  if (bytes.size() < kMagic.size() + 8)
    return corrupt("truncated: no checksum");
  llvm::StringRef body = bytes.drop_back(8);
  uint64_t sum;
  std::memcpy(&sum, bytes.take_back(8).data(), 8);
  if (sum != llvm::xxh3_64bits(body))
    return corrupt("checksum mismatch (truncated or corrupted)");
  llvm::StringRef in = body.drop_front(kMagic.size()), k, ptx, cubin, log;
  if (!takeField(in, k) || !takeField(in, ptx) || !takeField(in, cubin) || !takeField(in, log) ||
      !in.empty())
    return corrupt("malformed fields");
  if (k != key.text())
    return corrupt("the file holds another key (hash collision or stale name)");
  return CompiledModule{ptx.str(), std::vector<char>(cubin.begin(), cubin.end()), log.str()};
}

std::string ModuleCache::defaultDir() {
  if (std::optional<std::string> d = llvm::sys::Process::GetEnv("ATTN_CACHE_DIR"))
    return *d;
  llvm::SmallString<256> home;
  if (!llvm::sys::path::home_directory(home))
    return "";
  llvm::sys::path::append(home, ".cache", "attn");
  return std::string(home);
}

std::string ModuleCache::lastRejection() const {
  std::lock_guard<std::mutex> lock(mutex);
  return rejection;
}

llvm::Expected<ModuleCache::Result> ModuleCache::getOrBuild(const CacheKey &key, Build build) {
  std::string k = key.text();
  std::promise<Result> promise;
  std::shared_future<Result> future;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = modules.find(k);
    if (it != modules.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      modules.emplace(k, future);
      owner = true;
    }
  }
  if (!owner) {
    if (Result r = future.get())
      return r;
    return corrupt("building " + key.kernel + " for " + key.arch +
                   " failed in another thread; its error was reported there");
  }
  llvm::Expected<Result> r = loadOrBuildOnDisk(key, build);
  if (!r) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      modules.erase(k); // a later call may try again
    }
    promise.set_value(nullptr);
    return r.takeError();
  }
  promise.set_value(*r);
  return *r;
}

llvm::Expected<ModuleCache::Result> ModuleCache::loadOrBuildOnDisk(const CacheKey &key,
                                                                   Build build) {
  auto buildNow = [&]() -> llvm::Expected<Result> {
    llvm::Expected<CompiledModule> m = build();
    if (!m)
      return m.takeError();
    return std::make_shared<const CompiledModule>(std::move(*m));
  };
  if (dir.empty())
    return buildNow();
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return corrupt("cache directory " + dir + ": " + ec.message());
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, key.fileName());

  auto tryLoad = [&]() -> Result {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
        llvm::MemoryBuffer::getFile(path, false, false);
    if (!buf)
      return nullptr;
    llvm::Expected<CompiledModule> m = deserializeModule(key, (*buf)->getBuffer());
    if (!m) {
      std::lock_guard<std::mutex> lock(mutex);
      rejection = std::string(path) + ": " + llvm::toString(m.takeError());
      return nullptr;
    }
    return std::make_shared<const CompiledModule>(std::move(*m));
  };
  if (Result r = tryLoad())
    return r;

  // Another process may be building it: take the lock, then look again.
  int lockFD = -1;
  std::string lockPath = std::string(path) + ".lock";
  if (std::error_code ec = llvm::sys::fs::openFileForReadWrite(
          lockPath, lockFD, llvm::sys::fs::CD_OpenAlways, llvm::sys::fs::OF_None))
    return corrupt("cache lock " + lockPath + ": " + ec.message());
  llvm::sys::fs::lockFile(lockFD);
  auto unlock = llvm::make_scope_exit([&] {
    llvm::sys::fs::unlockFile(lockFD);
    ::close(lockFD);
  });
  if (Result r = tryLoad())
    return r;
  llvm::Expected<Result> built = buildNow();
  if (!built)
    return built.takeError();
  // Write beside the final name, then rename: readers see the old file or the whole new one.
  std::string tmp = std::string(path) + ".tmp." + std::to_string(::getpid());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (!ec) {
      os << serializeModule(key, **built);
      os.close();
      ec = os.error();
    }
    if (ec || llvm::sys::fs::rename(tmp, path)) {
      llvm::sys::fs::remove(tmp);
      // The module is good; only caching it failed. Use it.
    }
  }
  return built;
}
