#!/usr/bin/env bash
# Runs in an unpacked release bundle on a GPU machine: checks the tools start and compile every
# example, and runs the reference on each. (The GPU suite and the benchmark join with code
# generation.)
set -euo pipefail
cd "$(dirname "$0")"
bin/attnc --version
for spec in examples/*.attn; do
  bin/attnc "$spec" -o /dev/null
  gqa=$(sed -n 's/^ *gqa = \([0-9]*\);.*/\1/p' "$spec"); gqa=${gqa:-4}
  bin/attnc run "$spec" --device=cpu --shape b=2,hq=8,hkv=$((8 / gqa)),sq=77,skv=130 | tail -1
done
echo "run-gpu: $(ls examples/*.attn | wc -l) examples compiled and evaluated"
