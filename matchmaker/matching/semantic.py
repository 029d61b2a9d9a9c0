"""Latent semantic components (LSA) fitted on a sample, used to re-rank lexical candidates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

__all__ = ["LatentSpace"]


class LatentSpace:
    """Term embeddings from a truncated SVD of the TF-IDF rows; documents embed as unit vectors."""

    def __init__(
        self, n_components=128, sample_size=8000, min_df=3, max_terms=40000, random_state=0, min_components=8
    ):
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
        sub = sample[:, terms]
        # Imported here: only a refit needs scikit-learn, and it costs every process that loads
        # an index ~40 MB of private memory (the arrays themselves are shared, see store.py).
        from sklearn.utils.extmath import randomized_svd

        # Thin factorisations (terms x ~138): BLAS threads only contend, and badly so when
        # the machine is busy (measured 3.8 s with two threads, 1.6 s with one).
        with threadpool_limits(1):
            _, _, vt = randomized_svd(sub, k, n_iter=3, random_state=self.random_state)
        zero = np.zeros((1, k), dtype=np.float32)
        self.components_ = np.vstack([vt.T.astype(np.float32), zero])  # terms (+ zero row) x k
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

    def transform(self, X: sp.csr_matrix, n_jobs: int = 2, chunk: int = 20000) -> np.ndarray:
        """Return unit-length float32 embeddings of TF-IDF rows."""
        if X.shape[0] == 0:
            return np.zeros((0, self.components_.shape[1]), dtype=np.float32)
        if X.shape[0] <= chunk:
            return self._embed(X)
        parts = [X[s : s + chunk] for s in range(0, X.shape[0], chunk)]
        with ThreadPoolExecutor(n_jobs) as ex:  # scipy's sparse product releases the GIL
            return np.vstack(list(ex.map(self._embed, parts)))

    def _embed(self, X: sp.csr_matrix) -> np.ndarray:
        Z = np.asarray(self._restrict(X) @ self.components_, dtype=np.float32)
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return Z / norms
