//===- ModuleCacheTest.cpp - One build per key across threads, processes and runs; corrupt files rebuilt ---===//
#include "runtime/ModuleCache.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace attn::rt;

namespace {

CacheKey key(const std::string &options = "-O3") {
  return {"gemma2 local", "extern \"C\" __global__ void k() {}", "sm_90a", "attn 0.1.0 nvrtc 13.0",
          options};
}

CompiledModule module(const std::string &tag) {
  return {".version 8.8\n// " + tag, {'\x7f', 'E', 'L', 'F', '\0', 'x'}, "ptxas info: " + tag};
}

std::string tempDir() {
  llvm::SmallString<128> dir;
  EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("attn-cache-test", dir));
  return std::string(dir);
}

std::string cachePath(const std::string &dir, const CacheKey &k) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, k.fileName());
  return std::string(p);
}

} // namespace

TEST(ModuleCache, FileNameIsReadableAndDependsOnEveryPartOfTheKey) {
  CacheKey k = key();
  std::string name = k.fileName();
  EXPECT_EQ(name.rfind("gemma2_local-sm_90a-", 0), 0u) << name;
  EXPECT_EQ(name.size(), std::string("gemma2_local-sm_90a-").size() + 16 + 8); // hex + .attnmod
  for (std::string CacheKey::*field :
       {&CacheKey::source, &CacheKey::arch, &CacheKey::compiler, &CacheKey::options}) {
    CacheKey other = k;
    other.*field += "x";
    EXPECT_NE(other.fileName(), name);
  }
}

TEST(ModuleCache, ThreadsAskingForOneKeyShareOneBuild) {
  ModuleCache cache("");
  std::atomic<int> builds{0};
  std::vector<std::shared_ptr<const CompiledModule>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      auto m = cache.getOrBuild(key(), [&]() -> llvm::Expected<CompiledModule> {
        ++builds;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return module("one");
      });
      ASSERT_TRUE(bool(m));
      got[t] = *m;
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(builds.load(), 1);
  for (auto &m : got)
    EXPECT_EQ(m.get(), got[0].get());
  EXPECT_EQ(got[0]->log, "ptxas info: one");
}

TEST(ModuleCache, ALaterRunLoadsFromDiskWithoutBuilding) {
  std::string dir = tempDir();
  {
    ModuleCache first(dir);
    ASSERT_TRUE(bool(first.getOrBuild(key(), [] { return llvm::Expected<CompiledModule>(module("disk")); })));
  }
  ModuleCache second(dir);
  int builds = 0;
  auto m = second.getOrBuild(key(), [&] {
    ++builds;
    return llvm::Expected<CompiledModule>(module("rebuilt"));
  });
  ASSERT_TRUE(bool(m));
  EXPECT_EQ(builds, 0);
  EXPECT_EQ((*m)->ptx, ".version 8.8\n// disk");
  EXPECT_EQ((*m)->cubin, module("disk").cubin);
  EXPECT_EQ(second.lastRejection(), "");
  llvm::sys::fs::remove_directories(dir);
}

TEST(ModuleCache, CorruptAndTruncatedFilesAreDetectedAndRebuilt) {
  std::string dir = tempDir();
  std::string path = cachePath(dir, key());
  auto damage = [&](const std::function<void(std::string &)> &how) {
    auto buf = llvm::MemoryBuffer::getFile(path);
    ASSERT_TRUE(bool(buf));
    std::string bytes = (*buf)->getBuffer().str();
    how(bytes);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  };
  ASSERT_TRUE(bool(ModuleCache(dir).getOrBuild(key(), [] { return llvm::Expected<CompiledModule>(module("v1")); })));

  for (auto [what, how] : std::vector<std::pair<std::string, std::function<void(std::string &)>>>{
           {"checksum mismatch", [](std::string &b) { b[b.size() / 2] ^= 0x20; }},
           {"checksum mismatch", [](std::string &b) { b.resize(b.size() - 3); }},
           {"truncated: no checksum", [](std::string &b) { b.resize(12); }},
           {"bad magic", [](std::string &b) { b[0] = 'X'; }}}) {
    damage(how);
    ModuleCache cache(dir);
    int builds = 0;
    auto m = cache.getOrBuild(key(), [&] {
      ++builds;
      return llvm::Expected<CompiledModule>(module("v2"));
    });
    ASSERT_TRUE(bool(m));
    EXPECT_EQ(builds, 1) << what;
    EXPECT_EQ((*m)->log, "ptxas info: v2");
    EXPECT_NE(cache.lastRejection().find(what), std::string::npos) << cache.lastRejection();
    // The rebuilt file is whole again: a fresh cache loads it without building.
    int rebuilds = 0;
    ASSERT_TRUE(bool(ModuleCache(dir).getOrBuild(key(), [&] {
      ++rebuilds;
      return llvm::Expected<CompiledModule>(module("v3"));
    })));
    EXPECT_EQ(rebuilds, 0) << what;
  }
  llvm::sys::fs::remove_directories(dir);
}

TEST(ModuleCache, AFileForAnotherKeyIsRefused) {
  CompiledModule m = module("a");
  llvm::Expected<CompiledModule> back = deserializeModule(key("-O2"), serializeModule(key("-O3"), m));
  ASSERT_FALSE(bool(back));
  EXPECT_NE(llvm::toString(back.takeError()).find("another key"), std::string::npos);
  llvm::Expected<CompiledModule> same = deserializeModule(key(), serializeModule(key(), m));
  ASSERT_TRUE(bool(same));
  EXPECT_EQ(same->ptx, m.ptx);
  EXPECT_EQ(same->cubin, m.cubin);
  EXPECT_EQ(same->log, m.log);
}

TEST(ModuleCache, AFailedBuildIsReportedAndRetriedLater) {
  ModuleCache cache("");
  auto bad = cache.getOrBuild(key(), [] {
    return llvm::Expected<CompiledModule>(
        llvm::createStringError(llvm::inconvertibleErrorCode(), "nvrtc said no"));
  });
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()), "nvrtc said no");
  auto good = cache.getOrBuild(key(), [] { return llvm::Expected<CompiledModule>(module("ok")); });
  ASSERT_TRUE(bool(good));
  EXPECT_EQ((*good)->log, "ptxas info: ok");
}

TEST(ModuleCache, ProcessesSharingADirectoryBuildOnce) {
  std::string dir = tempDir();
  std::string counter = dir + "/builds.txt";
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ModuleCache cache(dir);
      auto m = cache.getOrBuild(key(), [&] {
        std::ofstream(counter, std::ios::app) << getpid() << "\n";
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return llvm::Expected<CompiledModule>(module("shared"));
      });
      _exit(m && (*m)->log == "ptxas info: shared" ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::ifstream in(counter);
  int lines = 0;
  for (std::string l; std::getline(in, l);)
    ++lines;
  EXPECT_EQ(lines, 1);
  llvm::sys::fs::remove_directories(dir);
}
