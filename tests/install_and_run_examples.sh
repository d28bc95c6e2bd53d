#!/bin/sh
# Installs the build into a temporary prefix, builds examples/ out of tree
# against it (CMake find_package, and the C program with pkg-config alone) and
# runs both. Used by CTest (InstallAndRunExamples).
#   install_and_run_examples.sh BUILD_DIR SOURCE_DIR MODEL_DIR
set -eu
build=$1 src=$2 models=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtalsieve-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# Only the public header tree is installed; the SONAME is versioned.
test -f "$tmp/prefix/include/xtalsieve/xtalsieve.h"
test -f "$tmp/prefix/include/xtalsieve/batch.hpp"
(cd "$src/engine/include/xtalsieve" && ls) > "$tmp/want"
(cd "$tmp/prefix/include/xtalsieve" && ls) > "$tmp/got"
cmp "$tmp/want" "$tmp/got"
# Each installed header stands alone on the installed tree (no private includes).
for h in "$tmp/prefix/include/xtalsieve"/*.hpp; do
  c++ -std=c++20 -fsyntax-only -I"$tmp/prefix/include" -x c++ "$h"
done
cc -std=c99 -fsyntax-only -I"$tmp/prefix/include" -x c "$tmp/prefix/include/xtalsieve/xtalsieve.h"
libdir=$(ls -d "$tmp/prefix"/lib*/ | head -1)
objdump -p "$libdir"/libxtalsieve.so | grep -q 'SONAME *libxtalsieve.so.0'
"$tmp/prefix/bin/xtalsieve" --version | grep -q "^xtalsieve 0.1.0"
cmake -S "$src/examples" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" -j2 >/dev/null
"$tmp/build/rocksalt_generator" "$models"
"$tmp/build/predict_batch" "$models/band-gap.pth.tar" "$models/formation-energy-per-atom.pth.tar"
# pkg-config only, no CMake.
PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --exists xtalsieve
cc -std=c11 -Wall -o "$tmp/predict_batch_pc" "$src/examples/predict_batch.c" \
   $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs xtalsieve) -Wl,-rpath,"$libdir"
"$tmp/predict_batch_pc" "$models/band-gap.pth.tar"
echo "install-and-run-examples: OK"
