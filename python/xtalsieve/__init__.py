"""xtalsieve: crystal-structure screening with graph neural networks, from Python.

    import xtalsieve as xs
    m = xs.Model("cgcnn/band-gap")            # or a checkpoint path
    gaps = m.predict([structure, atoms, ...])  # numpy array [n_structures, n_columns]

Structures may be pymatgen ``Structure`` objects, ASE ``Atoms``, dicts with
``lattice`` (3x3, rows a, b, c in Å), ``frac_coords`` or ``positions``
(Cartesian, Å) and ``numbers``, or the records ``xs.read(path)`` yields.
Predictions are the engine's, bit for bit those of the ``xtalsieve`` CLI.
Errors from the engine are raised as ``xtalsieve.Error`` (a ``ValueError``)
carrying the C++ message.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ._xtalsieve import BatchPredictor as _BatchPredictor
from ._xtalsieve import Error
from ._xtalsieve import Reader as _Reader
from ._xtalsieve import StreamScreen as _StreamScreen
from ._xtalsieve import __version__

__all__ = ["Model", "Predictor", "Record", "ScreenResult", "Error", "read", "screen", "to_arrays", "__version__"]


@dataclass
class Record:
    """A structure as xtalsieve read it (sites in file order)."""

    id: str
    lattice: np.ndarray  # (3, 3), rows a, b, c, Å
    frac_coords: np.ndarray  # (n, 3)
    numbers: np.ndarray  # (n,) int32
    error: str = ""  # non-empty: the record could not be read (no structure)


def read(path: str, format: str = "") -> Iterator[Record]:
    """Iterates the structures of any input the CLI reads (CIF, POSCAR, extended
    XYZ, pymatgen JSON, ASE db, CSV, compressed, archives, folders), lazily.
    Records that cannot be read come back with ``error`` set."""
    for rid, lat, frac, num, err in _Reader(str(path), format):
        yield Record(rid, lat, frac, num, err)


def _one(s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, str | None]:
    """(lattice (3,3), positions (n,3), numbers (n,), cartesian, id) of one structure."""
    if isinstance(s, Record):
        if s.error:
            raise Error(s.error)
        return s.lattice, s.frac_coords, s.numbers, False, s.id
    if isinstance(s, dict):
        lat = s["lattice"]
        if "frac_coords" in s:
            return np.asarray(lat), np.asarray(s["frac_coords"]), np.asarray(s["numbers"]), False, s.get("id")
        return np.asarray(lat), np.asarray(s["positions"]), np.asarray(s["numbers"]), True, s.get("id")
    if hasattr(s, "frac_coords") and hasattr(s, "lattice") and hasattr(s, "atomic_numbers"):  # pymatgen Structure
        if not s.is_ordered:
            raise Error("pymatgen structure is disordered: xtalsieve needs one element per site")
        return s.lattice.matrix, s.frac_coords, np.asarray(s.atomic_numbers), False, None
    if hasattr(s, "get_cell") and hasattr(s, "get_scaled_positions"):  # ASE Atoms
        return np.asarray(s.get_cell()), s.get_scaled_positions(wrap=False), s.numbers, False, None
    raise TypeError(f"cannot read a structure from {type(s).__name__}: "
                    "expected a pymatgen Structure, ASE Atoms, an xtalsieve Record or a dict")


def to_arrays(structures: Sequence[Any]) -> dict[str, Any]:
    """Flat arrays of structures: lattices (n,3,3), positions (N,3) fractional,
    numbers (N,) int32, offsets (n+1,), ids."""
    lats, pos, nums, ids, offsets = [], [], [], [], [0]
    for k, s in enumerate(structures):
        lat, p, z, cart, sid = _one(s)
        lat = np.asarray(lat, dtype=np.float64).reshape(3, 3)
        p = np.asarray(p, dtype=np.float64).reshape(-1, 3)
        if cart:
            p = p @ np.linalg.inv(lat)
        lats.append(lat)
        pos.append(p)
        nums.append(np.asarray(z, dtype=np.int32).reshape(-1))
        ids.append(str(sid) if sid is not None else str(k))
        offsets.append(offsets[-1] + len(nums[-1]))
    n = len(lats)
    return {
        "lattices": np.stack(lats) if n else np.zeros((0, 3, 3)),
        "positions": np.concatenate(pos) if n else np.zeros((0, 3)),
        "numbers": np.concatenate(nums) if n else np.zeros(0, dtype=np.int32),
        "offsets": np.asarray(offsets, dtype=np.uintp),
        "ids": ids,
    }


class Predictor:
    """Loaded models. ``columns`` names the output columns (one per model
    output). Thread-safe: one Predictor may be used from several threads.
    ``device``: "cpu" (default), "cuda" or "cuda:N"; a build without the CUDA
    backend, or a model family without a CUDA implementation, raises
    xtalsieve.Error saying so."""

    def __init__(self, models: Sequence[str] | str, atom_init: str = "", threads: int = 0, isa: str = "",
                 device: str = "cpu"):
        if isinstance(models, str):
            models = [models]
        self._p = _BatchPredictor([str(m) for m in models], str(atom_init or ""), int(threads), isa, str(device))

    @property
    def columns(self) -> list[str]:
        return list(self._p.columns)

    def predict_arrays(self, lattices, positions, numbers, offsets, cartesian: bool = False,
                       errors: str = "raise") -> np.ndarray:
        """Predictions [n, n_columns] for flat arrays (see ``to_arrays``; Å).
        Arrays that are C-contiguous float64 / int32 / uintp are used without a copy.
        ``errors="raise"`` raises Error for the first structure that fails;
        ``"nan"`` leaves its row NaN."""
        out, errs = self._p.predict_arrays(lattices, positions, numbers, offsets, cartesian)
        if errors == "raise":
            for e in errs:
                if e is not None:
                    raise Error(e)
        return out

    def predict(self, structures: Iterable[Any], errors: str = "raise", as_dict: bool = False):
        """Predictions for a list of structures: a numpy array [n, n_columns],
        or with ``as_dict`` a pandas-friendly dict {"id": [...], column: array, ...}."""
        if not isinstance(structures, (list, tuple)):
            structures = list(structures)
        a = to_arrays(structures)
        out, errs = self._p.predict_arrays(a["lattices"], a["positions"], a["numbers"], a["offsets"], False, a["ids"])
        if errors == "raise":
            for e in errs:
                if e is not None:
                    raise Error(e)
        if as_dict:
            d: dict[str, Any] = {"id": a["ids"]}
            for k, c in enumerate(self.columns):
                d[c] = out[:, k]
            d["error"] = [e or "" for e in errs]
            return d
        return out

    def predict_cif(self, text: str) -> np.ndarray:
        """Predictions for one CIF document's first structure (the CLI's CIF reader)."""
        return np.asarray(self._p.predict_cif(text))


class Model(Predictor):
    """One model: ``xs.Model("cgcnn/band-gap")``."""

    def __init__(self, model: str, **kw):
        super().__init__([model], **kw)


@dataclass
class ScreenResult:
    top: list[dict]  # best first: id, formula, n_atoms, values {column: value}, score, label
    counts: dict  # inputs, scored, filtered, failed
    metrics: dict  # against labels: recall_at_10/100/k, spearman, kendall, mae, rmse, r2
    errors: list[str] = field(default_factory=list)  # first failures, "id: reason"


_OPS = {"<", "<=", ">", ">=", "between"}


def _parse_where(where) -> list[tuple[str, str, float, float]]:
    if isinstance(where, str):
        where = [where]
    out = []
    for w in where or []:
        if isinstance(w, str):
            t = w.split()
            if len(t) < 3 or t[1] not in _OPS or (t[1] == "between") != (len(t) == 4) or len(t) > 4:
                raise Error(f"where: expected 'PROPERTY OP VALUE' or 'PROPERTY between A B', got '{w}'")
            out.append((t[0], t[1], float(t[2]), float(t[3]) if len(t) == 4 else 0.0))
        else:
            prop, op, *v = w
            out.append((prop, op, float(v[0]), float(v[1]) if len(v) > 1 else 0.0))
    return out


def screen(candidates: Iterable[Any], model: str | Sequence[str] | Predictor = "cgcnn/formation-energy-per-atom",
           objective: str = "", where=(), top: int = 100, chunk: int = 1024, label=None) -> ScreenResult:
    """Screens an iterable (e.g. a generator) of structures lazily, ``chunk``
    at a time, keeping the best ``top`` by ``objective`` (a column name, or
    "NAME min" / "NAME max"; default: the first column, minimised).
    ``where``: "band-gap between 1 3", "formation-energy-per-atom < 0", ...
    An item may be a structure or a (structure, label) pair when ``label`` is
    "pair"; with labels the result has ranking metrics."""
    p = model if isinstance(model, Predictor) else Predictor(model)
    maximize = False
    t = objective.split()
    if len(t) == 2 and t[1] in ("min", "max"):
        objective, maximize = t[0], t[1] == "max"
    s = _StreamScreen(p._p, objective, maximize, _parse_where(where), int(top), int(chunk))
    it = iter(candidates)
    while True:
        block = list(itertools.islice(it, chunk))
        if not block:
            break
        labels = None
        if label == "pair":
            labels = np.asarray([float("nan") if y is None else float(y) for _, y in block], dtype=np.float64)
            block = [x for x, _ in block]
        a = to_arrays(block)
        ids = [a["ids"][k] if not a["ids"][k].isdigit() else None for k in range(len(block))]
        s.push_arrays(a["lattices"], a["positions"], a["numbers"], a["offsets"], False,
                      None if all(i is None for i in ids) else [i if i is not None else "" for i in ids], labels)
    cols = p.columns
    hits = s.top()
    for h in hits:
        h["values"] = dict(zip(cols, h["values"]))
    return ScreenResult(hits, s.counts(), s.metrics(), s.errors())
