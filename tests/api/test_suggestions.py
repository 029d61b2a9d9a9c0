"""GET /api/v1/suggestions: the brokers' queue filters, staff only, titles only of the two listings."""

import json
from datetime import datetime, timedelta

import pytest

from ..factories import make_need, make_suggestion, make_user
from .conftest import token_for


def test_broker_sees_own_and_free_pairs_admin_all(api, app):
    me, other = make_user("broker"), make_user("broker")
    mine = make_suggestion(broker=me, score=0.9)
    free = make_suggestion(score=0.5)
    theirs = make_suggestion(broker=other, status="accepted")
    ids = lambda url, tok: [s["id"] for s in api.get(url, tok).get_json()["items"]]  # noqa: E731
    tok = token_for(me)
    assert ids("/api/v1/suggestions", tok) == [mine.id, free.id]  # by score, the queue's default order
    assert ids("/api/v1/suggestions?assigned=mine", tok) == [mine.id]
    assert ids("/api/v1/suggestions?assigned=all&status=accepted", tok) == [theirs.id]
    assert sorted(ids("/api/v1/suggestions", token_for("admin"))) == sorted([mine.id, free.id, theirs.id])
    body = api.get(f"/api/v1/suggestions/{mine.id}", tok).get_json()
    assert body["assigned_broker"]["id"] == me.id and body["reasons"][0] == {"term": "储能", "weight": 0.4}
    assert api.get("/api/v1/suggestions", token_for("enterprise")).status_code == 403


def test_a_confidential_need_shows_only_its_title(api, app):
    n = make_need(confidentiality="summary", title="保密需求标题", problem="绝密的技术难题细节", summary="摘要")
    make_suggestion(need=n)
    text = json.dumps(api.get("/api/v1/suggestions", token_for("broker")).get_json(), ensure_ascii=False)
    assert "保密需求标题" in text and "绝密的技术难题细节" not in text


def test_a_broker_reading_a_pair_of_a_confidential_need_is_audited_as_on_the_pair_page(api, client, auth):
    """The pair's reasons are words of the need's hidden text: the API's pair, like the pair page, is audited."""
    from matchmaker.extensions import db
    from matchmaker.models import AuditLog

    n = make_need(confidentiality="summary", title="保密需求标题", problem="绝密的储能技术难题", summary="摘要")
    s = make_suggestion(need=n)
    broker = make_user("broker")

    def audited():
        rows = db.session.scalars(db.select(AuditLog).filter_by(actor_id=broker.id, action="view")).all()
        return [(r.entity_id, r.after) for r in rows]

    body = api.get(f"/api/v1/suggestions/{s.id}", token_for(broker)).get_json()
    assert "储能" in [r["term"] for r in body["reasons"]]  # a word of the hidden problem text
    assert audited() == [(n.id, {"fields": ["details"], "via": "suggestion", "suggestion_id": s.id})]
    auth.login(broker)
    assert client.get(f"/broker/suggestions/{s.id}").status_code == 200  # the page writes the same row
    assert len(audited()) == 2
    public = make_suggestion(need=make_need(title="公开需求"))
    api.get(f"/api/v1/suggestions/{public.id}", token_for(broker))
    assert len(audited()) == 2


def test_the_api_list_gives_public_reasons_and_its_details_all(api, app):
    """The list (as the queue) gives only reasons found in a summary-only need's public text and writes no
    audit row; the pair's details give all of them, audited."""
    from matchmaker.extensions import db
    from matchmaker.models import AuditLog

    broker = make_user("broker")
    need = make_need(
        confidentiality="summary", title="保密需求标题", summary="电池相关需求摘要", problem="绝密的储能技术难题"
    )
    s = make_suggestion(need=need)

    def _audits(user):
        return db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(actor_id=user.id, action="view"))

    tok = token_for(broker)
    listed = api.get("/api/v1/suggestions", tok).get_json()["items"]
    assert [r["term"] for r in listed[0]["reasons"]] == ["电池"]
    assert "绝密" not in json.dumps(listed, ensure_ascii=False) and _audits(broker) == 0
    detail = api.get(f"/api/v1/suggestions/{s.id}", tok).get_json()
    assert [r["term"] for r in detail["reasons"]] == ["储能", "电池"] and _audits(broker) == 1


@pytest.mark.parametrize("sort", ["score", "newest", "oldest", "idle"])
def test_a_pair_leaving_the_list_between_two_pages_does_not_hide_the_next_one(api, app, sort):
    """A client syncing /suggestions two at a time: a pair of page 1 taken up by a broker meanwhile (it leaves
    status=suggested) moved every later pair up a place, and page 2, read at offset 2, skipped one never shown. The
    next page starts after the last pair shown: the pairs an owner asked for first (three: page 2 crosses into the
    others), then keys tying in twos, each pair once."""
    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion

    base = datetime(2026, 5, 1, 9, 0)
    for i in range(9):
        at = base + timedelta(minutes=i // 2)
        asked = base + timedelta(days=1, minutes=i // 2) if i < 3 else None
        make_suggestion(score=(i // 2) / 10, created_at=at, last_activity_at=at, owner_requested_at=asked)
    tok, url = token_for("admin"), f"/api/v1/suggestions?status=suggested&sort={sort}"
    order = [s["id"] for s in api.get(f"{url}&limit=100", tok).get_json()["items"]]
    assert len(order) == 9

    def take_up_the_first():
        db.session.get(MatchSuggestion, order[0]).status = "accepted"
        db.session.commit()

    seen, cursor = [], None
    while True:
        body = api.get(f"{url}&limit=2" + (f"&cursor={cursor}" if cursor else ""), tok).get_json()
        seen += [s["id"] for s in body["items"]]
        if cursor is None:
            take_up_the_first()
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == order
