"""Who may act on a pair, who sees what, and every bad input refused in Chinese with nothing changed."""

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import FollowUp, MatchSuggestion, Notification, SuggestionMove
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_suggestion, make_user
from .conftest import moves, reload


def snapshot(s):
    s = reload(s)
    return (s.status, s.reject_reason, s.assigned_broker_id, s.introduced_at, len(moves(s)),
            db.session.scalar(db.select(db.func.count(FollowUp.id))),
            db.session.scalar(db.select(db.func.count(Notification.id))))  # fmt: skip


def test_broker_cannot_act_on_another_brokers_pair(client, auth, sides):
    """Broker 2 is refused on broker 1's pair; nothing changes; an admin may act."""
    s = sides["s"]
    auth.login(sides["b2"])
    before = snapshot(s)
    for url, data in [
        ("accept", {"expected": "suggested"}),
        ("reject", {"expected": "suggested", "reason": "off_topic"}),
        ("claim", {}),
        ("follow-ups", {"kind": "call", "happened_on": clock.today().isoformat(), "note": "试图跟进"}),
    ]:
        resp = client.post(f"/broker/suggestions/{s.id}/{url}", data=data)
        assert resp.status_code == 409, url
        assert "其他经纪人" in resp.get_data(as_text=True)
    assert snapshot(s) == before
    auth.logout()
    auth.login("admin")
    assert client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"}).status_code == 302
    assert reload(s).status == "accepted" and reload(s).assigned_broker_id == sides["b1"].id


def test_unassigned_pair_is_taken_by_the_broker_who_acts(client, auth, sides):
    """Accepting an unassigned pair puts it in the acting broker's queue."""
    s = make_suggestion(sides["need"], make_result())
    auth.login(sides["b2"])
    client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"})
    assert reload(s).assigned_broker_id == sides["b2"].id


def test_claim_twice_is_refused(client, auth, sides):
    """Claiming an already claimed pair gives a Chinese error."""
    s = make_suggestion(sides["need"], make_result())
    auth.login(sides["b2"])
    assert client.post(f"/broker/suggestions/{s.id}/claim").status_code == 302
    resp = client.post(f"/broker/suggestions/{s.id}/claim")
    assert resp.status_code == 409 and "请勿重复提交" in resp.get_data(as_text=True)


def test_enterprise_cannot_see_or_answer_another_enterprises_pairs(client, auth, sides):
    """Another enterprise sees none of the pair and its POSTs are refused; owners never see unaccepted ones."""
    s = sides["s"]
    s.status = "introduced"
    db.session.commit()
    other = make_user("enterprise")
    make_need(user=other, title="别家的需求")
    auth.login(other)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert "储能电池热管理" not in body and "13800009999" not in body and "lab@uni.cn" not in body
    before = snapshot(s)
    assert (
        client.post(f"/broker/suggestions/{s.id}/respond", data={"expected": "", "response": "interested"}).status_code
        == 404
    )
    assert client.get(f"/broker/suggestions/{s.id}").status_code == 403
    assert client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "introduced"}).status_code == 403
    assert snapshot(s) == before and reload(s).need_response is None


@pytest.mark.parametrize("status", ["suggested", "rejected"])
def test_owners_see_suggested_pairs_never_rejected_ones(client, auth, sides, status):
    """The matcher's suggestions are shown to both sides (no contacts, no answer yet); a pair a broker
    rejected without anyone asking for it stays invisible."""
    s = sides["s"]
    s.status = status
    db.session.commit()
    for who, text in (("ent", "电池热失控预警技术"), ("res", "储能电池热管理")):
        auth.login(sides[who])
        body = client.get("/broker/mine").get_data(as_text=True)
        assert (text in body) == (status == "suggested") and "lab@uni.cn" not in body
        resp = client.post(f"/broker/suggestions/{s.id}/respond", data={"expected": "", "response": "interested"})
        assert resp.status_code == 404
        auth.logout()


def test_accepted_pair_visible_without_contacts_before_introduction(client, auth, sides):
    """After acceptance the owner sees the pair and reasons, but not the other side's contacts."""
    s = sides["s"]
    s.status = "accepted"
    db.session.commit()
    auth.login(sides["ent"])
    body = client.get("/broker/mine").get_data(as_text=True)
    assert "电池热失控预警技术" in body and "储能" in body
    assert "lab@uni.cn" not in body and "引荐后" in body


def test_introduced_between(app, sides):
    """introduced_between is true only for the two sides of an introduced pair."""
    from matchmaker.listings.access import introduced_between

    s, ent, res = sides["s"], sides["ent"], sides["res"]
    assert not introduced_between(ent, sides["result"]) and not introduced_between(res, sides["need"])
    s.status = "introduced"
    db.session.commit()
    assert introduced_between(ent, sides["result"]) and introduced_between(res, sides["need"])
    assert not introduced_between(make_user("enterprise"), sides["result"])
    assert not introduced_between(make_user("researcher"), sides["need"])
    assert not introduced_between(ent, make_result())
    assert not introduced_between(sides["b1"], sides["need"])


def test_owner_suggestions_service(app, sides):
    """owner_suggestions returns the pair for its owner after acceptance, nothing for others."""
    from matchmaker.brokers.services import owner_suggestions

    s = sides["s"]
    views = owner_suggestions(sides["need"], sides["ent"])  # the matcher's suggestion, without contacts
    assert [v.s.id for v in views] == [s.id] and views[0].contacts is None and views[0].can_request
    s.status = "introduced"
    db.session.commit()
    views = owner_suggestions(sides["need"], sides["ent"])
    assert [v.s.id for v in views] == [s.id] and views[0].contacts["email"] == "lab@uni.cn"
    assert owner_suggestions(sides["result"], sides["res"])[0].contacts["phone"] == "13800009999"
    assert owner_suggestions(sides["need"], make_user("enterprise")) == []
    assert owner_suggestions(sides["need"], sides["res"]) == []


# Bad input -------------------------------------------------------------------


def test_unknown_reject_reason(client, auth, sides):
    """An unknown reason code is refused in Chinese; the pair stays suggested."""
    s = sides["s"]
    auth.login(sides["b1"])
    before = snapshot(s)
    resp = client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "bogus"})
    assert "请选择有效的驳回原因" in resp.get_data(as_text=True)
    resp = client.post(
        f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "other", "note": ""}
    )
    assert "请填写说明" in resp.get_data(as_text=True)
    assert snapshot(s) == before


def test_follow_up_in_the_future(client, auth, sides):
    """A follow-up dated tomorrow is refused, and what was typed is kept."""
    s = sides["s"]
    auth.login(sides["b1"])
    before = snapshot(s)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    resp = client.post(
        f"/broker/suggestions/{s.id}/follow-ups", data={"kind": "visit", "happened_on": tomorrow, "note": "预约走访"}
    )
    body = resp.get_data(as_text=True)
    assert "跟进日期不能晚于今天" in body and "预约走访" in body
    for bad, msg in (({"kind": "fax"}, "请选择有效的跟进方式"), ({"happened_on": "明天"}, "日期格式不正确"),
                     ({"note": ""}, "请填写跟进记录")):  # fmt: skip
        data = {"kind": "call", "happened_on": clock.today().isoformat(), "note": "记录", **bad}
        assert msg in client.post(f"/broker/suggestions/{s.id}/follow-ups", data=data).get_data(as_text=True)
    assert snapshot(s) == before


def test_follow_up_dated_in_year_one_is_refused(client, auth, sides):
    """A follow-up dated 0001-01-01 (a typing slip) is refused in Chinese, typed text kept, nothing saved."""
    s = sides["s"]
    auth.login(sides["b1"])
    resp = client.post(f"/broker/suggestions/{s.id}/follow-ups",
                       data={"kind": "call", "happened_on": "0001-01-01", "note": "电话确认意向"})  # fmt: skip
    body = resp.get_data(as_text=True)
    assert "跟进日期不能早于 2000 年" in body and "0001-01-01" in body and "电话确认意向" in body
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


def test_introducing_a_rejected_suggestion(client, auth, sides):
    """A rejected pair cannot be introduced; nobody is notified."""
    s = sides["s"]
    auth.login(sides["b1"])
    client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "duplicate"})
    before = snapshot(s)
    resp = client.post(f"/broker/suggestions/{s.id}/introduce", data={"expected": "rejected"})
    assert resp.status_code == 409 and "已驳回的推荐不能引荐" in resp.get_data(as_text=True)
    assert snapshot(s) == before


def test_an_introduction_note_past_500_characters_is_refused_not_cut(client, auth, sides):
    """The page's field stops at 500 characters; a longer note sent anyway is refused in Chinese, nothing changes."""
    s = sides["s"]
    auth.login(sides["b1"])
    client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"})
    before = snapshot(s)
    resp = client.post(f"/broker/suggestions/{s.id}/introduce", data={"expected": "accepted", "note": "介" * 501})
    assert resp.status_code == 409 and "引荐说明不能超过 500 个字符" in resp.get_data(as_text=True)
    assert snapshot(s) == before
    resp = client.post(f"/broker/suggestions/{s.id}/introduce", data={"expected": "accepted", "note": "介" * 500})
    assert resp.status_code == 302 and reload(s).status == "introduced"


def test_double_submit_of_the_same_decision(client, auth, sides):
    """The second identical accept (or reject) is refused; one move is recorded."""
    s = sides["s"]
    auth.login(sides["b1"])
    assert client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"}).status_code == 302
    before = snapshot(s)
    resp = client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"})
    assert resp.status_code == 409 and "请勿重复提交" in resp.get_data(as_text=True)
    resp = client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "off_topic"})
    assert resp.status_code == 409 and "已变为「已采纳」" in resp.get_data(as_text=True)
    assert snapshot(s) == before and moves(s) == [("suggested", "accepted")]
    resp = client.post(f"/broker/suggestions/{s.id}/accept", data={})
    assert resp.status_code == 409 and "缺少当前状态" in resp.get_data(as_text=True)


def test_double_submit_of_a_response(client, auth, sides):
    """A side's repeated answer is refused; a bad decline reason too."""
    s = sides["s"]
    s.status = "introduced"
    db.session.commit()
    auth.login(sides["res"])
    url = f"/broker/suggestions/{s.id}/respond"
    r = client.post(url, data={"expected": "", "response": "declined", "reason": "nonsense"}, follow_redirects=True)
    assert "请选择有效的不考虑原因" in r.get_data(as_text=True) and reload(s).result_response is None
    client.post(url, data={"expected": "", "response": "interested"})
    r = client.post(url, data={"expected": "", "response": "interested"}, follow_redirects=True)
    assert "请刷新页面" in r.get_data(as_text=True)
    r = client.post(url, data={"expected": "interested", "response": "interested"}, follow_redirects=True)
    assert "请勿重复提交" in r.get_data(as_text=True)
    assert reload(s).result_response == "interested"
    # The broker was told once.
    assert db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(user_id=sides["b1"].id)) == 1


def test_move_rules(client, auth, sides):
    """Signed needs an introduction first; an unknown target is refused."""
    s = sides["s"]
    auth.login(sides["b1"])
    resp = client.post(f"/broker/suggestions/{s.id}/move", data={"expected": "suggested", "to": "signed"})
    assert resp.status_code == 409 and "不能标记为已签约" in resp.get_data(as_text=True)
    resp = client.post(f"/broker/suggestions/{s.id}/move", data={"expected": "suggested", "to": "rejected"})
    assert resp.status_code == 409 and "无效的目标状态" in resp.get_data(as_text=True)
    assert reload(s).status == "suggested" and moves(s) == []


def test_reject_keeps_the_row_with_reason(client, auth, sides):
    """Reject stores the coded reason, note, decider and time; the row is not deleted."""
    s = sides["s"]
    auth.login(sides["b1"])
    client.post(
        f"/broker/suggestions/{s.id}/reject",
        data={"expected": "suggested", "reason": "too_expensive", "note": "报价过高"},
    )
    s = reload(s)
    assert (s.status, s.reject_reason, s.reject_note, s.decided_by_id) == (
        "rejected",
        "too_expensive",
        "报价过高",
        sides["b1"].id,
    )
    assert s.decided_at is not None
    assert db.session.scalar(db.select(db.func.count(MatchSuggestion.id))) == 1
    assert db.session.scalar(db.select(SuggestionMove.to_status).filter_by(suggestion_id=s.id)) == "rejected"


@pytest.mark.parametrize("closed", ["need", "result"])
def test_a_pair_of_a_closed_listing_is_neither_accepted_nor_introduced(client, auth, closed):
    """A need its enterprise closed (its pairs stay in the queue until the close's job withdraws them) or a
    result its researcher closed: 采纳 and 引荐 are refused in Chinese with nothing changed and nobody told
    (采纳 told both sides of a need that was closed); 驳回 still clears the pair."""
    need, result = make_need(), make_result()
    if closed == "need":
        s, t = make_suggestion(need, make_result()), make_suggestion(need, make_result(), status="accepted")
        listing, noun = need, "技术需求"
    else:
        s, t = make_suggestion(make_need(), result), make_suggestion(make_need(), result, status="accepted")
        listing, noun = result, "科技成果"
    listing.status = "closed"
    db.session.commit()
    auth.login("broker")
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert f"该{noun}当前状态为“{listing.status_label}”，不能采纳" in page and "采纳推荐" not in page
    page = client.get(f"/broker/suggestions/{t.id}").get_data(as_text=True)
    assert "不能引荐双方" in page and "引荐说明" not in page
    page = client.get("/broker/?assigned=all").get_data(as_text=True)  # the queue's card, before the job withdraws it
    assert f"/broker/suggestions/{s.id}/accept" not in page and f"{listing.status_label}”，不能采纳" in page
    before = snapshot(s), snapshot(t)
    resp = client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"})
    assert resp.status_code == 409
    assert f"该{noun}当前状态为“{listing.status_label}”，不能采纳该推荐" in resp.get_data(as_text=True)
    resp = client.post(f"/broker/suggestions/{t.id}/introduce", data={"expected": "accepted", "note": "请联系"})
    assert resp.status_code == 409 and "不能引荐该推荐" in resp.get_data(as_text=True)
    assert (snapshot(s), snapshot(t)) == before
    resp = client.post(f"/broker/suggestions/{s.id}/reject", data={"expected": "suggested", "reason": "off_topic"})
    assert resp.status_code == 302 and reload(s).status == "rejected"


def test_a_refused_follow_up_or_reject_form_answers_400_with_the_text_kept(client, auth, sides):
    """The pair page's 跟进 and 驳回 forms refused as every other form is (400, as the app's other forms answer),
    with what was typed kept (before: 200, as if the page had been read)."""
    s = sides["s"]
    auth.login(sides["b1"])
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    resp = client.post(f"/broker/suggestions/{s.id}/follow-ups",
                       data={"kind": "visit", "happened_on": tomorrow, "note": "预约下周走访实验室"})  # fmt: skip
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "跟进日期不能晚于今天" in body and "预约下周走访实验室" in body
    resp = client.post(f"/broker/suggestions/{s.id}/reject",
                       data={"expected": "suggested", "reason": "", "note": "技术路线与需求不符"})  # fmt: skip
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请选择驳回原因" in body and "技术路线与需求不符" in body
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0 and reload(s).status == "suggested"
