#!/bin/sh
# Builds the libFuzzer targets with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a fixed time on its seed corpus.
#   sh scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
# Exits non-zero on any finding.
set -eu
SECS=${1:-30}
sh scripts/install-deps.sh
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DXTALSIEVE_FUZZ=ON -DXTALSIEVE_SANITIZE=address,undefined -DXTALSIEVE_BUILD_TESTS=OFF -DXTALSIEVE_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j2 --target fuzz_cif fuzz_checkpoint fuzz_csv fuzz_poscar fuzz_extxyz fuzz_json \
  fuzz_streams fuzz_archive fuzz_sqlite fuzz_matgl
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
for t in cif checkpoint csv poscar extxyz json streams archive sqlite matgl; do
  work=$(mktemp -d)
  cp tests/fuzz-corpus/$t/* "$work"/
  echo "fuzz_$t: ${SECS}s"
  if ! build-fuzz/fuzz/fuzz_$t -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       "$work" > "$work.log" 2>&1; then
    tail -n 40 "$work.log"
    echo "fuzz_$t: FINDING (see above)"
    exit 1
  fi
  tail -n 2 "$work.log"
  rm -rf "$work" "$work.log"
done
echo "fuzz: no findings"
