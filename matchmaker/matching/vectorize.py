"""Field-weighted TF-IDF over words and character n-grams, built with numpy in bulk."""

from __future__ import annotations

from itertools import chain

import numpy as np
import scipy.sparse as sp

__all__ = ["Vectorizer"]

Fields = tuple[list[str], list[str], list[str]]
_SHIFT = 21  # code points fit in 21 bits, so a bigram key is (first << 21) | second


class Vectorizer:
    """One vocabulary of words and character 1-2-grams; rows are unit vectors (cosine)."""

    def __init__(self, field_weights=(2.0, 2.0, 1.0), word_weight=0.3, char_unigrams=True):
        self.field_weights = field_weights
        self.word_weight = word_weight
        self.char_unigrams = char_unigrams

    # ------------------------------------------------------------------ counting
    def _word_entries(self, docs: list[Fields], fit: bool):
        lens = np.array([[len(f) for f in d] for d in docs], dtype=np.int64).reshape(-1, 3)
        flat = list(chain.from_iterable(chain.from_iterable(docs)))
        if fit:
            self.vocabulary_ = {t: i for i, t in enumerate(dict.fromkeys(flat))}
        get = self.vocabulary_.get
        feats = np.fromiter((get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(len(docs)), lens.sum(axis=1))
        weights = np.repeat(np.tile(np.asarray(self.field_weights, float), len(docs)), lens.ravel())
        return rows, feats, weights

    def _char_entries(self, docs: list[Fields], fit: bool):
        # Characters of each field's tokens joined without stop words or punctuation; a NUL
        # ends each field so no n-gram spans two fields or two documents.
        segs = ["".join(f) + "\0" for d in docs for f in d]
        cp = np.frombuffer("".join(segs).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        seg = np.repeat(np.arange(len(segs)), [len(s) for s in segs])
        ok = cp != 0
        big = np.flatnonzero(ok[:-1] & ok[1:])
        keys = [(cp[big] << _SHIFT) | cp[big + 1]]
        pos = [big]
        if self.char_unigrams:
            uni = np.flatnonzero(ok)
            keys.append(cp[uni])
            pos.append(uni)
        keys, pos = np.concatenate(keys), np.concatenate(pos)
        if fit:
            self.char_keys_ = np.unique(keys)
        idx = np.searchsorted(self.char_keys_, keys)
        idx[idx == len(self.char_keys_)] = 0
        feats = np.where(self.char_keys_[idx] == keys, idx, -1)
        weights = np.asarray(self.field_weights, float)[seg[pos] % 3]
        return seg[pos] // 3, feats, weights

    def _counts(self, docs: list[Fields], fit: bool) -> sp.csr_matrix:
        wr, wf, ww = self._word_entries(docs, fit)
        cr, cf, cw = self._char_entries(docs, fit)
        n_words = len(self.vocabulary_)
        rows = np.concatenate([wr, cr])
        feats = np.concatenate([wf, np.where(cf >= 0, cf + n_words, -1)])
        weights = np.concatenate([ww, cw])
        keep = feats >= 0  # out-of-vocabulary terms are ignored, as in scikit-learn
        shape = (len(docs), n_words + len(self.char_keys_))
        m = sp.csr_matrix((weights[keep], (rows[keep], feats[keep])), shape=shape)
        m.sum_duplicates()
        return m

    # ------------------------------------------------------------------ weighting
    def _weight(self, m: sp.csr_matrix) -> sp.csr_matrix:
        data = (1.0 + np.log(m.data)) * self.idf_[m.indices]  # sublinear TF times IDF
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

    def fit_transform(self, docs: list[Fields]) -> sp.csr_matrix:
        """Learn vocabulary and IDF from tokenised docs and return their unit rows."""
        m = self._counts(docs, fit=True)
        df = np.bincount(m.indices, minlength=m.shape[1])
        self.df_ = df.astype(np.int32)
        self.n_docs_ = m.shape[0]
        self.idf_ = (np.log((1.0 + m.shape[0]) / (1.0 + df)) + 1.0).astype(np.float64)
        return self._weight(m)

    def transform(self, docs: list[Fields]) -> sp.csr_matrix:
        """Return unit rows for tokenised docs with the fitted vocabulary."""
        if not docs:
            return sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        return self._weight(self._counts(docs, fit=False))

    @property
    def n_features_(self) -> int:
        """Number of features (words then character n-grams)."""
        return len(self.vocabulary_) + len(self.char_keys_)

    def feature_name(self, j: int) -> str:
        """Return the text of feature j (a word or a character n-gram)."""
        if not hasattr(self, "words_"):
            self.words_ = list(self.vocabulary_)
        n_words = len(self.words_)
        if j < n_words:
            return self.words_[j]
        key = int(self.char_keys_[j - n_words])
        hi, lo = key >> _SHIFT, key & ((1 << _SHIFT) - 1)
        return (chr(hi) if hi else "") + chr(lo)

    def is_word(self, j: int) -> bool:
        """Return whether feature j is a whole word (not a character n-gram)."""
        return j < len(self.vocabulary_)
