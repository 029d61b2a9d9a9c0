"""Suggestions are computed on publish or edit, stored with reasons, and never for dead or rejected pairs."""

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Result
from matchmaker.suggestions.services import listing_changed
from matchmaker.utils import clock

from ..factories import make_need, make_result
from .conftest import NEED_TEXT, publish_need


def rows(**filters):
    return db.session.scalars(db.select(MatchSuggestion).filter_by(**filters)).all()


def test_publishing_a_need_creates_suggestions_with_reasons(corpus):
    """The matching result is suggested with its shared terms, score and engine version."""
    need = publish_need(corpus["enterprise"])
    found = rows(need_id=need.id)
    assert [s.result_id for s in found] == [corpus["result"].id]
    s = found[0]
    terms = [r["term"] for r in s.reasons if "term" in r]
    assert "指纹识别" in terms and "智能门锁" in terms
    assert 0.35 <= s.score <= 1.0 and s.status == "suggested" and s.engine_version
    # The stored parts (reasons and remainder) add up to the stored score.
    assert sum(r.get("weight", r.get("rest", 0)) for r in s.reasons) == pytest.approx(s.score, abs=1e-3)
    assert need.tokens.count("\n") == 2 and "指纹识别" in need.tokens


def test_unpublished_or_expired_need_gets_none(corpus):
    """A draft or an expired need gets no suggestion."""
    draft = publish_need(corpus["enterprise"], status="draft")
    expired = publish_need(corpus["enterprise"], valid_until=clock.today() - timedelta(days=1))
    closed = publish_need(corpus["enterprise"], status="closed")
    assert rows(need_id=draft.id) == rows(need_id=expired.id) == rows(need_id=closed.id) == []


def test_expired_result_is_never_suggested(corpus):
    """A result past its validity date is not suggested for a new need."""
    corpus["result"].valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    need = publish_need(corpus["enterprise"])
    assert rows(need_id=need.id) == []


def test_edit_updates_instead_of_duplicating(corpus):
    """Publishing again after an edit updates the one row."""
    need = publish_need(corpus["enterprise"])
    first = rows(need_id=need.id)[0]
    need.problem = "智能门锁指纹识别，要求识别快。"
    db.session.commit()
    listing_changed(need)
    again = rows(need_id=need.id)
    assert len(again) == 1 and again[0].id == first.id


def test_edit_away_from_the_topic_withdraws_the_suggestion(corpus):
    """An edit that no longer matches removes the still-suggested row."""
    need = publish_need(corpus["enterprise"])
    need.title, need.keywords, need.problem = "高镍正极材料量产", "锂离子电池", "锂离子电池正极材料的量产工艺"
    db.session.commit()
    listing_changed(need)
    assert corpus["result"].id not in [s.result_id for s in rows(need_id=need.id)]


def test_closing_withdraws_suggested_but_keeps_decided(corpus):
    """Closing a need deletes its suggested rows; an accepted one stays."""
    need = publish_need(corpus["enterprise"])
    other = make_result(user=corpus["researcher"], title="指纹识别智能门锁模组", keywords="智能门锁,指纹识别",
                        abstract="智能门锁指纹识别模组，低功耗。")  # fmt: skip
    listing_changed(other)
    assert len(rows(need_id=need.id)) == 2
    accepted = rows(need_id=need.id, result_id=other.id)[0]
    accepted.status = "accepted"
    db.session.commit()
    need.status = "closed"
    db.session.commit()
    listing_changed(need)
    assert [(s.result_id, s.status) for s in rows(need_id=need.id)] == [(other.id, "accepted")]


def test_new_result_is_matched_against_existing_needs(corpus):
    """A result published later is matched at once (both directions), without a refit."""
    need = publish_need(corpus["enterprise"])
    version = rows(need_id=need.id)[0].engine_version
    late = make_result(user=corpus["researcher"], title="智能门锁指纹识别算法", keywords="指纹识别,智能门锁",
                       abstract="用于智能门锁的指纹识别算法，识别快。")  # fmt: skip
    listing_changed(late)
    row = rows(need_id=need.id, result_id=late.id)
    assert len(row) == 1 and row[0].engine_version == version


def test_rejected_pair_is_never_resuggested(corpus, runner):
    """A broker-rejected pair stays rejected after an edit and after rebuild-index."""
    need = publish_need(corpus["enterprise"])
    s = rows(need_id=need.id)[0]
    s.status, s.reject_reason = "rejected", "off_topic"
    db.session.commit()
    listing_changed(need)
    listing_changed(corpus["result"])
    result = runner.invoke(args=["rebuild-index"])
    assert result.exit_code == 0, result.output
    assert "索引已重建" in result.output
    db.session.expire_all()
    assert [(r.result_id, r.status) for r in rows(need_id=need.id)] == [(corpus["result"].id, "rejected")]


def test_rebuild_index_creates_and_refreshes_suggestions(corpus, runner):
    """rebuild-index suggests pairs of listings that were never announced, with the new version."""
    need = make_need(user=corpus["enterprise"], **NEED_TEXT)  # stored without listing_changed
    result = runner.invoke(args=["rebuild-index"])
    assert result.exit_code == 0, result.output
    found = rows(need_id=need.id)
    assert [s.result_id for s in found] == [corpus["result"].id]
    db.session.refresh(need)
    assert need.tokens.count("\n") == 2


def test_rebuild_index_rewrites_rows_in_place(corpus, runner):
    """A full re-suggestion updates an existing row (same id, new version, reasons) and inserts
    the missing ones with their defaults, in bulk."""
    need, result_id = publish_need(corpus["enterprise"]), corpus["result"].id
    first = rows(need_id=need.id, result_id=result_id)[0]
    first_id, first_version = first.id, first.engine_version
    fresh = make_need(user=corpus["enterprise"], **NEED_TEXT)  # stored without listing_changed
    result = runner.invoke(args=["rebuild-index"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    again = rows(need_id=need.id, result_id=result_id)[0]
    assert again.id == first_id and again.engine_version != first_version and again.reasons
    new = rows(need_id=fresh.id, result_id=result_id)[0]
    assert new.engine_version == again.engine_version and new.status == "suggested" and not new.manual
    assert new.created_at is not None and new.reasons and new.score >= 0.35


def test_refit_reads_listings_in_pages_with_progress_commits(corpus, monkeypatch):
    """A refit reads listings page by page; a progress report committing between pages loses none
    (a streamed PostgreSQL cursor died at the first commit with more than one page of listings)."""
    from matchmaker.suggestions import indexing

    monkeypatch.setattr(indexing, "_LOAD_PAGE", 2)
    stages = []

    def progress(stage, done, total):
        stages.append(stage)
        db.session.commit()  # as a slow refit's throttled progress update does

    engine = indexing.fit_index(trigger="cli", progress=progress)
    assert stages.count("load") >= 3
    assert sorted(engine.ids("results")) == sorted(db.session.scalars(db.select(Result.id)))


def test_threshold_is_configurable(corpus, app):
    """Nothing above a threshold of 0.99 is stored."""
    app.config["MATCH_THRESHOLD"] = 0.99
    need = publish_need(corpus["enterprise"])
    assert rows(need_id=need.id) == []


def _resuggest_without_follow_up():
    """A refit whose re-suggestion stores scores alone (the reasons job is not run)."""
    from matchmaker.suggestions import bulk, indexing

    return indexing.fit_index(trigger="cli", resuggest=bulk.resuggest_all)


def _adds_up(s):
    return sum(r.get("weight", r.get("rest", 0)) for r in s.reasons) == pytest.approx(s.score, abs=1e-3)


def test_resuggest_stores_scores_and_reasons_follow(corpus):
    """A full re-suggestion stores new pairs' scores with their reasons pending; a page showing the
    pair computes them (adding up to the score it shows) and the follow-up job stores them."""
    from matchmaker.suggestions import store
    from matchmaker.suggestions.display import suggestions_for

    need = make_need(user=corpus["enterprise"], **NEED_TEXT)  # stored without listing_changed
    _resuggest_without_follow_up()
    db.session.expire_all()
    s = rows(need_id=need.id)[0]
    assert s.reasons_pending == "need" and s.reasons == [] and s.score >= 0.35
    shown = suggestions_for(need, corpus["enterprise"])  # the owner's list of a staff-less viewer: none yet
    assert shown == []
    from ..factories import make_user

    admin = make_user("admin")
    view = suggestions_for(need, admin)[0]
    assert view.row.id == s.id and _adds_up(view.row) and "指纹识别" in [p.term for p in view.bar.parts]
    db.session.expire_all()
    assert rows(need_id=need.id)[0].reasons_pending == "need"  # a page computes, it does not write
    pending = len(rows(reasons_pending="need")) + len(rows(reasons_pending="result"))
    assert store.explain_pending() == (pending, False)
    db.session.expire_all()
    s = rows(need_id=need.id)[0]
    assert s.reasons_pending is None and _adds_up(s) and "指纹识别" in [r.get("term") for r in s.reasons]
    assert not store.has_pending()


def test_resuggest_keeps_reasons_of_unchanged_scores(corpus):
    """A refit over the same listings gives the same scores: their stored reasons stay, nothing is pending."""
    from matchmaker.suggestions import store

    need = publish_need(corpus["enterprise"])
    _resuggest_without_follow_up()
    store.explain_pending()
    db.session.expire_all()
    before = {(s.need_id, s.result_id): (s.score, s.reasons) for s in rows()}
    assert before and not store.has_pending()
    _resuggest_without_follow_up()
    db.session.expire_all()
    after = {(s.need_id, s.result_id): (s.score, s.reasons) for s in rows()}
    assert after == before and not store.has_pending()
    assert rows(need_id=need.id)[0].engine_version == indexing_version()


def indexing_version():
    from matchmaker.suggestions import indexing

    return indexing.get_engine().version_


def test_pair_page_shows_reasons_of_a_pending_pair(corpus, client, auth):
    """The brokers' queue and pair page show a pending pair's reasons, adding up to its score."""
    from ..factories import make_user

    need = make_need(user=corpus["enterprise"], **NEED_TEXT)
    _resuggest_without_follow_up()
    db.session.expire_all()
    s = rows(need_id=need.id)[0]
    assert s.reasons_pending
    auth.login(make_user("admin"))
    for url in ("/broker/", f"/broker/suggestions/{s.id}"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "reason-lex" in page.get_data(as_text=True), url  # the reasons bar, with its shared words
