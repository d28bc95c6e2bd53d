"""A Python generator of 100,000 structures streams through xs.screen with
flat memory: the peak RSS after 100k is within a few MB of the peak after 20k."""
import resource

import numpy as np
import pytest

import xtalsieve as xs

N = 100_000


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@pytest.mark.slow
def test_100k_generator_streams_with_flat_memory(models):
    rng = np.random.default_rng(0)
    marks = {}
    frac = np.array([[0, 0, 0], [0.5, 0.5, 0.5]])

    def gen():
        for i in range(N):
            if i == 20_000:
                marks["early"] = peak_rss_mb()
            a = 3.0 + rng.random() * 1.5  # CsCl-type cell, Å
            z = [int(rng.integers(3, 56)), int(rng.choice([8, 9, 16, 17, 35]))]
            yield {"lattice": np.eye(3) * a, "frac_coords": frac, "numbers": z, "id": f"c{i}"}

    res = xs.screen(gen(), model=str(models / "formation-energy-per-atom.pth.tar"), top=10, chunk=2048)
    late = peak_rss_mb()
    assert res.counts["inputs"] == N
    assert res.counts["scored"] + res.counts["failed"] == N
    assert len(res.top) == 10
    assert res.top[0]["score"] <= res.top[-1]["score"]
    assert res.top[0]["id"].startswith("c")
    # Flat memory: nothing grows with the number of candidates (no labels kept).
    assert late - marks["early"] < 16, (marks["early"], late)
