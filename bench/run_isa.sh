#!/bin/sh
# Every CPU kernel path this machine runs, measured in one run: end to end
# (CIF text -> predictions, perov_5 val.csv replayed, 2 threads and 1), model
# only (bench_model), and one-structure latency (bench_latency).
#   sh bench/run_isa.sh [N_STRUCTURES] > results.txt   (default 100000; the portable path gets N/10)
# Needs a Release build in build/ and ../shared beside the checkout.
set -eu
N=${1:-100000}
SHARED=${SHARED:-../shared}
export XTALSIEVE_MODELS=$SHARED/data/cgcnn/pre-trained
IN=$SHARED/data/perov_5/val.csv
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') MHz"
build/xtalsieve --version
PATHS=$(build/xtalsieve --version | sed -n 's/.*this CPU runs: \(.*\))/\1/p' | tr -d ',')
for P in $PATHS; do
  n=$N
  [ "$P" = portable ] && n=$((N / 10))
  echo "== $P: end to end, $n structures, 2 threads"
  build/xtalsieve bench --isa "$P" --input "$IN" --repeat-to "$n" --threads 2
  echo "== $P: end to end, $n structures, 1 thread"
  build/xtalsieve bench --isa "$P" --input "$IN" --repeat-to "$n" --threads 1
  echo "== $P: model only and latency"
  XTALSIEVE_ISA=$P build/bench/bench_model --benchmark_filter='BM_ModelPerBatch/4096|BM_ModelsSharingGraphs/(1|8)$' 2>&1 | grep -E '^BM|isa_path'
  XTALSIEVE_ISA=$P build/bench/bench_latency 2>&1 | grep -E '^BM|isa_path'
done
