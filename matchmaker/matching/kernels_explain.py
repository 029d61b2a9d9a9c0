"""Compiled loops (numba) for explain.py: the same reasons and parts as its numpy path, a few times faster.

numba is optional: without it (or with MATCHMAKER_NO_JIT set) ``available()`` is False and explain.py
splits scores with numpy alone. The loops are compiled on first use and cached beside this file
(numba's ``cache=True``), as kernels.py's are.

Where the numpy path builds dense (query words x candidates' words) matrices and reduces them
candidate by candidate, these loops go once over the share entries and once over each (query word,
candidate) segment; the one real matrix product (the words' embeddings with each other) stays
with BLAS.
"""

from __future__ import annotations

import numpy as np

from .jit import available, numba

if numba is not None:
    from llvmlite import ir
    from numba import njit, types
    from numba.core import cgutils
    from numba.extending import intrinsic

__all__ = ["available", "combine", "embed", "gather_rows", "parts"]


_AHEAD = 8  # entries whose term embeddings are fetched ahead (a row of C is eight cache lines)

if numba is not None:

    @intrinsic
    def _prefetch(typingctx, arr, idx):
        """Ask for the cache line of arr[idx] (a 1-d array) without waiting for it (llvm.prefetch)."""
        sig = types.void(arr, idx)

        def codegen(context, builder, sig, args):
            aryty = sig.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8"
            )
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])  # read, keep, data
            return context.get_dummy_value()

        return sig, codegen

    @njit(cache=True, nogil=True)
    def gather_rows(indptr, indices, data, rows, qi, qd):
        """The query's features and weights, then the rows', concatenated (int64, float64), and
        the bounds of all (the query is row 0)."""
        m = len(rows)
        nqf = len(qi)
        bounds = np.empty(m + 2, np.int64)
        bounds[0] = 0
        bounds[1] = nqf
        for c in range(m):
            r = rows[c]
            bounds[c + 2] = bounds[c + 1] + (indptr[r + 1] - indptr[r])
        F = np.empty(bounds[m + 1], np.int64)
        D = np.empty(bounds[m + 1], np.float64)
        for p in range(nqf):
            F[p] = qi[p]
            D[p] = qd[p]
        for c in range(m):
            a = indptr[rows[c]]
            o = bounds[c + 1]
            for k in range(bounds[c + 2] - o):
                F[o + k] = indices[a + k]
                D[o + k] = data[a + k]
        return F, D, bounds

    @njit(cache=True, nogil=True)
    def parts(Zc, scores, lex_scores, has_z, b):
        """Per candidate: the lexical part's coefficient, and whether it has a semantic part to split
        (explain._parts)."""
        m = len(scores)
        coef = np.ones(m)
        active = np.zeros(m, np.bool_)
        for c in range(m):
            plain = True
            if has_z:
                for j in range(Zc.shape[1]):
                    if Zc[c, j] != 0:
                        plain = False
                        break
            if not plain:
                coef[c] = 1.0 - b
                active[c] = b > 0 and scores[c] - (1.0 - b) * lex_scores[c] > 1e-7
        return coef, active

    @njit(cache=True, nogil=True)
    def _by_word(u, n_words):
        """Entries grouped by word (stable): each word's range in the order returned."""
        ptr = np.zeros(n_words + 1, np.int64)
        for e in range(len(u)):
            ptr[u[e] + 1] += 1
        for w in range(n_words):
            ptr[w + 1] += ptr[w]
        fill = ptr[:-1].copy()
        order = np.empty(len(u), np.int64)
        for e in range(len(u)):
            order[fill[u[e]]] = e
            fill[u[e]] += 1
        return ptr, order

    @njit(cache=True, nogil=True)
    def _term(term_row, f):
        return term_row[f] if f < len(term_row) else -1

    @njit(cache=True, nogil=True)
    def _fetch(Cf, t, k):
        if t >= 0:
            for j in range(t * k, (t + 1) * k, 16):
                _prefetch(Cf, j)

    @njit(cache=True, nogil=True, fastmath={"reassoc", "nsz"})
    def _dot(a, b):
        # A float64 dot product of float32 vectors, in vector lanes (any order of its additions).
        x = 0.0
        for j in range(len(a)):
            x += np.float64(a[j]) * np.float64(b[j])
        return x

    @njit(cache=True, nogil=True)
    def embed(nq, nqf, C, term_row, F, D, bounds, p, u, s, seg, owned, active, tw, Zc, fb, b, zdir_norm):
        """Word embeddings as sums of weighted term embeddings (rows of C), summed in float32 in the
        order the numpy path's COO product sums them, for the query (row 0, its nqf features first,
        its nq words first) and the active candidates (rows 1..m) of one word-share structure.

        Returns the query's words (their shares of each weighted term embedding, times ``tw`` if it
        is not empty) scaled to sum to b times its direct part (with the feedback direction ``fb``,
        a non-empty vector: zdir_norm over the norm of the query's whole embedding), the
        candidates' words, each candidate's norm (its embedding's dot product with what its words
        and the rest of its features carry; 1 where not positive) and each candidate word's dot
        product with ``fb`` (zeros without one).
        """
        k = C.shape[1]
        m = len(bounds) - 2
        n_all = len(seg)
        # Every feature position's term first: the term table is large and read all over, and
        # these reads, independent of each other, overlap (behind the entries' branches they
        # waited one by one). Then every entry's term, weight and row, without branches: the
        # query's whole embedding (row n_all, for its norm), the words, and per active candidate
        # what none of its words carries (row n_all + 1 + c); each row's entries in the order
        # the numpy path sums them.
        n_f = len(F)
        tpos = np.empty(n_f, np.int64)
        for f in range(n_f):
            tpos[f] = _term(term_row, F[f])
        n = len(p) + n_f + (nqf if len(fb) else 0)
        T = np.empty(n, np.int64)
        V = np.empty(n, np.float32)
        W = np.empty(n, np.int64)
        h = 0
        if len(fb):
            for f in range(nqf):
                t = tpos[f]
                T[h], V[h], W[h] = t, np.float32(D[f]), n_all
                h += t >= 0
        has_tw = len(tw) > 0
        for e in range(len(p)):
            w = u[e]
            pe = p[e]
            t = tpos[pe]
            x = s[e] * D[pe]
            if w < nq:
                if has_tw:
                    x *= tw[pe]
                ok = t >= 0
            else:
                ok = t >= 0 and active[seg[w] - 1]
            T[h], V[h], W[h] = t, np.float32(x), w
            h += ok
        rest = np.zeros(m, np.int64)
        for c in range(m):
            if active[c]:
                h0 = h
                for f in range(bounds[c + 1], bounds[c + 2]):
                    t = tpos[f]
                    T[h], V[h], W[h] = t, np.float32(D[f]), n_all + 1 + c
                    h += t >= 0 and not owned[f]
                rest[c] = h - h0
        Cf = C.ravel()
        for o in range(min(_AHEAD, h)):
            _fetch(Cf, T[o], k)
        Y = np.zeros((n_all + 1 + m, k), np.float32)
        for o in range(h):
            if o + _AHEAD < h:
                _fetch(Cf, T[o + _AHEAD], k)
            w, t, v = W[o], T[o], V[o]
            for j in range(k):  # indexed in place: row views of Y and C here cost 6% of the loop
                Y[w, j] += v * C[t, j]
        Yq, Yd = Y[:nq], Y[nq:n_all]
        scale_q = b
        if len(fb):
            n2 = np.sqrt(_dot(Y[n_all], Y[n_all]))
            scale_q *= zdir_norm / (n2 if n2 != 0.0 else 1.0)
        f32 = np.float32(scale_q)
        for w in range(nq):
            y = Y[w]
            for j in range(k):
                y[j] = y[j] * f32
        # Each candidate's norm: its embedding's dot product with its words' embeddings and with
        # its features no word carries; each word's dot product with the feedback direction.
        norm = np.zeros(m)
        topic = np.zeros(n_all - nq)
        for w in range(nq, n_all):
            c = seg[w] - 1
            if active[c]:
                if len(fb):
                    norm[c] += _dot(Zc[c], Y[w])
                    topic[w - nq] = _dot(fb, Y[w])
                else:
                    norm[c] += _dot(Zc[c], Y[w])
        for c in range(m):
            if not active[c]:
                norm[c] = 1.0
                continue
            if rest[c]:
                norm[c] += _dot(Zc[c], Y[n_all + 1 + c])
            if norm[c] <= 0:
                norm[c] = 1.0
        return Yq, Yd, norm, topic

    @njit(cache=True, nogil=True)
    def combine(
        nq, nqf, F, D, p, u, s, seg, start, feat, whole, in_first, coef, R, norm, fb_topic, has_sem, has_fb,
        scores, n,
    ):  # fmt: skip
        """Every candidate's reasons, from the share entries and the word products R (see embed).

        Returns, per reason kept (per candidate strongest first, ties in the numpy path's order:
        query words, then topic words), whether it is a query word, its lexical and semantic parts,
        its word's feature and its partner's (-1: none); per candidate where its reasons begin,
        whether two of them tie (their order then goes by term: the first n shown are sorted
        again, those past n kept only then) and its remainder (score less the first n).
        """
        n_all = len(seg)
        nw = n_all - nq
        m = len(start) - 2
        # Lexical: each shared feature's product, split over the word pairs carrying it. The
        # candidates' entries of each query feature, and the query's entries of each query word.
        dptr = np.zeros(nqf + 1, np.int64)
        for e in range(len(p)):
            if p[e] >= nqf and in_first[p[e]] >= 0:
                dptr[in_first[p[e]] + 1] += 1
        for f in range(nqf):
            dptr[f + 1] += dptr[f]
        fill = dptr[:-1].copy()
        dword = np.empty(dptr[nqf], np.int64)
        dval = np.empty(dptr[nqf])
        for e in range(len(p)):
            f = p[e]
            if f >= nqf and in_first[f] >= 0:
                at = in_first[f]
                o = fill[at]
                fill[at] += 1
                dword[o] = u[e] - nq
                dval[o] = coef[seg[u[e]] - 1] * D[at] * D[f] * s[e]
        qn = 0
        for e in range(len(p)):
            if p[e] < nqf:
                qn += 1
        qe_ = np.empty(qn, np.int64)
        qu_ = np.empty(qn, np.int64)
        qn = 0
        for e in range(len(p)):
            if p[e] < nqf:
                qe_[qn] = e
                qu_[qn] = u[e]
                qn += 1
        qptr, qorder = _by_word(qu_, nq)
        # Semantic: each candidate word's scale (its candidate's norm) and, with feedback, the
        # share of its topic part that moves to the query words related to it.
        scale = np.zeros(nw)
        ratio = np.zeros(nw)
        topic = np.zeros(nw)
        if has_sem:
            for j in range(nw):
                scale[j] = 1.0 / norm[seg[nq + j] - 1]
            if has_fb:
                total = np.zeros(nw)
                for i in range(nq):
                    for j in range(nw):
                        x = np.float64(R[i, j]) * scale[j]
                        if x > 0:
                            total[j] += x
                for j in range(nw):
                    topic[j] = fb_topic[j] * scale[j]
                    if total[j] > 0:
                        ratio[j] = topic[j] / total[j]
                        topic[j] = 0.0
        # Each query word's lexical part in each candidate word (a cell): summed over its shares in
        # the order the numpy path sums them, then listed by candidate word (query words in order).
        lex = np.zeros(nw)
        seen = np.full(nw, -1, np.int64)
        touched = np.empty(nw, np.int64)
        n_cell = 0
        for i in range(nq):
            for o in range(qptr[i], qptr[i + 1]):
                at = p[qe_[qorder[o]]]
                n_cell += dptr[at + 1] - dptr[at]
        cell_i = np.empty(n_cell, np.int64)
        cell_j = np.empty(n_cell, np.int64)
        cell_v = np.empty(n_cell)
        n_cell = 0
        for i in range(nq):
            n_t = 0
            for o in range(qptr[i], qptr[i + 1]):
                e = qe_[qorder[o]]
                x = s[e]
                at = p[e]
                for h in range(dptr[at], dptr[at + 1]):
                    j = dword[h]
                    if seen[j] != i:
                        seen[j] = i
                        touched[n_t] = j
                        n_t += 1
                    lex[j] += x * dval[h]
            for t in range(n_t):
                j = touched[t]
                cell_i[n_cell], cell_j[n_cell], cell_v[n_cell] = i, j, lex[j]
                lex[j] = 0.0
                n_cell += 1
        cptr, corder = _by_word(cell_j[:n_cell], nw)
        # Per query word and candidate: the sums, the partner carrying most, the same word. Word by
        # word of the candidate, all query words at once: each sum still adds its terms in word
        # order (a zero lexical part adds nothing: the parts are never negative), and the query
        # words' sums are independent of each other instead of one long chain.
        lex_sum = np.zeros((nq, m))
        sem_w = np.zeros((nq, m))
        best = np.full((nq, m), -1, np.int64)
        same = np.full((nq, m), -1, np.int64)
        s1 = np.zeros(nq)
        s2 = np.zeros(nq)
        top = np.zeros(nq)
        bj = np.empty(nq, np.int64)
        lrow = np.zeros(nq)
        xs = np.zeros(nq)
        for c in range(m):
            s1[:] = 0.0
            s2[:] = 0.0
            top[:] = -np.inf
            bj[:] = -1
            for j in range(start[c + 1] - nq, start[c + 2] - nq):
                for h in range(cptr[j], cptr[j + 1]):
                    o = corder[h]
                    i = cell_i[o]
                    s1[i] += cell_v[o]
                    lrow[i] = cell_v[o]
                if has_sem:
                    sc = scale[j]
                    if has_fb:
                        rt = ratio[j]
                        for i in range(nq):
                            x = np.float64(R[i, j]) * sc
                            x += max(x, 0.0) * rt
                            xs[i] = x
                            s2[i] += x
                    else:
                        for i in range(nq):
                            x = np.float64(R[i, j]) * sc
                            xs[i] = x
                            s2[i] += x
                if whole[nq + j]:
                    for i in range(nq):
                        t = lrow[i] + xs[i]
                        if bj[i] < 0 or t > top[i]:
                            top[i] = t
                            bj[i] = j
                for h in range(cptr[j], cptr[j + 1]):
                    lrow[cell_i[corder[h]]] = 0.0
            for i in range(nq):
                lex_sum[i, c] = s1[i]
                sem_w[i, c] = s2[i]
                best[i, c] = bj[i]
        for i in range(nq):
            if whole[i]:
                f = feat[i]
                for c in range(m):
                    lo, hi = start[c + 1] - nq, start[c + 2] - nq
                    lo_ = lo  # the first word of the segment not below f (sorted features)
                    hi_ = hi
                    while lo_ < hi_:
                        mid = (lo_ + hi_) >> 1
                        if feat[nq + mid] < f:
                            lo_ = mid + 1
                        else:
                            hi_ = mid
                    if lo_ < hi and feat[nq + lo_] == f:
                        same[i, c] = lo_
        # The same word in the candidate (a word of both texts): its topic part joins the query word's.
        for i in range(nq):
            for c in range(m):
                j = same[i, c]
                if j >= 0:
                    sem_w[i, c] += topic[j]
        for i in range(nq):
            for c in range(m):
                j = same[i, c]
                if j >= 0:
                    topic[j] = 0.0
        # The reasons: per candidate its query words with a positive part, then its topic words,
        # strongest first (a stable sort): the first n, and any tied with the n-th.
        cap = nq * m + nw
        is_q = np.empty(cap, np.bool_)
        lexical = np.empty(cap)
        semantic = np.empty(cap)
        term = np.empty(cap, np.int64)
        other = np.empty(cap, np.int64)
        first = np.zeros(m + 1, np.int64)
        tied = np.zeros(m, np.bool_)
        rest = np.empty(m)
        w = np.empty(nq + nw)
        who = np.empty(nq + nw, np.int64)
        k = 0
        for c in range(m):
            first[c] = k
            rest[c] = scores[c]
            h = 0
            for i in range(nq):
                if whole[i]:
                    x = lex_sum[i, c] + sem_w[i, c]
                    if x > 0:
                        w[h] = x
                        who[h] = i
                        h += 1
            n_q = h
            for j in range(start[c + 1] - nq, start[c + 2] - nq):
                if topic[j] > 0 and whole[nq + j]:
                    w[h] = topic[j]
                    who[h] = j
                    h += 1
            if h == 0:
                continue
            ranked = np.argsort(-w[:h], kind="mergesort")
            nth = w[ranked[n - 1]] if 1 <= n <= h else -np.inf
            shown = 0.0
            for r in range(h):
                o = ranked[r]
                x = w[o]
                if r >= n and x < nth:
                    break
                if r > 0 and x == w[ranked[r - 1]]:
                    tied[c] = True
                if r < n:
                    shown += x
                if o < n_q:
                    i = who[o]
                    is_q[k] = True
                    lexical[k] = lex_sum[i, c]
                    semantic[k] = sem_w[i, c]
                    term[k] = feat[i]
                    j = same[i, c]
                    if j >= 0:
                        other[k] = feat[i]
                    elif best[i, c] >= 0:
                        other[k] = feat[nq + best[i, c]]
                    else:
                        other[k] = -1
                else:
                    j = who[o]
                    is_q[k] = False
                    lexical[k] = 0.0
                    semantic[k] = topic[j]
                    term[k] = feat[nq + j]
                    other[k] = -1
                k += 1
            rest[c] = scores[c] - shown
        first[m] = k
        return is_q[:k], lexical[:k], semantic[:k], term[:k], other[:k], first, tied, rest

else:  # pragma: no cover

    def _missing(*args, **kwargs):
        raise RuntimeError("numba is not available")

    gather_rows = embed = combine = parts = _missing
