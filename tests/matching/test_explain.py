"""Explained scores: parts add up, reasons are whole words, keywords stay whole, new words count."""

from dataclasses import replace

import pytest

from matchmaker.matching.docs import Doc, tokenize_doc
from matchmaker.matching.engine import MatchEngine
from matchmaker.matching.tokenize import is_whole_word

from .corpus import NEEDS, RESULTS

pytestmark = pytest.mark.usefixtures("explaining")  # compiled and numpy explanations

PAIRS = [
    (Doc(21, "焊接热影响区裂纹控制", "热影响区 焊接裂纹", "高强钢焊接后热影响区出现裂纹，需要控制方法。"),
     Doc(31, "高强钢焊接热影响区韧化技术", "热影响区 高强钢", "通过焊接热输入控制改善热影响区韧性，减少裂纹。")),
    (Doc(22, "空气消毒机研发", "空气消毒 等离子", "医院病房需要低噪声的等离子空气消毒设备。"),
     Doc(32, "等离子体空气消毒技术", "空气消毒 等离子体", "低温等离子体空气消毒装置，杀菌率高，噪声低。")),
    (Doc(23, "服装出口跟单系统", "服装出口 跟单", "外贸服装出口企业需要订单跟单管理系统。"),
     Doc(33, "外贸服装跟单管理软件", "服装出口 订单管理", "面向服装出口企业的订单跟单与生产进度管理软件。")),
    (Doc(24, "数据库性能优化", "数据库 查询优化", "业务数据库查询缓慢，需要索引与查询优化服务。"),
     Doc(34, "分布式数据库查询优化技术", "数据库 查询优化", "数据库索引自动推荐与查询优化引擎。")),
]  # fmt: skip


@pytest.fixture(scope="module")
def engine():
    """An engine over the tiny corpus plus the four pairs."""
    return MatchEngine().fit(NEEDS + [n for n, _ in PAIRS], RESULTS + [r for _, r in PAIRS])


def _all(engine):
    for n in engine.ids("needs"):
        yield from engine.results_for_need(n, top_k=5)
    for r in engine.ids("results"):
        yield from engine.needs_for_result(r, top_k=5)


def test_parts_add_up_to_the_score(engine):
    """Shown reasons plus the remainder equal the score, and the reasons carry most of it."""
    for m in _all(engine):
        assert sum(r.weight for r in m.reasons) + m.rest == pytest.approx(m.score, abs=1e-5)
        for r in m.reasons:
            assert r.weight == pytest.approx(r.lexical + r.semantic, abs=1e-9)
    best = engine.results_for_need(1, top_k=1)[0]
    assert sum(r.weight for r in best.reasons) >= 0.8 * best.score


def test_reasons_are_whole_words_of_both_sides(engine):
    """Every reason word is a whole word, and need words come from the need, result words from the result."""
    texts = {d.id: d.title + d.body + " ".join(d.keywords.split()) for d in NEEDS + RESULTS}
    texts.update({d.id: d.title + d.body + d.keywords for p in PAIRS for d in p})
    for m in _all(engine):
        for r in m.reasons:
            assert r.need_words or r.result_words
            for w in r.need_words:
                assert is_whole_word(w, engine.vectorizer_.keywords_) and w in texts[m.need_id].lower()
            for w in r.result_words:
                assert w in texts[m.result_id].lower()
            assert not any(len(w) == 1 and not is_whole_word(w) for w in r.need_words + r.result_words)


def test_typed_keywords_are_whole_tokens(engine):
    """A typed keyword is one token and is shown whole, not as a lone character."""
    doc = tokenize_doc(PAIRS[0][0])
    assert "热影响区" in doc.tokens.split("\n")[1].split()
    top = engine.results_for_need(21, top_k=1)[0]
    assert top.result_id == 31
    terms = [r.term for r in top.reasons]
    assert "热影响区" in terms and "热" not in terms


@pytest.mark.parametrize("need,result", PAIRS)
def test_obvious_pairs_found_both_ways(engine, need, result):
    """Each need finds its result first, and the result its need."""
    assert engine.results_for_need(need.id, top_k=1)[0].result_id == result.id
    assert engine.needs_for_result(result.id, top_k=1)[0].need_id == need.id


def test_new_words_count_before_the_next_refit():
    """An index fitted on one listing still matches four later pairs on their new words."""
    engine = MatchEngine().fit([NEEDS[0]], [])
    for need, result in PAIRS:
        engine.add_need(need)
        engine.add_result(result)
    for need, result in PAIRS:
        top = engine.results_for_need(need.id, top_k=2, min_score=0.1)
        assert top and top[0].result_id == result.id, (need.title, top)
        words = {w for r in top[0].reasons for w in r.need_words}
        assert words & set(need.keywords.split()), top[0].reasons
    # Removing a listing forgets its new words' document frequencies again.
    before = engine.vectorizer_.n_added_
    engine.remove_result(PAIRS[0][1].id)
    assert engine.vectorizer_.n_added_ == before - 1
    assert PAIRS[0][1].id not in [m.result_id for m in engine.results_for_need(PAIRS[0][0].id)]


def test_listing_without_latent_words_keeps_its_word_score():
    """A result whose words the latent space never saw is scored on its words alone (no latent
    penalty), and its parts, all lexical, still add up to the score."""
    corpus = NEEDS + RESULTS + [d for p in PAIRS for d in p]
    copies = [replace(d, id=100 * k + d.id) for k in range(1, 5) for d in corpus]  # enough listings for topics
    engine = MatchEngine().fit([d for d in copies if d.id % 100 < 11], [d for d in copies if d.id % 100 >= 11])
    assert engine.latent_.components_.shape[1] >= 8
    need = Doc(98, "鳗鱼养殖尾液藻类清除", "鳗鱼养殖 藻类", "工业机器人产线需要清除鳗鱼养殖尾液中的藻类。")
    late = Doc(99, "鳗鱼养殖尾液藻类清除", "鳗鱼养殖 藻类", "鳗鱼养殖尾液藻类清除。")
    engine.add_need(need)
    engine.add_result(late)
    x, z = engine._query(engine.needs_, need.id)
    y, zl = engine._query(engine.results_, late.id)
    assert z.any() and not zl.any()  # the query has latent words, the late result none
    best = engine.results_for_need(need.id, top_k=1)[0]
    assert best.result_id == late.id
    assert best.score == pytest.approx(float(x.multiply(y).sum()), abs=1e-5)
    assert all(r.semantic == 0.0 for r in best.reasons)
    assert sum(r.weight for r in best.reasons) + best.rest == pytest.approx(best.score, abs=1e-5)
    assert sum(r.weight for r in best.reasons) >= 0.8 * best.score


def test_young_index_scores_on_words_alone():
    """An index of a few listings has no latent topics (they called unrelated listings similar):
    its scores are lexical cosines, wholly explained by shared words."""
    engine = MatchEngine().fit(NEEDS, RESULTS)
    assert not engine.latent_.components_.any()
    for m in engine.results_for_need(2, top_k=5):
        assert all(r.semantic == 0.0 for r in m.reasons)
        assert sum(r.weight for r in m.reasons) + m.rest == pytest.approx(m.score, abs=1e-5)
    assert engine.results_for_need(2, top_k=1)[0].result_id == 12


def test_near_duplicates_with_the_platform_vocabulary(engine):
    """A copy with a sentence added, or lightly edited, is flagged; a same-topic listing is not."""
    from matchmaker.matching.duplicates import find_near_duplicates

    own = [n for n, _ in PAIRS] + NEEDS
    base = PAIRS[0][0]
    added = Doc(-1, base.title, base.keywords, base.body + "另外希望合作方提供焊接工艺评定与现场培训服务。")
    edited = Doc(-1, base.title, base.keywords, base.body.replace("需要", "希望").replace("方法", "办法") + "谢谢。")
    same_topic = Doc(-1, PAIRS[0][1].title, PAIRS[0][1].keywords, PAIRS[0][1].body)
    for doc in (added, edited):
        assert [i for i, _ in find_near_duplicates(doc, own, vectorizer=engine.vectorizer_)] == [base.id]
    assert find_near_duplicates(same_topic, own, vectorizer=engine.vectorizer_) == []


def test_explain_pairs_gives_what_the_query_gives(engine):
    """Pairs explained afterwards, a few at a time, get the scores and reasons their listing's query gives."""
    from matchmaker.matching.explain import explain_pairs

    for query_is_need, side in ((True, "needs"), (False, "results")):
        for q in engine.ids(side):
            ask = engine.results_for_need if query_is_need else engine.needs_for_result
            full = ask(q, top_k=5)
            others = [m.result_id if query_is_need else m.need_id for m in full]
            got = explain_pairs(engine, query_is_need, q, others[::-1] + [10**6])
            assert set(got) == set(others)
            for m, o in zip(full, others):
                score, why, rest = got[o]
                assert score == pytest.approx(m.score, abs=1e-9) and rest == pytest.approx(m.rest, abs=1e-9)
                assert why == m.reasons
