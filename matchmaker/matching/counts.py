"""Per-document term counts of many token-cache strings, counted on integer-coded text.

The bulk path of ``Vectorizer.fit_transform``. The documents become one array of character ids;
words are grouped by sorting packed integer keys (a few characters at a time), and each document's
(term, field) entries are counted by sorting packed (row, term, field) keys, a block of documents
at a time on n_jobs threads (numpy releases the GIL). Ids and counts are those of the string path
in vectorize.py: words numbered in order of first appearance, characters in code-point order,
bigrams in (first, second) order; a count is the sum of its occurrences' field weights.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SHIFT", "Counts", "count_terms", "three_fields"]

SHIFT = 21  # code points fit in 21 bits, so a bigram key is (first << 21) | second
_NL, _SP = 10, 32
# Whitespace that str.split() splits at besides the space and the field separator: text holding
# any (the tokenizer never writes it) takes the string path, which treats it as split() does.
_OTHER_SPACE = np.array([c for c in range(0x3001) if chr(c).isspace() and c not in (_NL, _SP)])
_BLOCK_ROWS = 2048  # documents counted per sort (their arrays stay in cache)
_DENSE_PAIRS = 200_000_000  # a table over all character pairs up to this size, else sort them


def three_fields(cached: str) -> list[str]:
    """Return the (title, keywords, body) parts of a cache string, padded or cut to three."""
    parts = cached.split("\n")
    return (parts + ["", ""])[:3] if len(parts) != 3 else parts


@dataclass
class Counts:
    """Field-weighted counts of documents x features (words, then characters, then bigrams)."""

    X: sp.csr_matrix  # float32, sorted indices
    words: list[str]  # in id order
    char_keys: np.ndarray  # code points, then (first << SHIFT) | second, ascending
    n_chars: int  # character (unigram) features; 0 without them
    keyword_ids: np.ndarray  # ids of the words found in some keywords field
    seg: np.ndarray  # documents x 3: each row's entries of words, characters and bigrams


def _bits(n: int) -> int:
    return max(1, int(n).bit_length())


def _group(keys: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (group of each key, position of each group's first key); groups in key order.

    keys are >= 0 and below top."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bits = _bits(n)
    if _bits(top) + bits > 63:
        _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        return inv.ravel(), first
    # One sort of (key, position) packed in an int64: far faster than an argsort.
    packed = np.sort((keys.astype(np.int64) << bits) | np.arange(n, dtype=np.int64))
    k = packed >> bits
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(k[1:], k[:-1], out=new[1:])
    where = packed & ((1 << bits) - 1)
    inv = np.empty(n, dtype=np.int64)
    inv[where] = np.cumsum(new) - 1
    return inv, where[new]


class _Text:
    """The documents as one array of character ids (one id each for newline and space)."""

    def __init__(self, docs: list[str]):
        big = "\n".join(c if c.count("\n") == 2 else "\n".join(three_fields(c)) for c in docs)
        cp = np.frombuffer(big.encode("utf-16-le"), dtype=np.uint16)
        present = np.zeros(0x10000, dtype=bool)
        present[cp] = True
        if present[0xD800:0xE000].any():  # characters beyond the BMP: code points as they are
            cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
            present = np.zeros(0x110000, dtype=bool)
            present[cp] = True
        self.ok = not present[_OTHER_SPACE].any()
        if not self.ok:
            return
        present[[_NL, _SP]] = False
        self.chars = np.flatnonzero(present)  # code points of the characters, ascending
        n_c = self.n_c = len(self.chars)
        dt = np.int16 if n_c + 2 < 2**15 else np.int32
        lut = np.zeros(len(present), dtype=dt)
        lut[self.chars] = np.arange(n_c, dtype=dt)
        lut[_NL], lut[_SP] = n_c, n_c + 1
        self.cid = lut[cp]  # character ids; n_c: field end, n_c + 1: space

    def decode(self, starts: np.ndarray, lengths: np.ndarray) -> list[str]:
        """Return the words of the given lengths at the given positions of cid."""
        if len(starts) == 0:
            return []
        ends = np.cumsum(lengths + 1)  # each word and a space after it
        n = int(ends[-1])
        off = np.repeat(ends - lengths - 1, lengths + 1)
        within = np.arange(n) - off
        ids = self.cid[np.minimum(np.repeat(starts, lengths + 1) + within, len(self.cid) - 1)]
        cps = np.where(within < np.repeat(lengths, lengths + 1), self.chars[np.minimum(ids, self.n_c - 1)], _SP)
        return cps[:-1].astype(np.uint32).tobytes().decode("utf-32-le").split(" ")


def _words(t: _Text, sep: np.ndarray):
    """Return (start, length, id) of every word and the words in id order (first appearance)."""
    edge = np.flatnonzero(sep[1:] != sep[:-1]) + 1
    if len(sep) and not sep[0]:
        edge = np.concatenate([[0], edge])
    if len(sep) and not sep[-1]:
        edge = np.append(edge, len(sep))
    start, length = edge[0::2], edge[1::2] - edge[0::2]
    n = len(start)
    # Grouped a few characters at a time: a word's group and its next characters (padded with
    # n_c past its end) give its group after them; a word is done after its last character.
    base = t.n_c + 1
    gid = np.empty(n, dtype=np.int64)  # final group, unique over all words
    first = []  # first word of each final group, in group order
    active = np.arange(n)
    key = np.zeros(n, dtype=np.int64)
    n_groups = 1
    done = 0
    j = 0
    while len(active):
        step = 1
        while step < 8 and _bits(n_groups) + _bits(base ** (step + 1)) + 1 + _bits(n) <= 63:
            step += 1
        s, ln = start[active], length[active]
        for k in range(step):
            c = np.where(j + k < ln, t.cid[np.minimum(s + j + k, len(t.cid) - 1)], t.n_c).astype(np.int64)
            key = key * base + c
        j += step
        end = ln <= j
        inv, firsts = _group(key * 2 + end, n_groups * base**step * 2)  # the end flag keeps groups pure
        # Groups whose words end here are final; the others go on with their group as key.
        g_end = np.zeros(len(firsts), dtype=bool)
        g_end[inv[end]] = True
        final = np.cumsum(g_end) - 1
        gid[active[end]] = done + final[inv[end]]
        first.append(active[firsts[g_end]])
        done += int(g_end.sum())
        more = ~end
        cont = np.cumsum(~g_end) - 1
        key = cont[inv[more]]
        n_groups = max(1, int((~g_end).sum()))
        active = active[more]
    first = np.concatenate(first) if first else np.zeros(0, np.int64)
    order = np.argsort(first)  # numbered by first appearance, as the string path numbers them
    id_of = np.empty(len(order), dtype=np.int32)
    id_of[order] = np.arange(len(order), dtype=np.int32)
    w = first[order]
    return start, length, id_of[gid], t.decode(start[w], length[w])


def _pairs(t: _Text):
    """Return the character ids without spaces and the bigram codes in ascending order."""
    cs = t.cid[t.cid != t.n_c + 1]
    width = t.n_c + 1
    dt = np.int32 if width * width < 2**31 else np.int64
    code = cs[:-1].astype(dt) * dt(width) + cs[1:]
    ok = (cs[:-1] < t.n_c) & (cs[1:] < t.n_c)
    if width * width <= _DENSE_PAIRS:
        seen = np.zeros(width * width, dtype=bool)
        seen[code[ok]] = True
        pairs = np.flatnonzero(seen)
    else:  # very many distinct characters: sort instead
        pairs = np.unique(code[ok])
    return cs, pairs


def count_terms(docs: list[str], field_weights, char_unigrams: bool = True, n_jobs: int = 1) -> Counts | None:
    """Return the counts of token-cache strings, or None for text the string path must count."""
    t = _Text(docs)
    if not t.ok:
        return None
    n_c, n_docs = t.n_c, len(docs)
    sep = t.cid >= n_c
    start, length, word_id, words = _words(t, sep)
    cs, pairs = _pairs(t)
    width = n_c + 1
    char_keys = (t.chars[pairs // width].astype(np.int64) << SHIFT) | t.chars[pairs % width]
    if char_unigrams:
        char_keys = np.concatenate([t.chars.astype(np.int64), char_keys])
    # Field of each word: words per field from the field ends' places among the word starts.
    nl = np.flatnonzero(t.cid == n_c)
    per_field = np.diff(np.searchsorted(start, np.concatenate([[0], nl, [len(t.cid)]])))
    tfield = np.repeat(np.arange(len(per_field)), per_field)
    keyword_ids = np.unique(word_id[tfield % 3 == 1])
    X, seg = _count(cs, n_c, tfield, word_id, pairs, len(words), n_docs, field_weights, char_unigrams, n_jobs)
    return Counts(X, words, char_keys, n_c if char_unigrams else 0, keyword_ids, seg)


def _count(cs, n_c, tfield, word_id, pairs, n_w, n_docs, field_weights, char_unigrams, n_jobs):
    """Return the documents x features count matrix and its parts' entries per row, counted a
    block of documents per sort."""
    width = n_c + 1
    n_u = n_c if char_unigrams else 0
    n_feat = n_w + n_u + len(pairs)
    # Bigrams are sorted by their code (character pair), which orders them as their ranks do.
    fbits = _bits(n_w + n_u + width * width)
    if _bits(n_docs) + fbits + 2 > 63:
        raise ValueError("too many documents and features for one key")  # pragma: no cover
    dense = width * width <= _DENSE_PAIRS
    rank = np.zeros(width * width if dense else 0, dtype=np.int32)
    rank[pairs] = np.arange(len(pairs), dtype=np.int32)
    m = len(cs)
    nl = np.flatnonzero(cs == n_c)  # three per document but the last
    fstart = np.concatenate([[0], nl + 1])  # start of every field
    doc_start = np.append(fstart[0::3], m + 1)
    bounds = np.append(np.arange(0, n_docs, _BLOCK_ROWS), n_docs)
    wstart = np.searchsorted(tfield, 3 * bounds)
    fw = np.asarray(field_weights, dtype=np.float32)
    code_t = np.int32 if width * width < 2**31 else np.int64
    fmask = (1 << fbits) - 1

    def block(i: int):
        # Entry key: row | feature | field (0-2); sorted, the entries of one (row, feature) meet.
        r0, r1 = int(bounds[i]), int(bounds[i + 1])
        a, b = int(doc_start[r0]), min(int(doc_start[r1]), m)
        f = np.arange(3 * r0, 3 * r1, dtype=np.int64)
        fprefix = ((f // 3) << (fbits + 2)) | (f % 3)
        prefix = np.repeat(fprefix, np.diff(np.append(fstart[3 * r0 : 3 * r1], b)))  # of each position
        tf = tfield[wstart[i] : wstart[i + 1]]
        parts = [fprefix[tf - 3 * r0] | (word_id[wstart[i] : wstart[i + 1]].astype(np.int64) << 2)]
        c = cs[a:b]
        is_char = c < n_c
        if char_unigrams:
            parts.append(prefix[is_char] | ((c[is_char].astype(np.int64) + n_w) << 2))
        ok = is_char[:-1] & is_char[1:]
        code = c[:-1][ok].astype(code_t) * code_t(width) + c[1:][ok]
        parts.append(prefix[:-1][ok] | ((code.astype(np.int64) + (n_w + n_u)) << 2))
        key = np.concatenate(parts)
        key.sort()
        g = key >> 2
        new = np.empty(len(g), dtype=bool)
        new[:1] = True
        np.not_equal(g[1:], g[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        counts = np.add.reduceat(fw[key & 3], starts) if len(key) else np.zeros(0, np.float32)
        g = g[starts]
        feats = (g & fmask).astype(np.int32 if n_w + n_u + width * width < 2**31 else np.int64)
        is_bi = feats >= n_w + n_u
        codes = feats[is_bi] - (n_w + n_u)
        feats[is_bi] = (rank[codes] if dense else np.searchsorted(pairs, codes)) + (n_w + n_u)
        kind = (feats >= n_w).view(np.int8) + is_bi.view(np.int8)
        seg = np.bincount(((g >> fbits) - r0) * 3 + kind, minlength=3 * (r1 - r0))
        return counts, feats.astype(np.int32, copy=False), seg

    n_blocks = len(bounds) - 1
    if n_jobs > 1 and n_blocks > 1:
        with ThreadPoolExecutor(n_jobs) as ex:
            out = list(ex.map(block, range(n_blocks)))
    else:
        out = [block(i) for i in range(n_blocks)]
    if not out:
        return sp.csr_matrix((0, n_feat), dtype=np.float32), np.zeros((0, 3), np.int64)
    seg = np.concatenate([o[2] for o in out]).reshape(-1, 3)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(seg.sum(axis=1), out=indptr[1:])
    data = np.concatenate([o[0] for o in out])
    feats = np.concatenate([o[1] for o in out])
    X = sp.csr_matrix((data, feats, indptr), shape=(n_docs, n_feat))
    X.has_sorted_indices = True
    return X, seg
