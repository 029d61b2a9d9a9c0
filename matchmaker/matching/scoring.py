"""Scoring of candidates: exact lexical cosine, semantic re-ranking with feedback, reasons."""

from __future__ import annotations

import numpy as np

from .index import SideIndex
from .tokenize import dictionary_version, is_dictionary_word

__all__ = ["Hits", "explain", "explain_rows", "score_side"]


class Hits:
    """Scored candidates of one query: doc ids, blended scores, lexical scores."""

    __slots__ = ("ids", "lex", "score", "rows", "delta")

    def __init__(self, ids, lex, score, rows, delta):
        self.ids, self.lex, self.score, self.rows, self.delta = ids, lex, score, rows, delta


def _exact(X, rows, qbuf):
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32)
    return X[rows] @ qbuf  # scipy's row gather and product run in C


def score_side(side: SideIndex, qbuf, qi, qd, z, params, exclude=()) -> Hits:
    """Score a query (dense buffer plus its sparse terms) against one side."""
    skip = [side.row_of[i] for i in exclude if i in side.row_of]
    rows, _, ok = side.candidates(qi, qd, params.n_candidates, np.asarray(skip, dtype=np.int64))
    if not ok and len(side.ids):
        # No selective term (e.g. only very common characters): score every row once.
        full = side.X @ qbuf
        full[side.dead_rows] = 0.0
        full[skip] = 0.0
        rows = np.flatnonzero(full)
        if len(rows) > params.n_candidates:
            rows = rows[np.argpartition(-full[rows], params.n_candidates - 1)]
            rows = rows[: params.n_candidates]
    lex = _exact(side.X, rows, qbuf)
    ids = side.ids[rows]
    delta = np.zeros(len(rows), dtype=bool)
    Zc = side.Z[rows]
    if len(side.d_ids):  # recently added documents, scored exhaustively
        d_rows = np.arange(len(side.d_ids))
        if exclude:
            d_rows = np.flatnonzero(~np.isin(side.d_ids, list(exclude)))
        lex = np.concatenate([lex, _exact(side.dX, d_rows, qbuf)])
        ids = np.concatenate([ids, side.d_ids[d_rows]])
        delta = np.concatenate([delta, np.ones(len(d_rows), dtype=bool)])
        Zc = np.vstack([Zc, side.dZ[d_rows]])
        rows = np.concatenate([rows, d_rows])
    keep = lex > 1e-9
    if not keep.all():
        lex, ids, delta, rows, Zc = lex[keep], ids[keep], delta[keep], rows[keep], Zc[keep]
    score = lex
    b = params.semantic_weight
    if b > 0 and len(lex) and z is not None and np.any(z):
        # Pseudo-relevance feedback: move the query embedding towards its best lexical
        # matches, then blend that topical similarity into the candidates' scores.
        m = min(params.feedback_docs, len(lex))
        top = np.argpartition(-lex, m - 1)[:m] if m < len(lex) else np.arange(len(lex))
        zq = z + params.feedback_weight * Zc[top].mean(axis=0)
        zq = zq / (np.linalg.norm(zq) or 1.0)
        sem = np.clip(Zc @ zq, 0.0, 1.0)
        score = (1.0 - b) * lex + b * sem
    return Hits(ids, lex, score, rows, delta)


def _explainable(vec, cols: np.ndarray) -> np.ndarray:
    # Whether each feature can explain a match: words always; character n-grams only when
    # they are dictionary words of two or more characters. Filled lazily per feature and
    # kept per dictionary version, since an admin's words change the answer.
    version = dictionary_version()
    cache = getattr(vec, "explain_cache_", None)
    if cache is None or cache[0] != version or len(cache[1]) != vec.n_features_:
        flags = np.full(vec.n_features_, -1, dtype=np.int8)
        flags[: len(vec.vocabulary_)] = 1
        cache = vec.explain_cache_ = (version, flags)
    flags = cache[1]
    f = flags[cols]
    for j in cols[f < 0].tolist():
        name = vec.feature_name(j)
        flags[j] = 1 if len(name) >= 2 and is_dictionary_word(name) else 0
    return flags[cols] > 0


def explain(side: SideIndex, row: int, delta: bool, qbuf, vec, n: int):
    """Return the shared terms contributing most to a pair's lexical cosine, with their parts."""
    return explain_rows(side, np.array([row]), np.array([delta]), qbuf, vec, n)[0]


def explain_rows(side: SideIndex, rows, delta, qbuf, vec, n: int) -> list[tuple]:
    """Return the reasons (see ``explain``) of several rows of one side, in one pass."""
    out: list[tuple] = [()] * len(rows)
    for is_delta, X in ((False, side.X), (True, side.dX)):
        which = np.flatnonzero(delta == is_delta)
        if len(which) == 0:
            continue
        sub = X[rows[which]]
        contrib = qbuf[sub.indices] * sub.data
        row_of = np.repeat(np.arange(len(which)), np.diff(sub.indptr))
        # Single characters and bigrams spanning two words explain nothing to a reader.
        shared = np.flatnonzero(contrib > 0)
        shared = shared[_explainable(vec, sub.indices[shared])]
        order = shared[np.lexsort((-contrib[shared], row_of[shared]))]  # stable per row
        bounds = np.searchsorted(row_of[order], np.arange(len(which) + 1)).tolist()
        cols, parts = sub.indices[order].tolist(), contrib[order].tolist()
        words = vec.words()
        n_words = len(words)
        for i, w in enumerate(which.tolist()):
            why: list[tuple[str, float]] = []
            for j, c in zip(cols[bounds[i] : bounds[i + 1]], parts[bounds[i] : bounds[i + 1]]):
                if len(why) >= n:
                    break
                if j < n_words:
                    name = words[j]
                else:
                    name = vec.feature_name(j)
                    # An n-gram inside a word already listed would repeat it.
                    if any(name in t for t, _ in why):
                        continue
                why.append((name, round(c, 4)))
            out[w] = tuple(why)
    return out
