#!/usr/bin/env bash
# Packs the release bundle from a static build (make dist): stripped tools, unit tests and
# libattn.so, the Python package, the benchmark, the examples, the docs and run-gpu.sh, in dist/attn-VERSION-linux-x86_64.tar.gz. It fails if the tarball is
# not well under 64 MiB or a tool needs a shared library beyond libc, libm, libz and libzstd.
set -euo pipefail
build=${1:-build-dist}
version=$(sed -n 's/^project(attn VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
name=attn-$version-linux-x86_64
stage=dist/$name
rm -rf "$stage" && mkdir -p "$stage/bin"
cp "$build/test/unit/attn-unittests" "$build/bin/attn-unittests"
for tool in attnc attn-opt attn-unittests; do
  strip -o "$stage/bin/$tool" "$build/bin/$tool"
  extra=$(ldd "$stage/bin/$tool" | awk '{print $1}' |
          grep -vE '^(linux-vdso|/lib64/ld-linux|libc\.so|libm\.so|libz\.so|libzstd\.so)' || true)
  if [ -n "$extra" ]; then echo "make-dist: $tool needs $extra" >&2; exit 1; fi
done
mkdir -p "$stage/lib"
strip -o "$stage/lib/libattn.so" "$build/lib/libattn.so"
cp -r examples docs README.md python bench "$stage/"
rm -rf "$stage/bench/results" "$stage"/python/attn/__pycache__
cp scripts/run-gpu.sh "$stage/"
tar -C dist -czf "dist/$name.tar.gz" "$name"
size=$(stat -c %s "dist/$name.tar.gz")
echo "make-dist: dist/$name.tar.gz, $((size / 1024 / 1024)) MiB"
[ "$size" -lt $((48 * 1024 * 1024)) ] || { echo "make-dist: bundle over 48 MiB" >&2; exit 1; }
