"""Field-weighted TF-IDF over words and character n-grams, built with numpy in bulk."""

from __future__ import annotations

import zlib
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np
import scipy.sparse as sp

from . import kernels
from .counts import SHIFT, count_terms, three_fields

__all__ = ["QueryRow", "Vectorizer"]


class _NewIds(dict):
    """Word -> id in order of first appearance, assigned on lookup."""

    __slots__ = ()

    def __missing__(self, key):
        value = self[key] = len(self)
        return value


def _summed(rows, feats, weights, n: int, width: int) -> sp.csr_matrix:
    """Return the (n, width) count matrix of row-ordered entries, duplicates summed."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    m = sp.csr_matrix((weights, feats, indptr), shape=(n, width))
    m.sum_duplicates()
    return m


class QueryRow:
    """One document's row as the arrays of a one-row csr_matrix (data, indices, indptr, shape), for a
    query's own use: scoring and explaining read only these, and a csr_matrix's checks cost ~30-40 us
    of a ~3 ms query. ``tocsr()`` gives the matrix."""

    __slots__ = ("data", "indices", "indptr", "shape")

    def __init__(self, data: np.ndarray, indices: np.ndarray, n_features: int):
        self.data, self.indices = data, indices
        self.indptr = np.array([0, len(indices)], dtype=np.int32)
        self.shape = (1, n_features)

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return len(self.indices)

    def tocsr(self) -> sp.csr_matrix:
        """The row as a csr_matrix."""
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


IDF_POWER_MIN_DOCS = 200  # below this many documents terms weigh plain IDF (see Vectorizer.__init__)
_WEIGH_ROWS = 4096  # rows weighted at a time


class Vectorizer:
    """One vocabulary of words and character 1-2-grams; rows are unit vectors (cosine)."""

    def __init__(
        self,
        field_weights=(2.0, 2.0, 1.0),
        word_weight=0.3,
        char_unigrams=True,
        n_extra=1 << 16,
        idf_power=1.0,
        n_jobs=1,
    ):
        self.field_weights = field_weights
        self.word_weight = word_weight
        self.char_unigrams = char_unigrams
        # Terms weigh tf x idf**idf_power: above 1, rare (specific) terms count more against
        # common ones than plain TF-IDF lets them. idf_ itself stays the plain IDF. A young index
        # (under IDF_POWER_MIN_DOCS documents) weighs plain IDF: on a handful of listings "rare"
        # only means "in the other listing", and a power over 1 pushed the words two obvious
        # partners share down (智能门锁/指纹识别 need and chip: 0.44 -> 0.34, under the 0.35 threshold).
        self.idf_power = idf_power
        # Feature slots after the fitted ones for words and n-grams first seen after the fit,
        # so that a listing added later is matched on its new words before the next refit.
        self.n_extra = n_extra
        self.n_jobs = n_jobs  # threads counting a fit's documents

    # ------------------------------------------------------------------ counting
    def _word_entries(self, fields: list[str], fit: bool):
        lens = np.fromiter((f.count(" ") + 1 if f else 0 for f in fields), np.int64, len(fields))
        flat = " ".join(fields).split()
        if len(flat) != lens.sum():  # a cache string with irregular spacing: count exactly
            lens = np.fromiter((len(f.split()) for f in fields), np.int64, len(fields))
        if fit:
            ids = _NewIds()  # one pass: a new word gets the next id on its first lookup
            feats = np.fromiter(map(ids.__getitem__, flat), np.int32, len(flat))
            self.vocabulary_ = dict(ids)
        else:
            get = self.vocabulary_.get
            feats = np.fromiter(map(get, flat, repeat(-1)), np.int32, len(flat))
        rows = np.repeat(np.arange(len(fields), dtype=np.int32) // 3, lens)
        fw = np.tile(np.asarray(self.field_weights, np.float32), len(fields) // 3)
        weights = np.repeat(fw, lens)
        return rows, feats, weights

    def _word_block(self, fields: list[str], fit: bool) -> sp.csr_matrix:
        rows, feats, weights = self._word_entries(fields, fit)
        if not fit:  # out-of-vocabulary terms are ignored, as in scikit-learn
            keep = feats >= 0
            rows, feats, weights = rows[keep], feats[keep], weights[keep]
        return _summed(rows, feats, weights, len(fields) // 3, len(self.vocabulary_))

    def _char_blocks(self, fields: list[str], fit: bool) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        # Characters of each field's tokens joined (stop words and punctuation are already
        # gone); no bigram spans two fields or documents. Returns the unigram and bigram
        # count blocks (each row-ordered, so no global sort is needed).
        lens = np.fromiter((len(f) - f.count(" ") for f in fields), np.int64, len(fields))
        cp = np.frombuffer("".join(fields).replace(" ", "").encode("utf-32-le"), dtype=np.uint32)
        n = len(fields) // 3
        rows = np.repeat(np.arange(len(fields), dtype=np.int32) // 3, lens)
        fw = np.tile(np.asarray(self.field_weights, np.float32), n)
        weights = np.repeat(fw, lens)
        # Bigram i starts at position i; the last position of each field starts none.
        bi_ok = np.ones(len(cp), dtype=bool)
        ends = np.cumsum(lens)[lens > 0] - 1
        bi_ok[ends] = False
        bi_ok = bi_ok[:-1] if len(cp) else bi_ok
        if fit:
            feat_u, feat_b = self._fit_chars(cp, bi_ok)
        else:
            c64 = cp.astype(np.int64)
            feat_u = self._lookup(c64)
            feat_b = self._lookup((c64[:-1] << SHIFT) | c64[1:])
            feat_b[~bi_ok] = -1
        base = len(self.char_keys_) - self.n_bigrams_
        u_rows, u_w, b_rows, b_w = rows, weights, rows[:-1], weights[:-1]
        keep_b = bi_ok if fit else feat_b >= 0
        b_rows, feat_b, b_w = b_rows[keep_b], feat_b[keep_b], b_w[keep_b]
        if not fit:
            keep_u = feat_u >= 0
            u_rows, feat_u, u_w = u_rows[keep_u], feat_u[keep_u], u_w[keep_u]
        if not self.char_unigrams:
            u_rows, feat_u, u_w = u_rows[:0], feat_u[:0], u_w[:0]
        U = _summed(u_rows, feat_u, u_w, n, base)
        B = _summed(b_rows, feat_b - base, b_w, n, self.n_bigrams_)
        return U, B

    def _fit_chars(self, cp, bi_ok):
        # Dense tables instead of sorting tens of millions of keys: characters get compact
        # ids in code-point order, bigrams a rank in (first, second) order. Both orders match
        # the sorted char_keys_ that transform() searches, so ids agree between the two paths.
        present = np.zeros(0x110000, dtype=bool)
        present[cp] = True
        chars = np.flatnonzero(present)
        n_chars = len(chars)
        lut = np.full(0x110000, -1, dtype=np.int32)
        lut[chars] = np.arange(n_chars, dtype=np.int32)
        cid = lut[cp]
        if n_chars * n_chars < 2**31 - 1:
            pair = cid[:-1] * np.int32(n_chars) + cid[1:]
        else:
            pair = cid[:-1].astype(np.int64) * n_chars + cid[1:]
        if n_chars * n_chars <= 200_000_000:
            seen = np.zeros(n_chars * n_chars, dtype=bool)
            seen[pair[bi_ok]] = True
            pairs = np.flatnonzero(seen)
            rank = np.empty(len(seen), dtype=np.int32)  # read only where seen
            rank[pairs] = np.arange(len(pairs), dtype=np.int32)
            pair_id = rank[pair]
        else:  # very many distinct characters: sort instead
            pairs, inv = np.unique(pair[bi_ok], return_inverse=True)
            pair_id = np.zeros(len(pair), dtype=np.int64)
            pair_id[bi_ok] = inv
        keys = (chars[pairs // n_chars] << SHIFT) | chars[pairs % n_chars]
        self.char_keys_ = np.concatenate([chars, keys]) if self.char_unigrams else keys
        base = n_chars if self.char_unigrams else 0
        return cid, pair_id.astype(np.int32) + np.int32(base)

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        if len(self.char_keys_) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        idx = np.searchsorted(self.char_keys_, keys)
        idx[idx == len(self.char_keys_)] = 0
        return np.where((self.char_keys_[idx] == keys) & (keys >= 0), idx, -1)

    # ------------------------------------------------------------------ weighting
    def _term_idf(self, idf: np.ndarray) -> np.ndarray:
        # The IDF factor of the weighting (an index pickled before idf_power had none: 1).
        p = getattr(self, "idf_power_", getattr(self, "idf_power", 1.0))
        return idf if p == 1.0 else idf**p

    def _weighted(self, C: sp.csr_matrix, seg: np.ndarray) -> sp.csr_matrix:
        # Sublinear TF x IDF factor, then the unit word part and unit character part of each row
        # blended by word_weight and renormalised, so that a dot product is a cosine in [0, 1] even
        # when one part is empty. C holds counts (weighted in place, a few thousand rows at a time
        # so that the temporaries stay small) with sorted indices: words, then characters, then
        # bigrams; seg gives each row's number of entries of the three.
        idf32 = getattr(self, "idf32_", None)
        if idf32 is None:
            idf32 = self.idf32_ = self._term_idf(self.idf_).astype(np.float32)

        def weigh(r0: int) -> None:  # rows r0 onwards, in place: blocks touch disjoint parts of C
            r1 = min(r0 + _WEIGH_ROWS, C.shape[0])
            lo, hi = C.indptr[r0], C.indptr[r1]
            self._weigh(C.data[lo:hi], C.indices[lo:hi], seg[r0:r1], idf32)

        starts = range(0, C.shape[0], _WEIGH_ROWS)
        n_jobs = getattr(self, "n_jobs", 1)
        if n_jobs > 1 and len(starts) > 1:  # numpy releases the GIL in each block's work
            with ThreadPoolExecutor(n_jobs) as ex:
                list(ex.map(weigh, starts))
        else:
            for r0 in starts:
                weigh(r0)
        indptr = C.indptr.astype(np.int32, copy=False)
        return sp.csr_matrix((C.data, C.indices.astype(np.int32, copy=False), indptr), shape=C.shape)

    def _weigh(self, data: np.ndarray, indices: np.ndarray, seg: np.ndarray, idf32: np.ndarray) -> None:
        np.log(data, out=data)
        if kernels.available() and data.dtype == idf32.dtype == np.float32 and indices.dtype == np.int32:
            # The steps below in one compiled pass over each row, the row in cache (kernels.weigh_rows):
            # the same floats, ~0.3 -> ~0.1 s of CPU at 110,000 documents, where numpy made seven passes
            # over the block and three temporaries of its size. The logarithm stays numpy's.
            kernels.weigh_rows(data, indices, seg.astype(np.int64, copy=False), idf32, float(self.word_weight))
            return
        data += 1.0
        data *= idf32[indices]
        # Squared norms of each part (float32 sums per part, as scikit-learn's blocks gave them).
        lengths = seg.ravel()
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        full = np.flatnonzero(lengths)
        sums = np.zeros(len(lengths), dtype=np.float64)
        if len(full):  # segments between non-empty parts' starts are exactly those parts
            sums[full] = np.add.reduceat(data * data, starts[full])
        sums = sums.reshape(-1, 3)
        nw = sums[:, 0]
        nc = np.zeros(len(sums))
        nc += sums[:, 1]
        nc += sums[:, 2]
        a = self.word_weight
        total = np.sqrt(a * (nw > 0) + (1 - a) * (nc > 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            fw = (np.sqrt(a) / np.sqrt(nw) / total).astype(np.float32)
            fc = (np.sqrt(1 - a) / np.sqrt(nc) / total).astype(np.float32)
        data *= np.repeat(np.stack([fw, fc, fc], axis=1).ravel(), lengths)

    def _counts(self, docs: list[str], fit: bool, spare: list | None = None):
        # Count matrix (words, characters, bigrams), each row's entries of the three parts, and the
        # features' document frequencies where the compiled count gave them (else None).
        if fit:
            counted = count_terms(docs, self.field_weights, self.char_unigrams, getattr(self, "n_jobs", 1), spare)
            if counted is not None:
                self.vocabulary_ = dict(zip(counted.words, range(len(counted.words))))
                self.char_keys_ = counted.char_keys
                self.keywords_ = {counted.words[i] for i in counted.keyword_ids.tolist()}
                return counted.X, counted.seg, counted.df
            self.keywords_ = {t for c in docs for t in three_fields(c)[1].split()}
        blocks = self._blocks(docs, fit)
        C = sp.hstack(blocks, format="csr", dtype=np.float32)
        return C, np.stack([np.diff(b.indptr) for b in blocks], axis=1), None

    def _blocks(self, docs: list[str], fit: bool) -> list[sp.csr_matrix]:
        fields = [f for c in docs for f in three_fields(c)]
        if not fit or len(docs) < 2000:
            return [self._word_block(fields, fit), *self._char_blocks(fields, fit)]
        # The word pass is mostly Python (holds the GIL), the character pass mostly numpy
        # (releases it): on two threads they overlap.
        with ThreadPoolExecutor(1) as ex:
            words = ex.submit(self._word_block, fields, fit)
            chars = self._char_blocks(fields, fit)
            return [words.result(), *chars]

    def fit_transform(self, docs: list[str], spare: list | None = None) -> sp.csr_matrix:
        """Learn vocabulary and IDF from token-cache strings and return their unit rows; the count's arrays
        it is done with appended to ``spare`` if given (counts.count_terms)."""
        # keywords_: words some listing was given as a typed keyword; they may explain a match whole.
        C, seg, df = self._counts(docs, fit=True, spare=spare)
        self.df_ = df if df is not None else np.bincount(C.indices, minlength=C.shape[1]).astype(np.int32)
        self.n_docs_ = len(docs)
        self.idf_power_ = getattr(self, "idf_power", 1.0) if len(docs) >= IDF_POWER_MIN_DOCS else 1.0
        self.idf_ = (np.log((1.0 + len(docs)) / (1.0 + self.df_)) + 1.0).astype(np.float64)
        self.idf32_ = self._term_idf(self.idf_).astype(np.float32)  # the weighting's factor
        self.n_extra_ = int(self.n_extra or 0)
        self.extra_ids_ = {}  # word (str) or n-gram key (int) -> slot
        self.extra_names_ = {}  # slot -> word or n-gram key
        self.extra_df_ = np.zeros(self.n_extra_, dtype=np.int32)
        self.n_added_ = 0
        X = self._weighted(C, seg)
        if self.n_extra_:
            X = sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], self.n_features_))
        return X

    def transform(self, docs: list[str], add: bool = False) -> sp.csr_matrix:
        """Return unit rows for token-cache strings with the fitted vocabulary.

        A single document also scores on words first seen after the fit (extra slots); with
        ``add`` its new words are given slots for good (it is being indexed, not just asked).
        """
        if not docs:
            return sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        if len(docs) == 1:  # a query: the bulk path's fixed cost would dominate
            return self._transform_one(docs[0], create=add)
        C, seg, _ = self._counts(docs, fit=False)
        X = self._weighted(C, seg)
        return sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], self.n_features_))

    def query_row(self, cached: str) -> QueryRow:
        """``transform([cached])`` as a QueryRow (a query's row: words the fit never saw get no slot)."""
        return self._transform_one(cached, row=True)

    def _transform_one(self, cached: str, create: bool = False, row: bool = False):
        # The same entries, field-weighted counts and weighting as the bulk path, for one
        # document, with plain dicts: a few hundred terms cost less than numpy's call overhead.
        # With ``row``, a QueryRow instead of the csr_matrix.
        fields = three_fields(cached)
        if create and hasattr(self, "keywords_"):
            self.keywords_.update(fields[1].split())
        if kernels.available():
            data, ids = self._transform_one_compiled(fields, create)
            return QueryRow(data, ids, self.n_features_) if row else QueryRow(data, ids, self.n_features_).tocsr()
        words: dict[str, float] = {}
        chars: dict[int, float] = {}
        wget, cget = words.get, chars.get
        for fw, f in zip(self.field_weights, fields):
            for t in f.split():
                words[t] = wget(t, 0.0) + fw
            cps = list(map(ord, f.replace(" ", "")))
            if self.char_unigrams:
                for c in cps:
                    chars[c] = cget(c, 0.0) + fw
            for a, b in zip(cps, cps[1:]):
                k = (a << SHIFT) | b
                chars[k] = cget(k, 0.0) + fw
        vget = self.vocabulary_.get
        n_words = len(self.vocabulary_)
        w_ids = np.fromiter((vget(t, -1) for t in words), np.int64, len(words))
        char_keys = np.fromiter(chars, np.int64, len(chars))
        c_ids = self._lookup(char_keys)
        c_ids = np.where(c_ids >= 0, c_ids + n_words, -1)
        if getattr(self, "n_extra_", 0):  # words and n-grams the fit never saw get extra slots
            word_list = list(words)
            for k in np.flatnonzero(w_ids < 0).tolist():
                w_ids[k] = self._extra_slot(word_list[k], create)
            for k in np.flatnonzero(c_ids < 0).tolist():
                c_ids[k] = self._extra_slot(int(char_keys[k]), create)
        ids = np.concatenate([w_ids, c_ids])
        counts = np.fromiter(words.values(), np.float64, len(words))
        counts = np.concatenate([counts, np.fromiter(chars.values(), np.float64, len(chars))])
        # New words weigh with the words, new n-grams with the n-grams.
        is_word = np.concatenate([np.ones(len(w_ids), bool), np.zeros(len(c_ids), bool)])
        keep = ids >= 0
        ids, counts, is_word = ids[keep], counts[keep], is_word[keep]
        order = np.lexsort((ids, ~is_word))  # words first, then n-grams, each by id
        ids, counts, is_word = ids[order], counts[order], is_word[order]
        fitted = ids < self.n_fitted_
        idf = np.empty(len(ids))
        idf[fitted] = self.idf_[ids[fitted]]
        if not fitted.all():
            idf[~fitted] = self._extra_idf(ids[~fitted] - self.n_fitted_)
        idf = self._term_idf(idf)
        data = (1.0 + np.log(counts)) * idf
        sq = data * data
        n_w = int(is_word.sum())
        nw, nc = float(sq[:n_w].sum()), float(sq[n_w:].sum())
        a = self.word_weight
        total = np.sqrt(a * (nw > 0) + (1 - a) * (nc > 0))
        if nw > 0:
            data[:n_w] *= np.sqrt(a) / np.sqrt(nw) / total
        if nc > 0:
            data[n_w:] *= np.sqrt(1 - a) / np.sqrt(nc) / total
        keep = data != 0
        ids, data = ids[keep], data[keep]
        order = np.argsort(ids, kind="stable")  # CSR rows keep sorted indices
        ids, data = ids[order], data[order]
        one = QueryRow(data.astype(np.float32), ids.astype(np.int32), self.n_features_)
        return one if row else one.tocsr()

    def _transform_one_compiled(self, fields: list[str], create: bool) -> tuple[np.ndarray, np.ndarray]:
        # _transform_one's numpy path with its character loop, lookups and sorts in compiled loops
        # (kernels.query_*): the same entries and floats. The words stay a dict (their ids are the
        # vocabulary's), and the logarithms, powers and sums stay numpy's own. Returns the row's
        # weights (float32) and features (int32).
        words: dict[str, float] = {}
        wget = words.get
        for fw, f in zip(self.field_weights, fields):
            for t in f.split():
                words[t] = wget(t, 0.0) + fw
        cp = np.frombuffer(
            "\n".join([f.replace(" ", "") for f in fields]).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )
        fw = np.asarray(self.field_weights, dtype=np.float64)
        keys, c_counts, c_ids = kernels.query_chars(
            cp, fw, bool(self.char_unigrams), self.char_keys_, len(self.vocabulary_)
        )
        vget = self.vocabulary_.get
        w_ids = np.fromiter(map(vget, words, repeat(-1)), np.int64, len(words))
        if getattr(self, "n_extra_", 0):  # words and n-grams the fit never saw get extra slots
            if len(w_ids) and w_ids[w_ids.argmin()] < 0:  # -1 in w_ids, without its comparison
                word_list = list(words)
                for k in np.flatnonzero(w_ids < 0).tolist():
                    w_ids[k] = self._extra_slot(word_list[k], create)
            if len(c_ids) and c_ids[c_ids.argmin()] < 0:
                for k in np.flatnonzero(c_ids < 0).tolist():
                    c_ids[k] = self._extra_slot(int(keys[k]), create)
        w_counts = np.fromiter(words.values(), np.float64, len(words))
        n_fitted = self.n_fitted_
        ids, counts, idf, n_w = kernels.query_order(w_ids, w_counts, c_ids, c_counts, self.idf_, n_fitted)
        if len(ids) and ids[ids.argmax()] >= n_fitted:  # ids.max(), without its wrapper
            late = ids >= n_fitted
            idf[late] = self._extra_idf(ids[late] - n_fitted)
        idf = self._term_idf(idf)
        data = (1.0 + np.log(counts)) * idf
        sq = data * data
        nw, nc = float(np.add.reduce(sq[:n_w])), float(np.add.reduce(sq[n_w:]))
        a = self.word_weight
        total = np.sqrt(a * (nw > 0) + (1 - a) * (nc > 0))
        f_w = np.sqrt(a) / np.sqrt(nw) / total if nw > 0 else 1.0
        f_c = np.sqrt(1 - a) / np.sqrt(nc) / total if nc > 0 else 1.0
        return kernels.query_rows(ids, data, n_w, float(f_w), float(f_c))  # weights, features

    @property
    def n_bigrams_(self) -> int:
        """Number of character-bigram features (they follow the single characters)."""
        return len(self.char_keys_) - int(np.searchsorted(self.char_keys_, 1 << SHIFT))

    @property
    def n_features_(self) -> int:
        """Number of features (words then character n-grams)."""
        return len(self.vocabulary_) + len(self.char_keys_) + getattr(self, "n_extra_", 0)

    @property
    def n_fitted_(self) -> int:
        """Number of features learnt at fit time (the extra slots follow them)."""
        return len(self.vocabulary_) + len(self.char_keys_)

    # ------------------------------------------------------------------ words after the fit
    def _extra_slot(self, key, create: bool) -> int:
        slot = self.extra_ids_.get(key)
        if slot is None and create and getattr(self, "n_extra_", 0):
            if len(self.extra_ids_) < self.n_extra_:
                slot = len(self.extra_ids_)
            else:  # all slots taken until the next refit: share one by hash
                slot = zlib.crc32(str(key).encode("utf-8")) % self.n_extra_
            self.extra_ids_[key] = slot
            self.extra_names_.setdefault(slot, key)
        return -1 if slot is None else self.n_fitted_ + slot

    def _extra_idf(self, slots: np.ndarray) -> np.ndarray:
        # IDF from the current document frequencies (a new word in one listing of many is rare).
        n = self.n_docs_ + self.n_added_
        return np.log((1.0 + n) / (1.0 + self.extra_df_[slots])) + 1.0

    def count_document(self, row: sp.csr_matrix, sign: int = 1) -> None:
        """Update the document frequencies of the new words in a row added to (or removed from) the index."""
        if not getattr(self, "n_extra_", 0):
            return
        slots = row.indices[row.indices >= self.n_fitted_] - self.n_fitted_
        np.add.at(self.extra_df_, slots, sign)
        np.maximum(self.extra_df_, 0, out=self.extra_df_)
        self.n_added_ = max(0, self.n_added_ + sign)

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
        if j >= self.n_fitted_:
            name = getattr(self, "extra_names_", {}).get(j - self.n_fitted_, "")
            if isinstance(name, str):
                return name
            key = name
        else:
            key = int(self.char_keys_[j - n_words])
        hi, lo = key >> SHIFT, key & ((1 << SHIFT) - 1)
        return (chr(hi) if hi else "") + chr(lo)

    def feature_keys(self, features: np.ndarray) -> np.ndarray:
        """Return the character keys (code point, or (first << 21) | second) of n-gram features; -1 for others."""
        n_words = len(self.vocabulary_)
        out = np.full(len(features), -1, dtype=np.int64)
        inside = (features >= n_words) & (features < n_words + len(self.char_keys_))
        out[inside] = self.char_keys_[features[inside] - n_words]
        names = getattr(self, "extra_names_", None)
        if names:
            base = self.n_fitted_
            for k in np.flatnonzero(features >= base).tolist():
                name = names.get(int(features[k]) - base)
                if isinstance(name, int):
                    out[k] = name
        return out

    def extra_word_names(self, features) -> dict[int, str]:
        """Return {feature: word} for the given features that are words first seen after the fit."""
        names = getattr(self, "extra_names_", None)
        if not names:
            return {}
        base = self.n_fitted_
        out = {}
        for j in features[features >= base].tolist():
            name = names.get(j - base)
            if isinstance(name, str):
                out[j] = name
        return out

    def is_word(self, j: int) -> bool:
        """Return whether feature j is a whole word (not a character n-gram)."""
        return j < len(self.vocabulary_)
