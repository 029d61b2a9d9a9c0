"""Exact decomposition of a score into readable parts: whole words of both texts.

A score is ``(1 - b) * lexical + b * semantic`` (see scoring.py). Every piece is a sum over
features, and every feature is credited to whole words:

* lexical: each shared feature f adds ``(1 - b) * q[f] * d[f]``; a word feature is its own word,
  a character n-gram is shared among the query's words that contain it (a bigram spanning two
  words goes half to each side), so no fragment is ever shown;
* semantic, direct part: the query's LSA embedding is ``sum_t q[t] C[t]`` (normalised), so its
  dot product with the document's embedding splits per query feature t as
  ``q[t] * C[t] . z_d`` — the issue's ``x_q[t] (V V^T x_d)[t]`` — and then per document word s
  (``C[t] . C[s]`` terms), which names the related word that carries it ("废水 ↔ 污水");
* semantic, feedback part: the query embedding is moved towards its best lexical matches; that
  direction's dot product splits per document feature, credited to the document's words
  ("topic words" of the query's neighbourhood found in this document).

A reason is one query word (with what it shares and what it relates to) or one topic word of the
document; all parts add up to the score, and what is not shown is reported as the remainder.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from . import kernels_explain
from .scoring import score_side
from .wordshare import _ranges, row_words, tables, word_name

try:  # scipy's C kernel for a sparse (COO) matrix times a dense one, without the public API's checks
    from scipy.sparse._sparsetools import coo_matmat_dense as _coo_matmat
except ImportError:  # pragma: no cover - other scipy layouts take the public path
    _coo_matmat = None

__all__ = ["Reason", "explain_candidates", "explain_pairs"]

# Products of a few hundred rows: BLAS threads only contend (3x slower on a busy machine). The
# libraries' own calls, without threadpoolctl's limit() bookkeeping (a few % of a query).
_blas = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]


@contextmanager
def _one_blas_thread():
    before = [(c, c.get_num_threads()) for c in _blas]
    changed = [(c, n) for c, n in before if n != 1]
    for c, _ in changed:
        c.set_num_threads(1)
    try:
        yield
    finally:
        for c, n in changed:
            c.set_num_threads(n)


@dataclass(frozen=True)
class Reason:
    """One readable part of a score: a word (or word pair) and what it adds.

    ``lexical`` is the part from text both listings share, ``semantic`` the part from related
    words (latent topics); ``weight`` is their sum. ``need_words``/``result_words`` are the words
    to highlight on each side.
    """

    term: str
    weight: float
    lexical: float
    semantic: float
    need_words: tuple[str, ...]
    result_words: tuple[str, ...]

    def __iter__(self):  # (term, weight) unpacking, as reasons were read before
        return iter((self.term, self.weight))


_local = threading.local()


def explain_pairs(engine, query_is_need: bool, query_id: int, other_ids) -> dict:
    """Score and explain some pairs of one indexed listing as its own query finds them.

    Returns ``{other_id: (score, reasons shown, remainder)}`` for the given listings of the other
    side that the query still finds (scored as ``results_for_need`` / ``needs_for_result`` score
    them, reasons and remainder adding up to the score); the others are left out. This is how
    pairs stored with a score alone (a full re-suggestion) get their reasons afterwards, a few
    listings at a time, without explaining every candidate ranked above them.
    """
    src, side = (engine.needs_, engine.results_) if query_is_need else (engine.results_, engine.needs_)
    hit = src.row(int(query_id))
    if hit is None:
        return {}
    x, z = hit
    qi, qd = x.indices, x.data
    n = engine.vectorizer_.n_features_
    qbuf = getattr(_local, "qbuf", None)
    if qbuf is None or len(qbuf) != n:
        qbuf = _local.qbuf = np.zeros(n, dtype=np.float32)
    qbuf[qi] = qd
    try:
        hits = score_side(side, qbuf, qi, qd, z, engine)
    finally:
        qbuf[qi] = 0.0
    want = np.flatnonzero(np.isin(hits.ids, np.fromiter(other_ids, dtype=np.int64)))
    if not len(want):
        return {}
    scores = np.minimum(1.0, hits.score[want].astype(np.float64))
    whys = explain_candidates(
        engine, x, side, hits.rows[want], hits.delta[want], scores, hits.lex[want].astype(np.float64),
        hits.zdir, hits.zfb, engine.n_reasons, query_is_need=query_is_need,
    )  # fmt: skip
    return {i: (s, why, rest) for i, s, (why, rest) in zip(hits.ids[want].tolist(), scores.tolist(), whys)}


def explain_candidates(
    engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n, query_is_need=True
):
    """Return, per candidate row, (reasons shown, remainder) whose parts sum to its score.

    ``zdir`` and ``zfb`` are the query's direct and feedback embedding parts (their sum is the
    unit query embedding the semantic score used); either may be None.
    """
    with _one_blas_thread():
        return _explain(engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n, query_is_need)


def _explain(engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n, query_is_need):
    # All candidates in one pass: their rows concatenated as segments, one word-share structure,
    # one sparse product for all word embeddings and one product for all word pairs.
    m = len(cand_rows)
    if m == 0:
        return []
    if kernels_explain.available():
        return _explain_compiled(engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n,
                                 query_is_need)  # fmt: skip
    vec, b = engine.vectorizer_, engine.semantic_weight
    qi = query_row.indices.astype(np.int64)
    qd = query_row.data.astype(np.float64)
    F, D, bounds, Zc = _rows(side, cand_rows, cand_delta)
    # The query is row 0 of the same pass.
    both = row_words(vec, np.concatenate([qi, F]), np.concatenate([[0], len(qi) + bounds]))
    q, d = both.split(len(qi))
    whole = tables(vec).whole(both.feat, vec)  # which words may be shown
    nq, nw = len(q.feat), len(d.feat)
    coef, active = _parts(Zc, scores, lex_scores, zdir, b)
    seg_f = np.arange(m).repeat(bounds[1:] - bounds[:-1])
    lex = _lexical(q, qi, qd, d, F, D, seg_f, coef, nq, nw)
    sem, topic = np.zeros((nq, nw)), np.zeros(nw)
    if active.any() and nq and nw:
        sem, topic = _semantic(engine, q, qi, qd, d, Zc, F, D, seg_f, active, zdir, zfb, nq, nw)
    return _assemble(vec, q, d, whole, lex, sem, topic, scores, n, query_is_need)


def _parts(Zc, scores, lex_scores, zdir, b):
    """Per candidate: the lexical part's coefficient, and whether it has a semantic part to split."""
    m = len(scores)
    # Without a latent part (none for the query, or a document with no embedding) the score is
    # the lexical cosine itself (scoring.py).
    plain = ~Zc.any(axis=1) if zdir is not None else np.ones(m, dtype=bool)
    coef = np.where(plain, 1.0, 1.0 - b)
    # A clipped (zero) semantic part has nothing to split.
    active = ~plain & (scores - (1.0 - b) * lex_scores > 1e-7) if b > 0 else np.zeros(m, dtype=bool)
    return coef, active


_any = np.logical_or.reduce  # ndarray.any without its wrapper
_NO_R, _NO_VEC, _NO_F32 = np.zeros((0, 0), dtype=np.float32), np.zeros(0), np.zeros(0, dtype=np.float32)


def _explain_compiled(engine, query_row, side, cand_rows, cand_delta, scores, lex_scores, zdir, zfb, n, query_is_need):
    """_explain with compiled loops (kernels_explain.py) for its steps: the same reasons and parts.

    The query and the candidates stay one word-share structure (the query row 0); one loop sums
    the words' embeddings, BLAS multiplies the query's words with the candidates' words, and one
    loop splits every candidate's score and picks its reasons from that product and the shares.
    """
    vec, b = engine.vectorizer_, engine.semantic_weight
    qi, qd = query_row.indices, query_row.data
    if not _any(cand_delta):  # the usual case: all from the main part, gathered at once
        X = side.X
        F, D, bounds = kernels_explain.gather_rows(X.indptr, X.indices, X.data, cand_rows, qi, qd)
        Zc = side.Z[cand_rows]
    else:
        F, D, bounds, Zc = _rows(side, cand_rows, cand_delta)
        F = np.concatenate([qi.astype(np.int64), F])
        D = np.concatenate([qd.astype(np.float64), D])
        bounds = np.concatenate([[0], len(qi) + bounds])
    both = row_words(vec, F, bounds)
    whole = tables(vec).whole(both.feat, vec)  # which words may be shown
    nqf, nq = len(qi), int(both.start[1])
    nw = len(both.feat) - nq
    coef, active = kernels_explain.parts(Zc, scores, lex_scores, zdir is not None, float(b))
    R, norm, fb_topic = _NO_R, _NO_VEC, _NO_VEC
    has_sem = bool(nq and nw and _any(active))
    if has_sem:
        latent = engine.latent_
        if zfb is not None:
            fb, tw, zdir_norm = np.float32(b) * zfb, _NO_VEC, float(np.sqrt(zdir.dot(zdir)))
        else:  # the query's terms weighted instead
            fb, tw, zdir_norm = _NO_F32, np.asarray(zdir, dtype=np.float64), 1.0
        Yq, Yd, norm, fb_topic = kernels_explain.embed(
            nq, nqf, latent.components_, latent.term_row_, F, D, bounds, both.p, both.u, both.s, both.seg,
            both.owned, active, tw, Zc, fb, float(b), zdir_norm,
        )  # fmt: skip
        R = Yq @ Yd.T
    is_q, lexical, semantic, term, other, first, tied, rest = kernels_explain.combine(
        nq, nqf, F, D, both.p, both.u, both.s, both.seg, both.start, both.feat, whole, both.in_first, coef,
        R, norm, fb_topic, has_sem, has_sem and zfb is not None, scores, n,
    )  # fmt: skip
    reasons = _reason_objects(vec, is_q, term, other, lexical, semantic, query_is_need)
    out = []
    ends = first.tolist()
    for c, (r, is_tied) in enumerate(zip(rest.tolist(), tied.tolist())):
        shown = reasons[ends[c] : ends[c + 1]]
        if is_tied:  # equal weights go by term
            shown.sort(key=_weight_term)
        out.append((tuple(shown[:n]), r))
    return out


def _weight_term(r):
    return -r.weight, r.term


def _rows(side, cand_rows, cand_delta):
    """The candidates' features and weights concatenated, their bounds, and their embeddings."""
    if not cand_delta.any():  # the usual case: all from the main part, gathered at once
        X = side.X
        lo, hi = X.indptr[cand_rows].astype(np.int64), X.indptr[cand_rows + 1].astype(np.int64)
        at = _ranges(lo, hi - lo)
        bounds = np.concatenate([[0], (hi - lo).cumsum()])
        return X.indices[at], X.data[at].astype(np.float64), bounds, side.Z[cand_rows]
    fs, ds, zs = [], [], []
    for r, is_delta in zip(cand_rows.tolist(), cand_delta.tolist()):
        X, Z = (side.dX, side.dZ) if is_delta else (side.X, side.Z)
        a, e = X.indptr[r], X.indptr[r + 1]
        fs.append(X.indices[a:e])
        ds.append(X.data[a:e])
        zs.append(Z[r])
    bounds = np.concatenate([[0], np.cumsum([len(f) for f in fs])])
    return np.concatenate(fs), np.concatenate(ds).astype(np.float64), bounds, np.vstack(zs).astype(np.float32)


def _lexical(q, qi, qd, d, F, D, seg_f, coef, nq, nw):
    """(query words x all candidates' words): each shared feature's product, split over word pairs."""
    lex = np.zeros(nq * nw)
    if not len(qi) or not nq or not nw:
        return lex.reshape(nq, nw)
    at = d.in_first  # the query is row 0: where it has each candidate feature, or -1
    e = (at[d.p] >= 0).nonzero()[0]  # share entries of the candidates' shared features
    pe = d.p[e]
    qp = at[pe]
    val = coef[seg_f[pe]] * qd[qp] * D[pe] * d.s[e]
    order = _by_row(q.p, len(qi))  # the query's shares by feature position
    ptr = np.zeros(len(qi) + 1, dtype=np.int64)
    np.bincount(q.p, minlength=len(qi)).cumsum(out=ptr[1:])
    cnt = ptr[qp + 1] - ptr[qp]
    qe = order[_ranges(ptr[qp], cnt)]
    cells = q.u[qe] * nw + d.u[e].repeat(cnt)
    lex += np.bincount(cells, weights=q.s[qe] * val.repeat(cnt), minlength=nq * nw)
    return lex.reshape(nq, nw)


def _semantic(engine, q, qi, qd, d, Zc, F, D, seg_f, active, zdir, zfb, nq, nw):
    """(query words x candidates' words) related parts and each candidate word's topic part."""
    b = engine.semantic_weight
    m = len(active)
    Y = _embeddings(engine.latent_, q, qi, qd, zdir if zfb is None else None, d, F, D, seg_f, active)
    scale_q = b
    if zfb is not None:  # the query words' parts then sum to b z / N
        scale_q *= float(np.linalg.norm(zdir)) / (float(np.linalg.norm(Y[nq].astype(np.float64))) or 1.0)
    Yd = Y[nq + 1 : nq + 1 + nw]  # candidates' words x k, before each candidate's norm
    # One product of the candidates' words with: the query's words (their related parts), each
    # candidate's unit embedding z_d (its words' parts of the norm: z_d is the candidate's whole
    # embedding over that norm), and the feedback direction (the words' topic parts).
    A = np.vstack([Y[:nq] * np.float32(scale_q), Zc, np.zeros((1, Y.shape[1]), dtype=np.float32)])
    if zfb is not None:
        A[nq + m] = np.float32(b) * zfb
    R = (A @ Yd.T).astype(np.float64)
    norm = np.bincount(d.seg, weights=R[nq + d.seg, np.arange(nw)], minlength=m)
    norm += np.einsum("ij,ij->i", Y[nq + 1 + nw :], Zc, dtype=np.float64)  # what no word carries
    norm[norm <= 0] = 1.0
    scale = 1.0 / norm[d.seg]  # each candidate's words then sum to b z_d
    sem = R[:nq] * scale
    topic = np.zeros(nw)
    if zfb is not None:
        # The feedback part of each document word goes to the query words in proportion to how
        # much they already relate to it; with no related query word it stays a topic word.
        topic = R[nq + m] * scale
        related = np.maximum(sem, 0.0)
        total = related.sum(axis=0)
        ok = total > 0
        ratio = np.zeros(nw)
        np.divide(topic, total, out=ratio, where=ok)
        related *= ratio  # other columns have no related query word: nothing moves there
        sem += related
        topic[ok] = 0.0
    return sem, topic


def _embeddings(latent, q, qi, qd, term_weights, d, F, D, seg_f, active):
    """Word embeddings from one sparse product with the term embeddings. Rows: the query's words
    (their share of each weighted term embedding, times ``term_weights`` if given), the query's
    whole embedding, the active candidates' words, and per candidate what no word of it carries."""
    C = latent.components_
    nq, nw, m = len(q.feat), len(d.feat), len(active)
    tq, td = latent.term_row_[qi], latent.term_row_[F]
    qe = (tq[q.p] >= 0).nonzero()[0]
    qw = q.s[qe] * qd[q.p[qe]]
    if term_weights is not None:
        qw *= np.asarray(term_weights, dtype=np.float64)[q.p[qe]]
    qf = (tq >= 0).nonzero()[0]
    e = (active[d.seg[d.u]] & (td[d.p] >= 0)).nonzero()[0]
    f = (active[seg_f] & ~d.owned & (td >= 0)).nonzero()[0]
    # Entries in any order: each output row sums its entries in the order given (COO kernel).
    rows = np.concatenate([q.u[qe], np.full(len(qf), nq), nq + 1 + d.u[e], nq + 1 + nw + seg_f[f]])
    cols = np.concatenate([tq[q.p[qe]], tq[qf], td[d.p[e]], td[f]]).astype(np.int64, copy=False)
    vals = np.concatenate([qw, qd[qf], d.s[e] * D[d.p[e]], D[f]]).astype(np.float32)
    n_rows = nq + 1 + nw + m
    if _coo_matmat is not None and C.dtype == np.float32 and C.flags.c_contiguous:
        Y = np.zeros((n_rows, C.shape[1]), dtype=np.float32)
        _coo_matmat(len(vals), C.shape[1], rows, cols, vals, C.ravel(), Y.ravel())
    else:  # pragma: no cover - other scipy layouts or component types take the public path
        Y = np.asarray(sp.coo_matrix((vals, (rows, cols)), shape=(n_rows, C.shape[0])) @ C, dtype=np.float32)
    return Y


def _by_row(rows: np.ndarray, n: int) -> np.ndarray:
    """A stable order of entries by row (a radix sort when rows fit in 16 bits)."""
    return (rows.astype(np.uint16) if n < 1 << 16 else rows).argsort(kind="stable")


def _assemble(vec, q, d, whole, lex, sem, topic, scores, n, query_is_need):
    # Only whole words are shown (dictionary words, typed keywords, Latin words); what other
    # tokens carry stays in the remainder.
    m, nq, nw = len(scores), len(q.feat), len(d.feat)
    q_ok, d_ok = whole[:nq], whole[nq:]
    starts = d.start[:-1]
    filled = (d.start[1:] > d.start[:-1]).nonzero()[0]
    lex_sum, sem_sum = np.zeros((nq, m)), np.zeros((nq, m))
    if nq and len(filled):
        lex_sum[:, filled] = np.add.reduceat(lex, starts[filled], axis=1)
        sem_sum[:, filled] = np.add.reduceat(sem, starts[filled], axis=1)
    # The same word in the candidate (a word of both texts): its topic part joins the query word's.
    key = (d.seg << 32) | d.feat
    probe = (np.arange(m)[None, :] << 32) | q.feat[:, None]
    at = np.minimum(key.searchsorted(probe), max(nw - 1, 0))
    same = np.where((key[at] == probe) if nw else np.zeros(probe.shape, dtype=bool), at, -1)
    same[~q_ok] = -1
    taken = same >= 0
    sem_w = sem_sum + np.where(taken, topic[np.maximum(same, 0)] if nw else 0.0, 0.0)
    weight = lex_sum + sem_w
    topic = topic.copy()
    topic[same[taken]] = 0.0
    # The candidates' reasons: a query word with a positive part, or a topic word of the document.
    qi_, qc = (q_ok[:, None] & (weight > 0)).nonzero()
    tu = ((topic > 0) & d_ok).nonzero()[0]
    c_all = np.concatenate([qc, d.seg[tu]])
    w_all = np.concatenate([weight[qi_, qc], topic[tu]])
    # At most n per candidate are shown (strongest first, ties by term): only those, and any
    # tied with the n-th, become Reason objects.
    order = np.lexsort((-w_all, c_all))
    cs = c_all[order]
    first = cs.searchsorted(cs)
    rank = np.arange(len(cs)) - first
    nth = np.full(m, -np.inf)
    at_n = rank == n - 1
    nth[cs[at_n]] = w_all[order][at_n]
    keep = order[(rank < n) | (w_all[order] >= nth[cs])]
    best = _best_partners(lex, sem, d_ok, d.start, filled)
    return _reasons(vec, q, d, keep, qi_, qc, same, best, lex_sum, sem_w, tu, topic, scores, n, query_is_need)


def _reasons(vec, q, d, keep, qi_, qc, same, best, lex_sum, sem_w, tu, topic, scores, n, query_is_need):
    """The kept reasons as Reason objects, per candidate strongest first (ties by term), and the remainders."""
    m = len(scores)
    nqr = len(qi_)
    is_q = keep < nqr
    kq, kt = keep[is_q], keep[~is_q] - nqr
    i, c = qi_[kq], qc[kq]
    lexical = np.zeros(len(keep))
    semantic = np.empty(len(keep))
    who = np.empty(len(keep), dtype=np.int64)  # query word, or topic word of the document
    partner = np.full(len(keep), -1, dtype=np.int64)  # document word, -2 for the same word
    cand = np.empty(len(keep), dtype=np.int64)
    lexical[is_q], semantic[is_q], who[is_q], cand[is_q] = lex_sum[i, c], sem_w[i, c], i, c
    partner[is_q] = np.where(same[i, c] >= 0, -2, best[i, c])
    u = tu[kt]
    semantic[~is_q], who[~is_q], cand[~is_q] = topic[u], u, d.seg[u]
    weight = lexical + semantic
    term = np.empty(len(keep), dtype=np.int64)  # word features of the shown word and its partner
    term[is_q], term[~is_q] = q.feat[i], d.feat[u]
    other = np.full(len(keep), -1, dtype=np.int64)
    j = best[i, c]
    other[is_q] = np.where(same[i, c] >= 0, q.feat[i], np.where(j >= 0, d.feat[np.maximum(j, 0)], -1))
    groups = [[] for _ in range(m)]
    for r, k in zip(_reason_objects(vec, is_q, term, other, lexical, semantic, query_is_need), cand.tolist()):
        groups[k].append(r)
    # keep is ordered by candidate, then weight: only equal weights still need their terms' order.
    tied = (cand[1:] == cand[:-1]) & (weight[1:] == weight[:-1])
    for k in np.unique(cand[1:][tied]).tolist() if tied.any() else ():
        groups[k].sort(key=_weight_term)
    out = []
    for reasons, score in zip(groups, scores.tolist()):
        shown = tuple(reasons[:n])
        out.append((shown, score - sum(x.weight for x in shown)))
    return out


def _reason_objects(vec, is_q, term, other, lexical, semantic, query_is_need):
    """Reason objects: a query word (term) with its partner word (other; -1: none), or a topic
    word of the document (not is_q), with its parts."""
    names = vec.words()
    try:  # fitted words (a word first seen after the fit is past the list)
        terms = [names[f] for f in term.tolist()]
        others = [names[f] if f >= 0 else None for f in other.tolist()]
    except IndexError:
        terms = [word_name(vec, f) for f in term.tolist()]
        others = [word_name(vec, f) if f >= 0 else None for f in other.tolist()]
    out = []
    new, add = _new, out.append
    for from_query, w, o, lx, sm in zip(is_q.tolist(), terms, others, lexical.tolist(), semantic.tolist()):
        if from_query:
            mine, theirs = (w,), (o,) if o else ()
            if not query_is_need:
                mine, theirs = theirs, mine
            label = w if o is None or o == w else f"{mine[0]} ↔ {theirs[0]}"
        else:  # a topic word of the document
            label, mine, theirs = w, (), (w,)
            if not query_is_need:
                mine, theirs = theirs, mine
        r = new(Reason)  # Reason(...) without the frozen dataclass's six guarded assignments
        d = r.__dict__
        d["term"], d["weight"], d["lexical"], d["semantic"] = label, lx + sm, lx, sm
        d["need_words"], d["result_words"] = mine, theirs
        add(r)
    return out


_new = object.__new__


def _best_partners(lex, sem, d_ok, start, filled):
    """(query words x candidates): the candidate's whole word carrying most of each query word, or -1."""
    nq, nw = lex.shape
    best = np.full((nq, len(start) - 1), -1, dtype=np.int64)
    if not nq or not len(filled):
        return best
    total = lex + sem
    total[:, ~d_ok] = -np.inf
    # Per candidate, the first column holding its maximum (as argmax finds it), all candidates at
    # once: columns are numbered, the others pushed past the end, and each segment's least taken.
    at = start[filled]
    top = np.maximum.reduceat(total, at, axis=1)
    place = np.zeros(nw, dtype=np.int64)  # each column's candidate among the filled ones
    place[at[1:]] = 1
    first = np.minimum.reduceat(np.where(total == top[:, place.cumsum()], np.arange(nw), nw), at, axis=1)
    shown = np.add.reduceat(d_ok.view(np.int8), at) > 0  # candidates with a whole word
    best[:, filled[shown]] = first[:, shown]
    return best
