"""MatchEngine: fit, incremental updates and suggestions in both directions."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import tokenize as tok
from .allpairs import score_block, side_rows
from .counts import _SPLIT_WORDS_DOCS, count_terms
from .docs import Doc, MatchResult, doc_cache
from .explain import explain_candidates
from .index import SideIndex, row_block, top_n
from .pages import small_pages
from .scoring import score_side
from .semantic import LatentSpace
from .vectorize import Vectorizer

__all__ = ["MatchEngine", "warm_up"]

# The token format of an index saved before indexes recorded theirs: the one in force then (an older one's index was
# refitted by age within a day of that change), so an upgrade does not refit every install for nothing.
UNRECORDED_TOKEN_FORMAT = 2

Progress = Callable[[str, int, int], None]
# The scoring model's generation: raised whenever the defaults change. A refit carries an index's
# parameters over only within one generation; an older index (whose parameters were the defaults of
# its day, possibly lacking newer ones) refits with today's defaults.
MODEL = 4
_local = threading.local()


def _query_buffer(n_features: int) -> np.ndarray:
    # A zeroed dense query vector per thread, reused (callers zero what they set).
    buf = getattr(_local, "qbuf", None)
    if buf is None or len(buf) != n_features:
        buf = _local.qbuf = np.zeros(n_features, dtype=np.float32)
    return buf


def _matches(found, query_id: int, query_is_need: bool) -> list[MatchResult]:
    # MatchResult(...) without the frozen dataclass's five guarded assignments (as explain's Reasons).
    out = []
    new, put, add = object.__new__, object.__setattr__, out.append
    for other, s, r, rest in found:
        m = new(MatchResult)
        need, result = (query_id, other) if query_is_need else (other, query_id)
        put(m, "__dict__", {"need_id": need, "result_id": result, "score": s, "reasons": r, "rest": rest})
        add(m)
    return out


class MatchEngine:
    """Needs and results in one TF-IDF space; lexical candidates re-ranked by LSA feedback."""

    def __init__(
        self,
        field_weights=(2.0, 2.0, 1.0),
        word_weight=0.3,
        char_unigrams=True,
        idf_power=1.5,
        n_components=64,
        lsa_sample=8000,
        semantic_weight=0.4,
        feedback_docs=5,
        feedback_weight=8.0,
        feedback_power=1.5,
        n_candidates=200,
        selective_max_df=0.05,
        n_reasons=8,
        n_jobs=2,
    ):
        self.field_weights = field_weights
        self.word_weight = word_weight
        self.char_unigrams = char_unigrams
        self.idf_power = idf_power
        self.n_components = n_components
        self.lsa_sample = lsa_sample
        self.semantic_weight = semantic_weight
        self.feedback_docs = feedback_docs
        self.feedback_weight = feedback_weight
        self.feedback_power = feedback_power
        self.n_candidates = n_candidates
        self.selective_max_df = selective_max_df
        self.n_reasons = n_reasons
        self.n_jobs = n_jobs
        self.model = MODEL

    def get_params(self) -> dict:
        """Return the constructor parameters (to build a fresh engine for a refit); none for an
        engine of an older model generation, so that its refit takes today's defaults."""
        if getattr(self, "model", 1) != MODEL:
            return {}
        names = self.__init__.__code__.co_varnames[1 : self.__init__.__code__.co_argcount]
        return {k: getattr(self, k) for k in names}

    # ------------------------------------------------------------------ fitting
    def fit(self, needs: list[Doc], results: list[Doc], progress: Progress | None = None):
        """Learn vocabulary, IDF and latent components from all documents; index both sides."""
        with small_pages():  # short-lived arrays touched once: see pages.py
            return self._fit(needs, results, progress)

    def _fit(self, needs: list[Doc], results: list[Doc], progress: Progress | None):
        t0 = time.perf_counter()
        report = progress or (lambda stage, done, total: None)
        docs = list(needs) + list(results)
        fields = []
        for i in range(0, len(docs), 5000):  # cached tokens make this loop cheap on a refit
            report("tokenize", i, len(docs))
            fields.extend(map(doc_cache, docs[i : i + 5000]))
        report("vectorize", 0, 1)
        self.vectorizer_ = Vectorizer(
            self.field_weights,
            self.word_weight,
            self.char_unigrams,
            idf_power=getattr(self, "idf_power", 1.0),
            n_jobs=self.n_jobs,
        )
        spare: list[np.ndarray] = []  # the count's arrays it is done with: the split's scratch, not fresh memory
        X = self.vectorizer_.fit_transform(fields, spare)
        report("semantic", 0, 1)
        max_df = max(20, self.selective_max_df * len(docs))
        # Words first seen after the fit are rare by definition: they have postings.
        extra = np.ones(self.vectorizer_.n_features_ - len(self.vectorizer_.df_), dtype=bool)
        selective = np.concatenate([self.vectorizer_.df_ <= max_df, extra])
        n = len(needs)

        def sides():
            return (
                SideIndex(row_block(X, 0, n), None, [d.id for d in needs], selective, spare),
                SideIndex(row_block(X, n, len(docs)), None, [d.id for d in results], selective, spare),
            )

        # The sides' postings need no embeddings: they are built on a thread of their own while
        # the latent space is fitted (numpy and scipy release the GIL).
        with ThreadPoolExecutor(1) as ex:
            built = ex.submit(sides) if self.n_jobs > 1 else None
            self.latent_ = LatentSpace(self.n_components, self.lsa_sample).fit(X, self.vectorizer_.df_)
            Z = self.latent_.transform(X, n_jobs=self.n_jobs)
            report("index", 0, 1)
            self.needs_, self.results_ = built.result() if built else sides()
        spare.clear()
        self.needs_.set_embeddings(Z[:n])
        self.results_.set_embeddings(Z[n:])
        self.dictionary_version_ = tok.dictionary_version()
        self.user_words_ = tok.user_words()
        self.token_format_ = tok.TOKEN_FORMAT
        self.version_ = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.fitted_at_ = time.time()
        self.fit_seconds_ = time.perf_counter() - t0
        report("done", 1, 1)
        return self

    def _embed(self, doc: Doc, add: bool = False):
        # A query's row stays a QueryRow (its arrays): only a row being indexed needs the csr_matrix.
        cached = doc_cache(doc)
        x = self.vectorizer_.transform([cached], add=True) if add else self.vectorizer_.query_row(cached)
        return x, self.latent_.transform(x)[0]

    # ------------------------------------------------------------------ incremental
    def _add(self, side: SideIndex, doc: Doc) -> None:
        self._remove(side, doc.id)
        x, z = self._embed(doc, add=True)
        self.vectorizer_.count_document(x)  # new words' document frequencies
        side.add(doc.id, x, z)

    def _remove(self, side: SideIndex, doc_id: int) -> None:
        old = side.row(doc_id)
        if old is not None:
            self.vectorizer_.count_document(old[0], -1)
        side.remove(doc_id)

    def add_need(self, doc: Doc) -> None:
        """Index a new or edited need at once; words the fit never saw count too."""
        self._add(self.needs_, doc)

    def add_result(self, doc: Doc) -> None:
        """Index a new or edited result at once; words the fit never saw count too."""
        self._add(self.results_, doc)

    def remove_need(self, need_id: int) -> None:
        """Drop a need from the index."""
        self._remove(self.needs_, need_id)

    def remove_result(self, result_id: int) -> None:
        """Drop a result from the index."""
        self._remove(self.results_, result_id)

    # ------------------------------------------------------------------ queries
    def _query(self, src: SideIndex, query):
        if isinstance(query, Doc):
            return self._embed(query)
        hit = src.row(int(query))
        if hit is None:
            raise KeyError(query)
        return hit

    def search(self, side: SideIndex, x, z, top_k=10, min_score=0.0, exclude=(), semantic=True, explain=True):
        """Return [(doc_id, score, reasons, remainder)] of one side for a query row, best first.

        The shown reasons plus the remainder add up to the score. With ``explain=False`` reasons
        are left empty and the remainder is the score (rankings only, much faster)."""
        qi, qd = x.indices, x.data
        qbuf = _query_buffer(self.vectorizer_.n_features_)
        qbuf[qi] = qd
        try:
            hits = score_side(side, qbuf, qi, qd, z if semantic else None, self, set(exclude))
        finally:
            qbuf[qi] = 0.0
        keep = (hits.score >= min_score).nonzero()[0]
        order = keep[np.lexsort((hits.ids[keep], -hits.score[keep]))]
        if not explain:
            order = order[:top_k]
            scores = np.minimum(1.0, hits.score[order].astype(np.float64)).tolist()
            return [(i, s, (), s) for i, s in zip(hits.ids[order].tolist(), scores)]
        out, pos = [], 0
        while len(out) < top_k and pos < len(order):
            # Explain just as many rows as are still needed; a pair with nothing to show
            # (only single letters or digits in common) is no suggestion.
            batch = order[pos : pos + top_k - len(out)]
            pos += len(batch)
            scores = np.minimum(1.0, hits.score[batch].astype(np.float64))
            whys = explain_candidates(
                self, x, side, hits.rows[batch], hits.delta[batch], scores, hits.lex[batch].astype(np.float64),
                hits.zdir, hits.zfb, self.n_reasons, query_is_need=side is self.results_,
            )  # fmt: skip
            for i, s, (why, rest) in zip(hits.ids[batch].tolist(), scores.tolist(), whys):
                if why:
                    out.append((i, s, why, rest))
        return out

    def results_for_need(self, need, top_k=10, min_score=0.0, exclude=(), explain=True) -> list[MatchResult]:
        """Return the best results for a need id or a Doc."""
        x, z = self._query(self.needs_, need)
        nid = need.id if isinstance(need, Doc) else int(need)
        found = self.search(self.results_, x, z, top_k, min_score, exclude, explain=explain)
        return _matches(found, nid, True)

    def needs_for_result(self, result, top_k=10, min_score=0.0, exclude=(), explain=True) -> list[MatchResult]:
        """Return the best needs for a result id or a Doc."""
        x, z = self._query(self.results_, result)
        rid = result.id if isinstance(result, Doc) else int(result)
        found = self.search(self.needs_, x, z, top_k, min_score, exclude, explain=explain)
        return _matches(found, rid, False)

    def pair_blocks(self, side="needs", top_k=10, min_score=0.0, block=256) -> Iterator[list]:
        """Yield [(query id, other side's ids, scores)] for every live document of one side
        ("needs": results for each need; "results": needs for each result), a block of queries at
        a time, in ``ids(side)`` order: the same ranking and scores as ``results_for_need`` /
        ``needs_for_result`` with ``explain=False``. Blocks are scored on n_jobs threads."""
        src, dst = (self.needs_, self.results_) if side == "needs" else (self.results_, self.needs_)
        ids, X, Z = side_rows(src)
        spans = [(s, min(s + block, len(ids))) for s in range(0, len(ids), block)]

        def run(span):
            s, e = span
            return score_block(dst, self, ids[s:e], row_block(X, s, e), Z[s:e], top_k, min_score)

        with ThreadPoolExecutor(max(1, self.n_jobs)) as ex:
            yield from ex.map(run, spans)

    def all_pairs(self, top_k=10, min_score=0.0, chunk=256, side="needs") -> Iterator[MatchResult]:
        """Yield the top pairs of every need (or of every result, side="results"), query by query,
        best first; scores only, no reasons (``results_for_need(..., explain=False)``)."""
        for part in self.pair_blocks(side, top_k, min_score, chunk):
            for qid, others, scores in part:
                for other, s in zip(others.tolist(), scores.tolist()):
                    m = (qid, other) if side == "needs" else (other, qid)
                    yield MatchResult(m[0], m[1], s, (), s)

    def near_duplicates(self, doc: Doc, side="needs", threshold=0.9, top_k=10):
        """Return [(doc_id, lexical cosine)] of one side at or above threshold, excluding doc.id."""
        index = self.needs_ if side == "needs" else self.results_
        x, z = self._embed(doc)
        found = self.search(index, x, z, top_k, threshold, {doc.id}, semantic=False, explain=False)
        return [(i, s) for i, s, _, _ in found]

    # ------------------------------------------------------------------ bookkeeping
    def save(self, directory) -> str:
        """Persist to a new version file in directory; return the version string."""
        from .store import save  # store imports this module

        return save(self, directory)

    @classmethod
    def load(cls, directory, version: str | None = None) -> MatchEngine:
        """Load the current (or given) version from directory."""
        from .store import load

        return load(directory, version)

    def tokens_current(self) -> bool:
        """Whether the index was fitted on tokens of the code's token format (tokenize.TOKEN_FORMAT). An index of
        another format (saved before the tokenizer changed) must not meet tokens of today's code: refit it."""
        return self.token_format() == tok.TOKEN_FORMAT

    def token_format(self) -> int:
        """The token format the index was fitted on (``UNRECORDED_TOKEN_FORMAT`` for one saved before it was kept)."""
        return getattr(self, "token_format_", UNRECORDED_TOKEN_FORMAT)

    def stats(self) -> dict:
        """Return sizes, version and fit timing of the index."""
        n, r = len(self.needs_), len(self.results_)
        return {
            "documents": n + r,
            "needs": n,
            "results": r,
            "vocabulary": self.vectorizer_.n_features_,
            "version": self.version_,
            "fitted_at": self.fitted_at_,
            "fit_seconds": round(self.fit_seconds_, 3),
            "dictionary_version": self.dictionary_version_,
            "token_format": self.token_format(),
        }

    def ids(self, side="needs") -> Iterable[int]:
        """Return the ids indexed on one side."""
        return (self.needs_ if side == "needs" else self.results_).all_ids()


_WARM_TEXTS = [
    "智能门锁指纹识别模块开发，需要低功耗的识别方案",
    "大功率LED照明灯具的散热设计技术，降低结温",
    "中药配方颗粒的质量控制与一致性评价",
    "基于机器视觉的工业机器人缺陷检测系统",
    "高镍锂离子电池正极材料的制备工艺",
    "石墨烯导热膜用于电子器件散热",
    "污水处理中的膜生物反应器节能改造",
    "纺织面料的抗菌整理与印染废水回用",
]


def warm_up() -> None:
    """Fit and query a small index once, so that the compiled loops (kernels*.py) are compiled and cached
    on this machine. The first compile takes about a minute on a 2-core machine; a process that meets it
    inside a job (the first matching after an install) holds the queue that long. Later calls load the
    cache (a few seconds, most of it imports). The index is just large enough to have latent topics, so
    that the explanations' semantic loops are compiled too. It is queried again as every web and job process
    reads a saved index: its arrays mapped read-only, which numba compiles as other types."""
    import tempfile

    from . import store

    t = _WARM_TEXTS
    docs = [Doc(i, t[i % 8][:10], t[(i * 3 + 1) % 8][:6], t[i % 8] + "；" + t[(i * 5 + 2) % 8]) for i in range(64)]
    engine = MatchEngine().fit(docs[:24], docs[24:])
    with tempfile.TemporaryDirectory(prefix="matchmaker-warm-up-") as folder:
        store.save(engine, folder, min_bytes=1)  # every array a file of its own, as a large index's are
        for index in (engine, store.load(folder)):
            index.results_for_need(0)
            index.needs_for_result(24)
            index.results_for_need(
                Doc(10**6, "指纹识别门锁", "", "鳗鱼养殖尾液与指纹识别门锁")
            )  # words first seen after the fit
            for side in ("needs", "results"):  # a refit's re-suggestion, bulk: its own loop over the postings
                list(index.pair_blocks(side, 3))
    top_n(np.linspace(0, 1, 128, dtype=np.float32), 8)  # its sampled threshold (kernels.nth_largest): large sides only
    # A large fit numbers its words on two threads (from counts._SPLIT_WORDS_DOCS documents) and outgrows the
    # words' first hash table (32,768 words a thread): those loops on made-up words, a count and no fit.
    count_terms(_made_up_docs(_SPLIT_WORDS_DOCS), engine.field_weights, engine.char_unigrams, 2)


def _made_up_docs(n: int) -> list[str]:
    """n token-cache strings (title, keywords, body) of ten distinct made-up words each, four letters a-z."""
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word(k: int) -> str:
        return "".join(letters[k // 26**p % 26] for p in range(4))

    return [
        f"{word(10 * i)} {word(10 * i + 1)}\n{word(10 * i + 2)}\n" + " ".join(word(10 * i + j) for j in range(3, 10))
        for i in range(n)
    ]
