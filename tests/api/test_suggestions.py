"""GET /api/v1/suggestions: the brokers' queue filters, staff only, titles only of the two listings."""

import json

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
