"""Makes pymatgen build lattices from cell parameters as it does on an AVX-512
machine, wherever this script runs.

pymatgen's Lattice.from_parameters uses numpy's vectorised cos, sin and arccos,
whose last bit differs between numpy's AVX-512 and AVX2 code paths (numpy 1.24).
That bit changes the lattice matrix at the 1e-16 level, which decides the order
of equidistant neighbours and so which of them is a structure's 12th: for a
cubic BaTiO3 the CGCNN band gap moves from 1.979 to 1.650 eV between the two
machines. The shared reference data were made on an AVX-512 machine, and
xtalsieve reproduces those bits (engine/core/lattice_numpy_trig.inc). Importing
this module patches pymatgen.core.lattice's numpy with the same table, so
golden files made here agree with that convention.
"""
import math
import pathlib
import re

import numpy as np
import pymatgen.core.lattice as _lattice

_TABLE = {}
_inc = pathlib.Path(__file__).resolve().parent.parent / "engine" / "src" / "lattice_numpy_trig.inc"
for fn, x, y in re.findall(r"\{(\d), ([-0-9a-fx.p+]+), ([-0-9a-fx.p+]+)\}", _inc.read_text()):
    _TABLE[(int(fn), float.fromhex(x))] = float.fromhex(y)


# Off the table xtalsieve uses libm (glibc), element by element: so does this.
_LIBM = {0: math.cos, 1: math.sin, 2: math.acos}


def _patched(fn):
    def f(x):
        a = np.asarray(x, dtype=float)
        out = np.vectorize(_LIBM[fn], otypes=[float])(a) if a.size else np.array(a)
        flat_in, flat_out = a.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_in):
            y = _TABLE.get((fn, float(v)))
            if y is not None:
                flat_out[i] = y
        return out if out.shape else float(out)
    return f


class _NumpyWithTable:
    def __getattr__(self, name):
        return getattr(np, name)

    cos = staticmethod(_patched(0))
    sin = staticmethod(_patched(1))
    arccos = staticmethod(_patched(2))


_lattice.np = _NumpyWithTable()
