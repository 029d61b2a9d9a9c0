"""All pairs at once: every document of one side scored against the other side, without reasons.

The same candidates, scores and ranking as one query at a time (``MatchEngine.search`` with
``explain=False``): each query's candidates still come from its own partial scores
(``SideIndex.candidates``), but what follows them (exact lexical scores, pseudo-relevance feedback,
the semantic blend, the threshold and the top k) runs over a block of queries in a few array
operations, where one query at a time spent most of its time in Python.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .index import SideIndex, row_dots
from .scoring import score_side

__all__ = ["score_block", "side_rows"]

Block = list[tuple[int, np.ndarray, np.ndarray]]


def side_rows(side: SideIndex) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Return (ids, rows, embeddings) of a side's live documents, in ``all_ids()`` order (no copy
    while nothing was removed or added since the fit)."""
    ids, X, Z = side.ids, side.X, side.Z
    if len(side.dead_rows):
        live = np.flatnonzero(~side.dead)
        ids, X, Z = ids[live], X[live], Z[live]
    if len(side.d_ids):
        ids = np.concatenate([ids, side.d_ids])
        X = sp.vstack([X, side.dX], format="csr", dtype=np.float32)
        Z = np.vstack([Z, side.dZ])
    return ids, X, Z


def _targets(dst: SideIndex):
    # Candidates are numbered over the main part, then the delta part: ids and embeddings of both.
    if not len(dst.d_ids):
        return dst.ids, dst.Z
    return np.concatenate([dst.ids, dst.d_ids]), np.vstack([dst.Z, dst.dZ])


def score_block(dst: SideIndex, params, qids, Q: sp.csr_matrix, Zq: np.ndarray, top_k, min_score) -> Block:
    """Score a block of query rows (ids, CSR rows, embeddings) against dst; see ``top_pairs``."""
    n, nd = len(dst.ids), len(dst.d_ids)
    d_rows = np.arange(nd)
    qbuf = np.zeros(max(Q.shape[1], dst.X.shape[1]), dtype=np.float32)
    rows, lex, counts, odd = [], [], np.zeros(len(qids), dtype=np.int64), {}
    for b in range(len(qids)):
        qi = Q.indices[Q.indptr[b] : Q.indptr[b + 1]]
        qd = Q.data[Q.indptr[b] : Q.indptr[b + 1]]
        cand, partial, ok = dst.candidates(qi, qd, params.n_candidates)
        if not ok:  # no selective term: scored as one query would be (every row once)
            odd[b] = _one(dst, params, qi, qd, Zq[b], qbuf, top_k, min_score)
            continue
        qbuf[qi] = qd
        rows.append(cand)
        lex.append(partial + row_dots(dst.rest, cand, qbuf))
        if nd:  # recently added documents, scored exhaustively
            rows.append(d_rows + n)
            lex.append(row_dots(dst.dX, d_rows, qbuf))
        qbuf[qi] = 0.0
        counts[b] = len(cand) + nd
    out = _rank_block(dst, params, qids, Zq, rows, lex, counts, top_k, min_score)
    for b, found in odd.items():
        out[b] = (int(qids[b]), *found)
    return out


def _one(dst, params, qi, qd, z, qbuf, top_k, min_score):
    qbuf[qi] = qd
    try:
        hits = score_side(dst, qbuf, qi, qd, z, params)
    finally:
        qbuf[qi] = 0.0
    keep = np.flatnonzero(hits.score >= min_score)
    order = keep[np.lexsort((hits.ids[keep], -hits.score[keep]))][:top_k]
    return hits.ids[order], np.minimum(1.0, hits.score[order].astype(np.float64))


def _rank_block(dst, params, qids, Zq, rows, lex, counts, top_k, min_score) -> Block:
    # Candidates laid out as a (queries x candidates) grid, padded: every step is one array operation.
    B = len(qids)
    if not rows:
        return [(int(q), np.zeros(0, dtype=np.int64), np.zeros(0)) for q in qids]
    tids, tZ = _targets(dst)
    C = int(counts.max())
    qpos = np.repeat(np.arange(B), counts)
    col = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    R = np.zeros((B, C), dtype=np.int64)
    L = np.zeros((B, C), dtype=np.float32)
    R[qpos, col] = np.concatenate(rows)
    L[qpos, col] = np.concatenate(lex)
    valid = L > 1e-9  # pads are 0; so are candidates without a word in common
    score = L
    w_sem = params.semantic_weight
    use = valid.any(axis=1) & Zq.any(axis=1)
    if w_sem > 0 and use.any():
        Zc = tZ[R]  # B x C x d
        u = _feedback_query(params, Zq, L, valid, Zc)
        sem = np.clip(np.matmul(Zc, u[:, :, None])[:, :, 0], 0.0, 1.0)
        # A document the latent space has no word of is scored on its words alone (score_side).
        zero = np.nonzero((sem == 0.0) & valid)
        if len(zero[0]):
            blank = ~Zc[zero].any(axis=1)
            sem[zero[0][blank], zero[1][blank]] = L[zero[0][blank], zero[1][blank]]
        score = np.where(use[:, None], (1.0 - w_sem) * L + w_sem * sem, L)
    qb, cb = np.nonzero(valid & (score >= min_score))
    ids, sc = tids[R[qb, cb]], score[qb, cb]
    order = np.lexsort((ids, -sc, qb))  # by query, then best first, ties by id
    first = np.searchsorted(qb[order], np.arange(B + 1))
    out = []
    for b in range(B):
        pick = order[first[b] : min(first[b + 1], first[b] + top_k)]
        out.append((int(qids[b]), ids[pick], np.minimum(1.0, sc[pick].astype(np.float64))))
    return out


def _feedback_query(params, Zq, L, valid, Zc) -> np.ndarray:
    """Each query's embedding moved towards its best lexical matches, as a unit direction (B x d),
    as ``scoring.score_side`` computes it for one query."""
    C = L.shape[1]
    m = min(params.feedback_docs, C)
    Lm = np.where(valid, L, -np.inf)
    top = np.argpartition(-Lm, m - 1, axis=1)[:, :m] if m < C else np.broadcast_to(np.arange(C), Lm.shape)
    lt = np.take_along_axis(L, top, axis=1)
    ok = np.take_along_axis(valid, top, axis=1)
    w = np.where(ok, lt ** np.float32(getattr(params, "feedback_power", 0.0)), np.float32(0.0))
    Zt = np.take_along_axis(Zc, top[:, :, None], axis=1)
    wsum = w.sum(axis=1)
    wsum[wsum == 0] = 1.0
    fb = params.feedback_weight * np.matmul(w[:, None, :], Zt)[:, 0, :] / wsum[:, None]
    v = Zq + fb
    norm = np.sqrt(np.einsum("bd,bd->b", v, v))
    norm[norm == 0] = 1.0
    return Zq / norm[:, None] + fb / norm[:, None]
