#!/usr/bin/env bash
# Runs in an unpacked release bundle on a GPU machine: the GPU unit tests (plain and under
# compute-sanitizer memcheck), every example's generated kernel against the reference at three
# shapes (odd lengths, GQA, more keys than queries), a memcheck run of each, then, where torch
# is installed, the comparison with PyTorch and the benchmark (bench/bench.py).
set -uo pipefail
cd "$(dirname "$0")"
export ATTN_LIBRARY=$PWD/lib/libattn.so PYTHONPATH=$PWD/python ATTN_CACHE_DIR=/tmp/attn-cache
fail=0
bin/attnc --version
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
bin/attn-unittests --gtest_filter='GPU.*' --gtest_brief=1 || fail=1
sanitize() { compute-sanitizer --tool memcheck --error-exitcode 1 "$@" > /tmp/memcheck.log 2>&1 \
  && tail -1 /tmp/memcheck.log || { fail=1; tail -20 /tmp/memcheck.log; }; }
command -v compute-sanitizer >/dev/null && sanitize bin/attn-unittests --gtest_filter='GPU.*' --gtest_brief=1
printf '%-18s %-30s %8s %10s %s\n' spec shape "SQNR dB" "max err" result
for spec in examples/*.attn; do
  gqa=$(sed -n 's/^ *gqa = \([0-9]*\);.*/\1/p' "$spec"); gqa=${gqa:-4}
  for shape in "b=2,hq=8,hkv=$((8 / gqa)),sq=77,skv=130" "b=1,hq=16,hkv=$((16 / gqa)),sq=1000,skv=1000" \
               "b=3,hq=8,hkv=$((8 / gqa)),sq=200,skv=700"; do
    out=$(bin/attnc run "$spec" --device=cuda --shape "$shape" --seed 7 2>&1) || fail=1
    sqnr=$(sed -n 's/.*SQNR \([0-9.inf-]*\) dB.*/\1/p' <<<"$out")
    err=$(sed -n 's/.*max abs error \([0-9.e+-]*\).*/\1/p' <<<"$out" | head -1)
    printf '%-18s %-30s %8s %10s %s\n' "$(basename "$spec" .attn)" "$shape" "$sqnr" "$err" \
      "$(tail -1 <<<"$out")"
  done
  command -v compute-sanitizer >/dev/null &&
    sanitize bin/attnc run "$spec" --device=cuda --shape "b=1,hq=4,hkv=$((4 / gqa > 0 ? 4 / gqa : 1)),sq=65,skv=100"
done
if python3 -c 'import torch' 2>/dev/null && [ -f bench/bench.py ]; then
  python3 bench/bench.py --out /tmp/bench.json "$@" || fail=1
  [ -n "${OUT:-}" ] && cp /tmp/bench.json "$OUT/" 2>/dev/null
fi
echo "run-gpu: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
