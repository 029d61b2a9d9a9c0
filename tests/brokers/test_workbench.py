"""Routing, the queue's filters, stale flags, manual pairs, events, assignments and statistics."""

from datetime import timedelta

import pytest

from matchmaker.demo.taxonomy import ensure_taxonomy
from matchmaker.extensions import db
from matchmaker.models import BrokerAssignment, Event, MatchSuggestion, Zone
from matchmaker.models.base import utcnow
from matchmaker.suggestions.routing import route_suggestions, suggestions_created
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_suggestion, make_user
from .conftest import moves, notes_of, reload


def test_routing_by_industry_then_zone_then_load(app):
    """Industry wins, zone is the fallback, ties go to the broker with fewer open pairs."""
    a, b, c = make_user("broker"), make_user("broker"), make_user("broker")
    gone = make_user("broker", active=False)
    zone = Zone(name="储能专区")
    db.session.add(zone)
    db.session.flush()
    db.session.add_all([BrokerAssignment(broker_id=a.id, industry="新能源"), BrokerAssignment(broker_id=b.id, industry="新能源"),
                        BrokerAssignment(broker_id=c.id, zone_id=zone.id),
                        BrokerAssignment(broker_id=gone.id, industry="纺织服装")])  # fmt: skip
    db.session.commit()
    s1 = make_suggestion(make_need(industry="新能源"), make_result())
    s2 = make_suggestion(make_need(industry="新能源"), make_result())
    assert {route_suggestions([s1])[s1.id], route_suggestions([s2])[s2.id]} == {a.id, b.id}
    db.session.commit()
    zoned = make_need(industry="新材料")
    zoned.zones.append(zone)
    s3 = make_suggestion(zoned, make_result())
    s4 = make_suggestion(make_need(industry="纺织服装"), make_result())
    routed = suggestions_created([s3, s4])
    assert routed == {s3.id: c.id}
    assert reload(s3).assigned_broker_id == c.id and reload(s4).assigned_broker_id is None
    assert notes_of(c) and not notes_of(gone)


def test_bulk_routing_notifies_each_broker_once(app):
    """A rebuild's many new rows give one notification per broker."""
    a = make_user("broker")
    db.session.add(BrokerAssignment(broker_id=a.id, industry="智能家电"))
    db.session.commit()
    rows = [make_suggestion(make_need(), make_result()) for _ in range(3)]
    suggestions_created([r.id for r in rows])
    assert {reload(r).assigned_broker_id for r in rows} == {a.id}
    assert notes_of(a) == ["有 3 条新的匹配推荐进入您的审核队列"]


def test_queue_filters_sort_and_stale(app, client, auth):
    """Industry, score band, assigned and stale filters narrow the queue; stale pairs are flagged."""
    me, other = make_user("broker"), make_user("broker")
    high = make_suggestion(make_need(title="高分需求", industry="新能源"), make_result(), score=0.8, broker=me)
    low = make_suggestion(make_need(title="低分需求", industry="新材料"), make_result(), score=0.15)
    theirs = make_suggestion(make_need(title="他人需求"), make_result(), score=0.5, broker=other)
    old = make_suggestion(make_need(title="陈旧需求"), make_result(), score=0.3, broker=me)
    old.last_activity_at = old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    auth.login(me)

    def titles(query=""):
        body = client.get("/broker/" + query).get_data(as_text=True)
        return {t for t in ("高分需求", "低分需求", "他人需求", "陈旧需求") if t in body}, body

    assert titles()[0] == {"高分需求", "低分需求", "陈旧需求"}  # mine and unassigned by default
    assert titles("?assigned=all")[0] == {"高分需求", "低分需求", "他人需求", "陈旧需求"}
    assert titles("?assigned=free")[0] == {"低分需求"}
    assert titles("?industry=新能源")[0] == {"高分需求"}
    assert titles("?band=high")[0] == {"高分需求"}
    assert titles("?age=older")[0] == {"陈旧需求"}
    found, body = titles("?stale=1")
    assert found == {"陈旧需求"} and "停滞" in body
    body = client.get("/broker/?sort=score").get_data(as_text=True)
    assert body.index("高分需求") < body.index("陈旧需求") < body.index("低分需求")
    assert client.get("/broker/?band=x&age=y&sort=z&zone=abc&page=99").status_code == 200
    assert high.id and low.id and theirs.id


def test_pipeline_counts_and_status_filter(app, client, auth):
    """The pipeline lists pairs past the queue by status."""
    me = make_user("broker")
    make_suggestion(make_need(title="洽谈中的需求"), make_result(), status="negotiating", broker=me)
    make_suggestion(make_need(title="已驳回的需求"), make_result(), status="rejected", broker=me)
    auth.login(me)
    body = client.get("/broker/pipeline").get_data(as_text=True)
    assert "洽谈中的需求" in body and "已驳回的需求" not in body
    assert "已驳回的需求" in client.get("/broker/pipeline?status=rejected").get_data(as_text=True)


def test_manual_pair(app, client, auth):
    """A broker pairs a need and a result by hand: it enters as accepted and manual; duplicates are refused."""
    broker = make_user("broker")
    need, result = make_need(keywords="储能,电池"), make_result(keywords="电池,材料")
    auth.login(broker)
    assert client.get(f"/broker/pairs/new?nq={need.title}&need_id={need.id}").status_code == 200
    resp = client.post("/broker/pairs/new", data={"need_id": need.id, "result_id": result.id, "note": "走访时发现"})
    assert resp.status_code == 302
    s = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id))
    assert (s.manual, s.status, s.assigned_broker_id, s.reasons) == (True, "accepted", broker.id, [["电池", 1.0]])
    assert moves(s) == [("suggested", "accepted")]
    body = client.post("/broker/pairs/new", data={"need_id": need.id, "result_id": result.id}).get_data(as_text=True)
    assert "该配对已存在" in body
    s.status = "rejected"
    db.session.commit()
    body = client.post("/broker/pairs/new", data={"need_id": need.id, "result_id": result.id}).get_data(as_text=True)
    assert "已被驳回" in body
    draft = make_need(status="draft")
    body = client.post("/broker/pairs/new", data={"need_id": draft.id, "result_id": result.id}).get_data(as_text=True)
    assert "未发布" in body
    assert "请选择一项技术需求" in client.post("/broker/pairs/new", data={}).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MatchSuggestion.id))) == 1


def test_events(app, client, auth):
    """Create an event, attach listings, record a discussed pair; bad input is refused."""
    broker = make_user("broker")
    need, result = make_need(title="活动需求"), make_result(title="活动成果")
    auth.login(broker)
    body = client.post(
        "/broker/events/new", data={"title": "储能对接会", "mode": "offline", "starts_at": "2030-05-01T14:00"}
    ).get_data(as_text=True)
    assert "线下活动请填写地点" in body and "储能对接会" in body
    body = client.post(
        "/broker/events/new", data={"title": "线上会", "mode": "online", "starts_at": "不是时间", "link": "ftp://x"}
    ).get_data(as_text=True)
    assert "时间格式不正确" in body and "链接应以" in body
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0
    resp = client.post(
        "/broker/events/new",
        data={"title": "储能对接会", "mode": "offline", "starts_at": "2030-05-01T14:00", "place": "高新区会议中心"},
    )
    event = db.session.scalar(db.select(Event))
    assert resp.status_code == 302 and event.place == "高新区会议中心" and event.created_by_id == broker.id
    for kind, listing in (("need", need), ("result", result)):
        client.post(f"/broker/events/{event.id}/attach", data={"kind": kind, "listing_id": listing.id})
    r = client.post(
        f"/broker/events/{event.id}/attach", data={"kind": "need", "listing_id": need.id}, follow_redirects=True
    )
    assert "已在本活动中" in r.get_data(as_text=True)
    client.post(f"/broker/events/{event.id}/pairs", data={"need_id": need.id, "result_id": result.id})
    s = db.session.scalar(db.select(MatchSuggestion))
    assert s.manual and s.status == "accepted"
    body = client.get(f"/broker/events/{event.id}").get_data(as_text=True)
    assert "活动需求 ↔ 活动成果" in body
    assert "储能对接会" in client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    r = client.post(f"/broker/suggestions/{s.id}/event", data={"event_id": event.id})
    assert "请勿重复提交" in r.get_data(as_text=True)
    # Another broker cannot edit it.
    auth.logout()
    auth.login("broker")
    assert client.get(f"/broker/events/{event.id}/edit").status_code == 403
    r = client.post(
        f"/broker/events/{event.id}/detach", data={"kind": "need", "listing_id": need.id}, follow_redirects=True
    )
    assert "只有活动创建人或管理员" in r.get_data(as_text=True)


def test_assignments_admin(app, client, auth):
    """Admins add and remove assignments; bad input is refused in Chinese."""
    ensure_taxonomy()
    broker = make_user("broker")
    auth.login("admin")
    assert "请选择一位技术经纪人" in client.post("/broker/assignments", data={"industry": "新能源"}).get_data(
        as_text=True
    )
    body = client.post("/broker/assignments", data={"broker_id": broker.id}).get_data(as_text=True)
    assert "请选择行业或专区" in body
    assert "请选择有效的行业" in client.post(
        "/broker/assignments", data={"broker_id": broker.id, "industry": "火星"}
    ).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(BrokerAssignment.id))) == 0
    client.post("/broker/assignments", data={"broker_id": broker.id, "industry": "新能源"})
    assert "已有相同的分工" in client.post(
        "/broker/assignments", data={"broker_id": broker.id, "industry": "新能源"}
    ).get_data(as_text=True)
    a = db.session.scalar(db.select(BrokerAssignment))
    assert client.post(f"/broker/assignments/{a.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count(BrokerAssignment.id))) == 0


def test_stats(app, client, auth):
    """A broker's accepted share, introductions and follow-ups; the admin sees every broker."""
    me, other = make_user("broker", name="统计经纪人"), make_user("broker", name="另一位经纪人")
    auth.login(me)
    ss = [make_suggestion(make_need(), make_result(), broker=me) for _ in range(4)]
    client.post(f"/broker/suggestions/{ss[0].id}/accept", data={"expected": "suggested"})
    client.post(f"/broker/suggestions/{ss[1].id}/accept", data={"expected": "suggested"})
    client.post(f"/broker/suggestions/{ss[1].id}/introduce", data={"expected": "accepted"})
    client.post(f"/broker/suggestions/{ss[2].id}/accept", data={"expected": "suggested"})
    client.post(f"/broker/suggestions/{ss[3].id}/reject", data={"expected": "suggested", "reason": "off_topic"})
    client.post(
        f"/broker/suggestions/{ss[1].id}/follow-ups",
        data={"kind": "visit", "happened_on": clock.today().isoformat(), "note": "走访"},
    )
    body = client.get("/broker/stats").get_data(as_text=True)
    assert "75%" in body and "统计经纪人" in body and "另一位经纪人" not in body
    auth.logout()
    auth.login("admin")
    body = client.get("/broker/stats").get_data(as_text=True)
    assert "统计经纪人" in body and "另一位经纪人" in body and "75%" in body
    assert "方向不符" in client.get(f"/broker/stats/{me.id}").get_data(as_text=True)
    assert client.get(f"/broker/stats/{other.id}").status_code == 200


def test_feedback_export(app, runner):
    """feedback-export writes decided pairs with their coded reasons as JSON lines."""
    make_suggestion(status="rejected", reject_reason="too_early")
    make_suggestion(status="suggested")
    out = runner.invoke(args=["feedback-export"])
    assert out.exit_code == 0
    assert '"reject_reason": "too_early"' in out.output and out.output.count('"status"') == 1


@pytest.mark.parametrize(
    "typed, message",
    [("2030-05-01T14:00Z", "不要带时区"), ("2030-05-01T14:00+08:00", "不要带时区"),
     ("0001-01-01T00:00", "2000 年至 2099 年"), ("9999-12-31T23:59", "2000 年至 2099 年")],
)  # fmt: skip
def test_event_start_with_a_time_zone_or_an_absurd_year_is_refused(client, auth, typed, message):
    """Before, "…Z" was saved 8 hours off as Beijing time and years 1 and 9999 were saved as events."""
    auth.login("broker")
    resp = client.post("/broker/events/new", data={"title": "储能对接会", "mode": "offline", "starts_at": typed,
                                                    "place": "高新区会议中心"})  # fmt: skip
    body = resp.get_data(as_text=True)
    assert message in body and typed in body and "高新区会议中心" in body
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_events_split_into_upcoming_and_past_by_beijing_time(client, auth):
    """Start times are typed in Beijing time: an event that began an hour ago is 已举行, one in an hour is
    即将举行 (before: compared with UTC, a started event stayed 即将举行 for 8 hours)."""
    broker = auth.login("broker")
    beijing_now = utcnow() + timedelta(hours=8)
    for title, start in (("一小时前开始的对接会", beijing_now - timedelta(hours=1)),
                         ("一小时后开始的对接会", beijing_now + timedelta(hours=1))):  # fmt: skip
        db.session.add(Event(title=title, starts_at=start, place="会议室", created_by_id=broker.id))
    db.session.commit()
    upcoming = client.get("/broker/events?when=upcoming").get_data(as_text=True)
    past = client.get("/broker/events?when=past").get_data(as_text=True)
    assert "一小时后开始的对接会" in upcoming and "一小时前开始的对接会" not in upcoming
    assert "一小时前开始的对接会" in past and "一小时后开始的对接会" not in past


def test_after_acting_in_the_queue_the_page_comes_back_at_the_next_pair(client, auth):
    """A keyboard user who accepts or rejects a pair lands at the next pair (its row is focusable), not at
    the page's top: the forms carry the queue's address with the next row's fragment, the last row the one before."""
    import re

    me = make_user("broker")
    first = make_suggestion(make_need(title="第一条需求"), make_result(), score=0.9, broker=me)
    second = make_suggestion(make_need(title="第二条需求"), make_result(), score=0.8, broker=me)
    auth.login(me)
    body = client.get("/broker/?sort=score").get_data(as_text=True)
    assert f'id="s{second.id}" tabindex="-1"' in body

    def nexts(sid):
        row = body[body.index(f'id="s{sid}"') :]
        return re.findall(r'name="next" value="([^"]+)"', row.split("pair-row", 1)[0])

    assert set(nexts(first.id)) == {f"/broker/?sort=score#s{second.id}"}
    assert set(nexts(second.id)) == {f"/broker/?sort=score#s{first.id}"}
    resp = client.post(f"/broker/suggestions/{first.id}/accept",
                       data={"expected": "suggested", "next": f"/broker/?sort=score#s{second.id}"})  # fmt: skip
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/broker/?sort=score#s{second.id}")


def test_a_save_from_a_stale_event_edit_page_does_not_overwrite_the_other(client, auth):
    """An event's creator in two tabs (or the creator and an admin): the later save silently put back the
    earlier one's moved time and place; now it is refused with what was typed kept, and saving again from the
    warned page goes through."""
    from ..stale import differences, second_tab_refused

    broker = auth.login("broker")
    event = Event(title="储能对接会", online=False, starts_at=clock.now_local().replace(microsecond=0) + timedelta(days=30),
                  place="高新区会议中心", created_by_id=broker.id, description="")  # fmt: skip
    db.session.add(event)
    db.session.commit()
    base = {"title": "储能对接会", "mode": "offline", "starts_at": "2030-05-01T14:00", "place": "高新区会议中心"}
    moved = dict(base, starts_at="2030-05-08T14:00", place="科技会堂")
    renamed = dict(base, title="第二个标签页改的活动名")
    url = f"/broker/events/{event.id}/edit"
    again, page = second_tab_refused(client, url, moved, renamed, "第二个标签页改的活动名")
    assert differences(page) == {
        "活动名称": ("储能对接会", "第二个标签页改的活动名"), "开始时间": ("2030-05-08 14:00", "2030-05-01 14:00"),
        "地点": ("科技会堂", "高新区会议中心"),
    }  # fmt: skip
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.title, stored.place, stored.starts_at.day) == ("储能对接会", "科技会堂", 8)
    assert client.post(url, data=dict(renamed, version=again)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "第二个标签页改的活动名"


def test_a_refused_event_edit_answers_400(client, auth):
    broker = auth.login("broker")
    event = Event(title="储能对接会", online=False, starts_at=clock.now_local().replace(microsecond=0) + timedelta(days=30),
                  place="高新区会议中心", created_by_id=broker.id, description="")  # fmt: skip
    db.session.add(event)
    db.session.commit()
    data = {"title": "", "mode": "offline", "starts_at": "2030-05-01T14:00", "place": "高新区会议中心"}
    resp = client.post(f"/broker/events/{event.id}/edit", data=data)
    assert resp.status_code == 400 and "请填写活动名称" in resp.get_data(as_text=True)


def test_events_at_the_same_time_are_listed_on_a_pair_page_as_on_the_events_page(client, auth):
    """Two sessions of one fair starting together, the pair discussed at both: the pair page's 洽谈活动 and its
    记入活动 choices list them in the events page's order (the last made first), not in whatever order the
    database found them."""
    import re

    from matchmaker.brokers import events

    broker = auth.login("broker")
    s = make_suggestion(make_need(), make_result(), broker=broker)
    start = clock.now_local().replace(second=0, microsecond=0) - timedelta(days=3)
    made = []
    for title in ("上午场甲厅对接会", "上午场乙厅对接会", "上午场丙厅对接会"):
        event = Event(title=title, starts_at=start, place="会议室", created_by_id=broker.id)
        db.session.add(event)
        db.session.commit()
        made.append(event)
    for event in made:
        events.record_pair(event, broker, s)
    listed = re.findall(r"<tr><td><a [^>]*>(上午场.厅对接会)</a>", client.get("/broker/events").get_data(as_text=True))
    assert listed == [e.title for e in reversed(made)]
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert re.findall(r"<div><a [^>]*>(上午场.厅对接会)</a> <span", page) == listed
    options = re.findall(r'<option value="\d+">(上午场.厅对接会)', page)
    assert options == listed * 2, options  # 记入活动, and the follow-up form's 活动


def test_a_pair_within_one_zone_shows_its_zone_once(client, auth):
    """The queue's row names a pair's zones, the need's and the result's, each once: a need and a result both in
    储能专区 showed 储能专区 储能专区; a result in another zone adds that one."""
    import re

    me = make_user("broker")
    storage, hydrogen = Zone(name="储能专区"), Zone(name="氢能专区")
    db.session.add_all([storage, hydrogen])
    need, same, other = make_need(title="同区需求"), make_result(title="同区成果"), make_result(title="他区成果")
    need.zones.append(storage)
    same.zones.append(storage)
    other.zones.extend([storage, hydrogen])
    make_suggestion(need, same, score=0.9, broker=me)
    make_suggestion(need, other, score=0.8, broker=me)
    db.session.commit()
    auth.login(me)
    body = client.get("/broker/").get_data(as_text=True)
    rows = body.split('class="list-group-item')  # one part per pair row, in score order
    first, second = (part for part in rows if "同区需求" in part)
    badges = lambda part: re.findall(r'<span class="badge text-bg-light border me-1">([^<]+)</span>', part)  # noqa: E731
    assert "同区成果" in first and badges(first) == ["储能专区"]
    assert "他区成果" in second and badges(second) == ["储能专区", "氢能专区"]
