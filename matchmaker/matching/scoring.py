"""Scoring of candidates: exact lexical cosine, semantic re-ranking with feedback, reasons."""

from __future__ import annotations

import numpy as np

from .index import SideIndex
from .tokenize import dictionary_version, is_dictionary_word

__all__ = ["Hits", "explain", "score_side"]


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
    lex_m = _exact(side.X, rows, qbuf)
    d_rows = np.flatnonzero(~np.isin(side.d_ids, list(exclude))) if exclude else None
    if d_rows is None:
        d_rows = np.arange(len(side.d_ids))
    lex_d = _exact(side.dX, d_rows, qbuf)
    lex = np.concatenate([lex_m, lex_d])
    ids = np.concatenate([side.ids[rows], side.d_ids[d_rows]])
    delta = np.concatenate([np.zeros(len(rows), bool), np.ones(len(d_rows), bool)])
    all_rows = np.concatenate([rows, d_rows])
    keep = lex > 1e-9
    lex, ids, delta, all_rows = lex[keep], ids[keep], delta[keep], all_rows[keep]
    Zc = np.vstack([side.Z[rows], side.dZ[d_rows]])[keep]
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
    return Hits(ids, lex, score, all_rows, delta)


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
    X = side.dX if delta else side.X
    lo, hi = X.indptr[row], X.indptr[row + 1]
    cols, vals = X.indices[lo:hi], X.data[lo:hi]
    contrib = qbuf[cols] * vals
    # Single characters and bigrams spanning two words explain nothing to a reader.
    shared = np.flatnonzero(contrib > 0)
    shared = shared[_explainable(vec, cols[shared])]
    order = shared[np.argsort(-contrib[shared], kind="stable")]
    out: list[tuple[str, float]] = []
    for j, c in zip(cols[order].tolist(), contrib[order].tolist()):
        if len(out) >= n:
            break
        name = vec.feature_name(j)
        # An n-gram inside a word already listed would repeat it.
        if not vec.is_word(j) and any(name in w for w, _ in out):
            continue
        out.append((name, round(c, 4)))
    return tuple(out)
