"""Per-document term counts of many token-cache strings, counted on integer-coded text.

The bulk path of ``Vectorizer.fit_transform``. The documents become one array of character ids;
words are grouped by sorting packed integer keys (a few characters at a time), and each document's
(term, field) entries are counted by sorting packed (row, term, field) keys, a block of documents
at a time on n_jobs threads (numpy releases the GIL). Ids and counts are those of the string path
in vectorize.py: words numbered in order of first appearance, characters in code-point order,
bigrams in (first, second) order; a count is the sum of its occurrences' field weights.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import kernels

__all__ = ["SHIFT", "Counts", "count_terms", "three_fields"]

SHIFT = 21  # code points fit in 21 bits, so a bigram key is (first << 21) | second
_NL, _SP = 10, 32
# Whitespace that str.split() splits at besides the space and the field separator: text holding
# any (the tokenizer never writes it) takes the string path, which treats it as split() does.
_OTHER_SPACE = np.array([c for c in range(0x3001) if chr(c).isspace() and c not in (_NL, _SP)])
_BLOCK_ROWS = 1024  # documents per block: its arrays stay in cache and reuse freed memory
_DENSE_PAIRS = 200_000_000  # a table over all character pairs up to this size, else sort them
_SPLIT_WORDS_DOCS = 8192  # documents from which two threads number the words (see _number_words)


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
    df: np.ndarray | None = None  # documents holding each feature (int32), where counting gave it


def _bits(n: int) -> int:
    return max(1, int(n).bit_length())


def _group(keys: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (group of each key, position of each group's first key); groups in key order.

    keys (int64, >= 0, below top) are overwritten."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bits = _bits(n)
    if _bits(top) + bits > 63:
        _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        return inv.ravel(), first
    # One sort of (key, position) packed in an int64: far faster than an argsort.
    keys <<= bits
    keys |= np.arange(n, dtype=np.int64)
    keys.sort()
    k = keys >> bits
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(k[1:], k[:-1], out=new[1:])
    keys &= (1 << bits) - 1  # positions
    inv = np.empty(n, dtype=np.int64)
    inv[keys] = np.cumsum(new) - 1
    return inv, keys[new]


def _group_words(cid: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n_c: int):
    """Group words by their characters (cid[start : start + length]).

    Returns (group of each word, index of each group's first word). Grouped a few characters at a
    time: a word's group so far and its next characters (n_c past its end) give its next group;
    a word leaves when its characters are used up, and the group it leaves with is final."""
    n = len(starts)
    group = np.empty(n, dtype=np.int64)
    firsts = [np.zeros(0, np.int64)]
    base = n_c + 1
    active, s, ln = np.arange(n), starts, lengths
    key = np.zeros(n, dtype=np.int64)
    n_groups = done = j = 0
    while len(active):
        step = 1
        while step < 8 and _bits(n_groups) + _bits(base ** (step + 1)) + 1 + _bits(len(active)) <= 63:
            step += 1
        for k in range(step):
            c = np.take(cid, s + (j + k), mode="clip").astype(np.int64)
            c[ln <= j + k] = n_c
            key *= base
            key += c
        j += step
        end = ln <= j
        key <<= 1
        key |= end  # a word that ends and one that goes on never share a group
        inv, first = _group(key, max(1, n_groups) * base**step * 2)
        g_end = np.zeros(len(first), dtype=bool)
        g_end[inv[end]] = True
        group[active[end]] = done + (np.cumsum(g_end) - 1)[inv[end]]
        firsts.append(active[first[g_end]])
        done += int(g_end.sum())
        more = ~end
        key = (np.cumsum(~g_end) - 1)[inv[more]]
        n_groups = len(first) - int(g_end.sum())
        active, s, ln = active[more], s[more], ln[more]
    return group, np.concatenate(firsts)


def _present(cp: np.ndarray, size: int) -> np.ndarray:
    # Which of the size code points occur in cp.
    present = np.zeros(size, dtype=bool)
    if kernels.available():
        kernels.mark(cp, present)
    else:
        present[cp] = True
    return present


_ENCODE_DOCS = 2048  # documents joined and encoded at a time by _utf16


def _utf16(texts: list[str], tally: np.ndarray | None = None, n_jobs: int = 1, chars: int | None = None) -> np.ndarray:
    """The texts joined by newlines, and eight spaces, as UTF-16 code units: the UTF-16-LE encoding of
    "\\n".join(texts) + " " * 8. Encoded a few thousand at a time into one array: the joined string and its
    encoding, built whole, were two fresh objects of 70-80 MB at 110,000 documents, each page of them a page
    fault (~37,000) on the refit's single-threaded start. The array is sized for the most code units the text
    could take (two per character); only what is written is ever touched.

    With tally (0x10000 counts, compiled loops only), each piece's code units are read from the joined string
    itself by a compiled loop, written into the array and counted (np.bincount), with n_jobs > 1 on a thread of
    its own while the next piece is joined: the loop releases the GIL, which str.encode holds (half of the
    encoding's CPU at 110,000 documents was the encode, on the refit's one busy core)."""
    # Allocated as 64-bit items: a fit hands the array on to the split (counts.count_terms' spare), which writes an
    # array of 32-bit items it keeps there, and scipy copies an index array that is a view of an allocation of
    # more than twice its items (see kernels._carve_kept).
    units = 2 * ((sum(map(len, texts)) if chars is None else chars) + len(texts) + 8)  # chars: the texts' characters
    out = np.empty(-(-units // 4), dtype=np.int64).view(np.uint16)[:units]
    at = 0
    with ThreadPoolExecutor(1) if tally is not None and n_jobs > 1 else nullcontext() as ex:
        copied = None
        for s in range(0, len(texts), _ENCODE_DOCS):
            piece = ("\n" if s else "") + "\n".join(texts[s : s + _ENCODE_DOCS])
            if tally is None:
                units = np.frombuffer(piece.encode("utf-16-le"), dtype=np.uint16)
                out[at : at + len(units)] = units
                at += len(units)
            elif ex is None:
                at += kernels.absorb_text(piece, out, at, tally)
            else:
                if copied is not None:
                    at += copied.result()
                copied = ex.submit(kernels.absorb_text, piece, out, at, tally)
        if copied is not None:
            at += copied.result()
    out[at : at + 8] = 32
    if tally is not None:
        tally[32] += 8
    return out[: at + 8]


def _fielded(docs: list[str]) -> list[str]:
    # Each string with exactly its three fields (see three_fields).
    return [c if c.count("\n") == 2 else "\n".join(three_fields(c)) for c in docs]


class _Text:
    """The documents as one array of character ids (one id each for newline and space); with the compiled
    loops also each character's number of occurrences (``freq``, by id; else None)."""

    def __init__(self, docs: list[str], n_jobs: int = 1, fielded: bool = False):
        # Trailing spaces: reading a few characters past the last word stays inside the array.
        # Each string is taken as its three fields (two newlines in it, as the tokenizer writes them), which the
        # newlines found below confirm: a document's separator is every third newline exactly when each has two.
        # When they do not, the text is made again (once: fielded) from the fields padded or cut to three (the
        # check was a str.count over every string, ~0.04 s at 110,000 documents on the refit's one busy core).
        texts = docs
        lengths = np.array(list(map(len, texts)), dtype=np.int64)  # as fast as sum(map(len, ...)) alone
        compiled = kernels.available()
        tally = np.zeros(0x10000, dtype=np.int64) if compiled else None
        cp = _utf16(texts, tally, n_jobs, int(lengths.sum()))
        present = tally > 0 if compiled else _present(cp, 0x10000)
        if present[0xD800:0xE000].any():  # characters beyond the BMP: code points as they are
            cp = np.frombuffer(("\n".join(texts) + " " * 8).encode("utf-32-le"), dtype=np.uint32)
            present = _present(cp, 0x110000)
            tally = None
        self.ok = not present[_OTHER_SPACE].any()
        if not self.ok:
            if not fielded and any(c.count("\n") != 2 for c in docs):
                self.__init__(_fielded(docs), n_jobs, True)
            return
        present[[_NL, _SP]] = False
        self.chars = np.flatnonzero(present)  # code points of the characters, ascending
        self.freq = tally[self.chars] if tally is not None else None
        n_c = self.n_c = len(self.chars)
        dt = np.int16 if n_c + 2 < 2**15 else np.int32
        lut = np.zeros(len(present), dtype=dt)
        lut[self.chars] = np.arange(n_c, dtype=dt)
        lut[_NL], lut[_SP] = n_c, n_c + 1
        # Character ids; n_c: field end, n_c + 1: space.
        if compiled:  # numpy's lut[cp] first copies cp as 64-bit indices (0.09 s at 110,000 documents)
            # Over the code units themselves where the ids are as wide (cp is not read again): 76 MB less
            # fresh memory at 110,000 documents (each element is read before it is written). In two
            # halves (on two threads with n_jobs > 1), each listing where its fields end.
            same = cp.flags.writeable and cp.dtype.itemsize == np.dtype(dt).itemsize
            self.cid = cp.view(dt) if same else np.empty(len(cp), dtype=dt)
            cut = len(cp) // 2
            ends = [np.empty(3 * len(texts), dtype=np.int64) for _ in range(2)]
            halves = [(cp[:cut], self.cid[:cut], ends[0]), (cp[cut:], self.cid[cut:], ends[1])]
            found = _run(lambda half: kernels.take_marked(lut, half[0], half[1], n_c, half[2]), halves, n_jobs)
            nl = np.concatenate([ends[0][: found[0]], ends[1][: found[1]] + cut])
        else:
            self.cid = lut[cp]
            nl = np.flatnonzero(self.cid == n_c)
        seps = np.cumsum(lengths[:-1] + 1) - 1  # where the newline after each document but the last is
        if not fielded and not (len(nl) == 3 * len(docs) - 1 and np.array_equal(nl[2::3], seps)):
            self.__init__(_fielded(docs), n_jobs, True)
            return
        # three newlines per document but the last
        self.doc_start = np.concatenate([[0], nl[2::3] + 1, [len(self.cid)]])

    def decode(self, starts: np.ndarray, lengths: np.ndarray) -> list[str]:
        """Return the words of the given lengths at the given positions of cid."""
        if len(starts) == 0:
            return []
        ends = np.cumsum(lengths + 1)  # each word and a space after it
        within = np.arange(int(ends[-1])) - np.repeat(ends - lengths - 1, lengths + 1)
        ids = np.take(self.cid, np.repeat(starts, lengths + 1) + within, mode="clip")
        cps = np.where(within < np.repeat(lengths, lengths + 1), self.chars[np.minimum(ids, self.n_c - 1)], _SP)
        return cps[:-1].astype(np.uint32).tobytes().decode("utf-32-le").split(" ")


class _Block:
    """One block of documents: its words (grouped within the block) and its character pairs."""

    def __init__(self, t: _Text, r0: int, r1: int, seen: np.ndarray | None):
        self.r0, self.r1 = r0, r1
        self.a = a = int(t.doc_start[r0])
        c = t.cid[a : int(t.doc_start[r1])]
        n_c = t.n_c
        sep = c >= n_c
        edge = np.flatnonzero(sep[1:] != sep[:-1]) + 1
        if len(c) and not sep[0]:
            edge = np.concatenate([[0], edge])
        start, length = edge[0::2], edge[1::2] - edge[0::2]  # the block ends with a separator
        self.field = np.searchsorted(np.flatnonzero(c == n_c), start).astype(np.int32)  # in the block
        group, first = _group_words(c, start, length, n_c)
        # Representatives (a group's first word) in order of appearance; words point at them.
        order = np.argsort(first)
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        self.word = rank[group]
        self.rep_start, self.rep_length = start[first[order]] + a, length[first[order]]
        self.keyword_reps = np.unique(self.word[self.field % 3 == 1])
        # Kept for the count: the characters without spaces and the bigrams' pair codes.
        self.cs, self.codes = _codes(c, n_c)
        if seen is not None:
            seen[self.codes] = True  # other threads only ever write True too
            self.pairs = None
        else:
            self.pairs = np.unique(self.codes)


def _bigram_starts(cs: np.ndarray, n_c: int) -> np.ndarray:
    # Places of the characters that start a bigram (both characters in one field).
    return (cs[:-1] < n_c) & (cs[1:] < n_c)


def _codes(c: np.ndarray, n_c: int):
    # Character ids without spaces, and the pair code of every bigram in order.
    cs = c[c != n_c + 1]
    ok = _bigram_starts(cs, n_c)
    width = n_c + 1
    dt = np.int32 if width * width < 2**31 else np.int64
    return cs, cs[:-1][ok].astype(dt) * dt(width) + cs[1:][ok]


_KEY32_BITS = 32  # keys of at most this many bits are sorted as uint32, longer ones as int64
_LANE = 21  # bits per field in a packed count: a block has fewer entries than 2**21


def _weights(key: np.ndarray, starts: np.ndarray, fw: np.ndarray) -> np.ndarray:
    """Return the summed field weights of the sorted keys' runs (each run starts at starts)."""
    if len(key) == 0:
        return np.zeros(0, np.float32)
    if len(key) >= 1 << _LANE:
        return np.add.reduceat(fw[key & 3], starts)
    # The occurrences per field of every run at once: one count lane per field in an int64,
    # summed by one cumulative sum (a reduceat over millions of short runs costs ten times more).
    lanes = np.array([1, 1 << _LANE, 1 << (2 * _LANE)], dtype=np.int64)
    total = np.cumsum(lanes[key & 3])[np.append(starts[1:], len(key)) - 1]
    total[1:] -= total[:-1].copy()
    low = (1 << _LANE) - 1
    n = [total & low, (total >> _LANE) & low, total >> (2 * _LANE)]
    out = n[0].astype(np.float32) * fw[0]
    out += n[1].astype(np.float32) * fw[1]
    out += n[2].astype(np.float32) * fw[2]
    return out


def _run(fn, items, n_jobs):
    if n_jobs > 1 and len(items) > 1:
        with ThreadPoolExecutor(n_jobs) as ex:
            return list(ex.map(fn, items))
    return [fn(i) for i in items]


def count_terms(
    docs: list[str], field_weights, char_unigrams: bool = True, n_jobs: int = 1, spare: list | None = None
) -> Counts | None:
    """Return the counts of token-cache strings, or None for text the string path must count. With ``spare``
    (compiled loops), the arrays the count is done with (the text's character ids, the occurrences' word ids)
    are appended to it, for a later stage to write into instead of fresh memory (kernels.split_postings)."""
    t = _Text(docs, n_jobs)
    if not t.ok:
        return None
    n_c, n_docs = t.n_c, len(docs)
    width = n_c + 1
    dense = width * width <= _DENSE_PAIRS
    # The compiled loops count a field's occurrences of a term in 21 bits (a field of over two million
    # characters, never seen in a listing, takes the numpy path).
    longest = int(np.diff(t.doc_start).max(initial=0))
    if dense and n_docs and kernels.available() and longest < 1 << _LANE:
        return _count_compiled(t, n_docs, field_weights, char_unigrams, n_jobs, spare)
    seen = np.zeros(width * width, dtype=bool) if dense else None
    spans = [(r, min(r + _BLOCK_ROWS, n_docs)) for r in range(0, n_docs, _BLOCK_ROWS)]
    blocks = _run(lambda span: _Block(t, *span, seen), spans, n_jobs)
    # All blocks' representatives (in order of appearance) grouped once more: the words.
    offsets = np.cumsum([0] + [len(b.rep_start) for b in blocks])
    rep_start = np.concatenate([b.rep_start for b in blocks] + [np.zeros(0, np.int64)])
    rep_length = np.concatenate([b.rep_length for b in blocks] + [np.zeros(0, np.int64)])
    group, first = _group_words(t.cid, rep_start, rep_length, n_c)
    order = np.argsort(first)  # numbered by first appearance, as the string path numbers them
    id_of = np.empty(len(order), dtype=np.int32)
    id_of[order] = np.arange(len(order), dtype=np.int32)
    rep_id = id_of[group]
    words = t.decode(rep_start[first[order]], rep_length[first[order]])
    kw = [rep_id[o + b.keyword_reps] for o, b in zip(offsets.tolist(), blocks)]
    keyword_ids = np.unique(np.concatenate(kw + [np.zeros(0, np.int32)]))
    if dense:
        pairs = np.flatnonzero(seen)
    else:  # very many distinct characters: sort instead
        pairs = np.unique(np.concatenate([b.pairs for b in blocks] + [np.zeros(0, np.int64)]))
    char_keys = (t.chars[pairs // width].astype(np.int64) << SHIFT) | t.chars[pairs % width]
    if char_unigrams:
        char_keys = np.concatenate([t.chars.astype(np.int64), char_keys])
    X, seg = _count(t, blocks, offsets, rep_id, pairs, len(words), n_docs, field_weights, char_unigrams, n_jobs)
    return Counts(X, words, char_keys, n_c if char_unigrams else 0, keyword_ids, seg)


def _number_words(t: _Text, n_c: int, fr: np.ndarray, seen: np.ndarray, n_docs: int, n_jobs: int):
    """kernels.word_pass over all documents, and the words as text. From _SPLIT_WORDS_DOCS documents on, with
    two threads, each half of the text (cut between documents) is numbered on its own (the pass is one hash table,
    so a single thread's: ~0.3 s at 110,000 documents while the other core waits), then the second half's words
    are renumbered after the first's: words first seen in the first half keep its ids, the second half's new ones
    follow in its order, which is the numbering by first appearance of one pass, array for array.

    The occurrences' word ids come as parts (occ, doc_occ, first document, end document): each document
    r of a part has its occurrences at occ[doc_occ[r]:]. The second half's occurrences are renumbered in
    place, not copied after the first's (44 MB of fresh memory less on the refit's single-threaded middle);
    the doc_occ returned beside the parts counts the occurrences of all documents in order."""
    if n_jobs < 2 or n_docs < _SPLIT_WORDS_DOCS:
        occ, doc_occ, doc_chr, rep_start, rep_len, is_kw = kernels.word_pass(t.cid, n_c, fr, seen)
        parts = [(occ, doc_occ, 0, n_docs)]
        return parts, doc_occ, doc_chr, rep_start, rep_len, is_kw, t.decode(rep_start, rep_len)
    # The halves cut where half the characters are (the pass's work is per character): the needs come first and
    # are short, so half the documents was ~47 % of the text at 110,000 documents and the first thread waited.
    half = min(max(int(np.searchsorted(t.doc_start, len(t.cid) // 2)), 1), n_docs - 1)
    cut = int(t.doc_start[half])  # the second half's first character; cid[cut - 1] ends a document
    with ThreadPoolExecutor(1) as ex:  # both mark bigrams in seen: only ever True
        second = ex.submit(kernels.word_pass, t.cid[cut:], n_c, fr, seen)
        occ_a, docs_a, chrs_a, start_a, len_a, kw_a = kernels.word_pass(t.cid[: cut - 1], n_c, fr, seen)
        occ_b, docs_b, chrs_b, start_b, len_b, kw_b = second.result()
    renumber = np.empty(len(start_b), dtype=np.int32)
    new = kernels.renumber_words(t.cid, start_a, len_a, start_b + cut, len_b, renumber)
    rep_start = np.concatenate([start_a, start_b[new] + cut])
    rep_len = np.concatenate([len_a, len_b[new]])
    is_kw = np.concatenate([kw_a, np.zeros(len(new), dtype=bool)])
    is_kw[renumber[kw_b]] = True
    kernels.take(renumber, occ_b, occ_b)  # in place: each element is read before it is written
    doc_occ = np.concatenate([docs_a, docs_b[1:] + len(occ_a)])
    doc_chr = np.concatenate([chrs_a, chrs_b[1:] + chrs_a[-1]])
    parts = [(occ_a, doc_occ, 0, half), (occ_b, doc_occ - len(occ_a), half, n_docs)]
    return parts, doc_occ, doc_chr, rep_start, rep_len, is_kw, t.decode(rep_start, rep_len)


def pair_ranks(places: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (first, second) frequency ranks of the bigrams at places of the compiled count's pair tables:
    the inverse of kernels._pair (m * m + m + second - first, m the larger rank)."""
    m = np.sqrt(places.astype(np.float64)).astype(np.int64)
    m -= m * m > places  # the float root rounded up past a square
    m += (m + 1) * (m + 1) <= places
    r = places - m * m
    low = r <= m  # the first is the larger
    return np.where(low, m, 2 * m - r), np.where(low, r, m)


def _count_compiled(t: _Text, n_docs: int, field_weights, char_unigrams: bool, n_jobs: int, spare=None) -> Counts:
    """The same counts from compiled loops (kernels.py): one pass numbers the words and marks the
    bigrams, then rows are counted a span at a time on n_jobs threads (the loops release the GIL)."""
    n_c = t.n_c
    width = n_c + 1
    # Characters ranked by frequency for the bigram tables (see kernels.word_pass); a bigram's feature
    # is still its rank in (first, second) code-point order.
    freq = t.freq
    if freq is None:  # characters beyond the BMP: counted here
        freq = np.zeros(n_c + 2, dtype=np.int64)
        kernels.tally(t.cid, freq)  # np.bincount(t.cid), without its copy of cid as 64-bit indices
        freq = freq[:n_c]
    by_freq = np.argsort(-freq, kind="stable")
    fr = np.empty(n_c, dtype=np.int64)
    fr[by_freq] = np.arange(n_c)
    seen = np.zeros(width * width, dtype=bool)
    parts, doc_occ, doc_chr, rep_start, rep_len, is_kw, words = _number_words(t, n_c, fr, seen, n_docs, n_jobs)
    in_fr = np.flatnonzero(seen)
    first, second = pair_ranks(in_fr)
    code = by_freq[first] * width + by_freq[second]  # the same pairs by character ids
    order = np.argsort(code)
    pairs = code[order]
    rank = np.zeros(width * width, dtype=np.int32)  # in frequency space
    rank[in_fr[order]] = np.arange(len(pairs), dtype=np.int32)
    n_w, n_u = len(words), n_c if char_unigrams else 0
    n_feat = n_w + n_u + len(pairs)
    char_keys = (t.chars[pairs // width].astype(np.int64) << SHIFT) | t.chars[pairs % width]
    if char_unigrams:
        char_keys = np.concatenate([t.chars.astype(np.int64), char_keys])
    doc_start = t.doc_start.astype(np.int64)
    step = max(1, -(-n_docs // (8 * max(1, n_jobs))))
    spans = [(occ, occ_at, r, min(r + step, d1)) for occ, occ_at, d0, d1 in parts for r in range(d0, d1, step)]
    # Two threads each take their half of the spans (cut where the room is halved) in order, each span written
    # right after the one before it (the first of a half from where its rows' most entries would start: a word
    # per occurrence, a character and a bigram per character); a thread done with its half takes the other's
    # spans from the far end, each written where its most would start. Then the rows are moved together and
    # the arrays cut to size in place: only the second half and the spans taken over move, about half the rows
    # (with every span at its most, every span but the first moved: at 110,000 documents 0.09 s on one core
    # while the other waited, and ~18,000 page faults where it wrote into the room left between spans, never
    # touched before). The room a span leaves unused is never touched.
    most = np.diff(doc_occ) + (2 if char_unigrams else 1) * np.diff(doc_chr)
    room = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(most, out=room[1:])
    indices = np.empty(int(room[-1]), dtype=np.int32)
    data = np.empty(int(room[-1]), dtype=np.float32)
    nnz = np.zeros(n_docs + 1, dtype=np.int64)
    seg = np.zeros((n_docs, 3), dtype=np.int64)
    fw = np.asarray(field_weights, dtype=np.float32)

    # Each thread's counts and document frequencies side by side (see kernels.fill_rows), one array for all
    # its spans: the counts are left zero by each span, the frequencies add up.
    accs, lock = [], threading.Lock()
    halves = 2 if n_jobs > 1 and len(spans) > 1 else 1  # two threads at most (the machines have two cores)
    starts = room[[r0 for _, _, r0, _ in spans]]
    cut = int(np.abs(starts - room[-1] / 2).argmin()) if halves == 2 else len(spans)
    cut = min(max(cut, 1), len(spans))
    todo = [[0, cut], [cut, len(spans)]]  # each half's next span and end

    def fill(half: int) -> None:
        acc = np.zeros((n_feat, 2), dtype=np.int64)
        accs.append(acc)
        end = None
        while True:
            with lock:
                own, other = todo[half], todo[1 - half]
                if own[0] < own[1]:
                    k, after_own = own[0], own[0] > (0 if half == 0 else cut)
                    own[0] += 1
                elif other[0] < other[1]:
                    other[1] -= 1
                    k, after_own = other[1], False
                else:
                    return
            occ, occ_at, r0, r1 = spans[k]
            if after_own:
                room[r0] = end  # where the span before ended: never past its most, as no row outgrows its most
            args = (t.cid, n_c, fr, doc_start, occ, occ_at, rank, n_w, n_u, n_feat, fw, r0, r1)
            kernels.fill_rows(*args, room, indices, data, nnz, seg, acc)
            end = room[r1 - 1] + nnz[r1]

    _run(fill, list(range(halves)), n_jobs)
    df = accs[0][:, 1].astype(np.int32)
    for acc in accs[1:]:
        df += acc[:, 1]
    indptr = np.cumsum(nnz)
    kernels.compact(room, indptr, indices, data)
    indices.resize(int(indptr[-1]), refcheck=False)
    data.resize(int(indptr[-1]), refcheck=False)
    X = sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_feat))
    X.has_sorted_indices = True
    keyword_ids = np.flatnonzero(is_kw).astype(np.int32)
    if spare is not None:  # read by nothing from here on
        spare.append(t.cid)
        spare.extend(occ for occ, _, _, _ in parts)
    return Counts(X, words, char_keys, n_u, keyword_ids, seg, df)


def _count(t, blocks, offsets, rep_id, pairs, n_w, n_docs, field_weights, char_unigrams, n_jobs):
    """Return the documents x features count matrix and each row's entries of words, characters
    and bigrams, counted a block of documents per sort."""
    n_c = t.n_c
    width = n_c + 1
    n_u = n_c if char_unigrams else 0
    n_feat = n_w + n_u + len(pairs)
    # A key holds the row within its block and the feature's final id (a bigram's rank, not its pair
    # code): 31 bits for 1,024 rows and 500,000 features, and a sort of 32-bit keys takes about half
    # the time of one of 64-bit keys.
    fbits = _bits(n_feat)
    rbits = _bits(max((b.r1 - b.r0 for b in blocks), default=1) - 1)
    if rbits + fbits + 2 > 63:
        raise ValueError("too many documents and features for one key")  # pragma: no cover
    kt = np.uint32 if rbits + fbits + 2 <= _KEY32_BITS else np.int64
    dense = width * width <= _DENSE_PAIRS
    rank = np.zeros(width * width if dense else 0, dtype=np.int32)
    rank[pairs] = np.arange(len(pairs), dtype=np.int32)
    fw = np.asarray(field_weights, dtype=np.float32)
    fmask = (1 << fbits) - 1

    def count(i: int):
        # Entry key: row | feature | field (0-2); sorted, the entries of one (row, feature) meet.
        blk, off = blocks[i], int(offsets[i])
        r0, r1 = blk.r0, blk.r1
        cs, codes = blk.cs, blk.codes
        blk.cs = blk.codes = None
        ok = _bigram_starts(cs, n_c)
        f = np.arange(3 * (r1 - r0), dtype=kt)
        fprefix = ((f // 3) << (fbits + 2)) | (f % 3)
        fstart = np.concatenate([[0], np.flatnonzero(cs == n_c) + 1])[: 3 * (r1 - r0)]
        prefix = np.repeat(fprefix, np.diff(np.append(fstart, len(cs))))  # of each position
        parts = [fprefix[blk.field] | (rep_id[off + blk.word].astype(kt) << 2)]
        if char_unigrams:
            is_char = cs < n_c
            parts.append(prefix[is_char] | ((cs[is_char].astype(kt) + n_w) << 2))
        bigram = rank[codes] if dense else np.searchsorted(pairs, codes)
        parts.append(prefix[:-1][ok] | ((bigram.astype(kt) + (n_w + n_u)) << 2))
        key = np.concatenate(parts)
        key.sort()
        new = np.empty(len(key), dtype=bool)
        new[:1] = True
        np.greater(key[1:] ^ key[:-1], 3, out=new[1:])  # another row or feature
        starts = np.flatnonzero(new)
        counts = _weights(key, starts, fw)
        g = key[starts] >> 2
        feats = (g & fmask).astype(np.int32)
        kind = (feats >= n_w).view(np.int8) + (feats >= n_w + n_u).view(np.int8)
        seg = np.bincount((g >> fbits).astype(np.int64) * 3 + kind, minlength=3 * (r1 - r0))
        return counts, feats, seg

    out = _run(count, range(len(blocks)), n_jobs)
    if not out:
        return sp.csr_matrix((0, n_feat), dtype=np.float32), np.zeros((0, 3), np.int64)
    seg = np.concatenate([o[2] for o in out]).reshape(-1, 3)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(seg.sum(axis=1), out=indptr[1:])
    X = sp.csr_matrix(
        (np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out]), indptr), shape=(n_docs, n_feat)
    )
    X.has_sorted_indices = True
    return X, seg
