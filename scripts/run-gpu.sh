#!/usr/bin/env bash
# Runs in an unpacked release bundle on a GPU machine: the GPU tests (plain and under
# compute-sanitizer memcheck where it is installed), then every example compiled and evaluated by
# the reference. (The kernels' GPU suite and the benchmark join with code generation.)
set -euo pipefail
cd "$(dirname "$0")"
bin/attnc --version
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
bin/attn-unittests --gtest_filter='GPU.*' --gtest_brief=1
if command -v compute-sanitizer >/dev/null; then
  compute-sanitizer --tool memcheck --error-exitcode 1 bin/attn-unittests --gtest_filter='GPU.*' \
    --gtest_brief=1 | tail -3
fi
for spec in examples/*.attn; do
  bin/attnc "$spec" -o /dev/null
  gqa=$(sed -n 's/^ *gqa = \([0-9]*\);.*/\1/p' "$spec"); gqa=${gqa:-4}
  bin/attnc run "$spec" --device=cpu --shape b=2,hq=8,hkv=$((8 / gqa)),sq=77,skv=130 | tail -1
done
echo "run-gpu: $(ls examples/*.attn | wc -l) examples compiled and evaluated"
