"""One side of the index (needs or results): rows, pruned postings, embeddings and ids."""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

from . import kernels

try:  # scipy's C kernels without the per-call validation of the public sparse API
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - other scipy layouts take the public path
    _csc_matvec = _csr_matvec = None

__all__ = ["RowOf", "SideIndex", "row_block", "row_dots", "top_n"]

_local = threading.local()


def _part_buffer(n: int) -> np.ndarray:
    # n values of this thread's buffer for partial scores, kept from query to query (no allocation per query;
    # both sides share it, and kernels.partial_scores zeroes what it uses).
    buf = getattr(_local, "part", None)
    if buf is None or len(buf) < n:
        buf = _local.part = np.empty(n, dtype=np.float32)
    return buf[:n]


def row_block(X: sp.csr_matrix, start: int, stop: int) -> sp.csr_matrix:
    """Return rows start:stop of X sharing its data and indices (no copy)."""
    lo, hi = X.indptr[start], X.indptr[stop]
    indptr = X.indptr[start : stop + 1] - lo
    return sp.csr_matrix((X.data[lo:hi], X.indices[lo:hi], indptr), shape=(stop - start, X.shape[1]))


def _spans(indptr: np.ndarray, rows: np.ndarray, dtype) -> np.ndarray:
    # Rows given in descending order, as [start0, end0, start1, end1, ...]: read as an
    # indptr, the even "rows" are the wanted ones and every odd one ends before it starts,
    # so the kernels skip it. The matrix's own arrays are used in place, never copied.
    ap = np.empty(2 * len(rows), dtype=dtype)
    ap[0::2] = indptr[rows]
    ap[1::2] = indptr[rows + 1]
    return ap


def row_dots(X: sp.csr_matrix, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Return X[rows] @ q (q dense, float32) without copying the rows."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32)
    if kernels.available() and X.data.dtype == q.dtype == np.float32:  # the same sums, rows fetched ahead
        return kernels.row_dots(X.indptr, X.indices, X.data, np.asarray(rows, dtype=np.int64), q)
    if _csr_matvec is None or X.data.dtype != q.dtype:
        return X[rows] @ q
    order = np.argsort(-rows)
    ap = _spans(X.indptr, rows[order], X.indices.dtype)
    y = np.zeros(len(ap) - 1, dtype=q.dtype)
    _csr_matvec(len(ap) - 1, X.shape[1], ap, X.indices, X.data, q, y)
    out = np.empty(len(rows), dtype=q.dtype)
    out[order] = y[0::2]
    return out


def top_n(values: np.ndarray, k: int) -> np.ndarray:
    """Return the positions of the k largest values (in no order), like argpartition."""
    n = len(values)
    if n <= k:
        return np.arange(n)
    step = 8
    if n >= 16 * k and k >= step:
        # A threshold from a strided sample leaves a few hundred rows for the exact
        # selection; every one of the k largest is at or above it whenever k rows are.
        m = 2 * k // step
        if kernels.available():  # the same value from one pass, without a partitioned copy
            thr = values.dtype.type(kernels.nth_largest(values, step, m))
        else:
            sample = values[::step]
            thr = np.partition(sample, len(sample) - m)[len(sample) - m]
        if thr > 0:
            big = (values >= thr).nonzero()[0]
            if len(big) >= k:
                return big[(-values[big]).argpartition(k - 1)[:k]]
    return (-values).argpartition(k - 1)[:k]


class RowOf:
    """Doc id -> row of the main part, like a dict but held in two arrays (a sorted copy of the
    ids and their rows): no Python object per id, and memory-mapped with the rest of the index."""

    __slots__ = ("_keys", "_rows")

    def __init__(self, ids: np.ndarray):
        order = np.argsort(ids, kind="stable")
        self._keys, self._rows = ids[order], order

    def get(self, doc_id, default=None):
        """The row of doc_id (the last one, as a dict built in order would keep), or default."""
        i = int(np.searchsorted(self._keys, doc_id, side="right")) - 1
        return int(self._rows[i]) if i >= 0 and self._keys[i] == doc_id else default

    def __getitem__(self, doc_id) -> int:
        row = self.get(doc_id)
        if row is None:
            raise KeyError(doc_id)
        return row

    def __contains__(self, doc_id) -> bool:
        return self.get(doc_id) is not None

    def __len__(self) -> int:
        return len(self._keys)


class SideIndex:
    """Unit TF-IDF rows of one side, with postings of the selective terms for candidates.

    New rows go to a small delta part scored exhaustively; ``compact`` folds it into the main
    part (no refit: vocabulary and IDF stay). Removed rows are only masked until then.
    """

    def __init__(self, X: sp.csr_matrix, Z: np.ndarray | None, ids, selective: np.ndarray, spare=()):
        """``spare``: arrays nothing reads any more whose memory the split may use for its scratch
        (kernels.split_postings)."""
        self.selective = selective
        self._set_main(X, Z, np.asarray(ids, dtype=np.int64), spare)
        self.dX = sp.csr_matrix((0, X.shape[1]), dtype=np.float32)
        self.d_ids = np.zeros(0, dtype=np.int64)
        if Z is not None:
            self.set_embeddings(Z)

    def set_embeddings(self, Z: np.ndarray) -> None:
        """Give the main part's rows their embeddings (a fit builds the postings meanwhile)."""
        self.Z = Z
        self.dZ = np.zeros((0, Z.shape[1]), dtype=np.float32)

    def _set_main(self, X, Z, ids, spare=()):
        self.X, self.Z, self.ids = X, Z, ids
        self.dead = np.zeros(len(ids), dtype=bool)
        self.dead_rows = np.zeros(0, dtype=np.int64)
        self.row_of = RowOf(ids)
        # Postings only for selective (rarer) terms: candidates come from those, and the
        # frequent terms' postings would cost most of the time and memory for little recall.
        # Stored as a terms x rows CSR matrix so that a query's postings are one row slice.
        if kernels.available() and X.shape[0] and X.nnz < 2**31:
            self._split_compiled(X, spare)
            return
        keep = self.selective[X.indices]
        # Row starts among the kept entries (a casting cumsum over all entries is ~10x slower).
        indptr = np.searchsorted(np.flatnonzero(keep), X.indptr).astype(X.indptr.dtype)
        S = sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape).tocsc()
        self.postings = sp.csr_matrix((S.data, S.indices, S.indptr), shape=X.shape[::-1])
        # The frequent terms of each row: a candidate's exact cosine is its partial score over
        # the selective terms plus these, so scoring reads ~40% of each row, not all of it.
        rest = ~keep
        r_indptr = X.indptr - indptr
        self.rest = sp.csr_matrix((X.data[rest], X.indices[rest], r_indptr), shape=X.shape)

    def _split_compiled(self, X: sp.csr_matrix, spare=()) -> None:
        # The same postings and rest in two compiled passes (kernels.split_postings).
        p_ptr, p_ind, p_dat, r_ptr, r_ind, r_dat = kernels.split_postings(
            X.indptr, X.indices, X.data, self.selective, X.shape[1], X.shape[0], spare
        )
        self.postings = sp.csr_matrix((p_dat, p_ind, p_ptr.astype(np.int32)), shape=X.shape[::-1])
        self.rest = sp.csr_matrix((r_dat, r_ind, r_ptr), shape=X.shape)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "rest" not in state:  # an index file written before postings/rest: rebuild them
            dead = self.dead
            self._set_main(self.X, self.Z, self.ids)
            self.dead, self.dead_rows = dead, np.flatnonzero(dead)

    def __len__(self) -> int:
        return int((~self.dead).sum()) + len(self.d_ids)

    def all_ids(self) -> list[int]:
        """Return the ids of live rows."""
        return [int(i) for i in self.ids[~self.dead]] + [int(i) for i in self.d_ids]

    def row(self, doc_id: int):
        """Return (sparse row, embedding) of a stored document, or None."""
        r = self.row_of.get(int(doc_id))
        if r is not None and not self.dead[r]:
            return self.X[r], self.Z[r]
        hit = np.flatnonzero(self.d_ids == doc_id)
        if len(hit):
            return self.dX[hit[-1]], self.dZ[hit[-1]]
        return None

    def add(self, doc_id: int, x: sp.csr_matrix, z: np.ndarray) -> None:
        """Add or replace a document without refitting."""
        self.remove(doc_id)
        self.dX = sp.vstack([self.dX, x], format="csr", dtype=np.float32)
        self.dZ = np.vstack([self.dZ, z.reshape(1, -1)])
        self.d_ids = np.append(self.d_ids, np.int64(doc_id))
        if len(self.d_ids) > max(1000, len(self.ids) // 20):
            self.compact()

    def remove(self, doc_id: int) -> None:
        """Forget a document (masked until the next compaction)."""
        r = self.row_of.get(int(doc_id))
        if r is not None and not self.dead[r]:
            self.dead[r] = True
            self.dead_rows = np.flatnonzero(self.dead)
        keep = self.d_ids != doc_id
        if not keep.all():
            self.dX, self.dZ, self.d_ids = self.dX[keep], self.dZ[keep], self.d_ids[keep]

    def compact(self) -> None:
        """Fold the delta into the main part and drop removed rows."""
        live = np.flatnonzero(~self.dead)
        X = sp.vstack([self.X[live], self.dX], format="csr", dtype=np.float32)
        Z = np.vstack([self.Z[live], self.dZ])
        ids = np.concatenate([self.ids[live], self.d_ids])
        self._set_main(X, Z, ids)
        self.dX, self.dZ, self.d_ids = self.dX[:0], self.dZ[:0], self.d_ids[:0]

    def _partial(self, terms: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
        # Sum of weight x posting value per row over the given terms, in one C pass.
        P = self.postings
        if _csc_matvec is None or P.data.dtype != weights.dtype:
            return P[terms].T @ weights
        order = (-terms).argsort()
        ap = _spans(P.indptr, terms[order], P.indices.dtype)
        x = np.zeros(len(ap) - 1, dtype=weights.dtype)
        x[0::2] = weights[order]
        part = np.zeros(n, dtype=weights.dtype)
        _csc_matvec(n, len(ap) - 1, ap, P.indices, P.data, x, part)
        return part

    def candidates(self, qi, qd, n_cand: int, skip_rows=()) -> tuple[np.ndarray, np.ndarray, bool]:
        """Return main-part rows with the highest partial score over selective query terms.

        Also returns those partial scores (the rows' exact cosine over the selective terms).
        """
        n = len(self.ids)
        P = self.postings
        if n and kernels.available() and P.data.dtype == qd.dtype == np.float32:
            # The selective terms, their order and the sums in one compiled loop, into a kept buffer (with cold
            # caches at 100,000 results, with the selection below: 0.48 ms a query where the numpy path took 0.54).
            part = _part_buffer(n)
            if not kernels.partial_scores(P.indptr, P.indices, P.data, self.selective, qi, qd, part):
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), False
        else:
            sel = self.selective[qi]
            if n == 0 or not np.logical_or.reduce(sel):  # sel.any() without its wrapper
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), False
            part = self._partial(qi[sel], qd[sel], n)
        if len(self.dead_rows):
            part[self.dead_rows] = 0.0
        if len(skip_rows):
            part[skip_rows] = 0.0
        top = top_n(part, n_cand)
        top = top[part[top] > 0]
        return top, part[top], True
