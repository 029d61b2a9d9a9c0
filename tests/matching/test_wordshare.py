"""row_words gives the same words and shares from the compiled loops (kernels_words.py) as from
its numpy path, over the test corpora, with words and n-grams first seen after the fit, and on
rows without words, empty rows and words of one character."""

import numpy as np
import pytest
import scipy.sparse as sp

from matchmaker.matching import kernels_words, wordshare

from .test_explain_batch import LATE, _engine

pytestmark = pytest.mark.skipif(not kernels_words.available(), reason="numba is not installed")


def _both(vec, F, bounds, monkeypatch):
    got = wordshare.row_words(vec, F, bounds)
    with monkeypatch.context() as mp:
        mp.setattr(kernels_words, "available", lambda: False)
        want = wordshare.row_words(vec, F, bounds)
    for name in ("feat", "seg", "start", "owned", "in_first"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    # The same entries in the same order by position; only words taking equal halves of one
    # bigram side may come in another order.
    assert np.array_equal(got.p, want.p)
    assert got.u.dtype == want.u.dtype and got.s.dtype == want.s.dtype
    a, b = np.lexsort((got.u, got.p)), np.lexsort((want.u, want.p))
    assert np.array_equal(got.u[a], want.u[b])
    np.testing.assert_allclose(got.s[a], want.s[b], rtol=0, atol=1e-12)
    return got


def _rows(X):
    X = sp.csr_matrix(X)
    return [X.indices[X.indptr[r] : X.indptr[r + 1]].astype(np.int64) for r in range(X.shape[0])]


def _check_engine(engine, monkeypatch):
    vec = engine.vectorizer_
    rows = []
    for side in (engine.needs_, engine.results_):
        rows += _rows(side.X) + _rows(side.dX)
    assert len(rows) > 20
    n_entries = 0
    for q in range(0, len(rows), 3):  # a query row (row 0) and up to ten others, as explain.py passes them
        group = [rows[q]] + rows[q + 1 : q + 11] + rows[: max(0, q + 11 - len(rows))]
        F = np.concatenate(group)
        bounds = np.concatenate([[0], np.cumsum([len(r) for r in group])])
        n_entries += len(_both(vec, F, bounds, monkeypatch).p)
    for r in rows:  # one row alone
        _both(vec, r, np.array([0, len(r)]), monkeypatch)
    assert n_entries > 1000


def test_compiled_row_words_equal_numpy(monkeypatch):
    _check_engine(_engine(), monkeypatch)


def test_compiled_row_words_equal_numpy_with_late_words(monkeypatch):
    engine = _engine()
    for need, result in LATE:
        engine.add_need(need)
        engine.add_result(result)
    vec = engine.vectorizer_
    assert vec.n_added_ and len(engine.results_.d_ids)
    late = _rows(engine.results_.dX)[-1]
    assert (late >= vec.n_fitted_).any()
    seen = []  # the compiled path's late words, handed over as arrays
    real = wordshare._late

    def spy(*args):
        out = real(*args)
        seen.append(len(out[1]))
        return out

    monkeypatch.setattr(wordshare, "_late", spy)
    _check_engine(engine, monkeypatch)
    assert seen and max(seen) > 0


def test_compiled_row_words_equal_numpy_on_odd_rows(monkeypatch):
    engine = _engine(char_unigrams=False)
    vec = engine.vectorizer_
    t = wordshare.tables(vec)
    rows = _rows(engine.needs_.X)
    ngrams = np.arange(t.n_words, t.n_fitted, dtype=np.int64)[:40]  # n-grams without their words
    short = np.array([f for f, w in enumerate(t.names) if len(w) == 1][:5], dtype=np.int64)
    cases = [
        [rows[0], np.zeros(0, np.int64), rows[1]],  # an empty row between two
        [np.zeros(0, np.int64), rows[2]],  # an empty query row
        [ngrams, rows[0]],  # a row without words
        [np.sort(np.concatenate([short, ngrams])), rows[3]],  # words of one character
        [rows[1], rows[1]],  # the query row again
    ]
    for group in cases:
        F = np.concatenate(group)
        bounds = np.concatenate([[0], np.cumsum([len(r) for r in group])])
        _both(vec, F, bounds, monkeypatch)
    _both(vec, np.zeros(0, np.int64), np.array([0]), monkeypatch)
