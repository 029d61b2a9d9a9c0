"""Owners see the matcher's suggestions for their own listings and ask a broker to introduce one."""

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_need, make_suggestion, make_user
from .conftest import notes_of, reload

NEW_REASONS = [
    {"term": "电池", "weight": 0.3, "lexical": 0.2, "semantic": 0.1, "need": ["电池"], "result": ["电池"]},
    {"term": "储能 ↔ 热失控", "weight": 0.22, "lexical": 0.0, "semantic": 0.22, "need": ["储能"], "result": ["热失控"]},
    {"rest": 0.1},
]


def test_owners_see_suggested_pairs_with_reasons(client, auth, sides):
    """Before any broker decides, the enterprise and the researcher see the pair, its bar and the button."""
    s = sides["s"]
    s.reasons = NEW_REASONS
    db.session.commit()
    pages = [(sides["ent"], f"/needs/{sides['need'].id}", "lab@uni.cn"),
             (sides["res"], f"/results/{sides['result'].id}", "13800009999")]  # fmt: skip
    for who, url, their_contact in pages:
        auth.login(who)
        body = client.get(url).get_data(as_text=True)
        assert "平台推荐" in body and "请经纪人牵线" in body and 'class="reason-bar"' in body, who.name
        assert "储能 ↔ 热失控" in body and their_contact not in body  # no contacts before introduction
        auth.logout()


def test_request_goes_to_the_top_of_the_brokers_queue_and_the_decision_comes_back(client, auth, sides):
    """The owner's request marks the pair, puts it first in the queue and tells the broker; a refusal comes back."""
    other = make_suggestion(
        make_need(user=sides["ent"], title="另一需求"), sides["result"], broker=sides["b1"], score=0.9
    )
    auth.login(sides["ent"])
    resp = client.post(f"/broker/suggestions/{sides['s'].id}/request", data={"next": "/broker/mine"})
    assert resp.status_code == 302
    s = reload(sides["s"])
    assert s.owner_requested_at is not None and s.owner_requested_by_id == sides["ent"].id and s.status == "suggested"
    assert any("请求牵线" in t for t in notes_of(sides["b1"]))
    # A repeat is refused kindly and changes nothing.
    client.post(f"/broker/suggestions/{s.id}/request", follow_redirects=True)
    assert reload(s).owner_requested_at == s.owner_requested_at
    auth.logout()
    auth.login(sides["b1"])
    body = client.get("/broker/").get_data(as_text=True)
    assert "需求方请求牵线" in body and body.index(f'id="s{s.id}"') < body.index(f'id="s{other.id}"')
    resp = client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "off_topic"})
    assert resp.status_code == 302 and reload(s).status == "rejected"
    auth.logout()
    assert any("未采纳" in t for t in notes_of(sides["ent"]))
    auth.login(sides["ent"])
    assert "经纪人未采纳" in client.get("/broker/mine").get_data(as_text=True)


def test_only_a_side_may_request(client, auth, sides):
    """Another enterprise, a broker or a decided pair: 404 or a refusal, nothing changes."""
    s = sides["s"]
    auth.login(make_user("enterprise"))
    assert client.post(f"/broker/suggestions/{s.id}/request").status_code == 404
    auth.logout()
    auth.login(sides["res"])
    s.status = "accepted"
    db.session.commit()
    client.post(f"/broker/suggestions/{s.id}/request")
    assert db.session.get(MatchSuggestion, s.id).owner_requested_at is None


def test_requested_pairs_lead_the_queue_across_pages(app):
    """Pages read in two parts (requested pairs, then the rest) give the one order of the whole queue."""
    from datetime import datetime, timedelta

    from matchmaker.brokers import pages, queries

    broker = make_user(role="broker")
    need = make_need()
    asked = datetime(2026, 1, 1)
    pairs = [make_suggestion(need=need, score=i / 100, owner_requested_at=asked + timedelta(days=i % 3) if i % 9 == 0 else None)
             for i in range(1, 31)]  # fmt: skip
    f = queries.Filters.from_args({}, broker)
    stmt = queries.queue_stmt(broker, f, 14)
    whole = [s.id for s in db.session.scalars(stmt)]
    requested = sorted((s for s in pairs if s.owner_requested_at), key=lambda s: (s.owner_requested_at, -s.score))
    assert whole[:3] == [s.id for s in requested] and len(whole) == 30
    read = [pages.CountCachedPagination(select=stmt, session=db.session(), page=n, per_page=7, error_out=False,
                                          count_key=("t", n)).items
            for n in range(1, 6)]  # fmt: skip
    read = [[s.id for s in items] for items in read]
    assert sum(read, []) == whole


def test_my_pairs_pages_hold_every_pair_once_when_their_activity_ties(client, auth, sides):
    """Pairs last touched at the same moment (one broker action on many of them, an import) are each on exactly
    one page of 我的对接, newest first: the order has the pair's id as its tiebreaker, or PostgreSQL may sort the
    ties differently for page 1 and page 2 and repeat some pairs while leaving others out."""
    import re
    from datetime import datetime

    at = datetime(2026, 3, 1, 9, 0)
    made = [sides["s"].id]
    for _ in range(44):
        made.append(make_suggestion(make_need(user=sides["ent"]), sides["result"], last_activity_at=at).id)
    sides["s"].last_activity_at = datetime(2026, 3, 2, 9, 0)  # the newest: first on page 1
    db.session.commit()
    auth.login(sides["res"])
    shown = []
    for page in (1, 2, 3):
        body = client.get(f"/broker/mine?page={page}").get_data(as_text=True)
        shown += [int(i) for i in re.findall(r'<div class="card mb-2" id="s(\d+)"', body)]
    assert sorted(shown) == sorted(made)  # none repeated, none left out
    assert shown == [made[0]] + sorted(made[1:], reverse=True)
