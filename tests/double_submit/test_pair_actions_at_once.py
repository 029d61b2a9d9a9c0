"""A broker's action on a pair double-clicked (attack, 2026-12-07): a double-clicked 驳回 or 采纳 answered the second
submit 409 "该推荐刚刚已被其他人处理，请刷新页面后再操作", though nobody else had touched the pair; 认领, 分配 and
标记未成交 did the same. Now each form carries a one-time key: the twin answers 303 to where the first went, told
nothing was done twice, and the pair moves once (one history row, each side told once). Another broker's action at
the same moment is still refused with the words it got before."""

import html
import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Notification, SuggestionMove
from matchmaker.models.submissions import SubmissionKey
from matchmaker.utils import once

from ..factories import make_need, make_result, make_suggestion, make_user
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _form(page, action, to=None):
    """The hidden fields of the page's form posting to ``action`` (the one moving ``to``, when given)."""
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S):
        if f'action="{action}"' not in attrs:
            continue
        fields = {}
        for tag in re.findall(r"<input[^>]*>", body):
            attr = dict(re.findall(r'([a-z_-]+)="([^"]*)"', tag))
            if attr.get("type") == "hidden":
                fields[attr["name"]] = html.unescape(attr.get("value", ""))
        if to is None or fields.get("to") == to:
            return fields
    raise AssertionError(f"no form posting to {action} ({to}) on the page")


def _pair(app, status="suggested", assigned=True):
    with app.app_context():
        ent, res = make_user("enterprise"), make_user("researcher")
        b1, b2, admin = make_user("broker", name="经纪人一"), make_user("broker", name="经纪人二"), make_user("admin")
        need = make_need(user=ent, title="储能电池热管理", keywords="储能,电池")
        result = make_result(user=res, title="电池热失控预警技术", keywords="电池,储能")
        s = make_suggestion(need, result, status=status, broker=b1 if assigned else None, score=0.6)
        ids = dict(s=s.id, ent=ent.id, res=res.id, b1=b1.id, b2=b2.id, admin=admin.id)
        ids |= dict(b1_email=b1.email, b2_email=b2.email, admin_email=admin.email)
        db.session.remove()
    return ids


def _state(app, ids):
    with app.app_context():
        s = db.session.get(MatchSuggestion, ids["s"])
        moves = db.session.scalars(db.select(SuggestionMove.to_status).filter_by(suggestion_id=s.id)).all()
        told = {
            who: db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(user_id=ids[who]))
            for who in ("ent", "res", "b1")
        }
        out = dict(status=s.status, broker=s.assigned_broker_id, moves=moves, told=told)
        db.session.remove()
    return out


# case -> (pair status, assigned to broker 1, who acts, page, action, the move's target, typed fields,
#          the pair after (status, broker), its history, who was told how often, the twin's notice)
NONE_TOLD = {"ent": 0, "res": 0, "b1": 0}
SIDES_TOLD = {"ent": 1, "res": 1, "b1": 0}
CASES = {
    "accept": ("suggested", True, "b1", "pair", "accept", None, {}, ("accepted", "b1"), ["accepted"], SIDES_TOLD,
               "该推荐已由您的上一次提交采纳，未重复处理"),
    "reject": ("suggested", True, "b1", "pair", "reject", None, {"reason": "off_topic", "note": "方向不符"},
               ("rejected", "b1"), ["rejected"], NONE_TOLD, "该推荐已由您的上一次提交驳回，未重复处理"),
    "claim": ("suggested", False, "b1", "pair", "claim", None, {}, ("suggested", "b1"), [], NONE_TOLD,
              "该推荐已由您的上一次提交认领，未重复处理"),
    "assign": ("suggested", False, "admin", "pair", "assign", None, {"broker_id": "b1"}, ("suggested", "b1"), [],
               {"ent": 0, "res": 0, "b1": 1}, "该推荐的分配已由您的上一次提交完成，未重复处理"),
    "introduce": ("accepted", True, "b1", "pair", "introduce", None, {"note": "请双方联系"}, ("introduced", "b1"),
                  ["introduced"], SIDES_TOLD, "双方已由您的上一次提交引荐，未重复处理"),
    "negotiating": ("introduced", True, "b1", "pair", "move", "negotiating", {}, ("negotiating", "b1"),
                    ["negotiating"], NONE_TOLD, "状态已由您的上一次提交更新为「洽谈中」，未重复处理"),
    "failed": ("introduced", True, "b1", "pair", "move", "failed", {}, ("failed", "b1"), ["failed"], NONE_TOLD,
               "状态已由您的上一次提交更新为「未成交」，未重复处理"),
    "queue_accept": ("suggested", True, "b1", "queue", "accept", None, {}, ("accepted", "b1"), ["accepted"],
                     SIDES_TOLD, "该推荐已由您的上一次提交采纳，未重复处理"),
    "queue_reject": ("suggested", True, "b1", "queue", "reject", None, {"reason": "other", "note": "不合适"},
                     ("rejected", "b1"), ["rejected"], NONE_TOLD, "该推荐已由您的上一次提交驳回，未重复处理"),
    "queue_claim": ("suggested", False, "b1", "queue", "claim", None, {}, ("suggested", "b1"), [], NONE_TOLD,
                    "该推荐已由您的上一次提交认领，未重复处理"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_pair_form_submitted_twice_at_once_acts_once(file_app, case):
    """Both submits of one form at the same moment: one acts (302), its twin answers 303 to the same place and
    says it did nothing twice; the pair moved once, each side told once."""
    status, assigned, who, where, action, to, typed, after, moves, told, notice = CASES[case]
    ids = _pair(file_app, status, assigned)
    clients = [_client(file_app, ids[f"{who}_email"]) for _ in range(2)]
    page = clients[0].get("/broker/" if where == "queue" else f"/broker/suggestions/{ids['s']}").get_data(as_text=True)
    url = f"/broker/suggestions/{ids['s']}/{action}"
    data = _form(page, url, to) | {k: str(ids.get(v, v)) for k, v in typed.items()}
    answers = posts_at_once(clients, url, [data, data])
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [302, 303], [a.get_data(as_text=True)[-1500:] for a in answers]
    first, twin = answers[codes.index(302)], answers[codes.index(303)]
    assert twin.headers["Location"] == first.headers["Location"]
    st = _state(file_app, ids)
    assert (st["status"], st["broker"]) == (after[0], ids[after[1]])
    assert st["moves"] == moves and st["told"] == told
    shown = clients[codes.index(303)].get(twin.headers["Location"]).get_data(as_text=True)
    assert notice in shown and "其他人" not in shown and "其他经纪人" not in shown


def test_a_twin_that_committed_between_the_key_check_and_the_state_check(file_app, monkeypatch):
    """The first submit commits after its twin's key was checked (and found unused): the twin, refused by the state
    the first made, is still answered as a repeat (303 to the pair, 未重复处理), not "刚刚已被其他人处理"."""
    ids = _pair(file_app)
    client = _client(file_app, ids["b1_email"])
    url = f"/broker/suggestions/{ids['s']}/accept"
    data = _form(client.get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True), url)

    def checked_then_twin_commits(key, entity, user=None, target=None):
        with db.engine.begin() as other:
            other.execute(
                db.insert(SubmissionKey).values(key=key, entity=entity, entity_id=ids["s"], user_id=ids["b1"])
            )
            other.execute(db.update(MatchSuggestion).where(MatchSuggestion.id == ids["s"]).values(status="accepted"))
        return None

    monkeypatch.setattr(once, "claim", checked_then_twin_commits)
    resp = client.post(url, data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)[-1500:]
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "该推荐已由您的上一次提交采纳，未重复处理" in shown and "其他人" not in shown


def test_another_brokers_action_at_the_same_moment_is_still_refused(file_app):
    """The pair's broker and an admin both 采纳 at once, each from their own page: one acts, the other is refused
    with the words it got before (nothing is called a repeat of someone else's submit)."""
    ids = _pair(file_app)
    clients = [_client(file_app, ids["b1_email"]), _client(file_app, ids["admin_email"])]
    url = f"/broker/suggestions/{ids['s']}/accept"
    bodies = [_form(c.get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True), url) for c in clients]
    answers = posts_at_once(clients, url, bodies)
    assert sorted(a.status_code for a in answers) == [302, 409]
    refused = next(a for a in answers if a.status_code == 409).get_data(as_text=True)
    words = ("该推荐刚刚已被其他人处理，请刷新页面后再操作", "该推荐已是「已采纳」状态")  # as before
    assert any(w in refused for w in words), refused[-1500:]
    assert "未重复处理" not in refused
    st = _state(file_app, ids)
    assert st["moves"] == ["accepted"] and st["told"] == SIDES_TOLD


def test_a_follow_up_submitted_twice_at_once_is_logged_once(file_app):
    """跟进 double-clicked: one row; its twin answers 303 to the pair and says it saved nothing twice."""
    from matchmaker.models import FollowUp
    from matchmaker.utils import clock

    ids = _pair(file_app, "accepted")
    clients = [_client(file_app, ids["b1_email"]) for _ in range(2)]
    url = f"/broker/suggestions/{ids['s']}/follow-ups"
    page = clients[0].get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True)
    data = _form(page, url) | {"kind": "call", "happened_on": clock.today().isoformat(), "note": "电话沟通了需求细节"}
    answers = posts_at_once(clients, url, [data, data])
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [302, 303], [a.get_data(as_text=True)[-1500:] for a in answers]
    shown = clients[codes.index(303)].get(answers[codes.index(303)].headers["Location"]).get_data(as_text=True)
    assert "跟进记录已由您的上一次提交保存，未重复处理" in shown
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(FollowUp.id)).filter_by(suggestion_id=ids["s"])) == 1
        db.session.remove()


def test_a_pair_recorded_at_an_event_twice_at_once_is_recorded_once(file_app):
    """记入活动 double-clicked: it answered the twin 409 该配对已记入本活动，请勿重复提交; now 303 to the pair."""
    from datetime import datetime

    from matchmaker.models import Event

    ids = _pair(file_app, "accepted")
    with file_app.app_context():
        event = Event(title="储能对接会", starts_at=datetime(2026, 11, 5, 9), place="会议室", created_by_id=ids["b1"])
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()
    clients = [_client(file_app, ids["b1_email"]) for _ in range(2)]
    url = f"/broker/suggestions/{ids['s']}/event"
    data = _form(clients[0].get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True), url)
    answers = posts_at_once(clients, url, [data | {"event_id": str(event_id)}] * 2)
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [302, 303], [a.get_data(as_text=True)[-1500:] for a in answers]
    shown = clients[codes.index(303)].get(answers[codes.index(303)].headers["Location"]).get_data(as_text=True)
    assert "该配对已由您的上一次提交记入活动「储能对接会」，未重复处理" in shown
    with file_app.app_context():
        assert [x.id for x in db.session.get(Event, event_id).suggestions] == [ids["s"]]
        db.session.remove()
