"""Scoring of candidates: exact lexical cosine, semantic re-ranking with feedback, reasons."""

from __future__ import annotations

import numpy as np

from .index import SideIndex, row_dots
from .tokenize import dictionary_version, dictionary_words_mask

__all__ = ["Hits", "explain_rows", "explainable_flags", "score_side"]


class Hits:
    """Scored candidates of one query: doc ids, blended scores, lexical scores."""

    __slots__ = ("ids", "lex", "score", "rows", "delta")

    def __init__(self, ids, lex, score, rows, delta):
        self.ids, self.lex, self.score, self.rows, self.delta = ids, lex, score, rows, delta


def _exact(X, rows, qbuf):
    return row_dots(X, rows, qbuf)


def score_side(side: SideIndex, qbuf, qi, qd, z, params, exclude=()) -> Hits:
    """Score a query (dense buffer plus its sparse terms) against one side."""
    skip = [side.row_of[i] for i in exclude if i in side.row_of]
    rows, partial, ok = side.candidates(qi, qd, params.n_candidates, np.asarray(skip, dtype=np.int64))
    if ok:
        lex = partial + row_dots(side.rest, rows, qbuf)
    elif len(side.ids):
        # No selective term (e.g. only very common characters): score every row once.
        full = side.X @ qbuf
        full[side.dead_rows] = 0.0
        full[skip] = 0.0
        rows = np.flatnonzero(full)
        if len(rows) > params.n_candidates:
            rows = rows[np.argpartition(-full[rows], params.n_candidates - 1)]
            rows = rows[: params.n_candidates]
        lex = _exact(side.X, rows, qbuf)
    else:
        lex = np.zeros(0, dtype=np.float32)
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


def explainable_flags(vec) -> np.ndarray:
    """Return per feature whether it can explain a match (kept per dictionary version).

    Words always can; character n-grams only when they are dictionary words of two or more
    characters. An admin's words change the answer, so the flags follow the dictionary.
    """
    version = dictionary_version()
    cache = getattr(vec, "explain_cache_", None)
    if cache is not None and cache[0] == version and len(cache[1]) == vec.n_features_:
        return cache[1]
    n_words = len(vec.vocabulary_)
    flags = np.zeros(vec.n_features_, dtype=bool)
    flags[:n_words] = True
    keys = vec.char_keys_
    first = int(np.searchsorted(keys, 1 << 21))  # bigram keys follow the single characters
    hi, lo = (keys[first:] >> 21).tolist(), (keys[first:] & ((1 << 21) - 1)).tolist()
    names = [chr(a) + chr(b) for a, b in zip(hi, lo)]
    flags[n_words + first :] = dictionary_words_mask(names)
    vec.explain_cache_ = (version, flags)
    return flags


def explain_rows(side: SideIndex, rows, delta, qbuf, vec, n: int) -> list[tuple]:
    """Return the shared terms contributing most to each row's lexical cosine, with their parts, in one pass."""
    out: list[tuple] = [()] * len(rows)
    for is_delta, X in ((False, side.X), (True, side.dX)):
        which = np.flatnonzero(delta == is_delta)
        if len(which) == 0:
            continue
        # A handful of rows: plain slices beat a validated sparse fancy index.
        spans = [(X.indptr[r], X.indptr[r + 1]) for r in rows[which].tolist()]
        indices = np.concatenate([X.indices[a:b] for a, b in spans])
        data = np.concatenate([X.data[a:b] for a, b in spans])
        contrib = qbuf[indices] * data
        row_of = np.repeat(np.arange(len(which)), [b - a for a, b in spans])
        # Single characters and bigrams spanning two words explain nothing to a reader.
        shared = np.flatnonzero(contrib > 0)
        shared = shared[explainable_flags(vec)[indices[shared]]]
        order = shared[np.lexsort((-contrib[shared], row_of[shared]))]  # stable per row
        bounds = np.searchsorted(row_of[order], np.arange(len(which) + 1)).tolist()
        cols, parts = indices[order].tolist(), contrib[order].tolist()
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
