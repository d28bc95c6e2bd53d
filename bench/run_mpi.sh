#!/bin/sh
# Strong scaling of `screen` on this machine: one process (1 and 2 threads)
# against mpirun -np 1 and -np 2 (one thread per rank), on perov_5 replayed to
# N records (default 20000), then the merge of the two ranks' parts alone.
# Usage: sh bench/run_mpi.sh [N]   (from the repository root, after building build/)
set -eu
N=${1:-20000}
X=build/xtalsieve
DATA=../shared/data/perov_5/val.csv
export XTALSIEVE_MODELS=../shared/data/cgcnn/pre-trained
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
T=$(mktemp -d)
ARGS="screen --model cgcnn/formation-energy-per-atom --input $DATA --repeat-to $N --top 100 --no-progress"
wall() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings']['wall_s'])" "$1/summary.json"; }
now() { date +%s.%N; }
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) ; cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 2; do
  s=$(now); $X $ARGS --threads $t --out $T/single$t >/dev/null 2>&1; e=$(now)
  echo "single process, $t thread(s): $(python3 -c "print(f'{$e-$s:.2f}')") s elapsed, $N records"
done
for np in 1 2; do
  s=$(now); mpirun --allow-run-as-root --oversubscribe -np $np $X $ARGS --threads 1 --out $T/np$np >/dev/null 2>&1; e=$(now)
  echo "mpirun -np $np (1 thread per rank): $(python3 -c "print(f'{$e-$s:.2f}')") s elapsed (incl. MPI start and merge)"
  cmp -s $T/single1/top.csv $T/np$np/top.csv && echo "  top.csv identical to the single run" || echo "  top.csv DIFFERS"
done
s=$(now); $X merge $T/np2/ranks/0-of-2 $T/np2/ranks/1-of-2 --out $T/merged >/dev/null 2>&1; e=$(now)
echo "merge of the 2 parts alone: $(python3 -c "print(f'{$e-$s:.3f}')") s; bytes per rank: $(stat -c %s $T/np2/ranks/0-of-2/checkpoint.bin) $(stat -c %s $T/np2/ranks/1-of-2/checkpoint.bin)"
rm -rf "$T"
