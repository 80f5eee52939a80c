# attn: the two quick-start commands (`make demo`, `make test`) and their helpers. Each target
# installs what it needs (scripts/install-deps.sh) and configures the build on first use.
BUILD ?= build
SPEC ?= examples/causal.attn
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 600
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: deps build demo test fuzz dist clean

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

## demo: compile the default example to the attn dialect and show it
demo: build
	@echo "== $(SPEC)"; cat $(SPEC); echo "== attnc $(SPEC) --emit=attn"
	@$(BUILD)/bin/attnc $(SPEC) --emit=attn

## test: every test (lit + GoogleTest) through ctest
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

## fuzz: libFuzzer over the front end for FUZZ_SECONDS (not part of `make test`)
fuzz:
	@scripts/install-deps.sh --fuzz
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
	cmake --build build-fuzz --target attn-fuzz-frontend -j $(JOBS)
	mkdir -p fuzz-corpus && cp -n examples/*.attn test/fuzz/seeds/*.attn fuzz-corpus/ 2>/dev/null || true
	build-fuzz/bin/attn-fuzz-frontend fuzz-corpus test/fuzz/regressions -dict=test/fuzz/attn.dict \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1

## dist: the relocatable release bundle (MLIR/LLVM static, stripped) in dist/
dist: deps
	cmake -S . -B build-dist -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_STATIC=ON
	cmake --build build-dist --target attnc attn-opt attn-unittests attn -j $(JOBS)
	scripts/make-dist.sh build-dist

clean:
	rm -rf $(BUILD) build-fuzz build-dist dist
