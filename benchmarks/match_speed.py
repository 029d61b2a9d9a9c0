"""Speed figures of the matching engine, one JSON line each: {name, value, unit, target}.

With the ``bench`` extra installed (tantivy), the same tokens are indexed and queried by tantivy in
the same run and the ratios printed: refit_ratio_to_tantivy, query_p50/p95_ratio_to_tantivy.
Run from benchmarks/: ``../.venv/bin/python match_speed.py [--engine-only] [--repeat N]`` (N refits, each
followed by a tantivy build: medians; queries are asked of both in turn, of the engine as the web processes
hold it: saved by the refit and loaded, arrays memory-mapped; the fitted engine's own figures are fitted_query_*).
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import tempfile
import time

import match_synth
import numpy as np
from match_synth import ROOT

sys.path.insert(0, str(ROOT))

from matchmaker.matching import store  # noqa: E402
from matchmaker.matching import tokenize as tok  # noqa: E402
from matchmaker.matching.docs import Doc, doc_fields, tokenize_doc  # noqa: E402
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


def _timed_sys(fn, sys_s: list):
    """_timed, and the process's kernel CPU seconds meanwhile appended to sys_s: on this machine kind that is
    mostly fresh memory being cleared, which costs several times more once the hypervisor has taken freed
    memory back (free page reporting), so it tells a cold refit from a warm one."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    took = _timed(fn)
    sys_s.append(resource.getrusage(resource.RUSAGE_SELF).ru_stime - before)
    return took


def _query_times(served, fitted, tv, queries):
    """Each query asked of the served engine, the fitted one and tantivy in turn (after 20 unmeasured)."""
    for q in queries[:20]:
        served.results_for_need(q)
        fitted.results_for_need(q)
        if tv:
            tv.query(q)
    lat, flat, tlat = [], [], []
    for q in queries:
        lat.append(_timed(lambda q=q: served.results_for_need(q)))
        flat.append(_timed(lambda q=q: fitted.results_for_need(q)))
        if tv:
            tlat.append(_timed(lambda q=q: tv.query(q)))
    return lat, flat, tlat


def bench_engine(repeat: int = 1):
    """Refit, memory, single-query latency and all-pairs time at 100,000 results, and tantivy beside them.

    The engine and tantivy take turns, so that both meet the same machine: ``repeat`` refits, each followed
    by a tantivy build (the figures are medians; a ratio is the median of the ratios of neighbouring pairs),
    and each query is asked of both, one right after the other. Machines of this kind drift by tens of
    per cent within minutes: one refit and one build, minutes apart, gave ratios from 4.1 to 6.8 for one code.
    """
    raw_needs, raw_results = match_synth.build()
    needs = [tokenize_doc(Doc(i, *d)) for i, d in enumerate(raw_needs)]
    results = [tokenize_doc(Doc(i, *d)) for i, d in enumerate(raw_results)]
    tv = _Tantivy.make(results)
    engine = MatchEngine()
    fits, builds, fit_sys, build_sys = [], [], [], []
    for _ in range(max(1, repeat)):
        fits.append(_timed_sys(lambda: engine.fit(needs, results), fit_sys))
        if tv:
            builds.append(_timed_sys(tv.build, build_sys))
    emit("refit_s_100k", float(np.median(fits)), "s", "<= 15")
    emit("refit_sys_s_100k", float(np.median(fit_sys)), "s", "reported")
    emit("index_mb_100k", len(pickle.dumps(engine, protocol=5)) / 1e6, "MB", "<= 1000")
    rng = np.random.default_rng(7)
    queries = [Doc(10**7 + i, *raw_needs[j]) for i, j in enumerate(rng.choice(len(needs), 1000))]
    with tempfile.TemporaryDirectory(prefix="match_speed-") as folder:
        # Queries are asked of the index as the web processes answer them: saved by the refit and loaded,
        # its arrays memory-mapped (suggestions/indexing.py); the fitted engine's own arrays are asked too
        # (fitted_query_*), one query each in turn.
        store.save(engine, folder)
        lat, flat, tlat = _query_times(store.load(folder), engine, tv, queries)
    lat, flat = np.array(lat) * 1000, np.array(flat) * 1000
    emit("query_p50_ms_100k", float(np.percentile(lat, 50)), "ms", "<= 2")
    emit("query_p95_ms_100k", float(np.percentile(lat, 95)), "ms", "<= 5")
    emit("fitted_query_p50_ms_100k", float(np.percentile(flat, 50)), "ms", "reported")
    emit("fitted_query_p95_ms_100k", float(np.percentile(flat, 95)), "ms", "reported")
    if tv:
        tlat = np.array(tlat) * 1000
        emit("tantivy_refit_s_100k", float(np.median(builds)), "s", "reported")
        emit("tantivy_refit_sys_s_100k", float(np.median(build_sys)), "s", "reported")
        emit("tantivy_query_p50_ms_100k", float(np.percentile(tlat, 50)), "ms", "reported")
        emit("tantivy_query_p95_ms_100k", float(np.percentile(tlat, 95)), "ms", "reported")
        ratio = float(np.median(np.array(fits) / np.array(builds)))
        emit("refit_ratio_to_tantivy", ratio, "x tantivy", "<= 2.0")
        p50 = float(np.percentile(lat, 50) / np.percentile(tlat, 50))
        emit("query_p50_ratio_to_tantivy", p50, "x tantivy", "<= 1.5")
        p95 = float(np.percentile(lat, 95) / np.percentile(tlat, 95))
        emit("query_p95_ratio_to_tantivy", p95, "x tantivy", "<= 1.5")
    t = _timed(lambda: sum(1 for _ in engine.all_pairs(top_k=10)))
    emit("allpairs_s_10k_100k", t, "s", "<= 25")


class _Tantivy:
    """tantivy (BM25, Rust) on the same cached tokens, as a yardstick: its index build against the refit,
    a top-10 query (tokenising included) against results_for_need."""

    @classmethod
    def make(cls, results):
        try:
            import tantivy
        except ImportError:
            print("# tantivy not installed (pip install -e '.[bench]'): no ratios", file=sys.stderr)
            return None
        return cls(tantivy, results)

    def __init__(self, tantivy, results):
        self.tantivy, self.results = tantivy, results
        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("id", stored=True, indexed=False)
        sb.add_text_field("text", stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = sb.build()
        self.searcher = None

    def build(self):
        tantivy = self.tantivy
        index = tantivy.Index(self.schema)
        writer = index.writer(heap_size=500_000_000, num_threads=2)
        for d in self.results:
            writer.add_document(tantivy.Document(id=d.id, text=d.tokens.replace("\n", " ")))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.searcher = index.searcher()

    def query(self, doc):
        tantivy, searcher = self.tantivy, self.searcher
        terms = {t for f in doc_fields(doc) for t in f}
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "text", t)) for t in terms]
        )
        return [searcher.doc(addr)["id"][0] for _, addr in searcher.search(q, 10).hits]


if __name__ == "__main__":
    if "--engine-only" not in sys.argv:
        bench_tokenize()
    bench_engine(int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1)
