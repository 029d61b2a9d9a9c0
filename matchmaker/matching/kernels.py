"""Compiled loops (numba) for the fit's counting: the same words, ids and counts as counts.py's numpy path.

numba is optional: without it (or with MATCHMAKER_NO_JIT set) ``available()`` is False and counts.py
counts with numpy sorts alone, which gives the same matrix a few times slower. The loops are compiled
on first use and cached beside this file (numba's ``cache=True``), so a process pays the compile once
per machine, not once per fit.
"""

from __future__ import annotations

import numpy as np

from .jit import available, numba

if numba is not None:
    from numba import njit
    from numba.cpython.unicode import _get_code_point
    from numba.cpython.unsafe.numbers import trailing_zeros

    from .kernels_explain import _AHEAD, _fetch, _prefetch

__all__ = [
    "absorb_text",
    "available",
    "compact",
    "embed_one",
    "embed_rows",
    "fill_rows",
    "mark",
    "nth_largest",
    "partial_scores",
    "query_chars",
    "query_order",
    "query_rows",
    "renumber_words",
    "row_dots",
    "row_dots_z",
    "split_dense",
    "split_postings",
    "take",
    "take_marked",
    "tally",
    "weigh_rows",
    "word_pass",
]

_LANE = 21  # bits per field in a packed count (as counts.py)
_LOW = (1 << _LANE) - 1
_MIX = 0x9E3779B97F4A7C15 >> 2  # a multiplier for a query's hash table (kept below 2**63)
_SPLIT_CHUNKS = 4  # split_postings deals the kept entries to its buckets in this many chunks of rows
_SPLIT_SHIFT = 10  # split_postings' buckets: 2**_SPLIT_SHIFT neighbouring terms each
_EMBED_TERMS = 4096  # embed_rows adds the entries of this many terms (their rows of C) at a time
_ROWS_AHEAD = 8  # row_dots: rows whose entries are asked for ahead
_STARTS_AHEAD = 16  # row_dots: rows whose starts (indptr entries) are asked for ahead
_TERMS_AHEAD = 4  # partial_scores: terms whose postings are asked for ahead


if numba is not None:

    @njit(cache=True, nogil=True, inline="always")
    def _pair(first, second):
        # A bigram's place in the tables of pairs of frequency ranks (word_pass's seen, fill_rows' rank): pairs
        # by their larger rank m, each m's 2m + 1 pairs after the smaller ones' (counts.pair_ranks inverts it),
        # so that the pairs of the K commonest characters take the first K * K places, most of all bigrams in
        # a few hundred KB that stay in cache. Laid out first * (n_c + 1) + second, the same pairs were
        # spread over rows of n_c + 1 apart: word_pass 0.30 -> 0.27 s, fill_rows 0.61-0.69 -> 0.56-0.65 s
        # of one core on the same documents.
        m = max(first, second)
        return m * m + m + second - first

    @njit(cache=True, nogil=True)
    def _scan(cid, n_c, fr, seen, st, table, rep_start, rep_at, rep_len, rep_hash, is_kw, pool, occ, doc_occ, doc_chr):
        # word_pass's loop, from the state st (position, words, occurrences, documents, field, previous
        # character, pooled characters); returns False, st at a word's start, when a new word finds the
        # table half full or the pool full (no array is reassigned in here: that alone made it 4x slower).
        n = len(cid)
        i, n_words, n_occ, n_docs, field, prev, pooled, n_chr = st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[8]
        mask = np.int64(len(table) - 1)
        done = True
        while i < n:
            c = cid[i]
            if c == n_c:  # a field's end
                prev = -1
                field += 1
                if field == 3:
                    field = 0
                    doc_occ[n_docs] = n_occ
                    doc_chr[n_docs] = n_chr
                    n_docs += 1
                i += 1
                continue
            if c > n_c:  # a space: bigrams go on across it
                i += 1
                continue
            prev0 = prev
            h = np.uint64(14695981039346656037)  # FNV-1a over the character ids
            j = i
            while j < n and cid[j] < n_c:
                cc = cid[j]
                h = (h ^ np.uint64(cc)) * np.uint64(1099511628211)
                c_fr = fr[cc]
                if prev >= 0:
                    seen[_pair(prev, c_fr)] = True
                prev = c_fr
                j += 1
            n_chr += j - i
            h ^= h >> np.uint64(33)  # murmur3's finaliser: every bit of h reaches the low ones
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
            length = j - i
            # The word's slot: its id, or -1 at a free slot. Words are compared with their copy in
            # pool, which stays in cache, not with their first occurrence (a read from anywhere).
            slot = np.int64(h >> np.uint64(1)) & mask
            while True:
                w = np.int64(table[slot])
                if w < 0:
                    break
                if rep_hash[w] == h and rep_len[w] == length:
                    a = rep_at[w]
                    same = True
                    for k in range(length):
                        if pool[a + k] != cid[i + k]:
                            same = False
                            break
                    if same:
                        break
                slot = (slot + 1) & mask
            if w < 0:
                if 2 * (n_words + 1) > len(table) or pooled + length > len(pool):
                    prev = prev0
                    n_chr -= length
                    st[7] = length
                    done = False
                    break
                w = n_words
                n_words += 1
                rep_start[w], rep_at[w], rep_len[w], rep_hash[w] = i, pooled, length, h
                pool[pooled : pooled + length] = cid[i:j]
                pooled += length
                table[slot] = w
            if field == 1:
                is_kw[w] = True
            occ[n_occ] = w
            n_occ += 1
            i = j
        st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[8] = i, n_words, n_occ, n_docs, field, prev, pooled, n_chr
        return done

    @njit(cache=True, nogil=True)
    def _rehash(rep_hash, n_words, cap):
        table = np.full(cap, -1, np.int32)
        mask = np.int64(cap - 1)
        for v in range(n_words):
            s = np.int64(rep_hash[v] >> np.uint64(1)) & mask
            while table[s] >= 0:
                s = (s + 1) & mask
            table[s] = v
        return table

    def word_pass(cid, n_c, fr, seen):
        """Number the words of the text (runs of character ids below n_c) by first appearance.

        Returns (word id of each occurrence, each document's first occurrence and first character
        (characters counted without separators), each word's first start and length, which words
        appear in a keywords field); marks in
        ``seen`` every bigram inside a field, by its characters' frequency ranks fr (at _pair(first,
        second): the common pairs, most of all, then fall in the table's first few hundred KB, which
        stay in cache)."""
        n = len(cid)
        cap = 1 << 16
        rep = [np.empty(cap // 2, dt) for dt in (np.int64, np.int64, np.int64, np.uint64, np.bool_)]
        rep[4][:] = False
        table = np.full(cap, -1, np.int32)
        pool = np.empty(2 * cap, cid.dtype)
        occ = np.empty(n // 2 + 1, np.int32)  # a word is followed by a separator
        doc_occ = np.zeros(n // 3 + 2, np.int64)
        doc_chr = np.zeros(n // 3 + 2, np.int64)
        # position, words, occurrences, documents, field, previous character, pooled, wanted, characters
        st = np.array([0, 0, 0, 1, 0, -1, 0, 0, 0], dtype=np.int64)
        while not _scan(cid, n_c, fr, seen, st, table, *rep, pool, occ, doc_occ, doc_chr):
            n_words = int(st[1])
            if 2 * (n_words + 1) > cap:
                cap *= 2
                table = _rehash(rep[3], n_words, cap)
                grown = [np.zeros(cap // 2, a.dtype) for a in rep]
                for g, a in zip(grown, rep):
                    g[:n_words] = a[:n_words]
                rep = grown
            if int(st[6]) + int(st[7]) > len(pool):
                pool = np.concatenate([pool, np.empty(max(len(pool), int(st[7])), cid.dtype)])
        n_words, n_occ, n_docs = int(st[1]), int(st[2]), int(st[3])
        doc_occ[n_docs], doc_chr[n_docs] = n_occ, st[8]
        rep_start, _, rep_len, _, is_kw = rep
        words = rep_start[:n_words], rep_len[:n_words], is_kw[:n_words]
        return occ[:n_occ], doc_occ[: n_docs + 1], doc_chr[: n_docs + 1], *words

    @njit(cache=True, nogil=True)
    def _word_hash(cid, a, length):
        # FNV-1a over a word's character ids, then murmur3's finaliser (as _scan hashes a word).
        h = np.uint64(14695981039346656037)
        for i in range(a, a + length):
            h = (h ^ np.uint64(cid[i])) * np.uint64(1099511628211)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        return h

    @njit(cache=True, nogil=True)
    def renumber_words(cid, start_a, len_a, start_b, len_b, out):
        """The ids of a second word list after a first one: each word of b (distinct words, characters
        cid[start : start + length]) gets the id of the same word of a, or the next new id (len(a), then on)
        in b's order, in out. Returns the places in b of its new words, in order. (What a dict from a's
        words to their ids gives, looked up in b's order, a hash table over the character ids instead of
        decoded strings: ~0.1 s less on the refit's single-threaded middle at 110,000 documents.)"""
        n_a = len(start_a)
        cap = 16
        while cap < 2 * n_a:
            cap <<= 1
        mask = np.int64(cap - 1)
        table = np.full(cap, -1, np.int64)
        hashes = np.empty(n_a, np.uint64)
        for w in range(n_a):
            h = _word_hash(cid, start_a[w], len_a[w])
            hashes[w] = h
            s = np.int64(h >> np.uint64(1)) & mask
            while table[s] >= 0:
                s = (s + 1) & mask
            table[s] = w
        new = np.empty(len(start_b), np.int64)
        k = 0
        for j in range(len(start_b)):
            a, length = start_b[j], len_b[j]
            h = _word_hash(cid, a, length)
            s = np.int64(h >> np.uint64(1)) & mask
            found = -1
            while True:
                w = table[s]
                if w < 0:
                    break
                if hashes[w] == h and len_a[w] == length:
                    b = start_a[w]
                    same = True
                    for i in range(length):
                        if cid[b + i] != cid[a + i]:
                            same = False
                            break
                    if same:
                        found = w
                        break
                s = (s + 1) & mask
            if found < 0:
                found = n_a + k
                new[k] = j
                k += 1
            out[j] = found
        return new[:k]

    @njit(cache=True, nogil=True)
    def _grown(a, size):
        out = np.empty(size, a.dtype)
        out[: len(a)] = a
        return out

    @njit(cache=True, nogil=True)
    def _doc(cid, a, b, n_c, fr, occ, o, n_w, n_u, rank, acc, bits, top, feats, lanes):
        # Accumulate one document's entries (cid[a:b], its word occurrences from o) in acc[:, 0], one
        # count lane per field, and mark each feature it touches in the two-level bitmap (bits:
        # one bit per feature; top: one bit per word of bits); returns how many it touched.
        # First its entries are listed (a bigram by its pair code), then the bigrams' ranks are
        # looked up in one loop (independent reads the processor overlaps: looked up one by one
        # between the counts, they cost three times as much), then the entries are counted. The lookup
        # loop also asks for each entry's cache line of acc ahead (acc is 6 MB at 100,000 results, the
        # rarer features' counts mostly outside the core's cache): the counting loop's branch on a first
        # touch, mispredicted often, had the processor wait for the misses one at a time (one span's rows
        # 0.19-0.20 -> 0.13-0.14 s of one core; asking for the bigrams' ranks ahead too gained nothing).
        base = n_w + n_u
        n = 0
        field = 0
        prev = -1
        in_word = False
        lane = np.int64(1)
        for i in range(a, b):
            c = cid[i]
            if c >= n_c:
                in_word = False
                if c == n_c:
                    field += 1
                    lane = np.int64(1) << np.int64(_LANE * field)
                    prev = -1
                continue
            if not in_word:
                in_word = True
                feats[n] = occ[o]
                lanes[n] = lane
                n += 1
                o += 1
            if n_u:
                feats[n] = n_w + c
                lanes[n] = lane
                n += 1
            c_fr = fr[c]
            if prev >= 0:
                feats[n] = -1 - _pair(prev, c_fr)
                lanes[n] = lane
                n += 1
            prev = c_fr
        accf = acc.reshape(-1)
        for t in range(n):
            f = feats[t]
            if f < 0:
                f = base + rank[-1 - f]
                feats[t] = f
            _prefetch(accf, 2 * f)  # its count's cache line asked for now, read in the next loop
        k = 0
        for t in range(n):
            f = feats[t]
            if acc[f, 0] == 0:
                k += 1
                bits[f >> 6] |= np.uint64(1) << np.uint64(f & 63)
                top[f >> 12] |= np.uint64(1) << np.uint64((f >> 6) & 63)
            acc[f, 0] += lanes[t]
        return k

    @njit(cache=True, nogil=True)
    def fill_rows(
        cid, n_c, fr, doc_start, occ, doc_occ, rank, n_w, n_u, n_feat, fw, r0, r1, room, indices, data, nnz, seg, acc
    ):
        """Write the rows r0:r1 of the count matrix (indices ascending) one after the other from room[r0] on
        (room[r] is the most row r can start at; it is set to where it starts: the room the rows leave
        unused, a fifth, stays at the end of the span, never touched), each row's number of entries in
        nnz[r + 1] and its entries per part in seg[r]; add the rows' document frequency of each feature to
        acc[:, 1] (summed over the spans, np.bincount of the matrix's indices).

        acc (n_feat x 2, int64, a thread's own, reused from span to span) holds a feature's count of the row
        being counted in acc[f, 0] (zero between rows) and its document frequency beside it in acc[f, 1]:
        the count is read just before the frequency is raised, so both are one cache line. In an array of
        their own the frequencies (1.5 MB at 100,000 results) missed the cache on most entries: one span's
        rows 0.23 -> 0.21 s of one core, alone, the same rows and frequencies."""
        bits = np.zeros((n_feat >> 6) + 1, np.uint64)
        top = np.zeros((n_feat >> 12) + 1, np.uint64)
        longest = 0
        for r in range(r0, r1):  # the most entries of a row: a word, a character and a bigram per position
            longest = max(longest, 3 * (doc_start[r + 1] - doc_start[r]))
        feats = np.empty(longest, np.int64)
        lanes = np.empty(longest, np.int64)
        f0, f1, f2 = fw[0], fw[1], fw[2]
        low = np.int64(_LOW)
        p = room[r0]
        for r in range(r0, r1):
            k = _doc(
                cid,
                doc_start[r],
                doc_start[r + 1],
                n_c,
                fr,
                occ,
                doc_occ[r],
                n_w,
                n_u,
                rank,
                acc,
                bits,
                top,
                feats,
                lanes,
            )
            nnz[r + 1] = k
            room[r] = p
            s0 = s1 = s2 = 0  # the row's entries per part, counted in registers (seg[r, ...] += 1 was a store
            # and a load of memory each entry, whose arrays the compiler cannot tell apart: 8 % of the loop)
            for j in range(len(top)):  # the touched features in ascending order, cleared as read
                w1 = top[j]
                top[j] = 0
                while w1:
                    i0 = j * 64 + trailing_zeros(w1)
                    w1 &= w1 - np.uint64(1)
                    w0 = bits[i0]
                    bits[i0] = 0
                    while w0:
                        f = i0 * 64 + trailing_zeros(w0)
                        w0 &= w0 - np.uint64(1)
                        v = acc[f, 0]
                        acc[f, 0] = 0
                        acc[f, 1] += 1
                        x = np.float32(v & low) * f0
                        x += np.float32((v >> np.int64(_LANE)) & low) * f1
                        x += np.float32(v >> np.int64(2 * _LANE)) * f2
                        indices[p] = f
                        data[p] = x
                        p += 1
                        if f < n_w:
                            s0 += 1
                        elif f < n_w + n_u:
                            s1 += 1
                        else:
                            s2 += 1
            seg[r, 0], seg[r, 1], seg[r, 2] = s0, s1, s2

    @njit(cache=True, nogil=True)
    def compact(room, indptr, indices, data):
        """Move each row r from room[r] to indptr[r] (never later: rows move forward, in order)."""
        for r in range(len(indptr) - 1):
            a, b = room[r], indptr[r]
            if a != b:
                for t in range(indptr[r + 1] - b):
                    indices[b + t] = indices[a + t]
                    data[b + t] = data[a + t]

    @njit(cache=True, nogil=True, inline="always")
    def _tally(table, mask, keys, counts, k, key, w):
        # Add w to key's count (a new key is numbered k, in order of first appearance); return the keys.
        h = ((key * _MIX) >> 40) & mask
        while True:
            j = table[h]
            if j < 0:
                table[h] = k
                keys[k] = key
                counts[k] = 0.0 + w
                return k + 1
            if keys[j] == key:
                counts[j] += w
                return k
            h = (h + 1) & mask

    @njit(cache=True, nogil=True)
    def query_chars(cp, fw, unigrams, char_keys, n_words):
        """One query's character n-grams (Vectorizer._transform_one's dict loop): the code points of its
        three fields without spaces, joined by newlines. Returns the keys in the dict's order (per field its
        characters, then its bigrams, each key where it first appeared), their field-weighted counts
        (summed in the same order) and their features (n_words plus the key's place in char_keys, or -1:
        Vectorizer._lookup)."""
        n = len(cp)
        cap = 16
        while cap < 4 * n:
            cap <<= 1
        mask = np.int64(cap - 1)
        table = np.full(cap, -1, np.int64)
        keys = np.empty(2 * n + 1, np.int64)
        counts = np.empty(2 * n + 1, np.float64)
        k = 0
        a = 0
        field = 0
        while a <= n and field < len(fw):
            b = a
            while b < n and cp[b] != 10:
                b += 1
            w = fw[field]
            if unigrams:
                for i in range(a, b):
                    k = _tally(table, mask, keys, counts, k, np.int64(cp[i]), w)
            for i in range(a, b - 1):
                key = (np.int64(cp[i]) << _LANE) | np.int64(cp[i + 1])
                k = _tally(table, mask, keys, counts, k, key, w)
            field += 1
            a = b + 1
        ids = np.full(k, -1, np.int64)
        _lookup_all(char_keys, keys, k, ids, n_words)
        return keys[:k], counts[:k], ids

    @njit(cache=True, nogil=True)
    def _lookup_all(char_keys, keys, k, ids, n_words):
        # ids[j] = n_words + the place of keys[j] in the sorted char_keys (np.searchsorted), where it is
        # there. All keys' searches step down together, a halving at a time, without a branch: a query's few
        # hundred keys meet char_keys (MBs) cold, and one search at a time waited for each of its ~19 reads
        # in turn (a mispredicted branch at every step also dropped the reads the processor had started): 45 -> 20 us
        # per query at 100,000 results, right after another search engine's query.
        nk = len(char_keys)
        if nk == 0 or k == 0:
            return
        base = np.zeros(k, np.int64)
        n = nk
        while n > 1:
            half = n >> 1
            for j in range(k):
                b = base[j]
                base[j] = b + half if char_keys[b + half] < keys[j] else b
            n -= half
        for j in range(k):
            b = base[j]
            if char_keys[b] < keys[j]:
                b += 1
            if b < nk and char_keys[b] == keys[j]:
                ids[j] = b + n_words

    @njit(cache=True, nogil=True)
    def query_order(w_ids, w_counts, c_ids, c_counts, idf, n_fitted):
        """The known terms of a query, words then n-grams, each by feature (stable), with their counts
        and the IDF of the fitted ones (0 for the others), and the number of words."""
        nw = 0
        for j in range(len(w_ids)):
            if w_ids[j] >= 0:
                nw += 1
        nc = 0
        for j in range(len(c_ids)):
            if c_ids[j] >= 0:
                nc += 1
        ids = np.empty(nw + nc, np.int64)
        counts = np.empty(nw + nc, np.float64)
        o = 0
        for part in range(2):
            src, cnt = (w_ids, w_counts) if part == 0 else (c_ids, c_counts)
            kept = np.empty(nw if part == 0 else nc, np.int64)
            h = 0
            for j in range(len(src)):
                if src[j] >= 0:
                    kept[h] = j
                    h += 1
            order = np.argsort(src[kept], kind="mergesort")
            for r in range(h):
                j = kept[order[r]]
                ids[o] = src[j]
                counts[o] = cnt[j]
                o += 1
        g = np.zeros(nw + nc, np.float64)
        for j in range(nw + nc):
            if ids[j] < n_fitted:
                g[j] = idf[ids[j]]
        return ids, counts, g, nw

    @njit(cache=True, nogil=True)
    def query_rows(ids, data, n_w, f_w, f_c):
        """The query's row: word weights times f_w, n-gram weights times f_c, zeros left out, by feature
        (stable), as float32 weights and int32 features."""
        n = 0
        for j in range(len(data)):
            x = data[j] * (f_w if j < n_w else f_c)
            data[j] = x
            if x != 0:
                n += 1
        kept = np.empty(n, np.int64)
        h = 0
        for j in range(len(data)):
            if data[j] != 0:
                kept[h] = j
                h += 1
        order = np.argsort(ids[kept], kind="mergesort")
        out_i = np.empty(n, np.int32)
        out_d = np.empty(n, np.float32)
        for r in range(n):
            j = kept[order[r]]
            out_i[r] = ids[j]
            out_d[r] = data[j]
        return out_d, out_i

    def split_postings(indptr, indices, data, selective, n_feat, n_rows, spare=()):
        """Split CSR rows into postings of the selective terms (terms x rows, rows ascending) and
        the rows' other entries: what scipy's tocsc() of the kept part and a masked copy of the
        rest give. Kept entries are first dealt, in row order, to a few hundred buckets of
        neighbouring terms (each bucket a stretch of the postings), then placed bucket by bucket,
        so that each write lands near the last one of its stream (placing them straight away
        missed the cache on nearly every entry); a chunk of rows at a time (_SPLIT_CHUNKS chunks of
        about equal entries), so that the buckets take a quarter of the memory, reused. One pass
        beforehand counts both each term's postings and each chunk's entries per bucket.

        The arrays kept are numpy's own (numba's allocations are plain malloc): numpy asks Linux for
        transparent huge pages for any array of 4 MB or more, and a query reads these from all over
        (at 100,000 results, 374 MB of postings and rest; with 4 KB pages nearly every read also
        missed the TLB).

        ``spare``: arrays nothing reads any more (a fit's count hands on its text's character ids and its
        occurrences' word ids), whose memory the split writes into instead of fresh memory (each page of that
        a page fault on its first touch): an array kept from an allocation whose touched part it covers (it
        keeps the whole allocation alive: only its untouched rest is left, never resident), then taken out of
        ``spare``, and the buckets. Nothing is read before it is written."""
        lo, nnz = int(indptr[0]), int(indptr[n_rows] - indptr[0])
        n_chunks = max(1, min(_SPLIT_CHUNKS, n_rows))
        bounds = np.searchsorted(indptr[: n_rows + 1], lo + np.arange(n_chunks + 1) * nnz // n_chunks)
        bounds[0], bounds[-1] = 0, n_rows
        bounds = np.unique(bounds).astype(np.int64)  # chunks of rows, none empty
        p_ptr, per_bucket = _posting_starts(indptr, indices, selective, n_feat, bounds)
        n_keep = int(p_ptr[-1])
        r_ind = _carve_kept(spare, nnz - n_keep, indices.dtype)
        p_ind = _carve_kept(spare, n_keep, np.int32)
        p_dat = _carve_kept(spare, n_keep, data.dtype)
        r_dat = _carve_kept(spare, nnz - n_keep, data.dtype)
        r_ptr = np.empty(n_rows + 1, indptr.dtype)
        # The buckets (each kept entry's row and term within its bucket as one key, and its weight) for a
        # chunk at a time, reused: fresh memory is dear (each page's first touch is a page fault; at 100,000
        # rows buckets for all the entries at once took ~340 MB, and as many seconds of system time as the
        # placing took itself). A 32-bit key while the rows allow it: 8 bytes an entry, not 12.
        cap = max(1, int(per_bucket.sum(axis=1).max(initial=0)))
        pool = [m[:2] for m in map(_memory, spare) if m is not None]
        t_key = _carve(pool, cap, np.uint32 if n_rows <= 1 << (32 - _SPLIT_SHIFT) else np.uint64)
        t_dat = _carve(pool, cap, data.dtype)
        _split_into(
            indptr, indices, data, selective, bounds, per_bucket, p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat, t_key, t_dat
        )
        return p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat

    def _memory(a: np.ndarray):
        # (the bytes of a, the bytes of the allocation a starts, the allocation's number of items) of a spare array,
        # or None. What lies beyond a in its allocation was never touched by whoever handed a on.
        if not (a.flags.c_contiguous and a.flags.writeable) or a.ctypes.data % 16:
            return None
        root = a
        while isinstance(root.base, np.ndarray):
            root = root.base
        touched = a.reshape(-1).view(np.uint8)
        if root.flags.c_contiguous and root.flags.writeable and root.ctypes.data == a.ctypes.data:
            return touched, root.reshape(-1).view(np.uint8), root.size
        return touched, touched, a.size

    def _carve_kept(spare, n: int, dtype) -> np.ndarray:
        # An empty array of n items that outlives the split, from the spare allocation that holds it and whose
        # touched memory, all within it, is the most (nothing touched outside it stays alive with it); taken out
        # of spare. Else fresh. Not from an allocation of more than twice its items: scipy's sparse matrices
        # copy such a view when given it (sparse._compressed's prune), which would undo the saving.
        dtype = np.dtype(dtype)
        need, best = n * dtype.itemsize, None
        for k, m in enumerate(map(_memory, spare)):
            if m is None or not len(m[0]) <= need <= len(m[1]) or n < m[2] // 2:
                continue
            if best is None or len(m[0]) > best[1]:
                best = (k, len(m[0]), m[1])
        if best is None:
            return np.empty(n, dtype)
        kept = best[2][:need].view(dtype)
        spare[:] = [a for a in spare if not np.may_share_memory(a, best[2])]  # nor is anything else written there
        return kept

    def _carve(pool: list, n: int, dtype) -> np.ndarray:
        # An empty array of n items for the split's own use, from the spare allocation that holds it with the most
        # touched memory in its first n items (the smallest of those), else fresh; what it leaves stays in the pool
        # (pairs of touched and whole bytes, from _memory). At 110,000 documents the buckets are 56 MB, ~14,000
        # page faults if fresh, on the refit's last stretch.
        dtype = np.dtype(dtype)
        need = -(-n * dtype.itemsize // 16) * 16
        fits = [k for k, (_, whole) in enumerate(pool) if len(whole) >= need]
        if not fits:
            return np.empty(n, dtype)
        k = min(fits, key=lambda k: (-min(len(pool[k][0]), need), len(pool[k][1])))
        touched, whole = pool[k]
        pool[k] = (touched[need:], whole[need:])
        return whole[: n * dtype.itemsize].view(dtype)

    @njit(cache=True, nogil=True)
    def _posting_starts(indptr, indices, selective, n_feat, bounds):
        # Where each selective term's postings start (and, last, how many there are), and each chunk's
        # (rows bounds[c]:bounds[c + 1]) kept entries per bucket of 2**_SPLIT_SHIFT terms. Every entry adds
        # its term's selectivity (0 or 1) without a branch: whether a term is selective is unpredictable
        # entry by entry, and the mispredicted branch took half the time (0.21 -> 0.11 s at 100,000 rows).
        counts = np.zeros(n_feat + 1, np.int32)  # fewer entries than 2**31 (SideIndex checks)
        per_bucket = np.zeros((len(bounds) - 1, (n_feat >> _SPLIT_SHIFT) + 1), np.int64)
        is_sel = selective.view(np.uint8)
        for c in range(len(bounds) - 1):
            in_chunk = per_bucket[c]
            for e in range(indptr[bounds[c]], indptr[bounds[c + 1]]):
                f = indices[e]
                s = is_sel[f]
                counts[f + 1] += s
                in_chunk[f >> _SPLIT_SHIFT] += s
        out = np.empty(n_feat + 1, np.int64)
        total = np.int64(0)
        for f in range(n_feat + 1):
            total += counts[f]
            out[f] = total
        return out, per_bucket

    @njit(cache=True, nogil=True)
    def _split_into(
        indptr, indices, data, selective, bounds, per_bucket, p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat, t_key, t_dat
    ):
        # split_postings' placing, into the arrays given, a chunk of rows at a time: the chunk's kept entries
        # dealt to the buckets (t_key: row << _SPLIT_SHIFT | the term's place in its bucket; t_dat), then
        # placed bucket by bucket.
        shift = _SPLIT_SHIFT
        low = (1 << shift) - 1
        n_buckets = per_bucket.shape[1]
        fill = np.empty(n_buckets, np.int64)
        at = p_ptr[:-1].copy()
        q = 0
        for c in range(len(bounds) - 1):
            o = 0
            for b in range(n_buckets):
                fill[b] = o
                o += per_bucket[c, b]
            for r in range(bounds[c], bounds[c + 1]):
                r_ptr[r] = q
                row_key = np.int64(r) << shift
                for e in range(indptr[r], indptr[r + 1]):
                    f = indices[e]
                    if selective[f]:
                        b = f >> shift
                        k = fill[b]
                        t_key[k] = row_key | (f & low)
                        t_dat[k] = data[e]
                        fill[b] = k + 1
                    else:
                        r_ind[q] = f
                        r_dat[q] = data[e]
                        q += 1
            k = 0
            for b in range(n_buckets):  # each bucket's entries, still in row order, to their terms' places
                first = np.int64(b) << shift
                while k < fill[b]:  # fill[b]: now where bucket b ends
                    key = np.int64(t_key[k])
                    f = first + (key & low)
                    j = at[f]
                    p_ind[j] = key >> shift
                    p_dat[j] = t_dat[k]
                    at[f] = j + 1
                    k += 1
        r_ptr[len(r_ptr) - 1] = q

    @njit(cache=True, nogil=True)
    def nth_largest(values, step, m):
        # The m-th largest of values[::step] (duplicates counted), as np.partition(values[::step], len - m)
        # gives it: one pass keeping the m largest in a min-heap, no copy of the sample (1 <= m <= sample).
        heap = np.empty(m, values.dtype)
        h = 0
        for i in range(0, len(values), step):
            v = values[i]
            if h < m:  # fill: sift up
                j = h
                h += 1
                while j > 0:
                    p = (j - 1) >> 1
                    if heap[p] <= v:
                        break
                    heap[j] = heap[p]
                    j = p
                heap[j] = v
            elif v > heap[0]:  # replace the smallest: sift down
                j = 0
                while True:
                    c = 2 * j + 1
                    if c >= m:
                        break
                    if c + 1 < m and heap[c + 1] < heap[c]:
                        c += 1
                    if heap[c] >= v:
                        break
                    heap[j] = heap[c]
                    j = c
                heap[j] = v
        return heap[0]

    @njit(cache=True, nogil=True, inline="always")
    def _ask_row(indptr, indices, data, r):
        # Ask for row r's entries (a cache line every 16 of them) without waiting for them.
        for e in range(indptr[r], indptr[r + 1], 16):
            _prefetch(indices, e)
            _prefetch(data, e)

    @njit(cache=True, nogil=True, inline="always")
    def _row_dot(indptr, indices, data, r, q):
        # Row r's dot product with the dense q, summed in float32 entry by entry in the row's order. Positions
        # as unsigned integers: signed ones are checked for a negative value at every read.
        acc = np.float32(0)
        for e in range(np.uint64(indptr[r]), np.uint64(indptr[r + 1])):
            acc += data[e] * q[np.uint64(indices[e])]
        return acc

    @njit(cache=True, nogil=True, inline="always")
    def _ask_rows_ahead(indptr, indices, data, rows, c):
        # Row c + _ROWS_AHEAD's entries asked for, and row c + _STARTS_AHEAD's start (its indptr entry, itself
        # cold: asking for a row's entries waited for it).
        m = len(rows)
        if c + _STARTS_AHEAD < m:
            _prefetch(indptr, rows[c + _STARTS_AHEAD])
        if c + _ROWS_AHEAD < m:
            _ask_row(indptr, indices, data, rows[c + _ROWS_AHEAD])

    @njit(cache=True, nogil=True)
    def row_dots(indptr, indices, data, rows, q):
        # index.row_dots (float32 rows and q): each row's dot product with the dense q, summed in float32
        # entry by entry in the row's order as scipy's csr_matvec sums it (the same floats), the rows in
        # the order given, each row's entries asked for _ROWS_AHEAD rows ahead (the rows lie all over memory).
        m = len(rows)
        out = np.empty(m, np.float32)
        for c in range(min(_STARTS_AHEAD, m)):
            _prefetch(indptr, rows[c])
        for c in range(min(_ROWS_AHEAD, m)):
            _ask_row(indptr, indices, data, rows[c])
        for c in range(m):
            _ask_rows_ahead(indptr, indices, data, rows, c)
            out[c] = _row_dot(indptr, indices, data, rows[c], q)
        return out

    @njit(cache=True, nogil=True)
    def row_dots_z(indptr, indices, data, rows, q, Z):
        # row_dots, and the rows' embeddings (Z[rows]) copied on the way, asked for with the rows' entries. With
        # cold caches at 100,000 results 175 us for a query's 200 candidates, where rows four ahead (and their
        # starts not asked for) took 250 us.
        m = len(rows)
        k = Z.shape[1]
        out = np.empty(m, np.float32)
        Zc = np.empty((m, k), Z.dtype)
        Zf = Z.ravel()
        for c in range(min(_STARTS_AHEAD, m)):
            _prefetch(indptr, rows[c])
        for c in range(min(_ROWS_AHEAD, m)):
            _ask_row(indptr, indices, data, rows[c])
            for j in range(rows[c] * k, (rows[c] + 1) * k, 16):
                _prefetch(Zf, j)
        for c in range(m):
            _ask_rows_ahead(indptr, indices, data, rows, c)
            if c + _ROWS_AHEAD < m:
                r = rows[c + _ROWS_AHEAD]
                for j in range(r * k, (r + 1) * k, 16):
                    _prefetch(Zf, j)
            r = rows[c]
            out[c] = _row_dot(indptr, indices, data, r, q)
            for j in range(k):
                Zc[c, j] = Z[r, j]
        return out, Zc

    @njit(cache=True, nogil=True, inline="always")
    def _ask_postings(indptr, indices, data, t):
        # The first cache lines of term t's postings (the processor follows the stream on from there).
        a = indptr[t]
        for e in range(a, min(a + 64, indptr[t + 1]), 16):
            _prefetch(indices, e)
            _prefetch(data, e)

    @njit(cache=True, nogil=True)
    def partial_scores(indptr, indices, data, selective, qi, qd, part):
        """SideIndex._partial of a query's selective terms through scipy's csc_matvec, its spans included:
        part (one value per row) zeroed, then for each selective term of the query (qi, qd), in descending
        feature order, each of its postings' values times the term's weight added to its row, in float32
        (the same floats). The next terms' postings are asked for _TERMS_AHEAD terms ahead (each term's
        postings start cold). Returns the number of selective terms (none: part is left as it was)."""
        n = 0
        for j in range(len(qi)):
            if selective[qi[j]]:
                n += 1
        if n == 0:
            return 0
        neg = np.empty(n, np.int64)  # minus the features: ascending is the features' descending order
        w = np.empty(n, np.float32)
        h = 0
        for j in range(len(qi)):
            if selective[qi[j]]:
                neg[h] = -np.int64(qi[j])
                w[h] = qd[j]
                h += 1
        order = np.argsort(neg)  # features are distinct: any sort gives this order
        for o in range(min(_TERMS_AHEAD, n)):
            _ask_postings(indptr, indices, data, -neg[order[o]])
        part[:] = 0.0
        for o in range(n):
            if o + _TERMS_AHEAD < n:
                _ask_postings(indptr, indices, data, -neg[order[o + _TERMS_AHEAD]])
            t = -neg[order[o]]
            x = w[order[o]]
            for e in range(np.uint64(indptr[t]), np.uint64(indptr[t + 1])):  # unsigned: as _row_dot
                part[np.uint64(indices[e])] += data[e] * x
        return n

    @njit(cache=True, nogil=True)
    def embed_rows(indptr, indices, data, term_row, C, start, stop, Z):
        # semantic.LatentSpace.transform of rows start:stop: each row's entries times their terms' rows of
        # C (terms without one, term_row -1, left out), summed in float32 entry by entry in the row's order
        # into Z's row, the sums of scipy's products (the query's csr_matvecs, the blocks' CSC products)
        # bit for bit. Z's rows are not made unit here.
        # _EMBED_TERMS terms at a time (their rows of C, 1 MB, stay in the core's cache), row by row: each
        # row's entries read from where the last stretch of terms left it up to its first entry of a later
        # term, so that every row is still summed entry by entry in its own order (in any order of its terms:
        # an entry of an earlier term after a later one waits for the stretch after it, and the entries
        # between keep their turn). Each entry is read once and added straight into its row (in cache while
        # the row's stretch lasts). It replaced a counting sort of each 2,048 rows' entries by term, then
        # each term's row of C read once for all its entries: the sort wrote every entry once more, all over
        # 7 MB, and each addition fetched its document's row of Z from the block's 512 KB (110,000 documents
        # on one thread, load 16: 1.37 -> 1.05-1.10 s of CPU, medians of six).
        n_t, k = C.shape[0], C.shape[1]
        at = np.empty(stop - start, np.int64)  # each row's next entry
        for r in range(start, stop):
            at[r - start] = indptr[r]
            for j in range(k):
                Z[r, j] = 0.0
        for t1 in range(_EMBED_TERMS, n_t + _EMBED_TERMS, _EMBED_TERMS):  # terms below t1 (and none)
            for r in range(start, stop):
                e, end = at[r - start], indptr[r + 1]
                while e < end:
                    t = term_row[indices[e]]
                    if t >= t1:
                        break
                    if t >= 0:
                        v = data[e]
                        for j in range(k):
                            Z[r, j] += v * C[t, j]
                    e += 1
                at[r - start] = e

    @njit(cache=True, nogil=True)
    def embed_one(indices, data, term_row, C, z):
        # embed_rows for one row (a query's): its terms' rows of C asked for _AHEAD entries ahead, since a
        # query meets them cold, all over the few MB of C (scipy's csr_matvecs waited for each in turn).
        # The same sums, in the same order, into z (not made unit here).
        k = C.shape[1]
        n = len(indices)
        T = np.empty(n, np.int64)
        for e in range(n):
            T[e] = term_row[indices[e]]
        Cf = C.ravel()
        for o in range(min(_AHEAD, n)):
            _fetch(Cf, T[o], k)
        for j in range(k):
            z[j] = 0.0
        for e in range(n):
            if e + _AHEAD < n:
                _fetch(Cf, T[e + _AHEAD], k)
            t = T[e]
            if t >= 0:
                v = data[e]
                for j in range(k):
                    z[j] += v * C[t, j]

    @njit(cache=True, nogil=True)
    def mark(keys, present):
        # present[keys] = True, without numpy's copy of keys as 64-bit indices.
        for i in range(len(keys)):
            present[keys[i]] = True

    @njit(cache=True, nogil=True)
    def absorb_text(text, out, at, counts):
        # out[at:] = the UTF-16-LE code units of text, and counts += their np.bincount, in one pass read from the
        # string's own characters: without the GIL, which text.encode holds. Returns how many units were written.
        k = at
        for i in range(len(text)):
            c = _get_code_point(text, i)
            if c >= 0x10000:  # a surrogate pair, as UTF-16 writes it
                c -= 0x10000
                hi = 0xD800 + (c >> 10)
                out[k] = hi
                counts[hi] += 1
                k += 1
                c = 0xDC00 + (c & 0x3FF)
            out[k] = c
            counts[c] += 1
            k += 1
        return k - at

    @njit(cache=True, nogil=True)
    def take_marked(table, keys, out, mark, where):
        # take, and the places i where out[i] == mark in where (returns how many; where has room for them).
        k = 0
        for i in range(len(keys)):
            v = table[keys[i]]
            out[i] = v
            if v == mark:
                where[k] = i
                k += 1
        return k

    @njit(cache=True, nogil=True)
    def take(table, keys, out):
        # out[:] = table[keys], without numpy's copy of keys as 64-bit indices.
        for i in range(len(keys)):
            out[i] = table[keys[i]]

    @njit(cache=True, nogil=True)
    def tally(keys, counts):
        # counts += np.bincount(keys, minlength=len(counts)), without numpy's copy of keys as 64-bit indices.
        for i in range(len(keys)):
            counts[keys[i]] += 1

    @njit(cache=True, nogil=True)
    def split_dense(indptr, indices, data, pos, D):
        # semantic._Split: each entry of a column with a dense place (pos >= 0) written to D[row, pos], the
        # others returned in order as the rest's CSR arrays (data, indices, indptr), as numpy's masks give them.
        n = len(indptr) - 1
        r_ptr = np.empty(n + 1, indptr.dtype)
        q = 0
        for r in range(n):
            r_ptr[r] = q
            for e in range(indptr[r], indptr[r + 1]):
                p = pos[indices[e]]
                if p >= 0:
                    D[r, p] = data[e]
                else:
                    q += 1
        r_ptr[n] = q
        r_ind = np.empty(q, indices.dtype)
        r_dat = np.empty(q, data.dtype)
        q = 0
        for e in range(indptr[0], indptr[n]):
            if pos[indices[e]] < 0:
                r_ind[q] = indices[e]
                r_dat[q] = data[e]
                q += 1
        return r_dat, r_ind, r_ptr

    @njit(cache=True, nogil=True)
    def _pairwise_squares(data, lo, n):
        # Sum of data[lo : lo + n] ** 2 in float32 as numpy's pairwise sum adds it (FLOAT_pairwise_sum: below
        # 8 terms one by one; up to 128 eight running sums joined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 +
        # r7)), then the rest; above that the two halves, cut at a multiple of 8, summed apart).
        if n < 8:
            res = np.float32(-0.0)
            for i in range(lo, lo + n):
                res += data[i] * data[i]
            return res
        if n <= 128:
            r0 = data[lo] * data[lo]
            r1 = data[lo + 1] * data[lo + 1]
            r2 = data[lo + 2] * data[lo + 2]
            r3 = data[lo + 3] * data[lo + 3]
            r4 = data[lo + 4] * data[lo + 4]
            r5 = data[lo + 5] * data[lo + 5]
            r6 = data[lo + 6] * data[lo + 6]
            r7 = data[lo + 7] * data[lo + 7]
            end8 = lo + n - n % 8
            for i in range(lo + 8, end8, 8):
                r0 += data[i] * data[i]
                r1 += data[i + 1] * data[i + 1]
                r2 += data[i + 2] * data[i + 2]
                r3 += data[i + 3] * data[i + 3]
                r4 += data[i + 4] * data[i + 4]
                r5 += data[i + 5] * data[i + 5]
                r6 += data[i + 6] * data[i + 6]
                r7 += data[i + 7] * data[i + 7]
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            for i in range(end8, lo + n):
                res += data[i] * data[i]
            return res
        n2 = n // 2
        n2 -= n2 % 8
        return _pairwise_squares(data, lo, n2) + _pairwise_squares(data, lo + n2, n - n2)

    @njit(cache=True, nogil=True, error_model="numpy")
    def weigh_rows(data, indices, seg, idf32, a):
        # Vectorizer._weigh after its np.log, row by row in one pass: data + 1 times the term's factor, each
        # part's sum of squares as np.add.reduceat sums it (its first square, then numpy's pairwise sum of the
        # others, in float32), and the part's unit length blended by a (float64, as numpy computes it, a zero
        # sum dividing to inf as there), the same floats as the numpy ops over a whole block.
        sq_a, sq_b = np.sqrt(a), np.sqrt(1 - a)
        one = np.float32(1.0)
        e = 0
        for r in range(seg.shape[0]):
            n0, n1, n2 = seg[r, 0], seg[r, 1], seg[r, 2]
            end = e + n0 + n1 + n2
            for i in range(e, end):
                data[i] = (data[i] + one) * idf32[indices[i]]
            s0 = np.float64(data[e] * data[e] + _pairwise_squares(data, e + 1, n0 - 1)) if n0 else 0.0
            c = e + n0
            s1 = np.float64(data[c] * data[c] + _pairwise_squares(data, c + 1, n1 - 1)) if n1 else 0.0
            c += n1
            s2 = np.float64(data[c] * data[c] + _pairwise_squares(data, c + 1, n2 - 1)) if n2 else 0.0
            nc = s1 + s2
            total = np.sqrt(a * (1.0 if s0 > 0 else 0.0) + (1 - a) * (1.0 if nc > 0 else 0.0))
            fw = np.float32(sq_a / np.sqrt(s0) / total)
            fc = np.float32(sq_b / np.sqrt(nc) / total)
            for i in range(e, e + n0):
                data[i] *= fw
            for i in range(e + n0, end):
                data[i] *= fc
            e = end
