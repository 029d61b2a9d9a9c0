"""An event page's forms double-clicked (加入 a need or result, 记录洽谈): the twin was told
"「…」已在本活动中" or "该配对已记入本活动，请勿重复提交" (an error), and two 记录洽谈 at once for a pair not yet
made answered one of them "该配对刚刚已由其他人创建". Each form carries a one-time key: the twin goes back to the
event page, told nothing was done twice; one row written. (移出 twice already answered the same both times.)"""

import re
from datetime import datetime

import pytest

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, SuggestionMove, event_need, event_suggestion

from ..factories import make_need, make_result, make_user
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _setup(app, attached=True):
    with app.app_context():
        broker = make_user("broker")
        need = make_need(user=make_user("enterprise"), title="储能电池热管理", keywords="储能,电池")
        result = make_result(user=make_user("researcher"), title="电池热失控预警技术", keywords="电池,储能")
        event = Event(title="储能对接会", starts_at=datetime(2026, 11, 5, 9), place="会议室", created_by_id=broker.id)
        db.session.add(event)
        db.session.flush()
        if attached:
            db.session.execute(event_need.insert().values(event_id=event.id, need_id=need.id))
            db.session.execute(db.text("INSERT INTO event_result (event_id, result_id) VALUES (:e, :r)"),
                               {"e": event.id, "r": result.id})  # fmt: skip
        db.session.commit()
        ids = dict(event=event.id, need=need.id, result=result.id, email=broker.email)
        db.session.remove()
    return ids


def _hidden(page, action, **match):
    """The hidden fields of the page's form posting to ``action`` whose hidden fields include ``match``."""
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S):
        if f'action="{action}"' in attrs:
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
            if all(fields.get(k) == str(v) for k, v in match.items()):
                return fields
    raise AssertionError(f"no form posting to {action} {match}")


def _post_twice(app, clients, url, data, at_once):
    if not at_once:
        return [clients[0].post(url, data=data), clients[0].post(url, data=data)]
    return posts_at_once(clients, url, data)


def _count(app, stmt):
    with app.app_context():
        n = db.session.scalar(stmt)
        db.session.remove()
    return n


@pytest.mark.parametrize("at_once", [False, True], ids=["in_turn", "at_once"])
def test_a_listing_attached_twice_is_attached_once(file_app, at_once):
    ids = _setup(file_app, attached=False)
    clients = [_client(file_app, ids["email"]) for _ in range(2)]
    page = clients[0].get(f"/broker/events/{ids['event']}?nq=储能").get_data(as_text=True)
    url = f"/broker/events/{ids['event']}/attach"
    data = _hidden(page, url, kind="need", listing_id=ids["need"])
    answers = _post_twice(file_app, clients, url, data, at_once)
    assert {a.status_code for a in answers} <= {302, 303}, [a.status_code for a in answers]
    assert {a.headers["Location"] for a in answers} == {f"/broker/events/{ids['event']}"}
    shown = [c.get(a.headers["Location"]).get_data(as_text=True) for c, a in zip(clients, answers, strict=True)]
    assert sum("已加入「储能电池热管理」" in s for s in shown) == 1
    assert sum("「储能电池热管理」已由您的上一次提交加入本活动，未重复处理" in s for s in shown) == 1
    assert not any("已在本活动中" in s for s in shown)
    stmt = db.select(db.func.count()).select_from(event_need).where(event_need.c.event_id == ids["event"])
    assert _count(file_app, stmt) == 1


@pytest.mark.parametrize("at_once", [False, True], ids=["in_turn", "at_once"])
def test_a_pair_discussed_recorded_twice_is_recorded_once(file_app, at_once):
    """记录洽谈 for a pair not yet made: one manual pair, recorded once at the event; the twin told so."""
    ids = _setup(file_app)
    clients = [_client(file_app, ids["email"]) for _ in range(2)]
    page = clients[0].get(f"/broker/events/{ids['event']}").get_data(as_text=True)
    url = f"/broker/events/{ids['event']}/pairs"
    data = _hidden(page, url) | {"need_id": str(ids["need"]), "result_id": str(ids["result"])}
    answers = _post_twice(file_app, clients, url, data, at_once)
    assert {a.status_code for a in answers} <= {302, 303}, [a.status_code for a in answers]
    assert {a.headers["Location"] for a in answers} == {f"/broker/events/{ids['event']}"}
    shown = [c.get(a.headers["Location"]).get_data(as_text=True) for c, a in zip(clients, answers, strict=True)]
    assert sum("已记录该配对在本活动中洽谈" in s for s in shown) == 1
    assert sum("该配对已由您的上一次提交记录在本活动中洽谈，未重复处理" in s for s in shown) == 1
    assert not any(w in s for s in shown for w in ("请勿重复提交", "已由其他人创建", "该配对已存在"))
    assert _count(file_app, db.select(db.func.count(MatchSuggestion.id))) == 1
    assert _count(file_app, db.select(db.func.count()).select_from(event_suggestion)) == 1
    assert _count(file_app, db.select(db.func.count(SuggestionMove.id))) == 1


def test_the_pair_form_sent_again_with_another_pair_chosen_records_that_pair(client, auth):
    """记录洽谈, then back to the page and another result chosen in the same form: recorded, not a repeat."""
    broker = auth.login("broker")
    need = make_need(user=make_user("enterprise"), title="储能电池热管理", keywords="储能,电池")
    results = [make_result(user=make_user("researcher"), title=f"电池技术{i}", keywords="电池") for i in range(2)]
    event = Event(title="储能对接会", starts_at=datetime(2026, 11, 5, 9), place="会议室", created_by_id=broker.id)
    db.session.add(event)
    db.session.flush()
    db.session.execute(event_need.insert().values(event_id=event.id, need_id=need.id))
    for r in results:
        db.session.execute(db.text("INSERT INTO event_result (event_id, result_id) VALUES (:e, :r)"),
                           {"e": event.id, "r": r.id})  # fmt: skip
    db.session.commit()
    url = f"/broker/events/{event.id}/pairs"
    data = _hidden(client.get(f"/broker/events/{event.id}").get_data(as_text=True), url) | {"need_id": str(need.id)}
    for r in results:
        resp = client.post(url, data=dict(data, result_id=str(r.id)))
        assert resp.status_code == 302
        assert "已记录该配对在本活动中洽谈" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(event_suggestion)) == 2


@pytest.mark.parametrize("at_once", [False, True], ids=["in_turn", "at_once"])
def test_a_listing_detached_twice_is_detached_and_both_told_so(file_app, at_once):
    """移出 double-clicked (no key needed: deleting what is gone deletes nothing): both go back to the event page,
    told 已移出活动; no error."""
    ids = _setup(file_app)
    clients = [_client(file_app, ids["email"]) for _ in range(2)]
    url = f"/broker/events/{ids['event']}/detach"
    data = _hidden(clients[0].get(f"/broker/events/{ids['event']}").get_data(as_text=True), url, kind="need")
    answers = _post_twice(file_app, clients, url, data, at_once)
    assert [a.status_code for a in answers] == [302, 302]
    shown = [c.get(a.headers["Location"]).get_data(as_text=True) for c, a in zip(clients, answers, strict=True)]
    assert "".join(shown).count("已移出活动") == 2 and "alert-danger" not in "".join(shown)
    stmt = db.select(db.func.count()).select_from(event_need).where(event_need.c.event_id == ids["event"])
    assert _count(file_app, stmt) == 0
