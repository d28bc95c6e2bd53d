"""The Python module: the CLI's numbers, pymatgen/ASE inputs equal to the CIF
path, lazy screening, and engine errors raised with the C++ message."""
import csv
import os
import subprocess
import threading

import numpy as np
import pytest

import xtalsieve as xs


def test_version():
    assert xs.__version__.count(".") == 2


def test_predictions_equal_the_cli(models, samples, tmp_path):
    cli = os.environ["XS_CLI"]
    paths = [str(models / "band-gap.pth.tar"), str(models / "formation-energy-per-atom.pth.tar")]
    out = tmp_path / "preds.csv"
    subprocess.run([cli, "predict", "--model", paths[0], "--model", paths[1], "--input", str(samples),
                    "--output", str(out)], check=True, capture_output=True)
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 10
    p = xs.Predictor(paths)
    assert p.columns == ["band-gap", "formation-energy-per-atom"]
    records = list(xs.read(samples))
    d = p.predict(records, as_dict=True)
    assert d["id"] == [r["id"] for r in rows]
    for k, r in enumerate(rows):
        # The CLI writes %.9g: the same double prints the same text.
        assert f"{d['band-gap'][k]:.9g}" == r["band-gap"], r["id"]
        assert f"{d['formation-energy-per-atom'][k]:.9g}" == r["formation-energy-per-atom"], r["id"]
    # One CIF document through the CLI's CIF reader: the same doubles.
    text = (samples / "1000041.cif").read_text()
    np.testing.assert_array_equal(p.predict_cif(text), p.predict([records[0]])[0])


def test_pymatgen_and_ase_inputs_equal_the_cif_path(models, samples):
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    m = xs.Model(str(models / "formation-energy-per-atom.pth.tar"))
    records = list(xs.read(samples))
    ref = m.predict(records)
    structs = [Structure.from_file(str(samples / f"{r.id}.cif")) for r in records]
    from_pmg = m.predict(structs)
    atoms = [AseAtomsAdaptor.get_atoms(s) for s in structs]
    from_ase = m.predict(atoms)
    assert ref.shape == (10, 1)
    # The CIF reader gives pymatgen's lattice and coordinates bit for bit on these
    # files, and AseAtomsAdaptor copies them: the same doubles out.
    np.testing.assert_array_equal(from_pmg, ref)
    np.testing.assert_array_equal(from_ase, ref)
    # Cartesian positions (dicts) too.
    dicts = [{"lattice": a.get_cell()[:], "positions": a.get_positions(), "numbers": a.numbers} for a in atoms]
    np.testing.assert_allclose(m.predict(dicts), ref, rtol=0, atol=1e-6)


def test_flat_arrays_match_and_are_not_copied_needlessly(models, samples):
    m = xs.Model(str(models / "band-gap.pth.tar"))
    records = list(xs.read(samples))
    a = xs.to_arrays(records)
    assert a["lattices"].dtype == np.float64 and a["numbers"].dtype == np.int32 and a["offsets"].dtype == np.uintp
    out = m.predict_arrays(a["lattices"], a["positions"], a["numbers"], a["offsets"])
    np.testing.assert_array_equal(out, m.predict(records))
    # Other layouts and dtypes are converted (one copy), same numbers.
    out2 = m.predict_arrays(np.asfortranarray(a["lattices"]), np.asfortranarray(a["positions"]),
                            a["numbers"].astype(np.int64), a["offsets"].astype(np.int64))
    np.testing.assert_array_equal(out2, out)


def test_threads_share_one_predictor(models, samples):
    m = xs.Model(str(models / "band-gap.pth.tar"), threads=1)
    records = list(xs.read(samples))
    ref = m.predict(records)
    outs = [None] * 4

    def work(i):
        outs[i] = m.predict(records)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for o in outs:
        np.testing.assert_array_equal(o, ref)


def test_bad_input_raises_with_the_cpp_message(models, samples):
    m = xs.Model(str(models / "band-gap.pth.tar"))
    r = next(iter(xs.read(samples)))
    bad = {"lattice": r.lattice, "frac_coords": r.frac_coords, "numbers": np.zeros(len(r.numbers), dtype=np.int32)}
    with pytest.raises(xs.Error, match="element"):
        m.predict([bad])
    # errors="nan": the row is NaN, the others are kept.
    out = m.predict([r, bad], errors="nan")
    assert np.isfinite(out[0, 0]) and np.isnan(out[1, 0])
    with pytest.raises(xs.Error, match="lattices must"):
        m.predict_arrays(np.zeros((2, 3)), np.zeros((1, 3)), np.zeros(1), np.array([0, 1]))
    with pytest.raises(xs.Error, match="offsets"):
        m.predict_arrays(np.eye(3)[None] * 4, np.zeros((1, 3)), np.array([11]), np.array([1, 0]))
    with pytest.raises(xs.Error, match="nonexistent"):
        xs.Model("/nonexistent/model.pth.tar")
    with pytest.raises(xs.Error, match="missing"):
        m.predict_cif("data_x\n")
    assert issubclass(xs.Error, ValueError)
    with pytest.raises(TypeError):
        m.predict([42])


def test_screen_consumes_a_generator_lazily(models, samples):
    from pymatgen.core import Structure

    paths = [str(models / "formation-energy-per-atom.pth.tar"), str(models / "band-gap.pth.tar")]
    p = xs.Predictor(paths)
    records = list(xs.read(samples))
    labels = {row[0]: float(row[1]) for row in csv.reader(open(samples / "id_prop.csv"))}
    pulled = []

    def gen():
        for r in records:
            pulled.append(r.id)
            yield Structure.from_file(str(samples / f"{r.id}.cif")), labels[r.id]

    g = gen()
    assert pulled == []  # nothing consumed before screen() runs
    res = xs.screen(g, model=p, objective="formation-energy-per-atom min", where="band-gap >= 0.5", top=3,
                    chunk=4, label="pair")
    assert len(pulled) == 10
    all_ = p.predict(records)
    keep = [i for i in range(10) if all_[i, 1] >= 0.5]
    best = sorted(keep, key=lambda i: (all_[i, 0], i))[:3]
    assert [h["seq"] for h in res.top] == best
    assert [h["score"] for h in res.top] == [all_[i, 0] for i in best]
    assert res.counts == {"inputs": 10, "scored": len(keep), "filtered": 10 - len(keep), "failed": 0}
    assert res.metrics["labelled"] == len(keep)
    assert -1 <= res.metrics["spearman"] <= 1
    with pytest.raises(xs.Error, match="unknown property"):
        xs.screen(iter(records), model=p, objective="nope")
    with pytest.raises(xs.Error, match="where"):
        xs.screen(iter(records), model=p, where="band-gap ~ 1")


def test_official_names_resolve_as_the_cli_does(models, samples):
    # XTALSIEVE_MODELS (set by CTest) points at the shared checkpoints: no download.
    from pymatgen.core import Structure

    s = Structure.from_file(str(samples / "1000041.cif"))
    by_name = xs.Model("cgcnn/band-gap").predict([s])
    by_path = xs.Model(str(models / "band-gap.pth.tar")).predict([s])
    assert by_name.shape == (1, 1)
    np.testing.assert_array_equal(by_name, by_path)
    assert abs(by_name[0, 0] - 4.774055) < 1e-4  # the shared reference value


def test_device_option(models, samples):
    path = str(models / "band-gap.pth.tar")
    cpu = xs.Predictor(path, device="cpu").predict(list(xs.read(samples))[:2])
    np.testing.assert_array_equal(cpu, xs.Predictor(path).predict(list(xs.read(samples))[:2]))
    with pytest.raises(xs.Error, match=r"cpu or cuda\[:N\]"):
        xs.Predictor(path, device="gpu")
    # This module is built without the CUDA backend unless -DXTALSIEVE_CUDA=ON;
    # then only a machine with a GPU makes the model.
    try:
        xs.Predictor(path, device="cuda:0")
    except xs.Error as e:
        assert "CUDA" in str(e)
