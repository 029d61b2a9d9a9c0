"""Speed figures of the matching engine, one JSON line each: {name, value, unit, target}."""

from __future__ import annotations

import json
import pickle
import sys
import time

import match_synth
import numpy as np
from match_synth import ROOT

sys.path.insert(0, str(ROOT))

from matchmaker.matching import tokenize as tok  # noqa: E402
from matchmaker.matching.docs import Doc, tokenize_doc  # noqa: E402
from matchmaker.matching.engine import MatchEngine  # noqa: E402


def emit(name, value, unit, target):
    """Print one figure as a JSON line."""
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit, "target": target}))
    sys.stdout.flush()


def bench_tokenize():
    """Throughput and jieba parity over every text of csl_scale."""
    recs = match_synth.load_records()
    texts = [r.get("abstract") or "" for r in recs]
    texts += [(r["title"] + " " + " ".join(r.get("keywords") or [])) for r in recs if r.get("title")]
    n_chars = sum(map(len, texts))
    tok.tokenize("预热")
    best = min(_timed(lambda: [tok.tokenize(t) for t in texts]) for _ in range(3))
    emit("tokenize_mchar_per_s", n_chars / best / 1e6, "Mchar/s", ">= 2.5")
    same = sum(tok.tokenize(t) == tok.jieba_tokenize(t) for t in texts)
    emit("tokenize_parity_share", same / len(texts), "share", "1.0")


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_engine():
    """Refit, memory, single-query latency and all-pairs time at 100,000 results."""
    raw_needs, raw_results = match_synth.build()
    needs = [tokenize_doc(Doc(i, *d)) for i, d in enumerate(raw_needs)]
    results = [tokenize_doc(Doc(i, *d)) for i, d in enumerate(raw_results)]
    engine = MatchEngine()
    emit("refit_s_100k", _timed(lambda: engine.fit(needs, results)), "s", "<= 15")
    emit("index_mb_100k", len(pickle.dumps(engine, protocol=5)) / 1e6, "MB", "<= 1000")
    rng = np.random.default_rng(7)
    queries = [Doc(10**7 + i, *raw_needs[j]) for i, j in enumerate(rng.choice(len(needs), 1000))]
    for q in queries[:20]:
        engine.results_for_need(q)
    lat = np.array([_timed(lambda q=q: engine.results_for_need(q)) for q in queries]) * 1000
    emit("query_p50_ms_100k", float(np.percentile(lat, 50)), "ms", "<= 2")
    emit("query_p95_ms_100k", float(np.percentile(lat, 95)), "ms", "<= 5")
    t = _timed(lambda: sum(1 for _ in engine.all_pairs(top_k=10)))
    emit("allpairs_s_10k_100k", t, "s", "<= 25")


if __name__ == "__main__":
    bench_tokenize()
    bench_engine()
