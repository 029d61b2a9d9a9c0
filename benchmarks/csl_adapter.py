"""match_eval adapter: the platform's engine with shipped defaults (pool = results, queries = needs).

``match`` ranks only; ``explain`` returns the same ranking with the reasons exactly as the pages
show them, so an evaluation of the explanations reads the numbers the user sees.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from matchmaker.matching.docs import Doc  # noqa: E402
from matchmaker.matching.engine import MatchEngine  # noqa: E402


def _engine(pool_texts: list[str], query_texts: list[str]) -> MatchEngine:
    results = [Doc(id=i, body=t) for i, t in enumerate(pool_texts)]
    # A need as the platform stores it: the query text is its title (title + keywords).
    needs = [Doc(id=j, title=t) for j, t in enumerate(query_texts)]
    return MatchEngine().fit(needs, results)


def match(pool_texts: list[str], query_texts: list[str], k: int) -> list[list[int]]:
    """Return, per query, the indices of its top-k pool texts, best first."""
    engine = _engine(pool_texts, query_texts)
    return [[m.result_id for m in engine.results_for_need(j, top_k=k, explain=False)] for j in range(len(query_texts))]


def explain(pool_texts: list[str], query_texts: list[str], k: int) -> list[list[tuple]]:
    """Return, per query, its top k as (pool_index, score, [(term, weight), ...]) as the pages show them."""
    engine = _engine(pool_texts, query_texts)
    out = []
    for j in range(len(query_texts)):
        found = engine.results_for_need(j, top_k=k)
        out.append([(m.result_id, m.score, [(r.term, r.weight) for r in m.reasons]) for m in found])
    return out
