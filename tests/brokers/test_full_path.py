"""The whole path: posted, routed, accepted, introduced, answered, followed up, negotiating."""

from matchmaker.demo.taxonomy import ensure_taxonomy
from matchmaker.extensions import db
from matchmaker.models import BrokerAssignment, FollowUp, MatchSuggestion
from matchmaker.suggestions.services import listing_changed
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_user
from ..suggestions.conftest import NEED_TEXT, RESULT_TEXT
from .conftest import moves, notes_of, reload


def test_need_and_result_posted_to_negotiating(app, client, auth):
    """A posted pair lands in the right broker's queue and goes all the way to negotiating."""
    app.config["MATCH_THRESHOLD"] = 0.35
    ensure_taxonomy()
    admin = make_user("admin")
    b1, b2 = make_user("broker", name="门锁经纪人"), make_user("broker", name="医药经纪人")
    auth.login(admin)
    assert client.post("/broker/assignments", data={"broker_id": b1.id, "industry": "五金锁具"}).status_code == 302
    client.post("/broker/assignments", data={"broker_id": b2.id, "industry": "健康医药"})
    auth.logout()

    ent = make_user("enterprise", name="锁厂张经理")
    res = make_user("researcher", name="李教授", phone="13912345678")
    result = make_result(user=res, **RESULT_TEXT, contact_email="li@lab.cn")
    listing_changed(result)
    need = make_need(user=ent, **NEED_TEXT, industry="五金锁具", contact_phone="13800001234")
    listing_changed(need)  # the needs service does this on publish
    s = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=result.id))
    assert s is not None and s.status == "suggested"
    assert s.assigned_broker_id == b1.id
    assert any("新的匹配推荐" in t for t in notes_of(b1)) and not notes_of(b2)

    # The broker's queue shows it with its reasons; the other broker's "mine" queue does not.
    auth.login(b1)
    body = client.get("/broker/?assigned=mine").get_data(as_text=True)
    assert NEED_TEXT["title"] in body and RESULT_TEXT["title"] in body and "指纹识别" in body
    # Before introduction the two sides see the suggestion but not each other's contacts.
    auth.logout()
    auth.login(ent)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert RESULT_TEXT["title"] in body and "请经纪人牵线" in body and "li@lab.cn" not in body
    auth.logout()

    auth.login(b1)
    assert client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"}).status_code == 302
    assert client.post(f"/broker/suggestions/{s.id}/introduce", data={"expected": "accepted"}).status_code == 302
    s = reload(s)
    assert s.status == "introduced" and s.introduced_at
    assert any("引荐" in t for t in notes_of(ent)) and any("引荐" in t for t in notes_of(res))

    # Both sides see each other's contacts for this pair; nobody else does.
    auth.logout()
    auth.login(ent)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert RESULT_TEXT["title"] in body and "li@lab.cn" in body
    resp = client.post(f"/broker/suggestions/{s.id}/respond", data={"expected": "", "response": "interested"})
    assert resp.status_code == 302
    auth.logout()
    auth.login(res)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert NEED_TEXT["title"] in body and "13800001234" in body
    client.post(f"/broker/suggestions/{s.id}/respond",
                data={"expected": "", "response": "declined", "reason": "timing", "note": "今年排期已满"})  # fmt: skip
    auth.logout()
    stranger = make_user("enterprise")
    auth.login(stranger)
    body = client.get("/broker/mine").get_data(as_text=True)
    assert "li@lab.cn" not in body and RESULT_TEXT["title"] not in body
    auth.logout()

    # The broker sees the answers, logs a follow-up, moves to negotiating.
    auth.login(b1)
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "有意向" in body and "时机不合适" in body and "今年排期已满" in body
    resp = client.post(f"/broker/suggestions/{s.id}/follow-ups",
                       data={"kind": "call", "happened_on": clock.today().isoformat(), "note": "电话确认双方意向"})  # fmt: skip
    assert resp.status_code == 302
    assert (
        client.post(
            f"/broker/suggestions/{s.id}/move", data={"expected": "introduced", "to": "negotiating"}
        ).status_code
        == 302
    )
    s = reload(s)
    assert s.status == "negotiating"
    assert moves(s) == [("suggested", "accepted"), ("accepted", "introduced"), ("introduced", "negotiating")]
    assert db.session.scalar(db.select(FollowUp.note).filter_by(suggestion_id=s.id)) == "电话确认双方意向"
    body = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "电话确认双方意向" in body and "洽谈中" in body
    assert db.session.scalar(db.select(db.func.count(BrokerAssignment.id))) == 2


def test_rejected_pair_does_not_come_back_after_rebuild(app, client, auth, runner):
    """A pair rejected in the browser stays rejected, once, after a full index rebuild."""
    app.config["MATCH_THRESHOLD"] = 0.35
    res, ent = make_user("researcher"), make_user("enterprise")
    result = make_result(user=res, **RESULT_TEXT)
    listing_changed(result)
    need = make_need(user=ent, **NEED_TEXT)
    listing_changed(need)
    s = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=result.id))
    auth.login("broker")
    resp = client.post(f"/broker/suggestions/{s.id}/reject",
                       data={"expected": "suggested", "reason": "too_early", "note": "仍在实验室阶段"})  # fmt: skip
    assert resp.status_code == 302
    out = runner.invoke(args=["rebuild-index"])
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    rows = db.session.scalars(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=result.id)).all()
    assert [(r.id, r.status, r.reject_reason, r.reject_note) for r in rows] == [
        (s.id, "rejected", "too_early", "仍在实验室阶段")
    ]
    # And it is not in anyone's queue.
    assert NEED_TEXT["title"] not in client.get("/broker/?assigned=all").get_data(as_text=True)
