#!/bin/sh
# Installs xtalsieve's build and test dependencies from Debian 12 packages.
# Idempotent: when every package is already present it only checks and exits.
set -eu
PKGS="cmake make g++ pkg-config ca-certificates \
 libhwy-dev libcli11-dev libtbb-dev libeigen3-dev libsymspg-dev libroaring-dev \
 nlohmann-json3-dev libarchive-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev \
 libgtest-dev libbenchmark-dev libdnnl-dev libqhull-dev libopenmpi-dev openmpi-bin \
 pybind11-dev python3-dev python3-numpy python3-pytest python3-ase python3-pymatgen \
 python3-scipy python3-sklearn python3-pil chromium fonts-dejavu-core"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing:$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The CUDA backend (-DXTALSIEVE_CUDA=ON, CI's scripts/cuda-lane.sh) needs the
# CUDA toolkit (nvcc, CUDA 12 or later; no GPU). Debian 12 packages none
# recent enough, so it is not installed here; say loudly when it is missing.
if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ] && [ -z "${CUDACXX:-}" ]; then
  echo "install-deps: WARNING: no CUDA toolkit (nvcc) found: the CUDA lane of CI (scripts/cuda-lane.sh)"
  echo "install-deps: WARNING: will fail; install NVIDIA's CUDA toolkit into /usr/local/cuda"
fi
