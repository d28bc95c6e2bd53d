#!/bin/sh
# The CUDA lane of CI (.ci/run): builds the CUDA backend in its own build
# folder (build-cuda: -DXTALSIEVE_CUDA=ON, nvcc with warnings as errors),
# only what the lane needs (the library, the test binary with the lane's own
# test files, and bench_cuda; no CLI, no Python module), then runs the tests of the CUDA build: the `cuda`-labelled
# whole-model GPU tests (reported "Skipped" by CTest on a machine without a
# GPU, never "Passed") and the DeviceOption/DeviceMath tests, which need no GPU.
#   sh scripts/cuda-lane.sh [BUILD_DIR]        (default build-cuda)
# No nvcc: the lane fails, loudly. XTALSIEVE_ALLOW_NO_CUDA=1 turns that into a
# loud warning and exit 0, for machines that cannot have the toolkit.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build-cuda}
JOBS=${JOBS:-2}
NVCC=${CUDACXX:-}
if [ -z "$NVCC" ]; then
  if command -v nvcc >/dev/null 2>&1; then NVCC=$(command -v nvcc)
  elif [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc
  fi
fi
if [ -z "$NVCC" ]; then
  echo "########################################################################" >&2
  echo "# CUDA LANE NOT RUN: no nvcc (PATH, CUDACXX or /usr/local/cuda/bin).     #" >&2
  echo "# The CUDA backend was NOT compiled: a change that breaks it is unseen.  #" >&2
  echo "########################################################################" >&2
  [ "${XTALSIEVE_ALLOW_NO_CUDA:-0}" = 1 ] && exit 0
  exit 1
fi
start=$(date +%s)
echo "cuda-lane: $("$NVCC" --version | tail -1), building in $BUILD"
# Only the lane's own test files (TESTS=all builds every test, as run_gpu.sh does).
TESTS=${TESTS:-test_cuda;test_device_math}
cmake -S . -B "$BUILD" -DXTALSIEVE_CUDA=ON -DCMAKE_CUDA_COMPILER="$NVCC" -DXTALSIEVE_BUILD_PYTHON=OFF \
  -DXTALSIEVE_TESTS="$TESTS" >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target xtalsieve_tests bench_cuda
ctest --test-dir "$BUILD" -L cuda --output-on-failure
ctest --test-dir "$BUILD" -R '^(DeviceOption|DeviceMath)\.' --output-on-failure
echo "cuda-lane: done in $(( $(date +%s) - start )) s"
