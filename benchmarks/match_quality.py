"""Quality and explanation figures on DEV (match_eval with the platform adapter), as JSON lines.

Coverage: for every DEV pair at or above the stored-suggestion threshold, the share of its score
that the shown reasons account for (their weights' sum over the score). Fragment share: share of
shown reason words (both sides of a "a ↔ b" pair) that are not whole words — neither a dictionary
word (jieba's plus the domain dictionary), a typed keyword nor a Latin word — or are stop words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATCHMAKER_SHARED") or ROOT.parent / "shared")  # data/ and tools/
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED / "tools"))

THRESHOLD = 0.35  # config.MATCH_THRESHOLD's default


def emit(name, value, unit, target):
    """Print one figure as a JSON line."""
    print(json.dumps({"name": name, "value": round(float(value), 4), "unit": unit, "target": target}), flush=True)


def quality() -> None:
    """Run match_eval with benchmarks/csl_adapter.py:match on DEV; print P@10-self and MRR@10."""
    cmd = [
        sys.executable,
        str(SHARED / "tools" / "match_eval.py"),
        "--data",
        str(SHARED / "data" / "csl_dev.jsonl"),
        "--matcher",
        "benchmarks/csl_adapter.py:match",
    ]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603
    res = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(res, ensure_ascii=False), file=sys.stderr)
    emit("match_p10_disc_excl_self_dev", res["p@10_disc_excl_self"], "share", ">= 0.39")
    emit("match_mrr10_dev", res["mrr@10"], "share", ">= 0.993")


def explanations() -> None:
    """Coverage of the score by the shown reasons and share of non-word reason terms on DEV."""
    import csl_adapter
    import match_eval

    from matchmaker.matching.tokenize import is_whole_word

    recs = [r for r in match_eval.load_jsonl(SHARED / "data" / "csl_dev.jsonl") if r.get("abstract")]
    q_idx = match_eval.pick_queries(recs, 1000)
    queries = [match_eval.query_text(recs[i]) for i in q_idx]
    found = csl_adapter.explain([r["abstract"] for r in recs], queries, 10)
    coverage, words, bad = [], 0, 0
    for row in found:
        for _, score, reasons in row:
            if score < THRESHOLD:
                continue
            coverage.append(sum(w for _, w in reasons) / score)
            for term, _ in reasons:
                for word in term.split(" ↔ "):
                    words += 1
                    bad += not is_whole_word(word)
    print(json.dumps({"pairs_at_threshold": len(coverage), "reason_words": words}), file=sys.stderr)
    emit("explain_coverage_median_dev", np.median(coverage), "share", ">= 0.80")
    emit("explain_coverage_p10_dev", np.percentile(coverage, 10), "share", ">= 0.60")
    emit("explain_fragment_share_dev", bad / max(1, words), "share", "== 0")


if __name__ == "__main__":
    quality()
    explanations()
