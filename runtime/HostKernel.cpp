//===- HostKernel.cpp - A generated kernel built by the host C++ compiler -===//
//
// The shared object is named like a GPU module (ModuleCache's CacheKey, arch "host", with the
// compiler's identity as its version) and kept in a sibling directory of the module cache. As
// there, a file lock serializes builds across processes, the lock holder looks again before
// building, and the object is written under a temporary name and renamed.
//
//===----------------------------------------------------------------------===//
#include "runtime/HostKernel.h"
#include "runtime/Error.h"

#include "runtime/ModuleCache.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

using namespace attn;
using namespace attn::rt;

namespace {

/// A compiler command split into the program's path and its leading arguments.
struct Compiler {
  std::string program;
  std::vector<std::string> args; ///< argv[0] and the arguments the command carried
  std::string identity;          ///< the command and the first line of --version (cache key)
};

std::string readFile(const std::string &path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

/// Runs `args` with stdout and stderr into `log`; the exit status, or -1 if it could not run.
int execute(const std::string &program, const std::vector<std::string> &args,
            const std::string &log, std::string &why) {
  std::vector<llvm::StringRef> argv(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(log),
                                                llvm::StringRef(log)};
  bool failed = false;
  int rc = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, redirects, 0, 0, &why, &failed);
  return failed ? -1 : rc;
}

llvm::Expected<Compiler> findCompiler(const std::string &command) {
  std::string cmd = command;
  if (cmd.empty()) {
    std::optional<std::string> env = llvm::sys::Process::GetEnv("CXX");
    cmd = env && !llvm::StringRef(*env).trim().empty() ? *env : "c++";
  }
  llvm::SmallVector<llvm::StringRef> words;
  llvm::StringRef(cmd).split(words, ' ', -1, false);
  if (words.empty())
    return fail("host compiler: empty command");
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(words[0]);
  if (!program)
    return fail(llvm::formatv("host compiler '{0}' not found ({1}); set $CXX to a C++17 compiler",
                              words[0], program.getError().message()));
  Compiler c;
  c.program = *program;
  for (llvm::StringRef w : words)
    c.args.push_back(w.str());

  // Its identity, once per process and command: a new compiler must not reuse old objects.
  static std::mutex mutex;
  static std::map<std::string, std::string> identities;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = identities.find(cmd);
  if (it == identities.end()) {
    llvm::SmallString<128> log;
    llvm::sys::fs::createTemporaryFile("attn-cxx-version", "txt", log);
    std::vector<std::string> args = c.args;
    args.push_back("--version");
    std::string why;
    execute(c.program, args, std::string(log), why);
    std::string version = readFile(std::string(log));
    llvm::sys::fs::remove(log);
    it = identities.emplace(cmd, cmd + " (" + *program + "): " +
                                     llvm::StringRef(version).split('\n').first.trim().str())
             .first;
  }
  c.identity = it->second;
  return c;
}

/// Compiles `source` into the shared object `out`, through a temporary file renamed into place.
llvm::Error build(const Compiler &cxx, const std::vector<std::string> &flags,
                  const GeneratedKernel &kernel, const std::string &out) {
  std::string stem = out + ".tmp." + std::to_string(::getpid()) + "." +
                     std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  std::string src = stem + ".cpp", obj = stem + ".so", log = stem + ".log";
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(src);
    llvm::sys::fs::remove(obj);
    llvm::sys::fs::remove(log);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(src, ec);
    if (!ec) {
      os << kernel.source;
      os.close();
      ec = os.error();
    }
    if (ec)
      return fail("host build of '" + kernel.name + "': cannot write " + src + ": " +
                  ec.message());
  }
  std::vector<std::string> args = cxx.args;
  for (const char *f : {"-std=c++17", "-O2", "-shared", "-fPIC"})
    args.push_back(f);
  args.insert(args.end(), flags.begin(), flags.end());
  for (const std::string &a : {std::string("-o"), obj, std::string("-x"), std::string("c++"), src})
    args.push_back(a);
  std::string why;
  int rc = execute(cxx.program, args, log, why);
  if (rc != 0) {
    std::string command = llvm::join(args, " ");
    std::string output = llvm::StringRef(readFile(log)).rtrim().str();
    if (rc < 0)
      return fail(llvm::formatv("host build of '{0}': cannot run {1}: {2}", kernel.name, command,
                                why));
    return fail(llvm::formatv("host build of '{0}' failed (exit {1}): {2}\n{3}", kernel.name, rc,
                              command, output));
  }
  if (std::error_code ec = llvm::sys::fs::rename(obj, out))
    return fail("host build of '" + kernel.name + "': cannot rename into " + out + ": " +
                ec.message());
  return llvm::Error::success();
}

} // namespace

std::string HostOptions::defaultCacheDir() {
  std::string dir = ModuleCache::defaultDir();
  if (dir.empty())
    return dir;
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, "host");
  return std::string(p);
}

llvm::Expected<std::unique_ptr<HostKernel>> HostKernel::compile(const GeneratedKernel &kernel,
                                                                const HostOptions &options) {
  llvm::Expected<Compiler> cxx = findCompiler(options.compiler);
  if (!cxx)
    return cxx.takeError();
  CacheKey key{kernel.name, kernel.source, "host",
               std::string("attn ") + ATTN_VERSION + ", " + cxx->identity,
               llvm::join(options.flags, " ")};

  // The directory: the cache's, or a temporary one removed once the object is loaded.
  std::string dir = options.cacheDir;
  bool temporary = dir.empty();
  if (temporary) {
    llvm::SmallString<128> tmp;
    if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("attn-host", tmp))
      return fail("host build: cannot create a temporary directory: " + ec.message());
    dir = std::string(tmp);
  } else if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    return fail("host kernel cache " + dir + ": " + ec.message());
  }
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, llvm::StringRef(key.fileName()).rsplit('.').first + ".so");
  llvm::scope_exit removeTemporary([&] {
    if (temporary) {
      llvm::sys::fs::remove(path);
      llvm::sys::fs::remove(dir);
    }
  });

  bool cached = false;
  if (temporary) {
    if (llvm::Error e = build(*cxx, options.flags, kernel, std::string(path)))
      return std::move(e);
  } else {
    // Another process may be building it: take the lock, then look.
    int lockFD = -1;
    std::string lockPath = std::string(path) + ".lock";
    if (std::error_code ec = llvm::sys::fs::openFileForReadWrite(
            lockPath, lockFD, llvm::sys::fs::CD_OpenAlways, llvm::sys::fs::OF_None))
      return fail("host kernel cache lock " + lockPath + ": " + ec.message());
    llvm::sys::fs::lockFile(lockFD);
    llvm::scope_exit unlock([&] {
      llvm::sys::fs::unlockFile(lockFD);
      ::close(lockFD);
    });
    cached = llvm::sys::fs::exists(path);
    if (cached) { // a file that no longer loads (truncated, foreign) is rebuilt
      llvm::Expected<DynamicLibrary> probe = DynamicLibrary::open({std::string(path)});
      if (!probe) {
        llvm::consumeError(probe.takeError());
        cached = false;
      }
    }
    if (!cached)
      if (llvm::Error e = build(*cxx, options.flags, kernel, std::string(path)))
        return std::move(e);
  }

  llvm::Expected<DynamicLibrary> lib = DynamicLibrary::open({std::string(path)});
  if (!lib)
    return fail("host build of '" + kernel.name + "': " + llvm::toString(lib.takeError()));
  unsigned threads = options.threads ? options.threads
                                     : std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<HostKernel> k(
      new HostKernel(kernel, std::move(*lib), temporary ? "" : std::string(path), threads));
  k->cached = cached;
  if (llvm::Error e = k->lib.bind(k->entry, kernel.name.c_str()))
    return fail("host build of '" + kernel.name + "': no entry point: " +
                llvm::toString(std::move(e)));
  if (!kernel.mergeName.empty())
    if (llvm::Error e = k->lib.bind(k->merge, kernel.mergeName.c_str()))
      return fail("host build of '" + kernel.name + "': no merge entry point: " +
                  llvm::toString(std::move(e)));
  if (llvm::Error e = k->lib.bind(k->setBlock, "attn_host_set_block"))
    return fail("host build of '" + kernel.name + "': " + llvm::toString(std::move(e)) +
                " (the host implementation of the device library exports it)");
  k->options = options;
  return std::move(k);
}

llvm::Expected<const HostKernel &> HostKernel::decodeKernel() const {
  std::lock_guard<std::mutex> lock(decodeMutex);
  if (!decode) {
    llvm::Expected<std::unique_ptr<HostKernel>> d = compile(*kernel.decode, options);
    if (!d)
      return d.takeError();
    decode = std::move(*d);
  }
  return *decode;
}

void HostKernel::run(const dev::Args &args, LaunchGrid grid) const {
  runBlocks(entry, args, grid);
  if (args.splits > 1)
    runBlocks(merge, args, mergeGridOf(args));
}

void HostKernel::runBlocks(void (*fn)(dev::Args), const dev::Args &args, LaunchGrid grid) const {
  uint64_t total = uint64_t(grid.x) * grid.y * grid.z;
  if (total == 0)
    return;
  std::atomic<uint64_t> next{0};
  auto worker = [&] {
    for (uint64_t i; (i = next.fetch_add(1)) < total;) {
      setBlock(unsigned(i % grid.x), unsigned(i / grid.x % grid.y),
               unsigned(i / (uint64_t(grid.x) * grid.y)));
      fn(args);
    }
  };
  unsigned n = unsigned(std::min<uint64_t>(threads, total));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t)
    pool.emplace_back(worker);
  worker(); // the calling thread is one of them
  for (std::thread &t : pool)
    t.join();
}

llvm::Error HostKernel::launch(const LaunchDesc &desc) const {
  if (desc.q.device != kHostDevice)
    return fail(llvm::formatv("q: on CUDA device {0}, but this is the host build of '{1}'; pass "
                              "host memory (device {2}) or launch the GPU build",
                              desc.q.device, kernel.name, kHostDevice));
  llvm::Expected<dev::Args> args = toArgs(kernel, desc);
  if (!args)
    return args.takeError();
  std::optional<MixedLaunch> mixed = mixedLaunch(kernel, *args);
  if (mixed || &shapeFor(kernel, *args) == kernel.decode.get()) {
    llvm::Expected<const HostKernel &> d = decodeKernel();
    if (!d)
      return d.takeError();
    if (mixed)
      runValidated(mixed->longs);
    d->runValidated(mixed ? mixed->shorts : *args);
  } else {
    runValidated(*args);
  }
  return llvm::Error::success();
}

void HostKernel::runValidated(dev::Args args) const {
  chooseSplits(kernel, args, int(threads));
  SplitWorkspace w = splitWorkspace(kernel, args);
  std::vector<float> partials(size_t(w.outFloats + w.lseFloats));
  w.assign(args, partials.data());
  run(args, gridOf(kernel, args));
}
