"""Whole words of many index rows at once and the share each word takes of its row's features.

A row's words are its word features. Each feature of a row is shared among the row's words:
a word feature is its own word; a character n-gram goes to the row's words that contain it (in
proportion to how often they do); a bigram inside no word of the row spans two adjacent words
and goes half to the words ending with its first character, half to those starting with its
second. A feature no word of the row carries keeps no owner (explain.py leaves it in the
remainder). Rows are handled together, as segments of one concatenated feature array, with
lookups into per-vocabulary tables built once (``tables``) instead of Python loops per word;
with numba, one compiled pass over them (kernels_words.py) gives the same words and shares.
"""

from __future__ import annotations

import threading

import numpy as np

from . import kernels_words
from .tokenize import STOPWORDS, dictionary_version, is_whole_word, whole_words_mask

__all__ = ["RowWords", "WordTables", "row_words", "tables"]

_SHIFT = 21  # n-gram keys as the vectorizer makes them: code point, or (first << 21) | second
_LOW = (1 << _SHIFT) - 1
_SEG = 42  # a row number above any n-gram key: (row << 42) | key


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Positions start..start+count-1 of every (start, count), concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = counts.cumsum()
    offs = np.arange(total, dtype=np.int64) - (ends - counts).repeat(counts)
    return starts.repeat(counts) + offs


def _grams(word: str) -> dict[int, int]:
    """A word's n-gram keys (its characters and its bigrams) with their counts."""
    cps = [ord(c) for c in word]
    counts: dict[int, int] = {}
    for k in cps + [(a << _SHIFT) | b for a, b in zip(cps, cps[1:])]:
        counts[k] = counts.get(k, 0) + 1
    return counts


def _gram_features(vec, keys: np.ndarray) -> np.ndarray:
    """The features of n-gram keys (fitted, else a slot taken after the fit), or -1."""
    n_words, ck = len(vec.vocabulary_), vec.char_keys_
    at = np.minimum(np.searchsorted(ck, keys), max(len(ck) - 1, 0))
    out = np.where((ck[at] == keys) if len(ck) else False, at + n_words, -1).astype(np.int64)
    ids, names = getattr(vec, "extra_ids_", {}), getattr(vec, "extra_names_", {})
    for k in np.flatnonzero(out < 0).tolist():
        slot = ids.get(int(keys[k]))
        if slot is not None and names.get(slot) == int(keys[k]):  # not a slot shared by hash
            out[k] = vec.n_fitted_ + slot
    return out


class WordTables:
    """Per fitted vocabulary: each word's n-gram features with counts, its first and last
    character, and whether it is a whole word that may explain a match."""

    def __init__(self, vec):
        words = vec.words()
        self.n_words = n = len(words)
        self.n_fitted = vec.n_fitted_
        self.char_keys = np.asarray(vec.char_keys_, dtype=np.int64)
        self.names = words
        lens = np.fromiter(map(len, words), np.int64, n)
        cp = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ends = np.cumsum(lens)
        starts = ends - lens
        owner = np.repeat(np.arange(n, dtype=np.int64), lens)
        inner = np.ones(len(cp), dtype=bool)  # a bigram starts at every character but a word's last
        inner[ends[lens > 0] - 1] = False
        bi = np.flatnonzero(inner[:-1]) if len(cp) else np.zeros(0, dtype=np.int64)
        keys = np.concatenate([cp, (cp[bi] << _SHIFT) | cp[bi + 1]])
        owners = np.concatenate([owner, owner[bi]])
        uniq, counts = np.unique((owners << _SEG) | keys, return_counts=True)
        feats = _gram_features(vec, uniq & ((1 << _SEG) - 1))
        ok = feats >= 0  # an n-gram that is no feature (unigrams when only bigrams are) owns nothing
        self.grams, self.counts = feats[ok].astype(np.int32), counts[ok].astype(np.float64)
        self.ptr = np.searchsorted((uniq >> _SEG)[ok], np.arange(n + 1))
        self.first = np.where(lens > 0, cp[np.minimum(starts, len(cp) - 1)], -1) if len(cp) else np.full(n, -1)
        self.last = np.where(lens > 0, cp[np.maximum(ends - 1, 0)], -1) if len(cp) else np.full(n, -1)
        self._state = None  # (dictionary version, typed keywords counted in, flag per word)

    def __getstate__(self) -> dict:
        # Saved with the index: the arrays (written as files and mapped back), not the word list
        # (the vectorizer holds the same strings) nor the flags (they follow the dictionary).
        state = {
            k: getattr(self, k) for k in ("n_words", "n_fitted", "char_keys", "grams", "counts", "ptr", "first", "last")
        }
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.names = None  # set by tables() from the vectorizer
        self._state = None

    def whole(self, feats: np.ndarray, vec) -> np.ndarray:
        """Whether each of these word features (fitted or added later) is a whole word (is_whole_word)."""
        keywords = getattr(vec, "keywords_", ())
        flags = self._flags(vec, keywords)
        try:  # the usual case: all fitted words (a later word's feature is past the flags)
            return flags[feats]
        except IndexError:
            pass
        fitted = feats < self.n_words
        out = np.zeros(len(feats), dtype=bool)
        out[fitted] = flags[feats[fitted]]
        for k in np.flatnonzero(~fitted).tolist():  # words first seen after the fit: few
            out[k] = is_whole_word(word_name(vec, int(feats[k])), keywords)
        return out

    def _flags(self, vec, keywords) -> np.ndarray:
        # Recomputed for a new dictionary; typed keywords only join (a listing indexed with a new
        # one), so only the new ones are looked up. Each state is a new tuple, swapped whole.
        version = dictionary_version()
        state = self._state
        if state is None or state[0] != version or len(keywords) < len(state[1]):
            base = np.array(whole_words_mask(self.names), dtype=bool)
            state = (version, frozenset(), base)
        _, seen, flags = state
        if len(keywords) != len(seen):
            new = set(keywords) - seen
            ids = [vec.vocabulary_.get(k, -1) for k in new if k not in STOPWORDS]
            flags = flags.copy()
            flags[[j for j in ids if j >= 0]] = True
            state = (version, seen | new, flags)
        self._state = state
        return flags


_lock = threading.Lock()


def tables(vec) -> WordTables:
    """The lookup tables of a fitted vectorizer, built on first use (its vocabulary never changes).

    They are kept on the vectorizer (``word_tables_``) so that an index saved after they were
    built carries them: loaded, their arrays are memory-mapped like the rest of the index and
    shared by the processes of a machine instead of being built again in each one (store.save
    builds them before it writes)."""
    t = getattr(vec, "word_tables_", None)
    if t is None:
        with _lock:
            t = getattr(vec, "word_tables_", None)
            if t is None:
                t = vec.word_tables_ = WordTables(vec)
    if t.names is None:  # loaded from a saved index: the words are the vocabulary's own strings
        t.names = vec.words()
    return t


def word_name(vec, feat: int) -> str:
    """The text of a word feature (fitted, or a word first seen after the fit)."""
    if feat < len(vec.vocabulary_):
        return vec.words()[feat]
    return vec.extra_names_[feat - vec.n_fitted_]


class RowWords:
    """The words of rows given as segments, and the shares of their features.

    ``feat`` are the words' features, row by row (fitted words in feature order, then words
    first seen after the fit), ``start`` where each row's words begin (one more entry than
    rows); ``p``, ``u``, ``s`` the share entries: feature position p in the concatenated
    features goes to word u with share s (each owned feature's shares sum to 1).
    """

    __slots__ = ("feat", "seg", "start", "p", "u", "s", "owned", "in_first")

    def __init__(self, feat, seg, start, p, u, s, owned, in_first):
        self.feat, self.seg, self.start, self.p, self.u, self.s = feat, seg, start, p, u, s
        self.owned = owned  # per feature position: whether some word of its row carries it
        self.in_first = in_first  # per feature position: where row 0 has the same feature, or -1

    def split(self, n_first: int) -> tuple[RowWords, RowWords]:
        """Row 0 (whose features are the first n_first) and the other rows, each numbered from 0."""
        nw = int(self.start[1])
        first = self.p < n_first
        rest = ~first
        head = RowWords(self.feat[:nw], self.seg[:nw], self.start[:2], self.p[first], self.u[first],
                        self.s[first], self.owned[:n_first], self.in_first[:n_first])  # fmt: skip
        tail = RowWords(self.feat[nw:], self.seg[nw:] - 1, self.start[1:] - nw, self.p[rest] - n_first,
                        self.u[rest] - nw, self.s[rest], self.owned[n_first:], self.in_first[n_first:])  # fmt: skip
        return head, tail


_local = threading.local()


def _position_buffer(n: int) -> np.ndarray:
    # Feature -> some position, -1 elsewhere; one per thread, reused (callers reset what they set).
    buf = getattr(_local, "buf", None)
    if buf is None or len(buf) < n:
        buf = _local.buf = np.full(n, -1, dtype=np.int32)
    return buf


def _positions(F, seg, m, grams, gram_seg, n_features):
    """Position in F of each (row, feature) of grams/gram_seg, and of each feature of F in row 0,
    or -1: array lookups, no search. Each feature of F gets a representative (one of its
    positions); a (rows x representatives) table then gives the position in each row."""
    buf = _position_buffer(n_features)
    n = len(F)
    buf[F] = np.arange(n, dtype=np.int32)
    try:
        rep, g_rep = buf[F] + 1, buf[grams] + 1  # 0: not a feature of any row
    finally:
        buf[F] = -1
    table = np.full(m * (n + 1), -1, dtype=np.int32)  # column 0 stays -1
    table[seg * (n + 1) + rep] = np.arange(n, dtype=np.int32)
    return table[gram_seg * (n + 1) + g_rep], table[rep]


def _spread(fp, fseg, fkey, wseg, first, last):
    """Across bigrams: half of each to the words of its row ending with its first character, half
    to those starting with its second, split evenly. Returns (feature position, word, share)."""
    nw = len(wseg)
    # (side, row, character) keys of the words' last (side 0) and first (side 1) characters.
    words = np.concatenate([(wseg << (_SHIFT + 1)) | last, (wseg << (_SHIFT + 1)) | (1 << _SHIFT) | first])
    probe = np.concatenate(
        [(fseg << (_SHIFT + 1)) | (fkey >> _SHIFT), (fseg << (_SHIFT + 1)) | (1 << _SHIFT) | (fkey & _LOW)]
    )
    order = words.argsort()  # owners of one key take equal shares: their order does not matter
    ordered = words[order]
    head = np.concatenate([[True], ordered[1:] != ordered[:-1]]).nonzero()[0]  # each key's first
    keys, counts = ordered[head], np.concatenate([head[1:], [len(ordered)]]) - head
    at = np.minimum(keys.searchsorted(probe), len(keys) - 1)
    hit = (keys[at] == probe).nonzero()[0]
    lo, c = head[at[hit]], counts[at[hit]]
    owner = order[_ranges(lo, c)] % nw  # order numbers the last characters, then the first ones
    return np.concatenate([fp, fp])[hit].repeat(c), owner, (0.5 / c).repeat(c)


def row_words(vec, F: np.ndarray, bounds: np.ndarray) -> RowWords:
    """Words and feature shares of rows whose (sorted) features are F[bounds[r]:bounds[r+1]]."""
    t = tables(vec)
    F = F.astype(np.int64, copy=False)
    if kernels_words.available():
        return _row_words_compiled(vec, t, F, bounds)
    return _row_words_numpy(vec, t, F, bounds)


_NO_INT, _NO_FLOAT = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)


def _row_words_compiled(vec, t: WordTables, F: np.ndarray, bounds: np.ndarray) -> RowWords:
    # One compiled pass (kernels_words.py) over tables packed word by word; words and n-grams first
    # seen after the fit (rare) are looked up here and handed over as arrays.
    packed = getattr(t, "packed_", None)
    if packed is None:
        packed = t.packed_ = kernels_words.packed_tables(t)  # not saved: rebuilt from the tables
    bounds = np.asarray(bounds, dtype=np.int64)
    out = kernels_words.row_words(F, bounds, _NO_INT, t, *packed, _NO_INT, _NO_INT, _NO_FLOAT, _NO_INT)
    if out is None:  # features first seen after the fit
        late_key, *late_words = _late(vec, t, F)
        out = kernels_words.row_words(F, bounds, late_key, t, *packed, *late_words)
    return RowWords(*out)


def _late(vec, t: WordTables, F: np.ndarray):
    """Per position -2 for a word first seen after the fit, the key of such an n-gram, or -1; and
    those words' n-grams (word, feature, count) and first and last characters."""
    late_key = np.full(len(F), -1, dtype=np.int64)
    is_word = F < t.n_words
    late = (F >= t.n_fitted).nonzero()[0].tolist()
    for k in late:
        name = vec.extra_names_.get(int(F[k]) - t.n_fitted)
        if isinstance(name, str):
            late_key[k] = -2  # a word
            is_word[k] = True
        elif name is not None:
            late_key[k] = name
    word_at = is_word.cumsum() - 1
    us, keys, cnts, fl = [], [], [], []
    for k in late:
        if late_key[k] == -2:
            name = word_name(vec, int(F[k]))
            grams = _grams(name)
            us += [int(word_at[k])] * len(grams)
            keys += list(grams)
            cnts += list(grams.values())
            fl += [ord(name[0]), ord(name[-1])]
    feats = _gram_features(vec, np.asarray(keys, dtype=np.int64)) if keys else _NO_INT
    return (late_key, np.asarray(us, dtype=np.int64), feats, np.asarray(cnts, dtype=np.float64),
            np.asarray(fl, dtype=np.int64))  # fmt: skip


def _row_words_numpy(vec, t: WordTables, F: np.ndarray, bounds: np.ndarray) -> RowWords:
    # The reference path (without numba): array calls over all rows at once.
    m = len(bounds) - 1
    seg = np.arange(m, dtype=np.int64).repeat(bounds[1:] - bounds[:-1])
    is_word = F < t.n_words
    late = (F >= t.n_fitted).nonzero()[0]
    late_key = {}
    for k in late.tolist():  # words and n-grams first seen after the fit: rare, one by one
        name = vec.extra_names_.get(int(F[k]) - t.n_fitted)
        if isinstance(name, str):
            is_word[k] = True
        elif name is not None:
            late_key[k] = name
    wpos = is_word.nonzero()[0]
    W = F[wpos]
    wseg = seg[wpos]
    nw = len(W)
    start = wseg.searchsorted(np.arange(m + 1))
    # Every n-gram feature of every word, found among its row's features.
    fitted = W < t.n_words
    Wf = np.where(fitted, W, 0)
    lo = t.ptr[Wf]
    cnt = np.where(fitted, t.ptr[Wf + 1] - lo, 0)
    at = _ranges(lo, cnt)
    g_u = np.arange(nw, dtype=np.int64).repeat(cnt)
    g_feat, g_cnt = t.grams[at], t.counts[at]
    first, last = t.first[Wf], t.last[Wf]
    if not fitted.all():
        first, last = first.copy(), last.copy()
        extra_u, extra_k, extra_c = [], [], []
        for u in np.flatnonzero(~fitted).tolist():
            name = word_name(vec, int(W[u]))
            grams = _grams(name)
            extra_u += [u] * len(grams)
            extra_k += list(grams)
            extra_c += list(grams.values())
            first[u], last[u] = ord(name[0]), ord(name[-1])
        g_u = np.concatenate([g_u, np.asarray(extra_u, dtype=np.int64)])
        g_feat = np.concatenate([g_feat, _gram_features(vec, np.asarray(extra_k, dtype=np.int64))])
        g_cnt = np.concatenate([g_cnt, np.asarray(extra_c, dtype=np.float64)])
    n_features = max(vec.n_features_, int(F.max(initial=0)) + 1)
    pos, in_first = _positions(F, seg, m, g_feat, wseg[g_u], n_features)
    found = (pos >= 0).nonzero()[0]
    pos = pos[found]
    owned = is_word.copy()
    owned[pos] = True
    p_parts = [wpos, pos]
    u_parts = [np.arange(nw, dtype=np.int64), g_u[found]]
    s_parts = [np.ones(nw), g_cnt[found]]
    # Bigrams inside no word of their row: across two adjacent words.
    rest = (~owned & (F >= t.n_words) & (F < t.n_fitted)).nonzero()[0]
    key = t.char_keys[F[rest] - t.n_words]
    if late_key:
        extra = np.array([k for k in late_key if not owned[k]], dtype=np.int64)
        rest = np.concatenate([rest, extra])
        key = np.concatenate([key, np.array([late_key[k] for k in extra.tolist()], dtype=np.int64)])
    bigram = key > _LOW
    if bigram.any() and nw:
        fp = rest[bigram]
        sp_p, sp_u, sp_s = _spread(fp, seg[fp], key[bigram], wseg, first, last)
        p_parts.append(sp_p)
        u_parts.append(sp_u)
        s_parts.append(sp_s)
    p, u, s = np.concatenate(p_parts), np.concatenate(u_parts), np.concatenate(s_parts)
    sums = np.bincount(p, weights=s, minlength=len(F))
    s = s / sums[p]
    return RowWords(W, wseg, start, p, u, s, sums > 0, in_first)
