"""Near-duplicate detection for a new listing, against the index or a set of listings."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .docs import Doc, doc_cache
from .engine import MatchEngine
from .vectorize import Vectorizer

__all__ = ["DEFAULT_DUPLICATE_THRESHOLD", "find_near_duplicates"]

DEFAULT_DUPLICATE_THRESHOLD = 0.9


def find_near_duplicates(
    doc: Doc,
    existing: MatchEngine | Iterable[Doc],
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
    side: str = "needs",
    top_k: int = 10,
) -> list[tuple[int, float]]:
    """Return [(id, lexical cosine)] of existing listings at or above threshold, best first."""
    if isinstance(existing, MatchEngine):
        return existing.near_duplicates(doc, side=side, threshold=threshold, top_k=top_k)
    others = [d for d in existing if d.id != doc.id]
    if not others:
        return []
    # A small ad-hoc vocabulary over the listings at hand: same weighting as the engine.
    vec = Vectorizer()
    X = vec.fit_transform([doc_cache(doc)] + [doc_cache(d) for d in others])
    sims = np.asarray((X[1:] @ X[0].T).todense()).ravel()
    order = np.lexsort(([d.id for d in others], -sims))
    return [(others[i].id, float(min(1.0, sims[i]))) for i in order[:top_k] if sims[i] >= threshold]
