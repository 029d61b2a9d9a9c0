"""match_eval adapter: the platform's engine with shipped defaults (pool = results, queries = needs)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from matchmaker.matching.docs import Doc  # noqa: E402
from matchmaker.matching.engine import MatchEngine  # noqa: E402


def match(pool_texts: list[str], query_texts: list[str], k: int) -> list[list[int]]:
    """Return, per query, the indices of its top-k pool texts, best first."""
    results = [Doc(id=i, body=t) for i, t in enumerate(pool_texts)]
    # A need as the platform stores it: the query text is its title (title + keywords).
    needs = [Doc(id=j, title=t) for j, t in enumerate(query_texts)]
    engine = MatchEngine().fit(needs, results)
    return [[m.result_id for m in engine.results_for_need(j, top_k=k)] for j in range(len(needs))]
