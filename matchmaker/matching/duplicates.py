"""Near-duplicate detection for a new listing, against the index or a set of listings."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .docs import Doc, doc_cache
from .engine import MatchEngine
from .vectorize import Vectorizer

__all__ = ["DEFAULT_DUPLICATE_THRESHOLD", "find_near_duplicates"]

DEFAULT_DUPLICATE_THRESHOLD = 0.9


def _terms(cached: str, vec) -> dict:
    """Words and character bigrams of a token cache with (1 + log tf) x IDF weights. IDF comes from
    the platform's vocabulary; a term it has never seen counts as the rarest (it is not dropped, or a
    short new text would look contained in any older one sharing its few known terms)."""
    counts: dict = {}
    for fw, field in zip(vec.field_weights, _three(cached)):
        for t in field.split():
            counts[t] = counts.get(t, 0.0) + fw
        cps = field.replace(" ", "")
        for k in range(len(cps) - 1):
            key = (ord(cps[k]) << 21) | ord(cps[k + 1])
            counts[key] = counts.get(key, 0.0) + fw
    unseen = float(np.log(1.0 + vec.n_docs_) + 1.0)
    keys = [k for k in counts if isinstance(k, int)]
    found = vec._lookup(np.asarray(keys, dtype=np.int64)) if keys else np.zeros(0, dtype=np.int64)
    n_words = len(vec.vocabulary_)
    char_idf = {k: (float(vec.idf_[n_words + j]) if j >= 0 else unseen) for k, j in zip(keys, found.tolist())}
    out = {}
    for t, c in counts.items():
        if isinstance(t, int):
            idf = char_idf[t]
        else:
            j = vec.vocabulary_.get(t)
            idf = float(vec.idf_[j]) if j is not None else unseen
        out[t] = ((1.0 + np.log(c)) * idf, idf)
    return out


def _three(cached: str) -> list[str]:
    parts = cached.split("\n")
    return (parts + ["", "", ""])[:3]


def _similarity(a: dict, b: dict) -> float:
    """max(cosine, IDF-weighted containment of the smaller term set in the other when cosine >= 0.6)."""
    dot = sum(w * b[t][0] for t, (w, _) in a.items() if t in b)
    na = np.sqrt(sum(w * w for w, _ in a.values()))
    nb = np.sqrt(sum(w * w for w, _ in b.values()))
    cos = dot / (na * nb) if na > 0 and nb > 0 else 0.0
    if cos < 0.6:
        return float(cos)
    small, big = (a, b) if sum(i for _, i in a.values()) <= sum(i for _, i in b.values()) else (b, a)
    total = sum(i for _, i in small.values())
    shared = sum(i for t, (_, i) in small.items() if t in big)
    return float(max(cos, shared / total if total else 0.0))


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
        mine = _terms(doc_cache(doc), vectorizer)
        sims = np.array([_similarity(mine, _terms(doc_cache(d), vectorizer)) for d in others])
    else:  # no index yet: a small ad-hoc vocabulary over the listings at hand, same weighting
        X = Vectorizer().fit_transform([doc_cache(doc)] + [doc_cache(d) for d in others])
        sims = np.asarray((X[1:] @ X[0].T).todense()).ravel()
    order = np.lexsort(([d.id for d in others], -sims))
    return [(others[i].id, float(min(1.0, sims[i]))) for i in order[:top_k] if sims[i] >= threshold]
