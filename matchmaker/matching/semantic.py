"""Latent semantic components (LSA) fitted on a sample, used to re-rank lexical candidates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from . import kernels
from .index import row_block

try:  # scipy's C kernel for a sparse matrix times a dense one, without the public API's checks
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - other scipy layouts take the public path
    _csr_matvecs = None

__all__ = ["LatentSpace"]

# In the SVD's products a term in at least this share of the documents is a dense column (BLAS).
# Remeasured at 100,000 results (8,000 sampled rows): scipy's sparse x dense product ran ~6 GFLOP/s
# (not the ~0.7 first measured) and single-precision GEMM ~78 on one core, so a column pays off dense
# only from ~8 % density on. At 2 % (2,971 dense columns, mostly zeros) the latent fit took 0.8-1.0 s
# of one core, at 6-16 % 0.62-0.73 s: 10 % sits in the middle of that flat stretch.
_DENSE_SHARE = 0.1
_DENSE_MAX = 4096
# Rows per block of a sparse x dense product: the block's output (2,048 x 128 float32, 1 MB) stays in
# the core's cache while the term embeddings stream past (1.36 s against 1.73 s with 512 rows at 100k).
_CSC_ROWS = 2048
_EMBED_SPAN = 8192  # rows a thread embeds at a time with the compiled loop (see LatentSpace.transform)


class _Split:
    """A CSR matrix as a dense block of its common columns plus a sparse rest (same product)."""

    def __init__(self, X: sp.csr_matrix, columns: np.ndarray):
        self.columns = columns
        pos = np.full(X.shape[1], -1, dtype=np.int32)
        pos[columns] = np.arange(len(columns), dtype=np.int32)
        self.D = np.zeros((X.shape[0], len(columns)), dtype=np.float32)
        if kernels.available() and X.data.dtype == np.float32:  # the same D and rest in two passes
            S = sp.csr_matrix(kernels.split_dense(X.indptr, X.indices, X.data, pos, self.D), shape=X.shape)
        else:
            pos = pos[X.indices]
            is_dense = pos >= 0
            rows = np.repeat(np.arange(X.shape[0], dtype=np.int32), np.diff(X.indptr))
            self.D[rows[is_dense], pos[is_dense]] = X.data[is_dense]
            keep = ~is_dense
            indptr = np.searchsorted(np.flatnonzero(keep), X.indptr).astype(X.indptr.dtype)
            S = sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape)
        # The sparse rest in the layouts that keep each product's random accesses in cache:
        # columns x rows for S.T @ Q, and row blocks stored by column for S @ Q (see _embed).
        self.ST = S.T.tocsr()
        self.blocks = [row_block(S, s, min(s + _CSC_ROWS, S.shape[0])).tocsc() for s in range(0, S.shape[0], _CSC_ROWS)]

    def t_dot(self, Q: np.ndarray) -> np.ndarray:
        """Return X.T @ Q."""
        out = np.asarray(self.ST @ Q, dtype=np.float32)
        out[self.columns] += self.D.T @ Q
        return out

    def dot(self, Q: np.ndarray) -> np.ndarray:
        """Return X @ Q."""
        out = self.D @ Q[self.columns]
        s = 0
        for b in self.blocks:
            out[s : s + b.shape[0]] += b @ Q
            s += b.shape[0]
        return out


def _svd_flip_rows(u: np.ndarray, v: np.ndarray) -> None:
    # Deterministic signs as scikit-learn's svd_flip(u_based_decision=False): the largest entry
    # of each row of v positive.
    big = np.argmax(np.abs(v), axis=1)
    signs = np.sign(v[np.arange(v.shape[0]), big])
    u *= signs[np.newaxis, :]
    v *= signs[:, np.newaxis]


def _term_components(split: _Split, k: int, n_iter: int, seed: int) -> np.ndarray:
    """Return the top-k right singular vectors of the (docs x terms) sample as a terms x k array.

    scikit-learn's randomized_svd (Halko et al.) for a wide matrix, step for step (transposed,
    10 oversamples, LU-normalised power iterations, QR, small SVD, sign flip), with each product
    split into BLAS on the common terms and a sparse rest; importing scikit-learn alone took
    longer than this whole function.
    """
    terms_by, docs_by = split.t_dot, split.dot  # sample.T @ Q (terms x r), sample @ Q (docs x r)
    r = k + 10
    Q = np.random.RandomState(seed).normal(size=(split.D.shape[0], r)).astype(np.float32)
    # Each product is a fresh array no one else holds: factorised in place (overwrite_a), not copied first
    # (the same LAPACK calls on the same values; at 100,000 results 12 MB less fresh memory each on the terms'
    # side, ~3,000 page faults a copy on the latent fit's thread).
    for _ in range(n_iter):
        Q, _ = la.lu(terms_by(Q), permute_l=True, overwrite_a=True, check_finite=False)
        Q, _ = la.lu(docs_by(Q), permute_l=True, overwrite_a=True, check_finite=False)
    Q, _ = la.qr(terms_by(Q), mode="economic", overwrite_a=True, check_finite=False)
    B = docs_by(Q).T  # r x docs
    Uhat, _, Vt = la.svd(B, full_matrices=False, lapack_driver="gesdd", check_finite=False)
    U = Q @ Uhat
    _svd_flip_rows(U, Vt)
    return U[:, :k]


class LatentSpace:
    """Term embeddings from a truncated SVD of the TF-IDF rows; documents embed as unit vectors."""

    def __init__(self, n_components=64, sample_size=8000, min_df=3, max_terms=40000, random_state=0, min_components=8):
        self.n_components = n_components
        self.min_components = min_components
        self.sample_size = sample_size
        self.min_df = min_df
        self.max_terms = max_terms
        self.random_state = random_state

    def fit(self, X: sp.csr_matrix, df: np.ndarray) -> LatentSpace:
        """Learn term embeddings from a random sample of the unit TF-IDF rows."""
        rng = np.random.default_rng(self.random_state)
        n = X.shape[0]
        rows = rng.choice(n, self.sample_size, replace=False) if n > self.sample_size else None
        sample = X[np.sort(rows)] if rows is not None else X
        # Rare terms add noise and memory (one dense row each) without helping the topic axes.
        terms = np.flatnonzero(df >= self.min_df)
        if len(terms) > self.max_terms:  # the SVD's cost grows with the terms; topics live in the common ones
            terms = np.sort(terms[np.argsort(-df[terms], kind="stable")[: self.max_terms]])
        self.term_row_ = np.full(X.shape[1], -1, dtype=np.int32)
        self.term_row_[terms] = np.arange(len(terms), dtype=np.int32)
        # Topics need a real reduction: each axis backed by four documents and four terms, and a
        # few axes at least. A young index (a few dozen listings) has none: on 8 listings the
        # "latent" space was its 6 commonest terms and called unrelated listings similar, so its
        # scores are lexical alone until it grows.
        k = min(self.n_components, sample.shape[0] // 4, len(terms) // 4)
        if k < self.min_components:
            self.components_ = np.zeros((len(terms) + 1, 1), dtype=np.float32)
            return self
        sub = sample[:, terms].astype(np.float32, copy=False)
        # The sample's common terms as dense columns (see _DENSE_SHARE).
        common = np.flatnonzero(df[terms] >= max(1.0, _DENSE_SHARE * n))
        if len(common) > _DENSE_MAX:
            common = np.sort(common[np.argsort(-df[terms][common], kind="stable")[:_DENSE_MAX]])
        # Thin factorisations (terms x ~138): BLAS threads only contend, and badly so when
        # the machine is busy (measured 3.8 s with two threads, 1.6 s with one).
        with threadpool_limits(1):
            vt_t = _term_components(_Split(sub, common), k, 3, self.random_state)
        zero = np.zeros((1, k), dtype=np.float32)
        self.components_ = np.vstack([vt_t.astype(np.float32), zero])  # terms (+ zero row) x k
        return self

    def term_rows(self, indices: np.ndarray, data: np.ndarray) -> np.ndarray:
        """Per feature of a row: its weight times its term embedding (zero for terms without one)."""
        rows = self.term_row_[indices]
        rows = np.where(rows < 0, self.components_.shape[0] - 1, rows)
        return self.components_[rows] * data[:, None].astype(np.float32)

    def _restrict(self, X: sp.csr_matrix) -> sp.csr_matrix:
        # Terms without an embedding point at the extra all-zero last row of components_.
        cols = self.term_row_[X.indices]
        cols[cols < 0] = self.components_.shape[0] - 1
        return sp.csr_matrix((X.data, cols, X.indptr), shape=(X.shape[0], self.components_.shape[0]))

    def transform(self, X: sp.csr_matrix, n_jobs: int = 2) -> np.ndarray:
        """Return unit-length float32 embeddings of TF-IDF rows."""
        n, k = X.shape[0], self.components_.shape[1]
        if n == 1 and kernels.available() and self.components_.dtype == X.data.dtype == np.float32:
            # A query: the same sums from a compiled loop that asks for its terms' rows of C ahead (a query
            # meets them cold: 49 -> 27 us at 100,000 results, right after another search engine's query).
            Z = np.empty((1, k), dtype=np.float32)
            kernels.embed_one(X.indices, X.data, self.term_row_, self.components_, Z[0])
            return _unit(Z)
        if n == 1 and _csr_matvecs is not None and self.components_.dtype == np.float32:
            # A query: scipy's kernel itself (the same sums as the product below), without building
            # a second sparse matrix and the product's checks (a tenth of a query's time).
            C = self.components_
            cols = self.term_row_[X.indices]
            cols[cols < 0] = C.shape[0] - 1
            Z = np.zeros((1, k), dtype=np.float32)
            indptr = np.array([0, len(cols)], dtype=cols.dtype)
            _csr_matvecs(1, C.shape[0], k, indptr, cols, X.data.astype(np.float32, copy=False), C.ravel(), Z.ravel())
            return _unit(Z)
        compiled = kernels.available() and self.components_.dtype == X.data.dtype == np.float32
        if n < 1024 and not compiled:  # a few rows
            Z = np.asarray(self._restrict(X) @ self.components_, dtype=np.float32)
            return _unit(Z)
        Z = np.empty((n, k), dtype=np.float32)
        # Spans of one block each, so that the threads end together (at 110,000 documents spans of 8,192 rows,
        # ~0.08 s of one core each, left one core idle for half a span on average at the end of a refit). The
        # compiled loop reads its terms' rows of C once a span, a stretch of terms at a time, so it takes spans
        # of _EMBED_SPAN rows but for the last two blocks a thread, ~0.015 s of one core each.
        tail = n if not compiled else min(n, 2 * max(1, n_jobs) * _CSC_ROWS)
        spans = [(s, min(s + _EMBED_SPAN, n - tail)) for s in range(0, n - tail, _EMBED_SPAN)]
        spans += [(s, min(s + _CSC_ROWS, n)) for s in range(n - tail, n, _CSC_ROWS)]
        # Any fit's rows through the compiled loop, so that engine.warm_up's small fit compiles it.
        embed = self._embed_compiled if compiled else self._embed
        if n_jobs > 1 and len(spans) > 1:
            # scipy's sparse products and the compiled loop release the GIL.
            with ThreadPoolExecutor(n_jobs) as ex:
                list(ex.map(lambda span: embed(X, *span, Z), spans))
        else:
            for span in spans:
                embed(X, *span, Z)
        return Z

    def _embed_compiled(self, X: sp.csr_matrix, start: int, stop: int, Z: np.ndarray) -> None:
        # _embed's rows from one compiled loop (kernels.embed_rows): the same floats.
        kernels.embed_rows(X.indptr, X.indices, X.data, self.term_row_, self.components_, start, stop, Z)
        _unit(Z[start:stop])

    def _embed(self, X: sp.csr_matrix, start: int, stop: int, Z: np.ndarray) -> None:
        # Column by column over a block of rows at a time: each term's embedding is read once
        # per block and the block's output stays in cache, where the row-by-row product fetches
        # one embedding (512 bytes) from memory per entry (2.8x faster at 100k). Entries of terms
        # without an embedding are left out (they would add zeros).
        width = self.components_.shape[0]
        for s in range(start, stop, _CSC_ROWS):
            e = min(s + _CSC_ROWS, stop)
            lo, hi = X.indptr[s], X.indptr[e]
            cols = self.term_row_[X.indices[lo:hi]]
            keep = cols >= 0
            kept = np.zeros(hi - lo + 1, dtype=np.int32)
            np.cumsum(keep, out=kept[1:])
            indptr = kept[X.indptr[s : e + 1] - lo]
            B = sp.csr_matrix((X.data[lo:hi][keep], cols[keep], indptr), shape=(e - s, width))
            Z[s:e] = B.tocsc() @ self.components_
        _unit(Z[start:stop])


def _unit(Z: np.ndarray) -> np.ndarray:
    # Rows scaled to unit length in place (all-zero rows stay zero).
    norms = np.sqrt(np.add.reduce(Z * Z, axis=1, keepdims=True))  # np.linalg.norm's own sums, without its checks
    norms[norms == 0] = 1.0
    Z /= norms
    return Z
