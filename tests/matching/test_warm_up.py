"""engine.warm_up (run by flask init-db and before a test run) compiles every loop a fit uses, a large one's too, and a
saved index's bulk pairs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import matchmaker
from matchmaker.matching import kernels

# In a fresh process (whose loops nothing has compiled or loaded yet): warm_up, then a fit large enough to
# number its words on two threads (9,000 documents) with more words than the first hash table holds (~107,000
# made-up words); prints each loop the fit still had to compile or load, with its argument types.
_SCRIPT = """
import tempfile
import numpy as np
from matchmaker.matching import engine, kernels, kernels_explain, kernels_words, store
from matchmaker.matching.docs import Doc

def loaded():
    mods = (kernels, kernels_words, kernels_explain)
    return {(m.__name__, k, str(s)) for m in mods for k, v in vars(m).items() if hasattr(v, "py_func") for s in v.signatures}

engine.warm_up()
before = loaded()
rng = np.random.default_rng(5)
words = ["".join(w) for w in np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, (108_000, 5))]]
docs = [
    Doc(i, tokens=" ".join(words[12 * i : 12 * i + 3]) + "\\n" + words[12 * i + 3] + "\\n" + " ".join(words[12 * i + 4 : 12 * i + 12]))
    for i in range(9000)
]
fitted = engine.MatchEngine().fit(docs[:3000], docs[3000:])
assert fitted.vectorizer_.n_features_ > 100_000
with tempfile.TemporaryDirectory() as folder:  # as a job process reads the saved index: a re-suggestion's pairs
    store.save(fitted, folder, min_bytes=1)
    list(store.load(folder).pair_blocks("results", 5))
print(sorted(loaded() - before))
"""


def test_a_large_fit_after_warm_up_compiles_nothing():
    """init-db's promise: the first matching of a large platform (8,192 listings and more) compiles nothing."""
    if not kernels.available():  # pragma: no cover - numba is a dependency
        pytest.skip("numba is not installed")
    root = str(Path(matchmaker.__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout  # the loops the fit compiled
