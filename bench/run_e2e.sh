#!/bin/sh
# End-to-end throughput of xtalsieve against the reference implementation, in one run.
#   sh bench/run_e2e.sh [N_STRUCTURES]   (default 1000000)
# Needs a Release build in build/, ../shared beside the checkout, and for the
# reference Debian's python3-torch and python3-pymatgen.
set -eu
N=${1:-1000000}
SHARED=${SHARED:-../shared}
export XTALSIEVE_MODELS=$SHARED/data/cgcnn/pre-trained
IN=$SHARED/data/perov_5/val.csv
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/{print $2}') GiB"
echo "== xtalsieve, 2 threads, perov_5 val.csv repeated to $N structures, CSV written"
build/xtalsieve bench --input "$IN" --repeat-to "$N" --threads 2 --output /tmp/xtalsieve-bench.csv | tee /tmp/xs-2.json
echo "== xtalsieve, 1 thread, 200000 structures"
build/xtalsieve bench --input "$IN" --repeat-to 200000 --threads 1 | tee /tmp/xs-1.json
if /usr/bin/python3 -c "import torch, pymatgen" 2>/dev/null; then
  echo "== reference (tools/cgcnn_reference.py: pymatgen + PyTorch), perov_5 val.csv once"
  /usr/bin/python3 tools/cgcnn_reference.py --checkpoint "$XTALSIEVE_MODELS/formation-energy-per-atom.pth.tar" \
    --atom-init "$XTALSIEVE_MODELS/atom_init.json" --input "$IN" | tee /tmp/ref.json
  /usr/bin/python3 - <<'PY'
import json
x = json.load(open('/tmp/xs-2.json')); r = json.load(open('/tmp/ref.json'))
print("speed-up (atoms/s, xtalsieve 2 threads / reference 2 threads): %.0fx" % (x["atoms_per_s"] / r["atoms_per_s"]))
PY
else
  echo "(reference not run: install python3-torch python3-pymatgen)"
fi
