"""The batched explanation (all candidates of a query in one pass) gives the reasons and parts the
per-candidate one gave, with a latent part, with words and keywords added after the fit, without
feedback, and with few reasons shown."""

from dataclasses import replace

import numpy as np
import pytest

from matchmaker.matching.docs import Doc
from matchmaker.matching.engine import MatchEngine
from matchmaker.matching.explain import explain_candidates
from matchmaker.matching.scoring import score_side

from .corpus import NEEDS, RESULTS
from .reference_explain import explain_reference
from .test_explain import PAIRS

pytestmark = pytest.mark.usefixtures("explaining")  # compiled and numpy explanations

LATE = [
    (Doc(98, "鳗鱼养殖尾液藻类清除", "鳗鱼养殖 尾液藻类", "工业机器人产线需要清除鳗鱼养殖尾液中的藻类。"),
     Doc(99, "鳗鱼养殖尾液藻类清除设备", "尾液藻类 led照明", "鳗鱼养殖尾液藻类清除，兼顾LED照明与指纹识别。")),
]  # fmt: skip


def _engine(**params):
    corpus = NEEDS + RESULTS + [d for p in PAIRS for d in p]
    copies = [replace(d, id=100 * k + d.id) for k in range(1, 5) for d in corpus]  # enough listings for topics
    needs = [d for d in copies if d.id % 100 < 11 or 21 <= d.id % 100 <= 24]
    results = [d for d in copies if d not in needs]
    return MatchEngine(**params).fit(needs, results)


def _ordered(reasons):
    # Best first; reasons whose weights agree within 1e-7 (words of identical embeddings: this corpus
    # is four copies) are one tie, ordered by term, since rounding noise of ~1e-9 orders them either way.
    out, tie = [], []
    for r in sorted(reasons, key=lambda r: -r.weight):
        if tie and tie[-1].weight - r.weight > 1e-7:
            out += sorted(tie, key=lambda t: t.term)
            tie = []
        tie.append(r)
    return out + sorted(tie, key=lambda t: t.term)


def _canonical(reasons, cut=-np.inf):
    # Parts below 1e-7 are rounding noise of a zero (stored reasons keep four decimals).
    return [(r.term, r.need_words, r.result_words) for r in _ordered(reasons) if r.weight > max(1e-7, cut)]


def _compare(engine, n=None, weights=False):
    """Explain every listing's candidates both ways; return how many pairs were compared."""
    n = n or engine.n_reasons
    compared = 0
    for query_is_need, src, side in ((True, engine.needs_, engine.results_), (False, engine.results_, engine.needs_)):
        for q in src.all_ids():
            x, z = src.row(q)
            qbuf = np.zeros(engine.vectorizer_.n_features_, dtype=np.float32)
            qbuf[x.indices] = x.data
            hits = score_side(side, qbuf, x.indices, x.data, z, engine)
            order = np.lexsort((hits.ids, -hits.score))[:10]
            zdir, zfb = hits.zdir, hits.zfb
            if weights and zdir is not None:  # feedback given as weights of the query's terms
                zdir, zfb = np.linspace(0.5, 1.5, len(x.indices)), None
            args = (engine, x, side, hits.rows[order], hits.delta[order],
                    np.minimum(1.0, hits.score[order].astype(np.float64)), hits.lex[order].astype(np.float64),
                    zdir, zfb, n)  # fmt: skip
            got = explain_candidates(*args, query_is_need=query_is_need)
            want = explain_reference(*args, query_is_need)
            assert len(got) == len(want)
            for (why, rest), (why_ref, rest_ref) in zip(got, want):
                # Words of identical embeddings (this corpus is four copies) tie up to rounding, also
                # for the last place shown.
                full = len(why) == n or len(why_ref) == n
                cut = min(r.weight for r in why + why_ref) + 1e-6 if full else -np.inf
                assert _canonical(why, cut) == _canonical(why_ref, cut)
                for r, s in zip(_ordered(why), _ordered(why_ref)):
                    if r.weight <= 1e-7 or s.weight <= 1e-7:
                        break
                    assert (r.weight, r.lexical, r.semantic) == pytest.approx(
                        (s.weight, s.lexical, s.semantic), abs=1e-6
                    )
                assert rest == pytest.approx(rest_ref, abs=1e-6)
                compared += 1
    return compared


def test_batched_reasons_match_the_reference():
    """With a latent part and feedback, every candidate's reasons equal the per-candidate ones."""
    engine = _engine()
    assert engine.latent_.components_.shape[1] >= 8
    assert _compare(engine) > 100


def test_batched_reasons_match_with_late_words_and_keywords():
    """Words, n-grams and typed keywords first seen after the fit (delta rows) are explained alike,
    also after the whole-word table was built before the keywords arrived."""
    engine = _engine()
    _compare(engine)
    for need, result in LATE:
        engine.add_need(need)
        engine.add_result(result)
    assert engine.vectorizer_.n_added_ and len(engine.results_.d_ids)
    assert _compare(engine) > 100
    top = engine.results_for_need(98, top_k=1)[0]
    assert top.result_id == 99 and "尾液藻类" in [r.term for r in top.reasons]


@pytest.mark.parametrize(
    "params,n,weights",
    [
        ({"semantic_weight": 0.0}, None, False),
        ({}, 2, False),
        ({}, None, True),
        ({"char_unigrams": False}, None, False),
    ],
)
def test_batched_reasons_match_other_settings(params, n, weights):
    """Without a semantic part, with two reasons shown (ties by term), with feedback given as term
    weights, and without character unigrams, the batched reasons equal the per-candidate ones."""
    assert _compare(_engine(**params), n=n, weights=weights) > 100
