"""Field-weighted TF-IDF over words and character n-grams, built with numpy in bulk."""

from __future__ import annotations

from itertools import repeat

import numpy as np
import scipy.sparse as sp

__all__ = ["Vectorizer"]

_SHIFT = 21  # code points fit in 21 bits, so a bigram key is (first << 21) | second


def _three_fields(cached: str) -> list[str]:
    parts = cached.split("\n")
    return (parts + ["", ""])[:3] if len(parts) != 3 else parts


class Vectorizer:
    """One vocabulary of words and character 1-2-grams; rows are unit vectors (cosine)."""

    def __init__(self, field_weights=(2.0, 2.0, 1.0), word_weight=0.3, char_unigrams=True):
        self.field_weights = field_weights
        self.word_weight = word_weight
        self.char_unigrams = char_unigrams

    # ------------------------------------------------------------------ counting
    def _word_entries(self, fields: list[str], fit: bool):
        lens = np.fromiter((f.count(" ") + 1 if f else 0 for f in fields), np.int64, len(fields))
        flat = " ".join(fields).split()
        if len(flat) != lens.sum():  # a cache string with irregular spacing: count exactly
            lens = np.fromiter((len(f.split()) for f in fields), np.int64, len(fields))
        if fit:
            self.vocabulary_ = {t: i for i, t in enumerate(dict.fromkeys(flat))}
            feats = np.fromiter(map(self.vocabulary_.__getitem__, flat), np.int32, len(flat))
        else:
            get = self.vocabulary_.get
            feats = np.fromiter(map(get, flat, repeat(-1)), np.int32, len(flat))
        rows = np.repeat(np.arange(len(fields), dtype=np.int32) // 3, lens)
        fw = np.tile(np.asarray(self.field_weights, np.float32), len(fields) // 3)
        weights = np.repeat(fw, lens)
        return rows, feats, weights

    def _char_entries(self, fields: list[str], fit: bool):
        # Characters of each field's tokens joined (stop words and punctuation are already
        # gone); a newline ends each field so no n-gram spans two fields or documents.
        text = "\n".join(fields).replace(" ", "") + "\n"
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        sep = cp == 10
        seg = np.cumsum(sep, dtype=np.int32) - sep
        bi_ok = ~sep
        bi_ok[:-1] &= ~sep[1:]
        bi_ok[-1] = False
        if fit:
            feat_u, feat_b = self._fit_chars(cp, sep, bi_ok)
        else:
            keys_b = (cp << _SHIFT) | np.append(cp[1:], 0)
            feat_b = self._lookup(np.where(bi_ok, keys_b, -1))
            feat_u = self._lookup(np.where(sep, -1, cp))
        if not self.char_unigrams:
            feat_u = np.full_like(cp, -1)
        feats = np.stack([feat_u, feat_b], axis=1).ravel()  # grouped by position, so by doc
        rows = np.repeat(seg // 3, 2)
        weights = np.repeat(np.asarray(self.field_weights, np.float32)[seg % 3], 2)
        return rows, feats, weights

    def _fit_chars(self, cp, sep, bi_ok):
        # Dense tables instead of sorting tens of millions of keys: characters get compact
        # ids in code-point order, bigrams a rank in (first, second) order. Both orders match
        # the sorted char_keys_ that transform() searches, so ids agree between the two paths.
        present = np.zeros(0x110000, dtype=bool)
        present[cp[~sep]] = True
        chars = np.flatnonzero(present)
        n_chars = len(chars)
        lut = np.full(0x110000, -1, dtype=np.int32)
        lut[chars] = np.arange(n_chars)
        cid = lut[cp]
        pos = np.flatnonzero(bi_ok)
        pair = cid[pos].astype(np.int64) * n_chars + cid[pos + 1]
        if n_chars * n_chars <= 200_000_000:
            seen = np.zeros(n_chars * n_chars, dtype=bool)
            seen[pair] = True
            rank = np.cumsum(seen, dtype=np.int32) - 1
            pairs = np.flatnonzero(seen)
            pair_id = rank[pair]
        else:  # very many distinct characters: sort instead
            pairs, pair_id = np.unique(pair, return_inverse=True)
        keys = (chars[pairs // n_chars] << _SHIFT) | chars[pairs % n_chars]
        self.char_keys_ = np.concatenate([chars, keys]) if self.char_unigrams else keys
        base = n_chars if self.char_unigrams else 0
        feat_b = np.full(len(cp), -1, dtype=np.int32)
        feat_b[pos] = pair_id + base
        return cid, feat_b

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        if len(self.char_keys_) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        idx = np.searchsorted(self.char_keys_, keys)
        idx[idx == len(self.char_keys_)] = 0
        return np.where((self.char_keys_[idx] == keys) & (keys >= 0), idx, -1)

    def _counts(self, cached: list[str], fit: bool) -> sp.csr_matrix:
        fields = [f for c in cached for f in _three_fields(c)]
        wr, wf, ww = self._word_entries(fields, fit)
        cr, cf, cw = self._char_entries(fields, fit)
        n_words, n = len(self.vocabulary_), len(cached)
        rows = np.concatenate([wr, cr])
        feats = np.concatenate([wf, np.where(cf >= 0, cf + n_words, -1).astype(np.int32)])
        weights = np.concatenate([ww, cw])
        keep = feats >= 0  # out-of-vocabulary terms are ignored, as in scikit-learn
        rows, feats, weights = rows[keep], feats[keep], weights[keep]
        order = np.argsort(rows, kind="stable")  # two sorted runs: a linear merge
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        shape = (n, n_words + len(self.char_keys_))
        m = sp.csr_matrix((weights[order], feats[order], indptr), shape=shape)
        m.sum_duplicates()
        return m

    # ------------------------------------------------------------------ weighting
    def _weight(self, m: sp.csr_matrix) -> sp.csr_matrix:
        data = (1.0 + np.log(m.data.astype(np.float64))) * self.idf_[m.indices]  # sublinear TF times IDF
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        is_word = m.indices < len(self.vocabulary_)
        sq = data * data
        nw = np.bincount(rows[is_word], sq[is_word], minlength=m.shape[0])
        nc = np.bincount(rows[~is_word], sq[~is_word], minlength=m.shape[0])
        # Unit word block and unit character block blended by word_weight, then renormalised
        # so that a dot product is a cosine in [0, 1] even when one block is empty.
        a = self.word_weight
        total = np.sqrt(a * (nw > 0) + (1 - a) * (nc > 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            fw = np.sqrt(a) / np.sqrt(nw) / total
            fc = np.sqrt(1 - a) / np.sqrt(nc) / total
        data *= np.where(is_word, fw[rows], fc[rows])
        out = sp.csr_matrix((data.astype(np.float32), m.indices.astype(np.int32), m.indptr), m.shape)
        out.eliminate_zeros()
        return out

    def fit_transform(self, docs: list[str]) -> sp.csr_matrix:
        """Learn vocabulary and IDF from token-cache strings and return their unit rows."""
        m = self._counts(docs, fit=True)
        df = np.bincount(m.indices, minlength=m.shape[1])
        self.df_ = df.astype(np.int32)
        self.n_docs_ = m.shape[0]
        self.idf_ = (np.log((1.0 + m.shape[0]) / (1.0 + df)) + 1.0).astype(np.float64)
        return self._weight(m)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        """Return unit rows for token-cache strings with the fitted vocabulary."""
        if not docs:
            return sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        if len(docs) == 1:  # a query: the bulk path's fixed cost would dominate
            return self._transform_one(docs[0])
        return self._weight(self._counts(docs, fit=False))

    def _transform_one(self, cached: str) -> sp.csr_matrix:
        # The same entries, field-weighted counts and weighting as the bulk path, for one
        # document, with plain dicts: a few hundred terms cost less than numpy's call overhead.
        words: dict[str, float] = {}
        chars: dict[int, float] = {}
        wget, cget = words.get, chars.get
        for fw, f in zip(self.field_weights, _three_fields(cached)):
            for t in f.split():
                words[t] = wget(t, 0.0) + fw
            cps = list(map(ord, f.replace(" ", "")))
            if self.char_unigrams:
                for c in cps:
                    chars[c] = cget(c, 0.0) + fw
            for a, b in zip(cps, cps[1:]):
                k = (a << _SHIFT) | b
                chars[k] = cget(k, 0.0) + fw
        vget = self.vocabulary_.get
        n_words = len(self.vocabulary_)
        w_ids = np.fromiter((vget(t, -1) for t in words), np.int64, len(words))
        c_ids = self._lookup(np.fromiter(chars, np.int64, len(chars)))
        ids = np.concatenate([w_ids, np.where(c_ids >= 0, c_ids + n_words, -1)])
        counts = np.fromiter(words.values(), np.float64, len(words))
        counts = np.concatenate([counts, np.fromiter(chars.values(), np.float64, len(chars))])
        keep = ids >= 0
        ids, counts = ids[keep], counts[keep]
        order = np.argsort(ids)
        ids, counts = ids[order], counts[order].astype(np.float32)
        data = (1.0 + np.log(counts.astype(np.float64))) * self.idf_[ids]
        sq = data * data
        n_w = int(np.searchsorted(ids, n_words))  # ids are sorted: words first
        nw, nc = float(sq[:n_w].sum()), float(sq[n_w:].sum())
        a = self.word_weight
        total = np.sqrt(a * (nw > 0) + (1 - a) * (nc > 0))
        if nw > 0:
            data[:n_w] *= np.sqrt(a) / np.sqrt(nw) / total
        if nc > 0:
            data[n_w:] *= np.sqrt(1 - a) / np.sqrt(nc) / total
        keep = data != 0
        ids, data = ids[keep], data[keep]
        indptr = np.array([0, len(ids)], dtype=np.int32)
        shape = (1, self.n_features_)
        return sp.csr_matrix((data.astype(np.float32), ids.astype(np.int32), indptr), shape=shape)

    @property
    def n_features_(self) -> int:
        """Number of features (words then character n-grams)."""
        return len(self.vocabulary_) + len(self.char_keys_)

    def words(self) -> list[str]:
        """Return the word features in feature order."""
        words = getattr(self, "words_", None)
        if words is None:
            words = self.words_ = list(self.vocabulary_)
        return words

    def feature_name(self, j: int) -> str:
        """Return the text of feature j (a word or a character n-gram)."""
        words = self.words()
        n_words = len(words)
        if j < n_words:
            return words[j]
        key = int(self.char_keys_[j - n_words])
        hi, lo = key >> _SHIFT, key & ((1 << _SHIFT) - 1)
        return (chr(hi) if hi else "") + chr(lo)

    def is_word(self, j: int) -> bool:
        """Return whether feature j is a whole word (not a character n-gram)."""
        return j < len(self.vocabulary_)
