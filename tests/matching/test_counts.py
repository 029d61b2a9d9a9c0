"""The fit's integer-coded counting gives the string path's vocabulary and vectors exactly."""

import pickle

import numpy as np
import pytest

from matchmaker.matching import counts, kernels, vectorize
from matchmaker.matching.counts import count_terms
from matchmaker.matching.docs import doc_cache

from .corpus import NEEDS, RESULTS

CACHES = [doc_cache(d) for d in NEEDS + RESULTS]
ODD = [
    "",
    "\n\n",
    "只有标题",  # one field
    "标题\n关键词\n正文\n第四段",  # four fields: the fourth is dropped
    "  前后 空格  \n关键词  重复 重复\n 正文",  # irregular spacing
    "a\n\nb",
    "长长长长长长长长长长长长长长长长长长长长 词 词\n\n长长长长长长长长长长长长长长长长长长长长",
    "𠀀𠀁 汉字\n𠀀\n表情😀 符号",  # characters beyond the BMP
    "led 照明\nled\nled照明 led",
]


@pytest.fixture(params=["compiled", "numpy"], autouse=True)
def counting(request, monkeypatch):
    """Every test runs on the compiled loops (kernels.py) and again on numpy sorts alone."""
    if request.param == "numpy":
        monkeypatch.setattr(kernels, "available", lambda: False)
    elif not kernels.available():  # pragma: no cover - numba is a dependency
        pytest.skip("numba is not installed")
    return request.param


def _fit(docs, string_path, monkeypatch, **params):
    if string_path:
        monkeypatch.setattr(vectorize, "count_terms", lambda *a, **k: None)
    v = vectorize.Vectorizer(**params)
    X = v.fit_transform(docs)
    monkeypatch.setattr(vectorize, "count_terms", count_terms)
    return v, X


@pytest.mark.parametrize("params", [{}, {"char_unigrams": False}, {"idf_power": 1.5, "n_jobs": 2}])
@pytest.mark.parametrize("docs", [CACHES, ODD + CACHES + ODD, ODD[:1]], ids=["corpus", "odd", "empty"])
def test_same_as_string_path(docs, params, monkeypatch):
    """Words in order of first appearance, character keys, keywords, df and every vector agree."""
    a, Xa = _fit(docs, True, monkeypatch, **params)
    b, Xb = _fit(docs, False, monkeypatch, **params)
    assert list(a.vocabulary_.items()) == list(b.vocabulary_.items())
    assert np.array_equal(a.char_keys_, b.char_keys_)
    assert a.keywords_ == b.keywords_ and np.array_equal(a.df_, b.df_)
    assert Xa.shape == Xb.shape and Xa.dtype == Xb.dtype
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(Xa, name), getattr(Xb, name)), name


@pytest.mark.parametrize(
    "docs",
    [["一\n二", "三\n四\n五\n六", "七\n八\n九"], ["一\n二\n三\n四", "五\n六", "七\n八\n九"], ["甲\n乙\n丙", "丁"]],
    ids=["one-then-three", "three-then-one", "last-short"],
)
def test_strings_of_other_field_counts_as_the_string_path(docs, monkeypatch):
    """Strings of two and four fields side by side (as many newlines in all as three fields each) still count as
    their fields padded or cut to three, as the string path counts them."""
    a, Xa = _fit(docs, True, monkeypatch)
    b, Xb = _fit(docs, False, monkeypatch)
    assert list(a.vocabulary_.items()) == list(b.vocabulary_.items()) and a.keywords_ == b.keywords_
    assert np.array_equal(a.df_, b.df_) and (Xa != Xb).nnz == 0


@pytest.mark.parametrize("per_piece", [1, 2, 5])
def test_text_encoded_a_few_documents_at_a_time(per_piece, monkeypatch):
    """The documents coded a piece at a time (the last piece shorter, characters beyond the BMP in some) are
    the whole text's code units, and count as the string path does."""
    monkeypatch.setattr(counts, "_ENCODE_DOCS", per_piece)
    docs = ODD + CACHES[:7] + ODD[::-1]
    texts = ["\n".join(counts.three_fields(c)) for c in docs]
    whole = np.frombuffer(("\n".join(texts) + " " * 8).encode("utf-16-le"), dtype=np.uint16)
    assert np.array_equal(counts._utf16(texts), whole)
    assert np.array_equal(counts._utf16([]), np.full(8, 32, dtype=np.uint16))
    if kernels.available():  # read from the joined string by the compiled loop, on a thread of its own and not
        for n_jobs in (1, 2):
            tally = np.zeros(0x10000, dtype=np.int64)
            assert np.array_equal(counts._utf16(texts, tally, n_jobs), whole)
            assert np.array_equal(tally, np.bincount(whole, minlength=0x10000))
    a, Xa = _fit(docs, True, monkeypatch)
    b, Xb = _fit(docs, False, monkeypatch)
    assert list(a.vocabulary_.items()) == list(b.vocabulary_.items()) and np.array_equal(a.df_, b.df_)
    assert (Xa != Xb).nnz == 0


def test_blocks_and_threads(monkeypatch):
    """Many small blocks on two threads count as one block does."""
    docs = (ODD + CACHES) * 40
    one = count_terms(docs, (2.0, 2.0, 1.0))
    monkeypatch.setattr("matchmaker.matching.counts._BLOCK_ROWS", 7)
    many = count_terms(docs, (2.0, 2.0, 1.0), n_jobs=2)
    assert one.words == many.words and np.array_equal(one.seg, many.seg)
    assert (one.X != many.X).nnz == 0


def test_rows_weighted_on_threads_as_on_one(monkeypatch):
    """Rows weighted a few at a time on two threads give the same vectors as one pass."""
    docs = (ODD + CACHES) * 3
    _, one = _fit(docs, False, monkeypatch)
    monkeypatch.setattr(vectorize, "_WEIGH_ROWS", 7)
    _, many = _fit(docs, False, monkeypatch, n_jobs=2)
    assert np.array_equal(one.indptr, many.indptr) and np.array_equal(one.indices, many.indices)
    assert np.array_equal(one.data, many.data)


def test_pair_places_invert():
    """Every pair of frequency ranks has its own place in the compiled count's pair tables, and pair_ranks
    gives the pair back."""
    width = 120
    first, second = np.divmod(np.arange(width * width), width)
    if kernels.available():
        places = np.array([kernels._pair(a, b) for a, b in zip(first.tolist(), second.tolist())])
    else:
        larger = np.maximum(first, second)
        places = larger * larger + larger + second - first
    assert np.array_equal(np.sort(places), np.arange(width * width))
    back = counts.pair_ranks(places)
    assert np.array_equal(back[0], first) and np.array_equal(back[1], second)


def test_wide_keys_count_as_narrow_ones(monkeypatch):
    """Keys too wide for 32 bits (many rows per block and features) are sorted as int64, with the same counts."""
    docs = ODD + CACHES
    narrow = count_terms(docs, (2.0, 2.0, 1.0))
    monkeypatch.setattr("matchmaker.matching.counts._KEY32_BITS", 0)
    wide = count_terms(docs, (2.0, 2.0, 1.0))
    assert narrow.words == wide.words and np.array_equal(narrow.seg, wide.seg)
    assert np.array_equal(narrow.X.indices, wide.X.indices) and np.array_equal(narrow.X.data, wide.X.data)


def test_other_whitespace_takes_the_string_path():
    """A tab or an ideographic space (never written by the tokenizer) is left to str.split()."""
    assert count_terms(["a\tb\n\n"], (2.0, 2.0, 1.0)) is None
    assert count_terms(["甲\u3000乙\n\n"], (2.0, 2.0, 1.0)) is None
    v = vectorize.Vectorizer()
    v.fit_transform(["甲\u3000乙 丙\n\n", "甲\n\n"])
    assert set(v.vocabulary_) == {"甲", "乙", "丙"}


def test_compiled_and_numpy_paths_agree(monkeypatch, counting):
    """The compiled loops and the numpy sorts give the same counts, words and keywords, bit for bit."""
    if not kernels.numba:  # pragma: no cover - numba is a dependency (or MATCHMAKER_NO_JIT is set)
        pytest.skip("numba is not installed")
    docs = (ODD + CACHES) * 5
    one = count_terms(docs, (2.0, 2.0, 1.0), n_jobs=2)
    monkeypatch.setattr(kernels, "available", lambda: counting == "numpy")
    other = count_terms(docs, (2.0, 2.0, 1.0), n_jobs=2)
    assert one.words == other.words and np.array_equal(one.keyword_ids, other.keyword_ids)
    assert np.array_equal(one.char_keys, other.char_keys) and np.array_equal(one.seg, other.seg)
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(one.X, name), getattr(other.X, name)), name
    compiled = one if counting == "compiled" else other  # its document frequencies, counted as it went
    assert compiled.df.dtype == np.int32 and np.array_equal(
        compiled.df, np.bincount(one.X.indices, minlength=one.X.shape[1])
    )


def test_many_words_grow_the_compiled_tables():
    """More distinct words than the first table holds (and longer than its pool) are all numbered."""
    words = [f"词{i:06d}" for i in range(70_000)] + ["长" * 300_000]
    docs = [" ".join(words[i : i + 500]) + "\n\n" for i in range(0, len(words), 500)]
    counted = count_terms(docs, (2.0, 2.0, 1.0))
    assert counted.words == words
    assert counted.X.shape[0] == len(docs) and counted.X.nnz > 0


def test_query_rows_compiled_as_numpy(monkeypatch, counting):
    """A single document's row (a query, or a listing indexed after the fit) is the same from the compiled
    loops as from the dict loop, bit for bit, with the same slots for words and n-grams the fit never saw
    (more of them than slots: the last ones share slots by hash)."""
    if not kernels.numba:  # pragma: no cover - numba is a dependency
        pytest.skip("numba is not installed")
    fitted = vectorize.Vectorizer(idf_power=1.5, n_extra=8)
    fitted.fit_transform(CACHES)
    texts = (
        ODD
        + CACHES[:20]
        + ["鳗鱼养殖 尾液\n鳗鱼\n没见过 的 新词 鳗鱼养殖 尾液", "\x00a b\x00\n\n", "a\tb c\nd\u3000e\n"]
    )
    rows = {}
    for path in ("compiled", "numpy"):
        monkeypatch.setattr(kernels, "available", lambda path=path: path == "compiled")
        v = pickle.loads(pickle.dumps(fitted))
        asked = [v.transform([t]) for t in texts]  # new words score, but get no slot for good
        added = [v.transform([t], add=True) for t in texts]
        rows[path] = (asked, added, list(v.extra_ids_.items()), v.extra_names_, v.keywords_)
    (a1, a2, ids_a, names_a, kw_a), (b1, b2, ids_b, names_b, kw_b) = rows["compiled"], rows["numpy"]
    for x, y in zip(a1 + a2, b1 + b2):
        assert x.shape == y.shape and x.data.dtype == y.data.dtype and x.indices.dtype == y.indices.dtype
        assert np.array_equal(x.indices, y.indices) and np.array_equal(x.data, y.data)
    assert ids_a == ids_b and names_a == names_b and kw_a == kw_b
    assert len(ids_a) > 8  # more new words and n-grams than slots


@pytest.mark.parametrize("params", [{"char_unigrams": False}, {"field_weights": (1.5, 0.5, 0.25)}])
def test_query_rows_other_parameters(params, monkeypatch):
    """Without character unigrams, and with fractional field weights, the two paths still agree."""
    if not kernels.numba:  # pragma: no cover - numba is a dependency
        pytest.skip("numba is not installed")
    fitted = vectorize.Vectorizer(**params)
    fitted.fit_transform(CACHES)
    for t in ODD + CACHES[:10]:
        monkeypatch.setattr(kernels, "available", lambda: True)
        x = fitted.transform([t])
        monkeypatch.setattr(kernels, "available", lambda: False)
        y = fitted.transform([t])
        assert np.array_equal(x.indices, y.indices) and np.array_equal(x.data, y.data)


def test_query_row_is_the_transformed_row():
    """A query's QueryRow holds the arrays of transform()'s one-row matrix, and gives it back as one."""
    v = vectorize.Vectorizer()
    v.fit_transform(CACHES)
    for t in ODD + CACHES[:5] + ["没见过 的 新词\n\n"]:
        x, q = v.transform([t]), v.query_row(t)
        assert q.shape == x.shape and q.nnz == x.nnz
        for name in ("indptr", "indices", "data"):
            assert getattr(q, name).dtype == getattr(x, name).dtype
            assert np.array_equal(getattr(q, name), getattr(x, name))
        assert (q.tocsr() != x).nnz == 0
    assert not v.extra_ids_  # asking gives new words no slot


def test_char_keys_found_as_searchsorted_finds_them(counting):
    """A query's character keys are found in the fitted keys at the places np.searchsorted gives, and only
    where they are there: keys below the first, past the last, between two and equal to either end, over
    key lists of every length from none to a few hundred (all searches step down together, kernels._lookup_all)."""
    if counting == "numpy":
        pytest.skip("the compiled loop only")
    rng = np.random.default_rng(5)
    for nk in [0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 257]:
        char_keys = np.unique(rng.integers(10, 10_000, nk * 2))[:nk].astype(np.int64)
        ends = [char_keys[0], char_keys[-1]] if nk else []
        keys = np.concatenate([rng.integers(0, 10_500, 300), char_keys, ends, [0, 9, 10**9]]).astype(np.int64)
        ids = np.full(len(keys), -1, np.int64)
        kernels._lookup_all(char_keys, keys, len(keys), ids, 1000)
        at = np.searchsorted(char_keys, keys)
        found = at < nk
        found[found] = char_keys[at[found]] == keys[found]
        assert np.array_equal(ids, np.where(found, at + 1000, -1)), nk
        assert found.sum() >= nk


def test_nth_largest_as_partition(monkeypatch):
    """kernels.nth_largest gives np.partition's m-th largest of a strided sample, and top_n the same rows."""
    if not kernels.numba:  # pragma: no cover - numba is a dependency (or MATCHMAKER_NO_JIT is set)
        pytest.skip("numba is not installed")
    from matchmaker.matching import index

    rng = np.random.default_rng(3)
    for n in (16_000, 100_001):
        for kind in ("spread", "mostly zero", "ties", "zero"):
            v = rng.random(n).astype(np.float32)
            if kind == "mostly zero":
                v[rng.random(n) < 0.95] = 0
            elif kind == "ties":
                v = np.round(v * 4).astype(np.float32)
            elif kind == "zero":
                v[:] = 0
            for m in (1, 2, 25, 50):
                sample = v[::8]
                want = np.partition(sample, len(sample) - m)[len(sample) - m]
                assert v.dtype.type(kernels.nth_largest(v, 8, m)) == want, (n, kind, m)
            compiled = index.top_n(v, 200)
            monkeypatch.setattr(kernels, "available", lambda: False)
            assert np.array_equal(np.sort(compiled), np.sort(index.top_n(v, 200))), (n, kind)
            monkeypatch.undo()


def test_words_numbered_in_two_halves_as_in_one_pass(monkeypatch, counting):
    """With many documents and two threads, each half's words are numbered on its own and the second half's
    renumbered: the same words, ids, keywords, counts and document frequencies as one pass, bit for bit
    (halves cut between documents of every kind: empty fields, keywords seen only in the second half)."""
    if counting != "compiled":
        pytest.skip("the numpy path numbers words by sorting")
    first = ["甲乙 普通\n\n正文 甲乙"]  # 甲乙 a plain word here, a keyword in the second half only
    second = ["丙\n甲乙\n正文", "新词 只在后半\n后半关键词 新词\n新词 后半 独有", "\n\n"]
    docs = first + (ODD + CACHES) * 3 + second + CACHES
    monkeypatch.setattr(counts, "_SPLIT_WORDS_DOCS", 2)
    for cut_docs in (docs, docs[:-1], docs[3:]):  # the halves cut at different documents
        reference = count_terms(cut_docs, (2.0, 2.0, 1.0), n_jobs=1)
        halves = count_terms(cut_docs, (2.0, 2.0, 1.0), n_jobs=2)
        assert halves.words == reference.words and np.array_equal(halves.keyword_ids, reference.keyword_ids)
        assert np.array_equal(halves.char_keys, reference.char_keys) and np.array_equal(halves.seg, reference.seg)
        assert np.array_equal(halves.df, reference.df)
        for name in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(halves.X, name), getattr(reference.X, name)), name
        keywords = {halves.words[i] for i in halves.keyword_ids.tolist()}
        assert {"甲乙", "后半关键词"} <= keywords and "普通" not in keywords


@pytest.mark.parametrize("word_weight", [0.3, 0.0, 1.0])
def test_rows_weighted_in_one_compiled_pass_as_by_numpy(monkeypatch, counting, word_weight):
    """The weighting's compiled pass (kernels.weigh_rows) gives numpy's floats bit for bit: rows whose parts
    hold over 128 entries (numpy's pairwise sums split them), empty parts and both ends of the blend."""
    if counting == "numpy":
        pytest.skip("the compiled pass only")
    long_text = "".join(chr(0x4E00 + (i * 37) % 3000) for i in range(2500))
    long_words = " ".join(f"w{i}" for i in range(300))
    docs = (ODD + CACHES) * 2 + [f"{long_words}\n{long_words[:500]}\n{long_text}", f"\n\n{long_text}", long_words]
    v = vectorize.Vectorizer(word_weight=word_weight, n_jobs=2)
    v.fit_transform(docs)
    counted = count_terms(docs, v.field_weights, v.char_unigrams)
    assert counted.seg.max() > 1000
    calls = []
    real = kernels.weigh_rows
    monkeypatch.setattr(kernels, "weigh_rows", lambda *a: calls.append(1) or real(*a))
    compiled = v._weighted(counted.X.copy(), counted.seg)
    assert calls
    monkeypatch.setattr(kernels, "available", lambda: False)
    by_numpy = v._weighted(counted.X.copy(), counted.seg)
    assert np.array_equal(compiled.indices, by_numpy.indices)
    assert compiled.data.view(np.uint32).tobytes() == by_numpy.data.view(np.uint32).tobytes()


def test_spans_written_one_after_another_need_no_move(monkeypatch, counting):
    """The compiled count writes a thread's own spans right after one another: on one thread no row is moved
    afterwards (every row past the first span was, before); on two (how many spans each thread takes over from
    the other depends on the machine) the same matrix."""
    if counting == "numpy":
        pytest.skip("the compiled count only")
    moved = []
    real = kernels.compact
    monkeypatch.setattr(
        kernels,
        "compact",
        lambda room, indptr, *a: moved.append(int((room[:-1] != indptr[:-1]).sum())) or real(room, indptr, *a),
    )
    docs = (ODD + CACHES) * 40
    one = count_terms(docs, (2.0, 2.0, 1.0), n_jobs=1)
    two = count_terms(docs, (2.0, 2.0, 1.0), n_jobs=2)
    assert moved[0] == 0 and len(moved) == 2
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(one.X, name), getattr(two.X, name)), name
    assert np.array_equal(one.df, two.df) and np.array_equal(one.seg, two.seg)
