"""All pairs at once (matching/allpairs.py) against one query at a time, on small corpora."""

import pytest

from matchmaker.matching.docs import Doc
from matchmaker.matching.engine import MatchEngine

from .corpus import NEEDS, RESULTS

# A few more listings sharing words in varying amounts, so that rankings have several entries.
MORE_NEEDS = [
    Doc(5, "智能门锁低功耗芯片", "智能门锁 芯片", "门锁用的低功耗芯片与指纹算法。"),
    Doc(6, "LED灯具石墨烯散热", "散热 石墨烯", "灯具散热用石墨烯导热膜，降低温度。"),
    Doc(7, "只有常见字的需求", "", "的的的了了了。"),
]
MORE_RESULTS = [
    Doc(16, "指纹识别算法", "指纹识别 算法", "快速指纹识别算法，适用于智能门锁与手机。"),
    Doc(17, "机器视觉检测平台", "机器视觉", "机器视觉平台用于产线缺陷检测与工业机器人引导。"),
    Doc(18, "中药质量控制", "中药 质量控制", "中药材的质量控制与指纹图谱。"),
]


def _engine(**params):
    return MatchEngine(n_candidates=3, feedback_docs=2, **params).fit(NEEDS + MORE_NEEDS, RESULTS + MORE_RESULTS)


def _one_at_a_time(engine, side, top_k, min_score):
    ask = engine.results_for_need if side == "needs" else engine.needs_for_result
    return [m for i in engine.ids(side) for m in ask(i, top_k, min_score, explain=False)]


def _runs(pairs, side, tie=1e-6):
    """The pairs as runs of one query's scores within ``tie`` of each other, [(query, last run of
    the query, sorted ids, scores)]: a tie up to float32 rounding (identical texts score 1e-7
    apart) comes in an order the summation decides, and at the top-k cut either pair may be kept."""
    runs = []
    for m in pairs:
        query = m.need_id if side == "needs" else m.result_id
        if runs and runs[-1][0] == query and abs(m.score - runs[-1][1][-1].score) <= tie:
            runs[-1][1].append(m)
        else:
            runs.append((query, [m]))
    return [
        (
            q,
            i + 1 == len(runs) or runs[i + 1][0] != q,
            sorted((m.need_id, m.result_id) for m in run),
            [m.score for m in run],
        )
        for i, (q, run) in enumerate(runs)
    ]


def _same(got, want, engine, side="needs"):
    assert all(m.reasons == () and m.rest == m.score for m in got)
    got_runs, want_runs = _runs(got, side), _runs(want, side)
    assert [(q, last, len(s)) for q, last, _, s in got_runs] == [(q, last, len(s)) for q, last, _, s in want_runs]
    for (_, last, ids, scores), (_, _, want_ids, want_scores) in zip(got_runs, want_runs):
        assert scores == pytest.approx(want_scores, abs=1e-6)
        if ids != want_ids:  # only where top_k cut a tie: each pair kept is one a single query scores the same
            assert last
            wide = {(m.need_id, m.result_id): m.score for m in _one_at_a_time(engine, side, 50, 0.0)}
            assert [wide.get(pair) for pair in ids] == pytest.approx(scores, abs=1e-6)


@pytest.mark.parametrize("side", ["needs", "results"])
@pytest.mark.parametrize("top_k,min_score", [(3, 0.0), (10, 0.1), (1, 0.3)])
def test_same_pairs_as_single_queries(side, top_k, min_score):
    """Every query's pairs, order and scores are those of one query at a time (explain=False)."""
    engine = _engine()
    _same(
        list(engine.all_pairs(top_k, min_score, chunk=3, side=side)),
        _one_at_a_time(engine, side, top_k, min_score),
        engine,
        side,
    )


def test_added_and_removed_documents():
    """Documents added or removed since the fit (the delta part, masked rows) count as in single queries."""
    engine = _engine()
    engine.add_result(Doc(19, "智能门锁指纹识别模组", "指纹识别 智能门锁", "智能门锁指纹识别模组，识别快。"))
    engine.add_need(Doc(8, "指纹识别门锁", "指纹识别", "需要指纹识别门锁方案。"))
    engine.remove_result(11)
    engine.remove_need(2)
    for side in ("needs", "results"):
        _same(list(engine.all_pairs(5, 0.0, chunk=2, side=side)), _one_at_a_time(engine, side, 5, 0.0), engine, side)


def test_without_semantic_part():
    """With the latent part switched off the scores are the lexical ones, as in single queries."""
    engine = _engine(semantic_weight=0.0)
    _same(list(engine.all_pairs(5, chunk=4)), _one_at_a_time(engine, "needs", 5, 0.0), engine)


WORDS = "指纹识别 智能门锁 石墨烯 散热 中药 质量控制 机器视觉 缺陷检测 锂电池 正极材料 传感器 算法".split()


def _generated(n, offset):
    """n documents of three topic words each; all of them share the frequent words 技术 and 系统."""
    docs = []
    for i in range(n):
        words = [WORDS[(i * 5 + j * 7) % len(WORDS)] for j in range(3)]
        docs.append(Doc(offset + i, words[0] + "技术", " ".join(words[:2]), "".join(words) + "的系统技术。"))
    return docs


def test_frequent_terms_and_queries_without_rare_ones():
    """On a corpus where some terms are frequent (scored apart from the postings) and a query has only
    frequent terms (every row scored once), the pairs are those of single queries."""
    needs = _generated(30, 1) + [Doc(100, "系统技术", "技术", "系统技术。")]
    engine = MatchEngine(n_candidates=5).fit(needs, _generated(50, 1000))
    assert not engine.results_.selective.all()
    for side in ("needs", "results"):
        want = _one_at_a_time(engine, side, 4, 0.0)
        assert len(want) > 100 and (side == "results" or any(m.need_id == 100 for m in want))
        _same(list(engine.all_pairs(4, 0.0, chunk=7, side=side)), want, engine, side)
