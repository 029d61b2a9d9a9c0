"""Two people acting on one pair at the same moment: exactly one succeeds, the other is told (attack, 2026-12-04).

Before, both were told they had succeeded and the last write won: a pair ended 已驳回 with both sides
notified of its acceptance, or 已采纳 with a reject reason; two claims both answered 已认领."""

import threading

import pytest

from matchmaker.brokers import services
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Notification, SuggestionMove, User

from ..conftest import DB_URL
from ..factories import make_need, make_result, make_suggestion, make_user


@pytest.fixture
def file_app(make_app, tmp_path):
    """Connections that really run side by side: a SQLite file (or the PostgreSQL test database)."""
    extra = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'races.sqlite'}"}
    return make_app(**extra)


def _pair(app, assigned=False):
    with app.app_context():
        ent, res = make_user("enterprise"), make_user("researcher")
        need = make_need(user=ent, title="储能电池热管理", keywords="储能,电池")
        result = make_result(user=res, title="电池热失控预警技术", keywords="电池,储能")
        b1, b2 = make_user("broker", name="经纪人一"), make_user("broker", name="经纪人二")
        s = make_suggestion(need, result, broker=b1 if assigned else None, score=0.6)
        if not assigned:
            s.assigned_broker_id = None
        db.session.commit()
        ids = dict(s=s.id, b1=b1.id, b2=b2.id, ent=ent.id, res=res.id)
        db.session.remove()
    return ids


def _race(app, sid, jobs):
    """Run each (user id, action) at the same moment in its own thread and session; their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(i, user_id, action):
        with app.app_context():
            user, s = db.session.get(User, user_id), db.session.get(MatchSuggestion, sid)
            s.status, s.assigned_broker_id  # loaded before the other acts, as a page's request would have
            barrier.wait()
            try:
                action(s, user)
                outcomes[i] = "ok"
            except services.BrokerError as exc:
                outcomes[i] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _state(app, ids):
    with app.app_context():
        s = db.session.get(MatchSuggestion, ids["s"])
        moves = db.session.scalars(db.select(SuggestionMove).filter_by(suggestion_id=s.id)).all()
        told = db.session.scalars(db.select(Notification).filter(Notification.user_id.in_([ids["ent"], ids["res"]])))
        out = dict(status=s.status, broker=s.assigned_broker_id, reason=s.reject_reason,
                   moves=[(m.from_status, m.to_status) for m in moves], told=len(told.all()))  # fmt: skip
        db.session.remove()
    return out


def test_accept_and_reject_at_once_one_wins(file_app):
    ids = _pair(file_app)
    outcomes = _race(file_app, ids["s"], [
        (ids["b1"], lambda s, u: services.accept(s, u, "suggested")),
        (ids["b2"], lambda s, u: services.reject(s, u, "suggested", "other", "不合适")),
    ])  # fmt: skip
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert "刷新页面" in loser or "状态已变为" in loser, loser
    st = _state(file_app, ids)
    assert len(st["moves"]) == 1
    if outcomes[0] == "ok":  # accepted by broker 1: no reject reason, both sides told
        assert (st["status"], st["broker"], st["reason"], st["told"]) == ("accepted", ids["b1"], None, 2)
    else:  # rejected by broker 2: nobody told of an acceptance
        assert (st["status"], st["broker"], st["reason"], st["told"]) == ("rejected", ids["b2"], "other", 0)


def test_two_claims_at_once_one_wins(file_app):
    ids = _pair(file_app)
    outcomes = _race(file_app, ids["s"], [
        (ids["b1"], services.claim),
        (ids["b2"], services.claim),
    ])  # fmt: skip
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    assert "已由其他经纪人认领" in next(o for o in outcomes if o != "ok")
    winner = ids["b1"] if outcomes[0] == "ok" else ids["b2"]
    assert _state(file_app, ids)["broker"] == winner


def test_a_move_after_an_admin_reassigned_the_pair_is_refused(file_app):
    """Broker 1's page was made while the pair was theirs; the admin gives it to broker 2 first."""
    ids = _pair(file_app, assigned=True)
    with file_app.app_context():
        admin = make_user("admin")
        admin_id = admin.id
        db.session.commit()
        db.session.remove()
    outcomes = _race(file_app, ids["s"], [
        (admin_id, lambda s, u: services.assign(s, u, ids["b2"])),
        (ids["b1"], lambda s, u: services.accept(s, u, "suggested")),
    ])  # fmt: skip
    st = _state(file_app, ids)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    assert "刷新页面" in next(o for o in outcomes if o != "ok")
    if outcomes[0] == "ok":  # reassigned first: broker 1 no longer moves it
        assert (st["status"], st["broker"], st["moves"]) == ("suggested", ids["b2"], [])
    else:  # accepted first: the admin's page is stale
        assert (st["status"], st["broker"], st["moves"]) == ("accepted", ids["b1"], [("suggested", "accepted")])
