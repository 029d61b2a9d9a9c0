"""Two people acting on one pair at the same moment: exactly one succeeds, the other is told (attack, 2026-12-04).

Before, both were told they had succeeded and the last write won: a pair ended 已驳回 with both sides
notified of its acceptance, or 已采纳 with a reject reason; two claims both answered 已认领."""

from datetime import datetime

from matchmaker.brokers import events, services
from matchmaker.extensions import db
from matchmaker.models import BrokerAssignment, Event, MatchSuggestion, Notification, SuggestionMove, User

from ..factories import make_need, make_result, make_suggestion, make_user
from ..races import at_once


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
    """Each (user id, action on the pair) at the same moment; the pair and the user loaded first, as a
    page's request would have."""

    def call(user_id, action):
        def prepare():
            user, s = db.session.get(User, user_id), db.session.get(MatchSuggestion, sid)
            s.status, s.assigned_broker_id  # noqa: B018 - loaded before the other acts
            return lambda: action(s, user)

        return prepare

    return at_once(app, [call(*job) for job in jobs], services.BrokerError)


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


def test_two_brokers_pairing_the_same_need_and_result_at_once(file_app):
    """Two brokers create the same manual pair at the same moment (the pair form, or a pair discussed at an
    event): one pair, the sides told once, the other broker refused in Chinese (before: a server error)."""
    with file_app.app_context():
        ent, res = make_user("enterprise"), make_user("researcher")
        need, result = make_need(user=ent, title="注塑件视觉检测"), make_result(user=res, title="机器视觉缺陷检测")
        b1, b2 = make_user("broker"), make_user("broker")
        db.session.commit()
        ids = dict(need=need.id, result=result.id, b1=b1.id, b2=b2.id, ent=ent.id)
        db.session.remove()

    def call(broker_id):
        def prepare():
            broker = db.session.get(User, broker_id)
            return lambda: services.create_manual_pair(broker, ids["need"], ids["result"], "走访后配对")

        return prepare

    outcomes = at_once(file_app, [call(ids["b1"]), call(ids["b2"])], services.BrokerError)
    assert outcomes.count("ok") == 1 and [o for o in outcomes if o != "ok"][0].startswith("该配对")
    with file_app.app_context():
        pairs = db.session.scalars(db.select(MatchSuggestion).filter_by(need_id=ids["need"])).all()
        told = db.session.scalars(db.select(Notification).filter_by(user_id=ids["ent"])).all()
        assert len(pairs) == 1 and len(told) == 1
        db.session.remove()


def test_a_side_answering_twice_at_once_tells_the_broker_once(file_app):
    """The need side sends 有意向 from two open pages at the same moment: one answer is kept, the broker is
    told once, the other page is asked to refresh (before: both saved, the broker told twice)."""
    ids = _pair(file_app, assigned=True)
    with file_app.app_context():
        s = db.session.get(MatchSuggestion, ids["s"])
        s.status = "accepted"
        db.session.commit()
        db.session.remove()
    outcomes = _race(file_app, ids["s"], [
        (ids["ent"], lambda s, u: services.respond(s, u, "", "interested")),
        (ids["ent"], lambda s, u: services.respond(s, u, "", "interested")),
    ])  # fmt: skip
    assert sorted(outcomes) == ["ok", "您的反馈已更新，请刷新页面后再操作"]
    with file_app.app_context():
        told = db.session.scalars(db.select(Notification).filter_by(user_id=ids["b1"], kind="response")).all()
        assert len(told) == 1 and db.session.get(MatchSuggestion, ids["s"]).need_response == "interested"
        db.session.remove()


def test_asking_for_an_introduction_from_two_pages_at_once_tells_the_broker_once(file_app):
    """请经纪人牵线 pressed on two open pages at the same moment: one request recorded, the broker told once,
    the other told it was already asked (before: both recorded, the broker notified twice)."""
    ids = _pair(file_app, assigned=True)
    outcomes = _race(file_app, ids["s"], [
        (ids["ent"], lambda s, u: services.request_introduction(s, u)),
        (ids["ent"], lambda s, u: services.request_introduction(s, u)),
    ])  # fmt: skip
    assert sorted(outcomes) == ["ok", "您已请求经纪人牵线，请等待经纪人处理"]
    with file_app.app_context():
        told = db.session.scalars(db.select(Notification).filter_by(user_id=ids["b1"], kind="owner_request")).all()
        asked = db.session.scalars(db.select(SuggestionMove).filter_by(suggestion_id=ids["s"])).all()
        assert len(told) == 1 and len(asked) == 1
        db.session.remove()


def test_the_same_pair_or_listing_added_to_an_event_twice_at_once(file_app):
    """记入活动 or 加入活动 sent twice at the same moment (a double click): one row, the other told it is
    already there (before: a server error from the primary key)."""
    with file_app.app_context():
        broker = make_user("broker")
        need, result = make_need(), make_result()
        s = make_suggestion(need, result, broker=broker, status="accepted")
        event = Event(title="储能对接会", starts_at=datetime(2026, 1, 5, 9), place="会议室", created_by_id=broker.id)
        db.session.add(event)
        db.session.commit()
        ids = dict(b=broker.id, s=s.id, e=event.id, need=need.id)
        db.session.remove()

    def call(action):
        def prepare():
            user, event = db.session.get(User, ids["b"]), db.session.get(Event, ids["e"])
            s = db.session.get(MatchSuggestion, ids["s"])
            return lambda: action(event, user, s)

        return prepare

    pair = lambda e, u, s: events.record_pair(e, u, s)  # noqa: E731
    assert sorted(at_once(file_app, [call(pair), call(pair)], services.BrokerError)) == [
        "ok", "该配对已记入本活动，请勿重复提交"]  # fmt: skip
    attach = lambda e, u, s: events.attach(e, u, "need", ids["need"])  # noqa: E731
    outcomes = at_once(file_app, [call(attach), call(attach)], services.BrokerError)
    assert outcomes.count("ok") == 1 and "已在本活动中" in [o for o in outcomes if o != "ok"][0]
    with file_app.app_context():
        event = db.session.get(Event, ids["e"])
        assert [x.id for x in event.suggestions] == [ids["s"]] and [n.id for n in event.needs] == [ids["need"]]
        db.session.remove()


def test_the_same_assignment_added_at_once_is_stored_once(file_app):
    """新增分工 for the same broker, industry and zone sent from four pages at the same moment (attack
    2026-12-06): one row, the others told it is already there (before: each checked, found none, and
    inserted, so the list showed the same assignment three or four times)."""
    with file_app.app_context():
        broker = make_user("broker")
        broker_id = broker.id
        db.session.commit()
        db.session.remove()

    def call(industry):
        def prepare():
            db.session.get(User, broker_id)  # the page was read before the others saved
            return lambda: events.add_assignment(broker_id, industry, None)

        return prepare

    industries = [f"行业{i}" for i in range(10)]  # ten rounds: one alone let a twin in only now and then
    for industry in industries:
        outcomes = at_once(file_app, [call(industry)] * 4, services.BrokerError)
        assert sorted(outcomes) == ["ok"] + ["该经纪人已有相同的分工"] * 3, (industry, outcomes)
    with file_app.app_context():
        rows = db.session.scalars(db.select(BrokerAssignment).filter_by(broker_id=broker_id)).all()
        assert sorted(a.industry for a in rows) == sorted(industries) and {a.zone_id for a in rows} == {None}
        db.session.remove()
