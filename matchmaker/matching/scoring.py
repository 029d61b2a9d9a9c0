"""Scoring of candidates: exact lexical cosine and semantic re-ranking with feedback (reasons: explain.py)."""

from __future__ import annotations

import numpy as np

from . import kernels
from .index import SideIndex, row_dots

__all__ = ["Hits", "score_side"]

# ndarray.any/all/sum without their Python wrappers (a few microseconds a query).
_any, _all, _sum = np.logical_or.reduce, np.logical_and.reduce, np.add.reduce


class Hits:
    """Scored candidates of one query: doc ids, blended scores, lexical scores."""

    __slots__ = ("ids", "lex", "score", "rows", "delta", "zdir", "zfb")

    def __init__(self, ids, lex, score, rows, delta, zdir=None, zfb=None):
        self.ids, self.lex, self.score, self.rows, self.delta = ids, lex, score, rows, delta
        # The unit query embedding the semantic part used, as its direct and feedback parts.
        self.zdir, self.zfb = zdir, zfb


def _exact(X, rows, qbuf):
    return row_dots(X, rows, qbuf)


def score_side(side: SideIndex, qbuf, qi, qd, z, params, exclude=()) -> Hits:
    """Score a query (dense buffer plus its sparse terms) against one side."""
    skip = [side.row_of[i] for i in exclude if i in side.row_of]
    rows, partial, ok = side.candidates(qi, qd, params.n_candidates, np.asarray(skip, dtype=np.int64))
    Zc = None
    if ok and kernels.available() and side.rest.data.dtype == qbuf.dtype == side.Z.dtype == np.float32:
        # The candidates' embeddings copied while their rows are read, each asked for ahead (1-2 % of a cold
        # query: numpy's gather afterwards waited for each row).
        R = side.rest
        dots, Zc = kernels.row_dots_z(R.indptr, R.indices, R.data, rows, qbuf, side.Z)
        lex = partial + dots
    elif ok:
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
    Zc = side.Z[rows] if Zc is None else Zc
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
    if not _all(keep):
        lex, ids, delta, rows, Zc = lex[keep], ids[keep], delta[keep], rows[keep], Zc[keep]
    score = lex
    b = params.semantic_weight
    zdir = zfb = None
    if b > 0 and len(lex) and z is not None and _any(z):
        # Pseudo-relevance feedback: move the query embedding towards its best lexical
        # matches, each in proportion to its lexical score to the power p (a match far
        # ahead of the others steers the topic; p = 0 is the plain mean), then blend that
        # topical similarity into the candidates' scores.
        m = min(params.feedback_docs, len(lex))
        top = (-lex).argpartition(m - 1)[:m] if m < len(lex) else np.arange(len(lex))
        w = lex[top].astype(np.float32) ** np.float32(getattr(params, "feedback_power", 0.0))
        fb = params.feedback_weight * (w @ Zc[top]) / _sum(w)
        v = z + fb
        norm = float(np.sqrt(v.dot(v))) or 1.0  # np.linalg.norm's own sum, without its checks
        zdir, zfb = z / norm, fb / norm
        sem = Zc @ (zdir + zfb)
        np.minimum(np.maximum(sem, 0.0, out=sem), 1.0, out=sem)  # np.clip's values, without its wrapper
        # A document the latent space has no word of (all its words new since the fit, or
        # a young index) is scored on its words alone rather than losing the latent part.
        # (Only rows whose clipped similarity is zero can be such rows: few are looked at.)
        zero = (sem == 0.0).nonzero()[0]
        if len(zero):
            blank = zero[~Zc[zero].any(axis=1)]
            sem[blank] = lex[blank]
        score = (1.0 - b) * lex + b * sem
    return Hits(ids, lex, score, rows, delta, zdir, zfb)
