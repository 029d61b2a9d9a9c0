"""A 认领 whose pair changed after the broker's page was made: a pair closed (failed by its broker, rejected by an
admin) between the claim's read and its write was refused as "该推荐已由其他经纪人认领", though nobody holds it; an
admin's 采纳 in between refused it the same way, though the pair was still open and nobody's. Now the claim says what
happened: the pair has ended, another broker took it, or this broker's own first submit did; and an open pair that
only moved on is claimed. The ordering is forced, not timed: the change commits from another connection right after
the claim has checked the pair (a file database, or the PostgreSQL test one)."""

import pytest
from sqlalchemy import update

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion
from matchmaker.suggestions import pipeline

from ..factories import make_need, make_result, make_suggestion, make_user
from .conftest import reload

# What commits in between -> the claim's answer, the words it shows, the pair after (status, broker).
CASES = {
    "failed": (dict(status="failed"), 409, "「未成交」的推荐已结束，不能再认领", ("failed", None)),
    "rejected": (dict(status="rejected"), 409, "「已驳回」的推荐已结束，不能再认领", ("rejected", None)),
    "taken": (dict(assigned_broker_id="b1"), 409, "该推荐已由其他经纪人认领，请刷新页面", ("suggested", "b1")),
    "own_first_submit": (dict(assigned_broker_id="b2"), 409, "您已认领该推荐，请勿重复提交", ("suggested", "b2")),
    "accepted": (dict(status="accepted"), 302, "已认领，该推荐进入您的队列", ("accepted", "b2")),
}


def _setup(app):
    with app.app_context():
        b1, b2 = make_user("broker", name="经纪人一"), make_user("broker", name="经纪人二")
        s = make_suggestion(make_need(), make_result())
        ids = dict(s=s.id, b1=b1.id, b2=b2.id, email=b2.email)
        db.session.remove()
    return ids


def _meanwhile(monkeypatch, sid, values):
    """Once the claim has checked the pair, ``values`` are committed to it from another connection."""
    real = pipeline.require_open

    def check_then_change(s, verb):
        real(s, verb)
        with db.engine.begin() as other:
            other.execute(update(MatchSuggestion).where(MatchSuggestion.id == sid).values(**values))

    monkeypatch.setattr(pipeline, "require_open", check_then_change)


def _row(app, sid):
    with app.app_context():
        s = db.session.get(MatchSuggestion, sid)
        row = (s.status, s.assigned_broker_id)
        db.session.remove()
    return row


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_claim_says_what_happened_to_the_pair_meanwhile(file_app, monkeypatch, case):
    """Broker 2's claim answers with what happened in between; the pair is as that left it (claimed only if open)."""
    values, code, words, (status, broker) = CASES[case]
    ids = _setup(file_app)
    url = f"/broker/suggestions/{ids['s']}"
    client = file_app.test_client()
    assert client.post("/auth/login", data={"email": ids["email"], "password": "password123"}).status_code == 302
    assert f'action="{url}/claim"' in client.get(url).get_data(as_text=True)
    _meanwhile(monkeypatch, ids["s"], {k: ids.get(v, v) for k, v in values.items()})
    resp = client.post(f"{url}/claim")
    body = resp.get_data(as_text=True) if code == 409 else client.get(url).get_data(as_text=True)
    assert resp.status_code == code and words in body, body[:300]
    assert case == "taken" or "其他经纪人认领" not in body
    assert _row(file_app, ids["s"]) == (status, ids.get(broker))


def test_a_pair_closed_between_the_page_and_the_claim_is_refused_as_ended(client, auth, sides):
    """Closed after the broker's page was made, before the POST: the claim reads it closed and says so."""
    s = make_suggestion(make_need(), make_result())
    url = f"/broker/suggestions/{s.id}"
    auth.login(sides["b2"])
    assert f'action="{url}/claim"' in client.get(url).get_data(as_text=True)
    db.session.execute(update(MatchSuggestion).where(MatchSuggestion.id == s.id).values(status="failed"))
    db.session.commit()
    resp = client.post(f"{url}/claim")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "「未成交」的推荐已结束，不能再认领" in body and "其他经纪人" not in body
    assert (reload(s).status, reload(s).assigned_broker_id) == ("failed", None)
