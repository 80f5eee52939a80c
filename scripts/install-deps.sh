#!/usr/bin/env bash
# Installs the Debian packages attn builds and tests with, where any is missing (idempotent).
# Usage: scripts/install-deps.sh [--fuzz]   (--fuzz adds clang-22 and its libFuzzer runtime)
set -euo pipefail
pkgs=(cmake ninja-build g++ python3 lld-22 libmlir-22-dev mlir-22-tools llvm-22-dev
      llvm-22-tools libzstd-dev libcli11-dev libfmt-dev libgtest-dev)
[ "${1:-}" = --fuzz ] && pkgs+=(clang-22 libclang-rt-22-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
