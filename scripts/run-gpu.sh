#!/usr/bin/env bash
# Runs in an unpacked release bundle on a GPU machine: the GPU unit tests (plain and under
# compute-sanitizer memcheck), every example's generated kernel against the reference at three
# shapes (odd lengths, GQA, more keys than queries) with the chosen config, and at two of them
# on the mma.sync path with one and two K/V stages, one with its keys split three ways (split
# KV), a memcheck run of each, decode over long keys split as the launch chooses and under
# memcheck, then, where torch is installed, the Python examples (also with --check-only), the
# comparison with PyTorch and the benchmark (bench/bench.py).
#   run-gpu.sh [--check-only | bench.py's options]
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
printf '%-18s %-30s %-22s %8s %10s %s\n' spec shape config "SQNR dB" "max err" result
check() { # spec shape [config options]
  local spec=$1 shape=$2; shift 2
  out=$(bin/attnc run "$spec" --device=cuda --shape "$shape" --seed 7 "$@" 2>&1) || fail=1
  sqnr=$(sed -n 's/.*SQNR \([0-9.inf-]*\) dB.*/\1/p' <<<"$out")
  err=$(sed -n 's/.*max abs error \([0-9.e+-]*\).*/\1/p' <<<"$out" | head -1)
  printf '%-18s %-30s %-22s %8s %10s %s\n' "$(basename "$spec" .attn)" "$shape" "${*:-chosen}" "$sqnr" \
    "$err" "$(tail -1 <<<"$out")"
}
for spec in examples/*.attn; do
  gqa=$(sed -n 's/^ *gqa = \([0-9]*\);.*/\1/p' "$spec"); gqa=${gqa:-4}
  odd="b=2,hq=8,hkv=$((8 / gqa)),sq=77,skv=130" long="b=3,hq=8,hkv=$((8 / gqa)),sq=200,skv=700"
  for shape in "$odd" "b=1,hq=16,hkv=$((16 / gqa)),sq=1000,skv=1000" "$long"; do check "$spec" "$shape"; done
  for shape in "$odd" "$long"; do
    check "$spec" "$shape" --mma=mma.sync --stages=1
    check "$spec" "$shape" --mma=mma.sync --stages=2
  done
  check "$spec" "$long" --splits=3
  command -v compute-sanitizer >/dev/null &&
    sanitize bin/attnc run "$spec" --device=cuda --shape "b=1,hq=4,hkv=$((4 / gqa > 0 ? 4 / gqa : 1)),sq=65,skv=100"
done
check examples/paged_decode_gqa.attn "b=8,hq=32,hkv=8,sq=1,skv=9000"
check examples/paged_decode_gqa.attn "b=3,hq=8,hkv=2,sq=4,skv=3000" --splits=7
command -v compute-sanitizer >/dev/null &&
  sanitize bin/attnc run examples/paged_decode_gqa.attn --device=cuda --shape "b=2,hq=8,hkv=2,sq=1,skv=700" --splits=5
if python3 -c 'import torch' 2>/dev/null; then
  for example in examples/python_*.py; do python3 "$example" || fail=1; done
fi
if [ "${1:-}" != --check-only ] && python3 -c 'import torch' 2>/dev/null && [ -f bench/bench.py ]; then
  python3 bench/bench.py --out /tmp/bench.json "$@" || fail=1
  [ -n "${OUT:-}" ] && cp /tmp/bench.json "$OUT/" 2>/dev/null
fi
echo "run-gpu: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
