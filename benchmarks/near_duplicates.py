"""Near-duplicate warning on DEV texts (issue 12), as JSON lines: copies found and false warnings.

An organisation's own 20 listings (DEV records); for 10 of them a copy with one sentence of another
record added, and a copy with three light edits (a sentence dropped, two words changed, a phrase
added); 10 unrelated records must raise no warning. The platform's vocabulary is an engine fitted
on 700 other DEV records, as the app's index would be.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATCHMAKER_SHARED") or ROOT.parent / "shared")  # data/ and tools/
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SHARED / "tools"))

from matchmaker.matching.docs import Doc  # noqa: E402
from matchmaker.matching.duplicates import DEFAULT_DUPLICATE_THRESHOLD, find_near_duplicates  # noqa: E402
from matchmaker.matching.engine import MatchEngine  # noqa: E402


def _sentences(text):
    return [x for x in re.split(r"(?<=[。；])", text) if x]


def _found(doc, own, vec):
    return [i for i, _ in find_near_duplicates(doc, own, DEFAULT_DUPLICATE_THRESHOLD, vectorizer=vec)]


def main() -> None:
    """Print copies found (of 10, two kinds) and unrelated texts warned about, with the ad-hoc and platform vocabularies."""
    import match_eval

    recs = [r for r in match_eval.load_jsonl(SHARED / "data" / "csl_dev.jsonl") if r.get("abstract") and r.get("title")]
    doc = lambda i, r: Doc(i, r["title"], r["keywords"], r["abstract"])  # noqa: E731
    engine = MatchEngine().fit([doc(i, r) for i, r in enumerate(recs[:700])], [])
    own = [doc(i, recs[i]) for i in range(700, 720)]
    for mode, vec in (("adhoc", None), ("platform", engine.vectorizer_)):
        added = edited = warned = 0
        for k in range(10):
            base = own[k]
            plus = Doc(-1, base.title, base.keywords, base.body + _sentences(recs[800 + k]["abstract"])[0])
            parts = _sentences(base.body)
            if len(parts) > 2:
                parts.pop(len(parts) // 2)
            body = "".join(parts).replace("研究", "探讨", 1).replace("结果", "结论", 1) + "，具有推广价值。"
            light = Doc(-1, base.title, base.keywords, body)
            other = doc(-1, recs[900 + k])
            added += base.id in _found(plus, own, vec)
            edited += base.id in _found(light, own, vec)
            warned += bool(_found(other, own, vec))
        for name, value, target in (("copy_plus_sentence_found", added, "10"), ("three_edits_found", edited, "10"),
                                    ("unrelated_warned", warned, "0")):  # fmt: skip
            print(json.dumps({"name": f"near_dup_{name}_{mode}", "value": value, "unit": "of 10", "target": target}))


if __name__ == "__main__":
    main()
