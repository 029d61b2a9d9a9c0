"""Synthetic needs/results recombining real CSL sentences (fixed seed), for speed benchmarks."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A worktree beside the main checkout points here with MATCHMAKER_SHARED_DATA.
SHARED = Path(
    os.environ.get("MATCHMAKER_SHARED_DATA")
    or Path(os.environ.get("MATCHMAKER_SHARED") or ROOT.parent / "shared") / "data"
)
_SENT_RE = re.compile(r"(?<=[。；;！？!?.])")


def load_records(name: str = "csl_scale.jsonl") -> list[dict]:
    """Return the records of a shared CSL file."""
    with open(SHARED / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build(n_results: int = 100_000, n_needs: int = 10_000, seed: int = 20240501):
    """Return (needs, results) as lists of (title, keywords, body) built from real sentences."""
    rng = random.Random(seed)
    recs = load_records()
    sentences = [s.strip() for r in recs for s in _SENT_RE.split(r.get("abstract") or "")]
    sentences = [s for s in sentences if len(s) >= 8]
    titles = [r["title"] for r in recs if r.get("title")]
    keywords = [r["keywords"] for r in recs if r.get("keywords")]

    def doc(n_sent: tuple[int, int]):
        body = "".join(rng.choice(sentences) for _ in range(rng.randint(*n_sent)))
        return rng.choice(titles), " ".join(rng.choice(keywords)), body

    results = [doc((3, 8)) for _ in range(n_results)]
    needs = [doc((1, 2)) for _ in range(n_needs)]
    return needs, results
