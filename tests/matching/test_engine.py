"""Engine tests on tiny Chinese corpora with obvious answers (no app needed)."""

import pytest

from matchmaker.matching.docs import Doc, tokenize_doc
from matchmaker.matching.duplicates import find_near_duplicates
from matchmaker.matching.engine import MatchEngine
from matchmaker.matching.store import IndexStore

from .corpus import NEEDS, RESULTS

pytestmark = pytest.mark.usefixtures("explaining")  # compiled and numpy explanations

EXPECTED = {1: 11, 2: 12, 3: 13, 4: 14}


@pytest.fixture(scope="module")
def engine():
    """A fitted engine over the tiny corpus."""
    return MatchEngine().fit(NEEDS, RESULTS)


@pytest.mark.parametrize("need_id,result_id", EXPECTED.items())
def test_right_result_first(engine, need_id, result_id):
    """The obvious result ranks first, with a score in (0, 1]."""
    top = engine.results_for_need(need_id, top_k=3)
    assert top[0].result_id == result_id
    assert all(0.0 < m.score <= 1.0 for m in top)
    assert [m.score for m in top] == sorted((m.score for m in top), reverse=True)


def test_reasons_are_shared_terms(engine):
    """Reasons name the shared technical terms and never punctuation."""
    top = engine.results_for_need(1, top_k=1)[0]
    terms = [t for t, _ in top.reasons]
    assert "指纹识别" in terms and "智能门锁" in terms
    assert all(w > 0 for _, w in top.reasons)
    for m in (m for n in engine.ids("needs") for m in engine.results_for_need(n, top_k=5)):
        for term, _ in m.reasons:
            assert any(c.isalnum() for c in term) and not any(c in "，。、；：,.;:" for c in term)


def test_both_directions_agree(engine):
    """The best need of each expected result is the need that found it."""
    for need_id, result_id in EXPECTED.items():
        assert engine.needs_for_result(result_id, top_k=1)[0].need_id == need_id


def test_incremental_add_matches_refit(engine):
    """An added result ranks as it would after a refit on the same vocabulary."""
    new = Doc(16, "智能门锁指纹识别算法", "指纹识别 智能门锁", "智能门锁指纹识别算法，识别快。")
    inc = MatchEngine().fit(NEEDS, RESULTS)
    inc.add_result(new)
    refit = MatchEngine().fit(NEEDS, RESULTS + [new])
    assert [m.result_id for m in inc.results_for_need(1)][:2] == [m.result_id for m in refit.results_for_need(1)][:2]
    inc.remove_result(16)
    assert 16 not in [m.result_id for m in inc.results_for_need(1)]
    inc.remove_result(11)
    assert 11 not in [m.result_id for m in inc.results_for_need(1)]


def test_exclude_and_min_score(engine):
    """Excluded ids and low scores are left out."""
    assert 11 not in [m.result_id for m in engine.results_for_need(1, exclude={11})]
    assert engine.results_for_need(1, min_score=1.01) == []


def test_cached_tokens_give_same_ranking():
    """Fitting from cached tokens equals fitting from text."""
    a = MatchEngine().fit(NEEDS, RESULTS)
    b = MatchEngine().fit([tokenize_doc(d) for d in NEEDS], [tokenize_doc(d) for d in RESULTS])
    for n in EXPECTED:
        assert a.results_for_need(n) == b.results_for_need(n)


@pytest.mark.parametrize(
    "text",
    ["", "。。。，，！！", "only english words", "1234567890", "ＬＥＤ照明灯具１２３", "灯具" * 500_000],
)
def test_bad_input(engine, text):
    """Odd queries never crash and give clean suggestions or none."""
    for m in engine.results_for_need(Doc(99, text, "", text)):
        assert 0.0 < m.score <= 1.0 and m.reasons


def test_near_duplicates(engine):
    """A copy of a need is flagged, a different need is not."""
    copy = Doc(100, NEEDS[0].title, NEEDS[0].keywords, NEEDS[0].body + "！")
    assert [i for i, _ in find_near_duplicates(copy, engine)] == [1]
    assert [i for i, _ in find_near_duplicates(copy, NEEDS)] == [1]
    assert find_near_duplicates(Doc(101, "锂离子电池"), NEEDS) == []


def test_save_and_reload(tmp_path, engine):
    """A saved version is picked up by maybe_reload, once."""
    store = IndexStore(tmp_path)
    assert store.current_version() is None and store.maybe_reload(None) is None
    version = engine.save(tmp_path)
    assert store.current_version() == version
    loaded = store.maybe_reload(None)
    assert loaded.results_for_need(1) == engine.results_for_need(1)
    assert store.maybe_reload(loaded) is loaded
    assert MatchEngine.load(tmp_path).stats()["version"] == version


def test_stats(engine):
    """Stats report the sizes."""
    s = engine.stats()
    assert (s["documents"], s["needs"], s["results"]) == (9, 4, 5) and s["vocabulary"] > 0


def test_progress_callback():
    """fit reports progress stages ending with done."""
    seen = []
    MatchEngine().fit(NEEDS, RESULTS, progress=lambda stage, i, n: seen.append(stage))
    assert seen[0] == "tokenize" and seen[-1] == "done"


def test_old_index_layout_still_loads(engine):
    """An index pickled before the postings/remainder layout is rebuilt on load."""
    import pickle

    side = engine.results_
    state = {k: v for k, v in side.__dict__.items() if k not in ("postings", "rest", "dead_rows")}
    old = object.__new__(type(side))
    old.__setstate__(state)
    copy = pickle.loads(pickle.dumps(engine))
    copy.results_ = old
    assert copy.results_for_need(1) == engine.results_for_need(1)


@pytest.mark.parametrize("chunks", [1, 4, 10**6])
@pytest.mark.parametrize("side_name", ["needs_", "results_"])
def test_compiled_postings_equal_scipys(engine, side_name, chunks, monkeypatch):
    """The postings and the rest of each row, split by the compiled pass, are scipy's, array for array,
    whether the rows are dealt in one chunk, a few or one row at a time."""
    import numpy as np

    from matchmaker.matching import kernels
    from matchmaker.matching.index import SideIndex

    monkeypatch.setattr(kernels, "_SPLIT_CHUNKS", chunks)
    side = getattr(engine, side_name)
    sel = side.selective.copy()
    sel[np.flatnonzero(np.diff(side.X.tocsc().indptr))[::2]] ^= True  # both parts well filled
    built = SideIndex(side.X, side.Z, side.ids, sel)
    monkeypatch.setattr(kernels, "available", lambda: False)
    reference = SideIndex(side.X, side.Z, side.ids, sel)
    assert built.postings.nnz and built.rest.nnz
    for part in ("postings", "rest"):
        a, b = getattr(built, part), getattr(reference, part)
        assert a.shape == b.shape
        for name in ("indptr", "indices", "data"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype and np.array_equal(x, y), (part, name)


@pytest.mark.parametrize("chunks", [1, 3, 10**6])
def test_split_postings_over_many_terms(chunks, monkeypatch):
    """A split over thousands of terms (many buckets) in one chunk, a few or one row at a time: each term's
    postings are its rows in order, each row's rest its other entries, as scipy gives them."""
    import numpy as np
    import scipy.sparse as sp

    from matchmaker.matching import kernels

    if not kernels.available():
        pytest.skip("the compiled loops are not available")
    monkeypatch.setattr(kernels, "_SPLIT_CHUNKS", chunks)
    rng = np.random.default_rng(3)
    X = sp.random(400, 9000, density=0.02, format="csr", dtype=np.float32, random_state=rng)
    X.sort_indices()
    sel = rng.random(9000) < 0.6
    p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat = kernels.split_postings(X.indptr, X.indices, X.data, sel, 9000, 400)
    keep = sel[X.indices]
    rows = np.repeat(np.arange(400), np.diff(X.indptr))
    expected = sp.csr_matrix((X.data[keep], (rows[keep], X.indices[keep])), shape=X.shape).tocsc()
    assert np.array_equal(p_ptr, expected.indptr) and np.array_equal(p_ind, expected.indices)
    assert np.array_equal(p_dat, expected.data)
    assert np.array_equal(r_ptr, np.concatenate([[0], np.cumsum(np.bincount(rows[~keep], minlength=400))]))
    assert np.array_equal(r_ind, X.indices[~keep]) and np.array_equal(r_dat, X.data[~keep])


@pytest.mark.parametrize("chunks", [1, 3])
def test_split_postings_writes_its_scratch_into_spare_memory(chunks, monkeypatch):
    """Given arrays a fit is done with (filled with leftovers), the split writes its buckets there instead of
    fresh memory, and gives the same postings and rest as without them."""
    import numpy as np
    import scipy.sparse as sp

    from matchmaker.matching import kernels

    if not kernels.available():
        pytest.skip("the compiled loops are not available")
    monkeypatch.setattr(kernels, "_SPLIT_CHUNKS", chunks)
    rng = np.random.default_rng(5)
    X = sp.random(300, 5000, density=0.03, format="csr", dtype=np.float32, random_state=rng)
    X.sort_indices()
    sel = rng.random(5000) < 0.5
    args = (X.indptr, X.indices, X.data, sel, 5000, 300)
    spare = [np.full(100, -1, np.int16), np.full(3 * X.nnz, -1, np.int16)]
    given = kernels.split_postings(*args, spare=spare)
    for got, expected in zip(given, kernels.split_postings(*args)):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert (spare[0] == -1).all() and (spare[1] != -1).any()  # where a bucket fits
    # An array handed on at the start of a larger allocation never touched beyond it: a kept array is written there.
    room = np.full(X.nnz, -1, np.int32)
    spare = [room[:10]]
    given = kernels.split_postings(*args, spare=spare)
    for got, expected in zip(given, kernels.split_postings(*args)):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert spare == [] and any(np.shares_memory(room, got) for got in given)


def test_split_postings_rows_beyond_32_bit_keys():
    """Rows past 2**22 (whose bucket keys no longer fit 32 bits with the term's place) keep their ids."""
    import numpy as np
    import scipy.sparse as sp

    from matchmaker.matching import kernels

    if not kernels.available():
        pytest.skip("the compiled loops are not available")
    n = (1 << 22) + 3
    rows = np.array([0, 5, n - 3, n - 2, n - 1, n - 1])
    cols = np.array([1, 2000, 1, 7, 2000, 3])
    X = sp.csr_matrix((np.arange(1, 7, dtype=np.float32), (rows, cols)), shape=(n, 2048))
    sel = np.zeros(2048, dtype=bool)
    sel[[1, 2000]] = True
    p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat = kernels.split_postings(X.indptr, X.indices, X.data, sel, 2048, n)
    assert p_ind[p_ptr[1] : p_ptr[2]].tolist() == [0, n - 3]
    assert p_ind[p_ptr[2000] : p_ptr[2001]].tolist() == [5, n - 1]
    assert p_dat.tolist() == [1.0, 3.0, 2.0, 5.0]
    assert r_ind.tolist() == [7, 3] and r_dat.tolist() == [4.0, 6.0] and r_ptr[-1] == 2


def test_in_place_kernels_equal_public_products(engine):
    """Row dots and partial scores through the C kernels equal scipy's public products."""
    import numpy as np

    from matchmaker.matching.index import row_dots

    side = engine.results_
    rng = np.random.default_rng(0)
    q = rng.random(side.X.shape[1]).astype(np.float32)
    rows = np.array([3, 0, 4, 1])
    assert np.allclose(row_dots(side.X, rows, q), side.X[rows] @ q, atol=1e-6)
    terms = np.flatnonzero(np.diff(side.postings.indptr))[:7]
    w = rng.random(len(terms)).astype(np.float32)
    expected = side.postings[terms].T @ w
    assert np.allclose(side._partial(terms, w, side.X.shape[0]), expected, atol=1e-6)


def test_refit_parameters_follow_the_model_generation(engine):
    """A refit keeps an index's parameters within one model generation; an index of an older model
    (pickled before a parameter existed) refits with today's defaults instead of failing."""
    custom = MatchEngine(semantic_weight=0.3)
    assert MatchEngine(**custom.get_params()).semantic_weight == 0.3
    old = MatchEngine(semantic_weight=0.3, feedback_weight=3.0)
    del old.model, old.feedback_power, old.idf_power  # as unpickled from an older version
    fresh = MatchEngine(**old.get_params())
    today = MatchEngine()
    assert (fresh.feedback_weight, fresh.semantic_weight) == (today.feedback_weight, today.semantic_weight)


def test_compiled_row_dots_equal_scipy_kernel(engine, monkeypatch):
    """kernels.row_dots gives the float32 sums of scipy's csr_matvec path bit for bit, rows in any order."""
    import numpy as np

    from matchmaker.matching import index, kernels

    if not kernels.available():  # pragma: no cover - numba is a dependency (or MATCHMAKER_NO_JIT is set)
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(1)
    for side in (engine.results_, engine.needs_):
        for M in (side.X, side.rest):
            q = np.zeros(M.shape[1], dtype=np.float32)
            q[rng.choice(M.shape[1], M.shape[1] // 3)] = rng.random(M.shape[1] // 3).astype(np.float32)
            for rows in (rng.permutation(M.shape[0]), np.array([2, 2, 0]), np.arange(M.shape[0])[::-1]):
                compiled = index.row_dots(M, rows, q)
                monkeypatch.setattr(kernels, "available", lambda: False)
                plain = index.row_dots(M, rows, q)
                monkeypatch.undo()
                assert compiled.dtype == plain.dtype == np.float32
                assert np.array_equal(compiled.view(np.int32), plain.view(np.int32))
                # The scoring's variant (kernels.row_dots_z) copies the rows' embeddings on the way.
                dots, Zc = kernels.row_dots_z(M.indptr, M.indices, M.data, rows.astype(np.int64), q, side.Z)
                assert np.array_equal(dots.view(np.int32), compiled.view(np.int32))
                assert Zc.dtype == np.float32 and np.array_equal(Zc, side.Z[rows])


def test_compiled_partial_scores_equal_scipy_kernel(engine, monkeypatch):
    """kernels.partial_scores gives the float32 sums of scipy's csc_matvec path bit for bit, query terms in any
    order, and the candidates (rows, partial scores, in their order) are those of the numpy path."""
    import numpy as np

    from matchmaker.matching import kernels

    if not kernels.available():  # pragma: no cover - numba is a dependency (or MATCHMAKER_NO_JIT is set)
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(2)
    for side in (engine.results_, engine.needs_):
        n, P = len(side.ids), side.postings
        posted = np.flatnonzero(np.diff(P.indptr))  # terms with postings (the tiny corpus has few of its features)
        for size in (1, 5, 40):
            qi = rng.choice(posted, size, replace=False).astype(np.int32)  # not in feature order
            qd = rng.random(size).astype(np.float32)
            # Some terms not selective (every term of the tiny corpus is): they are left out.
            selective = side.selective & (rng.random(len(side.selective)) < 0.7)
            selective[qi[0]] = True
            sel = selective[qi]
            part = np.full(n, 7.0, dtype=np.float32)  # a kept buffer holds the last query's values
            found = kernels.partial_scores(P.indptr, P.indices, P.data, selective, qi, qd, part)
            assert found == sel.sum() > 0
            plain = side._partial(qi[sel], qd[sel], n)
            assert np.array_equal(part.view(np.int32), plain.view(np.int32))
            compiled = side.candidates(qi, qd, 3)
            monkeypatch.setattr(kernels, "available", lambda: False)
            numpy_path = side.candidates(qi, qd, 3)
            monkeypatch.undo()
            assert compiled[2] == numpy_path[2] == bool(found)
            assert np.array_equal(compiled[0], numpy_path[0]) and np.array_equal(compiled[1], numpy_path[1])


def test_embed_rows_with_rows_out_of_term_order():
    """Rows whose entries are not in term order are still summed entry by entry in their own order (the loop
    adds a stretch of terms at a time: over 4,096 terms, an entry of an early term after a late one waits)."""
    import numpy as np
    import scipy.sparse as sp

    from matchmaker.matching import kernels

    if not kernels.available():
        pytest.skip("the compiled loops are not available")
    rng = np.random.default_rng(5)
    m = 3 * kernels._EMBED_TERMS  # several stretches of terms
    X = sp.random(3000, m, density=0.01, format="csr", dtype=np.float32, random_state=rng)
    X.data *= np.float32(1000.0)  # wide magnitudes: a different order of the sums shows in the floats
    X.data[::7] *= np.float32(1e-4)
    term_row = np.full(m, -1, dtype=np.int32)
    has = rng.random(m) < 0.8
    term_row[has] = np.arange(int(has.sum()), dtype=np.int32)
    C = rng.standard_normal((int(has.sum()), 8)).astype(np.float32)
    for r in (5, 2500):  # one row reversed in each of the two blocks of rows
        lo, hi = X.indptr[r], X.indptr[r + 1]
        X.indices[lo:hi], X.data[lo:hi] = X.indices[lo:hi][::-1].copy(), X.data[lo:hi][::-1].copy()
    Z = np.empty((3000, 8), np.float32)
    kernels.embed_rows(X.indptr, X.indices, X.data, term_row, C, 0, 3000, Z)
    for r in (5, 2500, 0, 2999):
        acc = np.zeros(8, np.float32)
        for e in range(X.indptr[r], X.indptr[r + 1]):
            if term_row[X.indices[e]] >= 0:
                acc += X.data[e] * C[term_row[X.indices[e]]]
        assert np.array_equal(Z[r].view(np.int32), acc.view(np.int32)), r


def test_compiled_embeddings_equal_scipys(monkeypatch):
    """The latent space's compiled loops give numpy's and scipy's floats bit for bit: the sample split into
    dense common columns and a sparse rest (kernels.split_dense), hence the same term embeddings, and the
    document embeddings (kernels.embed_rows) equal to the CSC blocks' and the single query's sums, terms
    without an embedding left out."""
    import numpy as np
    import scipy.sparse as sp

    from matchmaker.matching import kernels
    from matchmaker.matching.semantic import LatentSpace

    if not kernels.available():  # pragma: no cover - numba is a dependency (or MATCHMAKER_NO_JIT is set)
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(3)
    parts = [sp.random(3000, m, density=d, format="csr", dtype=np.float32, random_state=rng) for m, d in
             ((300, 0.0005), (400, 0.004), (300, 0.05))]  # fmt: skip
    X = sp.hstack(parts, format="csr")
    X.sum_duplicates()
    df = np.bincount(X.indices, minlength=X.shape[1])
    latent = LatentSpace(n_components=16, sample_size=1200, min_df=5).fit(X, df)
    assert (latent.term_row_ < 0).any() and (latent.term_row_ >= 0).any()  # some terms have no embedding
    compiled = latent.transform(X)
    monkeypatch.setattr(kernels, "available", lambda: False)
    plain_latent = LatentSpace(n_components=16, sample_size=1200, min_df=5).fit(X, df)
    assert np.array_equal(latent.components_.view(np.int32), plain_latent.components_.view(np.int32))
    plain = latent.transform(X)
    few = latent.transform(X[:10])  # scipy's product of a few rows
    assert np.array_equal(few.view(np.int32), compiled[:10].view(np.int32))
    assert compiled.shape == (3000, 16) and np.abs(np.linalg.norm(compiled, axis=1) - 1).max() < 1e-5
    assert np.array_equal(compiled.view(np.int32), plain.view(np.int32))
    for r in (0, 1777, 2999):
        assert np.array_equal(latent.transform(X[r])[0].view(np.int32), compiled[r].view(np.int32))
    monkeypatch.undo()  # a single query's row through its own loop (kernels.embed_one): the same floats
    rows = [r for r in range(3000) if (latent.term_row_[X[r].indices] < 0).any()][:3]
    assert len(rows) == 3
    for r in rows + [0, 1777, 2999]:
        assert np.array_equal(latent.transform(X[r])[0].view(np.int32), compiled[r].view(np.int32))
    empty = sp.csr_matrix((1, X.shape[1]), dtype=np.float32)
    assert latent.transform(empty).shape == (1, 16) and not latent.transform(empty).any()


@pytest.mark.parametrize("before", [True, False])
def test_fit_gives_no_huge_page_advice_and_restores_numpys(before):
    """A refit's arrays get small pages (pages.py); numpy's own setting is back once the fit ends or fails."""
    from matchmaker.matching.pages import _set_madvise_hugepage

    if _set_madvise_hugepage is None:
        pytest.skip("this numpy has no huge-page switch")
    original = _set_madvise_hugepage(before)
    try:
        during = []
        MatchEngine().fit(NEEDS, RESULTS, progress=lambda *a: during.append(_set_madvise_hugepage(False)))
        assert during and not any(during)
        assert _set_madvise_hugepage(before) is before

        def fail(stage, *_):
            if stage == "semantic":
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError):
            MatchEngine().fit(NEEDS, RESULTS, progress=fail)
        assert _set_madvise_hugepage(before) is before
    finally:
        _set_madvise_hugepage(original)


def test_latent_fit_factorises_its_products_in_place(monkeypatch):
    """The latent fit's LU and QR steps overwrite the fresh products they are given (no copy of each first),
    with the same components as the copying calls."""
    import scipy.linalg as la

    from matchmaker.matching import semantic

    docs = [tokenize_doc(Doc(i, d.title, d.keywords, d.body)) for i, d in enumerate((NEEDS + RESULTS) * 4)]
    in_place = MatchEngine(n_components=8).fit(docs[:20], docs[20:]).latent_.components_
    seen = []

    class Copying:  # the calls as before: each product copied first
        @staticmethod
        def lu(a, **k):
            seen.append(k.get("overwrite_a"))
            return la.lu(a, **{**k, "overwrite_a": False})

        @staticmethod
        def qr(a, **k):
            seen.append(k.get("overwrite_a"))
            return la.qr(a, **{**k, "overwrite_a": False})

        svd = staticmethod(la.svd)

    monkeypatch.setattr(semantic, "la", Copying)
    copied = MatchEngine(n_components=8).fit(docs[:20], docs[20:]).latent_.components_
    assert seen and all(seen)
    assert in_place.shape[1] == 8 and in_place.tobytes() == copied.tobytes()


def test_index_remembers_its_token_format(tmp_path, engine, monkeypatch):
    """A saved index carries the token format it was fitted on; loaded under another one it says it needs a refit."""
    from matchmaker.matching import tokenize

    assert engine.tokens_current() and engine.stats()["token_format"] == tokenize.TOKEN_FORMAT
    engine.save(tmp_path)
    monkeypatch.setattr(tokenize, "TOKEN_FORMAT", tokenize.TOKEN_FORMAT + 1)  # the code's tokenizer changed
    loaded = MatchEngine.load(tmp_path)
    assert not loaded.tokens_current()
    assert loaded.results_for_need(1) == engine.results_for_need(1)  # still answers from the rows it holds


def test_an_index_saved_before_formats_were_recorded_is_of_format_2(tmp_path, engine, monkeypatch):
    """An install upgraded to the code that records token formats does not refit an index of today's format;
    once the code's format moves on, that index is out of date like any other."""
    from matchmaker.matching import engine as engine_module
    from matchmaker.matching import tokenize

    engine.save(tmp_path)
    loaded = MatchEngine.load(tmp_path)
    del loaded.token_format_  # as indexes saved before it was recorded
    monkeypatch.setattr(tokenize, "TOKEN_FORMAT", engine_module.UNRECORDED_TOKEN_FORMAT)
    assert loaded.tokens_current() and loaded.stats()["token_format"] == 2
    monkeypatch.setattr(tokenize, "TOKEN_FORMAT", engine_module.UNRECORDED_TOKEN_FORMAT + 1)
    assert not loaded.tokens_current()
