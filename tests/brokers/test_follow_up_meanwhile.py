"""A 跟进 on a pair nobody held, whose pair changed between the request's read and its write: closed (signed or failed
by its broker, rejected by an admin) or taken by another broker, it was refused as "该推荐刚刚已被其他人处理", saying
nothing of what happened; an admin's 采纳 in between (the pair still open and nobody's), or the broker's own 认领 from
another page, refused it the same way. Now the refusal says what happened, the typed text stays on the page and
nothing is saved; a pair that only moved on, or that this broker took, is followed up. The ordering is forced, not
timed: the change commits from another connection after the follow-up read the pair, before it writes (a file
database, or the PostgreSQL test one)."""

import pytest
from sqlalchemy import update

from matchmaker.extensions import db
from matchmaker.models import FollowUp, MatchSuggestion, User
from matchmaker.utils import clock, once

from ..factories import make_need, make_result, make_suggestion, make_user

NOTE = "电话联系企业技术负责人，约定下周三现场考察"
# What commits in between -> the follow-up's answer, the words it shows, the pair after (status, broker), saved?
CASES = {
    "signed": (MatchSuggestion, dict(status="signed"), 409, "该推荐刚刚已变为「已签约」，跟进记录未保存",
               ("signed", None), False),
    "failed": (MatchSuggestion, dict(status="failed"), 409, "该推荐刚刚已变为「未成交」，跟进记录未保存",
               ("failed", None), False),
    "rejected": (MatchSuggestion, dict(status="rejected"), 409, "该推荐刚刚已被驳回，已驳回的推荐不能再记录跟进",
                 ("rejected", None), False),
    "taken": (MatchSuggestion, dict(assigned_broker_id="b1"), 409, "该推荐刚刚已由其他经纪人（经纪人一）认领",
              ("suggested", "b1"), False),
    "own_claim": (MatchSuggestion, dict(assigned_broker_id="b2"), 302, "跟进记录已保存", ("suggested", "b2"), True),
    "accepted": (MatchSuggestion, dict(status="accepted"), 302, "跟进记录已保存", ("accepted", "b2"), True),
    "deactivated": (User, dict(active=False), 409, "您的账号已被停用，不能记录跟进", ("suggested", None), False),
}  # fmt: skip


def _setup(app):
    with app.app_context():
        b1, b2 = make_user("broker", name="经纪人一"), make_user("broker", name="经纪人二")
        s = make_suggestion(make_need(), make_result())
        ids = dict(s=s.id, b1=b1.id, b2=b2.id, email=b2.email)
        db.session.remove()
    return ids


def _meanwhile(monkeypatch, model, row_id, values):
    """Once the follow-up has read the pair, right before its first write (its submission key: SQLite's write lock
    from there on holds any other writer back), ``values`` are committed to ``model``'s row from another connection."""
    real = once.claim

    def change_then_claim(*args, **kwargs):
        with db.engine.begin() as other:
            other.execute(update(model).where(model.id == row_id).values(**values))
        return real(*args, **kwargs)

    monkeypatch.setattr(once, "claim", change_then_claim)


def _state(app, sid):
    with app.app_context():
        s = db.session.get(MatchSuggestion, sid)
        row = (s.status, s.assigned_broker_id)
        notes = [(f.broker_id, f.note) for f in db.session.scalars(db.select(FollowUp).filter_by(suggestion_id=sid))]
        db.session.remove()
    return row, notes


def _post(client, sid):
    data = {"kind": "call", "happened_on": clock.today().isoformat(), "note": NOTE}
    return client.post(f"/broker/suggestions/{sid}/follow-ups", data=data)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_follow_up_says_what_happened_to_the_pair_meanwhile(file_app, monkeypatch, case):
    """Broker 2's 跟进 answers with what happened in between, keeps the typed text when refused, saves only when
    the pair is still open and nobody else's."""
    model, values, code, words, (status, broker), saved = CASES[case]
    ids = _setup(file_app)
    url = f"/broker/suggestions/{ids['s']}"
    client = file_app.test_client()
    assert client.post("/auth/login", data={"email": ids["email"], "password": "password123"}).status_code == 302
    assert f'action="{url}/follow-ups"' in client.get(url).get_data(as_text=True)
    row_id = ids["b2"] if model is User else ids["s"]
    _meanwhile(monkeypatch, model, row_id, {k: ids.get(v, v) for k, v in values.items()})
    resp = _post(client, ids["s"])
    body = resp.get_data(as_text=True) if code == 409 else client.get(url).get_data(as_text=True)
    assert resp.status_code == code and words in body, body[:300]
    assert "刚刚已被其他人处理" not in body and NOTE in body
    pair, notes = _state(file_app, ids["s"])
    assert pair == (status, ids.get(broker)) and notes == ([(ids["b2"], NOTE)] if saved else [])


@pytest.mark.parametrize("status", ["signed", "failed"])
def test_the_kept_text_sent_again_is_recorded_on_the_closed_pair(file_app, monkeypatch, status):
    """Told the pair has just closed, the broker sends the kept text again: recorded, the pair left with nobody."""
    ids = _setup(file_app)
    client = file_app.test_client()
    assert client.post("/auth/login", data={"email": ids["email"], "password": "password123"}).status_code == 302
    _meanwhile(monkeypatch, MatchSuggestion, ids["s"], {"status": status})
    assert _post(client, ids["s"]).status_code == 409
    monkeypatch.undo()
    assert _post(client, ids["s"]).status_code == 302
    assert _state(file_app, ids["s"]) == ((status, None), [(ids["b2"], NOTE)])
