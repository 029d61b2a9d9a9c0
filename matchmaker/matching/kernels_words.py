"""Compiled loops (numba) for wordshare.row_words: the same words and share entries as its numpy path.

numba is optional: without it (or with MATCHMAKER_NO_JIT set) ``available()`` is False and
wordshare.py takes its numpy path (a few dozen array calls per query, about 4x slower). As in
kernels.py, the loops are compiled on first use and cached beside this file.

The share entries come out in the numpy path's order (each word's own feature, then the n-grams
of the words, word by word, then the bigrams across two words, all first characters' halves
before the second ones), so sums over them in order (explain.py's bincounts and COO product)
give the same floats; only the words taking equal halves of one bigram side may be listed in
another order (here: by word).
"""

from __future__ import annotations

import numpy as np

from .jit import available, numba

if numba is not None:
    from numba import njit

    from .kernels_explain import _prefetch

__all__ = ["available", "packed_tables", "row_words"]

_SHIFT = 21  # as wordshare.py: an n-gram key is a code point, or (first << 21) | second
_LOW = (1 << _SHIFT) - 1
_MIX = 0x9E3779B97F4A7C15 >> 2  # a multiplier for the hash table (kept below 2**63)
# Words (and features) ahead whose n-grams (and character keys) are asked for: the tables are cold when a
# query explains its candidates, and the reads, each behind a hash lookup's branches, waited one by one
# (the query 2-3 % faster with 8, another 1 % with 16).
_AHEAD = 16


if numba is not None:

    @njit(cache=True, nogil=True, inline="always")
    def _fill(keys, vals, F, a, b, down, mask):
        # The table of positions a..b-1 of F.
        keys[:] = -1
        for p in range(a, b):
            key = F[p]
            h = ((key * _MIX) >> down) & mask
            while keys[h] >= 0 and keys[h] != key:
                h = (h + 1) & mask
            keys[h], vals[h] = key, p

    @njit(cache=True, nogil=True, inline="always")
    def _find(keys, vals, key, down, mask):
        # The position of feature key in the table's row, or -1.
        h = ((key * _MIX) >> down) & mask
        while keys[h] >= 0:
            if keys[h] == key:
                return vals[h]
            h = (h + 1) & mask
        return -1

    @njit(cache=True, nogil=True)
    def _row_words(F, bounds, late_key, n_words, n_fitted, wt, gv, char_keys, ex_u, ex_feat, ex_cnt, ex_fl):
        # wt: per fitted word, its first and last character (plus one) and number of n-grams
        # (21 bits each), and where its n-grams ((count << 32) | feature) begin in gv. late_key per position (empty without late features):
        # -2 a word first seen after the fit, an n-gram key (>= 0) for a late n-gram, -1 otherwise;
        # ex_* the late words' n-grams (word, feature or -1, count; by word) and first and last
        # characters (by word). Without late_key, a late feature returns None (call again with it).
        n = len(F)
        m = len(bounds) - 1
        has_late = len(late_key) > 0
        # The rows' words, then each one's first and last character and n-grams (in two loops: the
        # tables' rows are read independently of each other, many at a time).
        is_word = np.zeros(n, np.bool_)
        wpos = np.empty(n, np.int64)
        W = np.empty(n, np.int64)
        wseg = np.empty(n, np.int64)
        start = np.zeros(m + 1, np.int64)
        nw = 0
        for r in range(m):
            start[r] = nw
            for p in range(bounds[r], bounds[r + 1]):
                f = F[p]
                if f < n_words or (has_late and late_key[p] == -2):
                    is_word[p] = True
                    wpos[nw], W[nw], wseg[nw] = p, f, r
                    nw += 1
                elif f >= n_fitted and not has_late:
                    return None
        start[m] = nw
        wpos, W, wseg = wpos[:nw], W[:nw], wseg[:nw]
        first = np.empty(nw, np.int64)
        last = np.empty(nw, np.int64)
        gat = np.empty(nw, np.int64)
        gn = np.zeros(nw, np.int64)
        k = 0
        n_g = len(ex_u)  # n-grams of the words: at most this many entries
        for u in range(nw):
            w = W[u]
            if w < n_words:
                h = wt[2 * w]
                gat[u] = wt[2 * w + 1]
                first[u], last[u], gn[u] = (h & _LOW) - 1, ((h >> _SHIFT) & _LOW) - 1, h >> (2 * _SHIFT)
                n_g += gn[u]
            else:
                first[u], last[u] = ex_fl[2 * k], ex_fl[2 * k + 1]
                gat[u] = 0  # no n-grams in gv (only asked for ahead)
                k += 1
        for u in range(min(_AHEAD, nw)):
            _prefetch(gv, gat[u])
        # Per row, feature -> position: a hash table with linear probing, cleared for each row
        # and small enough to stay in the fastest cache (a later position of a feature wins).
        longest = 1
        for r in range(m):
            longest = max(longest, bounds[r + 1] - bounds[r])
        bits = 4
        while (1 << bits) < 4 * longest:
            bits += 1
        mask = (1 << bits) - 1
        down = 64 - bits  # the product's top bits: every bit of the key reaches them
        keys = np.empty(mask + 1, np.int64)
        vals = np.empty(mask + 1, np.int64)
        # Entries: each word's own feature, then its n-grams found among its row's features (the
        # fitted words', then the late ones'). Row 0's table also gives each feature's place there.
        P = np.empty(nw + n_g, np.int64)
        U = np.empty(nw + n_g, np.int64)
        S = np.empty(nw + n_g, np.float64)
        for u in range(nw):
            P[u], U[u], S[u] = wpos[u], u, 1.0
        o = nw
        owned = is_word.copy()
        in_first = np.full(n, -1, np.int32)
        has_ex = len(ex_u) > 0
        for r in range(m):
            _fill(keys, vals, F, bounds[r], bounds[r + 1], down, mask)
            if r == 0:
                for p in range(n):
                    in_first[p] = _find(keys, vals, F[p], down, mask)
            for u in range(start[r], start[r + 1]):
                if u + _AHEAD < nw:
                    _prefetch(gv, gat[u + _AHEAD])
                a = gat[u]
                for j in range(a, a + gn[u]):
                    v = gv[j]
                    q = _find(keys, vals, v & 0xFFFFFFFF, down, mask)
                    if q >= 0:
                        P[o], U[o], S[o] = q, u, np.float64(v >> 32)
                        owned[q] = True
                        o += 1
        if has_ex:
            e = 0
            for r in range(m):
                if e == len(ex_u) or wseg[ex_u[e]] != r:
                    continue
                _fill(keys, vals, F, bounds[r], bounds[r + 1], down, mask)
                while e < len(ex_u) and wseg[ex_u[e]] == r:
                    g = ex_feat[e]
                    if g >= 0:
                        q = _find(keys, vals, g, down, mask)
                        if q >= 0:
                            P[o], U[o], S[o] = q, ex_u[e], ex_cnt[e]
                            owned[q] = True
                            o += 1
                    e += 1
        n_own = o
        # Bigrams inside no word of their row (fitted ones by position, then late ones): across
        # two adjacent words.
        fp = np.empty(n, np.int64)
        fkey = np.empty(n, np.int64)
        fseg = np.empty(n, np.int64)
        n_rest = 0
        if nw:
            for r in range(m):
                for p in range(bounds[r], bounds[r + 1]):
                    if p + _AHEAD < n:
                        g = F[p + _AHEAD] - n_words
                        if 0 <= g < len(char_keys):
                            _prefetch(char_keys, g)
                    if not owned[p]:
                        f = F[p]
                        if n_words <= f < n_fitted:
                            key = char_keys[f - n_words]
                            if key > _LOW:
                                fp[n_rest], fkey[n_rest], fseg[n_rest] = p, key, r
                                n_rest += 1
            if has_late:
                for r in range(m):
                    for p in range(bounds[r], bounds[r + 1]):
                        if not owned[p] and late_key[p] > _LOW:
                            fp[n_rest], fkey[n_rest], fseg[n_rest] = p, late_key[p], r
                            n_rest += 1
        # The words by (side, row, character) of their last (side 0) and first (side 1) character:
        # chains of a hash table, each in word order.
        wb = 4
        while (1 << wb) < 4 * nw:
            wb += 1
        wmask = (1 << wb) - 1
        wdown = 64 - wb
        head = np.full(wmask + 1, -1, np.int64)
        nxt = np.empty(2 * nw, np.int64)
        ckey = np.empty(2 * nw, np.int64)
        if n_rest:
            for i in range(2 * nw - 1, -1, -1):
                u = i if i < nw else i - nw
                key = (wseg[u] << (_SHIFT + 1)) | (last[u] if i < nw else (1 << _SHIFT) | first[u])
                h = ((key * _MIX) >> wdown) & wmask
                ckey[i], nxt[i], head[h] = key, head[h], i
        lo = np.empty(2 * n_rest, np.int64)
        cnt = np.zeros(2 * n_rest, np.int64)
        n_spread = 0
        for side in range(2):
            for i in range(n_rest):
                key = fkey[i]
                half = (key >> _SHIFT) if side == 0 else ((1 << _SHIFT) | (key & _LOW))
                probe = (fseg[i] << (_SHIFT + 1)) | half
                j = head[((probe * _MIX) >> wdown) & wmask]
                c = 0
                while j >= 0:
                    if ckey[j] == probe:
                        c += 1
                    j = nxt[j]
                lo[side * n_rest + i], cnt[side * n_rest + i] = probe, c
                n_spread += c
        # All entries, in order, and each feature's shares over their sum.
        total = n_own + n_spread
        Pt = np.empty(total, np.int64)
        Ut = np.empty(total, np.int64)
        St = np.empty(total, np.float64)
        Pt[:n_own], Ut[:n_own], St[:n_own] = P[:n_own], U[:n_own], S[:n_own]
        o = n_own
        for j in range(2 * n_rest):
            c = cnt[j]
            if c:
                p = fp[j % n_rest]
                share = 0.5 / c
                probe = lo[j]
                i = head[((probe * _MIX) >> wdown) & wmask]
                while i >= 0:
                    if ckey[i] == probe:
                        Pt[o], Ut[o], St[o] = p, i if i < nw else i - nw, share
                        o += 1
                    i = nxt[i]
        sums = np.zeros(n, np.float64)
        for o in range(total):
            sums[Pt[o]] += St[o]
        for o in range(total):
            St[o] = St[o] / sums[Pt[o]]
        return W, wseg, start, Pt, Ut, St, sums > 0, in_first


def packed_tables(t):
    """Per fitted word, its first and last character and number of n-grams in one number and where
    its n-grams begin, side by side (``wt``), and the n-grams as (count << 32) | feature (``gv``):
    one place in memory per word instead of five (the tables are mostly out of cache by the time a
    query explains its candidates)."""
    n = t.n_words
    ptr = np.asarray(t.ptr[: n + 1], dtype=np.int64)
    wt = np.empty(2 * n, dtype=np.int64)
    first, last = np.asarray(t.first[:n], dtype=np.int64), np.asarray(t.last[:n], dtype=np.int64)
    wt[0::2] = (first + 1) | ((last + 1) << _SHIFT) | ((ptr[1:] - ptr[:-1]) << (2 * _SHIFT))
    wt[1::2] = ptr[:-1]
    gv = (np.asarray(t.counts[: ptr[n]]).astype(np.int64) << 32) | np.asarray(t.grams[: ptr[n]], dtype=np.int64)
    return wt, gv


def row_words(F, bounds, late_key, t, wt, gv, ex_u, ex_feat, ex_cnt, ex_fl):
    """(feat, seg, start, p, u, s, owned, in_first) of wordshare.row_words from the compiled loops,
    or None when F has features first seen after the fit and late_key is not given."""
    return _row_words(F, bounds, late_key, t.n_words, t.n_fitted, wt, gv, t.char_keys, ex_u, ex_feat, ex_cnt, ex_fl)
