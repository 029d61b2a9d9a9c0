"""Near-duplicate detection for a new listing, against the index or a set of listings."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from .docs import Doc, doc_cache
from .engine import MatchEngine
from .vectorize import Vectorizer

__all__ = ["DEFAULT_DUPLICATE_THRESHOLD", "find_near_duplicates"]

DEFAULT_DUPLICATE_THRESHOLD = 0.9


def _containment(X: sp.csr_matrix, vectorizer) -> np.ndarray:
    """For rows 1.. of X: the IDF-weighted share of the smaller term set (it or row 0) that the other has."""
    idf = np.ones(X.shape[1])
    idf[: len(vectorizer.idf_)] = vectorizer.idf_
    B = X.copy()
    B.data = idf[B.indices]
    sizes = np.asarray(B.sum(axis=1)).ravel()
    P = X.copy()
    P.data[:] = 1.0
    shared = np.asarray((B[1:].multiply(P[0])).sum(axis=1)).ravel()
    smaller = np.minimum(sizes[1:], sizes[0])
    return np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)


def find_near_duplicates(
    doc: Doc,
    existing: MatchEngine | Iterable[Doc],
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
    side: str = "needs",
    top_k: int = 10,
    vectorizer=None,
) -> list[tuple[int, float]]:
    """Return [(id, lexical cosine)] of existing listings at or above threshold, best first."""
    if isinstance(existing, MatchEngine):
        return existing.near_duplicates(doc, side=side, threshold=threshold, top_k=top_k)
    others = [d for d in existing if d.id != doc.id]
    if not others:
        return []
    if vectorizer is not None:
        # The platform's vocabulary and IDF: a few listings alone give every rare n-gram of an
        # added sentence a weight that hides the copy (and no estimate of what is common).
        X = sp.vstack([vectorizer.transform([doc_cache(d)]) for d in [doc] + others], format="csr")
    else:  # no index yet: a small ad-hoc vocabulary over the listings at hand, same weighting
        X = Vectorizer().fit_transform([doc_cache(doc)] + [doc_cache(d) for d in others])
    sims = np.asarray((X[1:] @ X[0].T).todense()).ravel()
    if vectorizer is not None:
        # A copy with a sentence added (or one cut) is contained in the other text: take the
        # IDF-weighted share of the shorter text's terms found in the longer one, when the two
        # are already close (a short text inside an unrelated long one is not a duplicate).
        sims = np.maximum(sims, np.where(sims >= 0.6, _containment(X, vectorizer), 0.0))
    order = np.lexsort(([d.id for d in others], -sims))
    return [(others[i].id, float(min(1.0, sims[i]))) for i in order[:top_k] if sims[i] >= threshold]
