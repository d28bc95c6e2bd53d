#!/bin/sh
# The CUDA backend measured on a GPU machine, in one run of under 10 minutes:
# builds with -DXTALSIEVE_CUDA=ON (build-gpu), runs the CUDA build's tests
# (scripts/cuda-lane.sh: the `cuda` label, on the GPU, against the CPU
# backend: CudaCgcnn, CudaMegnet and CudaM3gnet), then bench_cuda (CGCNN model-only
# atoms/s at 1, 64 and 4096 structures per batch, with p50/p99 per batch; end
# to end through the predictor; p50/p99 latency of one 5-atom structure;
# MEGNet model-only at 1, 64 and 1024 structures per batch, M3GNet's potential
# at 1 and 64, GPU and CPU) and
# the CLI's end-to-end bench on the GPU, and writes every figure under the
# output folder.
#   sh bench/run_gpu.sh [OUTPUT_DIR]      (default $OUT, else build-gpu/results)
# Needs a fresh checkout after scripts/install-deps.sh, the CUDA toolkit, a
# GPU, and the shared reference data in ../shared (SHARED=... to change).
set -eu
cd "$(dirname "$0")/.."
OUTDIR=${1:-${OUT:-build-gpu/results}}
SHARED=${SHARED:-../shared}
mkdir -p "$OUTDIR"
RES="$OUTDIR/gpu-results.txt"
log() { echo "$*" | tee -a "$RES"; }
: >"$RES"
log "# xtalsieve GPU run, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee -a "$RES"
else
  log "WARNING: no nvidia-smi: is there a GPU and a driver?"
fi
if [ ! -d "$SHARED/data/cgcnn/pre-trained" ]; then
  log "ERROR: no shared reference data at $SHARED (checkpoints, perov_5): tests and benchmarks need it"
  exit 1
fi

# Build: nvcc for the H200 (sm_90) only, every core.
t0=$(date +%s)
TESTS=all JOBS=$(nproc) timeout 420 sh scripts/cuda-lane.sh build-gpu 2>&1 | tee "$OUTDIR/cuda-tests.txt" | tail -40
log "build + cuda tests: $(( $(date +%s) - t0 )) s (full log: cuda-tests.txt)"
grep -E 'tests passed|Skipped|Failed|\*\*\*' "$OUTDIR/cuda-tests.txt" | tee -a "$RES" || true
# MEGNet's and M3GNet's measured GPU-vs-CPU differences (CTest shows a passing
# test's output only on failure, so the tests run once more here, printing them).
for t in CudaMegnet CudaM3gnet; do
  timeout 120 build-gpu/tests/xtalsieve_tests --gtest_filter="$t.MatchesTheCpuBackend" 2>&1 |
    grep -E 'GPU vs CPU backend|OK \]|FAILED|SKIPPED' | tee -a "$RES" || log "$t.MatchesTheCpuBackend failed or timed out"
done

# Benchmarks.
export XTALSIEVE_MODELS="$SHARED/data/cgcnn/pre-trained"
timeout 300 build-gpu/bench/bench_cuda --benchmark_out="$OUTDIR/bench_cuda.json" --benchmark_out_format=json \
  2>&1 | tee "$OUTDIR/bench_cuda.txt" | grep -E '^BM|^[a-z_]+:|ERROR' | tee -a "$RES" || log "bench_cuda failed or timed out"
cmake --build build-gpu -j"$(nproc)" --target xtalsieve >/dev/null
for T in 4 16; do
  log "== CLI end to end on cuda:0, perov_5 val.csv replayed to 200000 structures, $T threads"
  timeout 120 build-gpu/xtalsieve bench --device cuda:0 --input "$SHARED/data/perov_5/val.csv" --repeat-to 200000 \
    --threads "$T" 2>&1 | tee -a "$RES" || log "CLI bench failed or timed out"
done

# The original implementation's forward pass on the same GPU.
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  log "PyTorch with CUDA is installed, but this script has no PyTorch CGCNN timing yet: not measured"
else
  log "PyTorch (with CUDA) is not installed on this machine, and it cannot be installed here (no network):"
  log "the PyTorch CGCNN forward pass on this GPU was NOT measured"
fi
log "figures: $RES, $OUTDIR/bench_cuda.json"
