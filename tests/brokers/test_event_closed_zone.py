"""An event in a zone closed since it was made: its edit page showed only （不限） for 所属专区 (closed zones are
not offered), so saving the page as the browser sends it dropped the zone silently, and posting the zone's id
was refused 请选择有效的专区. Now the event's own closed zone is offered, marked, and kept; it is offered to
no other event."""

from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import Event, Zone

from ..stale import version


def _event_in_closed_zone(broker):
    zone = Zone(name="疫情防控专区", description="防疫物资与检测技术", active=True)
    db.session.add(zone)
    db.session.commit()
    event = Event(title="防疫对接会", online=False, starts_at=datetime(2030, 1, 5, 9), place="会议室",
                  created_by_id=broker.id, zone_id=zone.id, description="")  # fmt: skip
    db.session.add(event)
    zone.active = False
    db.session.commit()
    return event, zone


def _zone_select(body):
    start = body.index('name="zone_id"')
    return body[start : body.index("</select>", start)]


def test_editing_an_event_keeps_its_closed_zone(client, auth):
    broker = auth.login("broker")
    event, zone = _event_in_closed_zone(broker)
    page = client.get(f"/broker/events/{event.id}/edit")
    select = _zone_select(page.get_data(as_text=True))
    assert f'<option selected value="{zone.id}">疫情防控专区（已关闭）</option>' in select
    data = {"title": "防疫对接会（改期）", "mode": "offline", "starts_at": "2030-01-12T09:00", "place": "会议室",
            "zone_id": str(zone.id), "version": version(page)}  # fmt: skip
    assert client.post(f"/broker/events/{event.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.title, stored.zone_id) == ("防疫对接会（改期）", zone.id)


def test_a_closed_zone_is_not_offered_to_a_new_event(client, auth):
    broker = auth.login("broker")
    _event, zone = _event_in_closed_zone(broker)
    assert "疫情防控专区" not in _zone_select(client.get("/broker/events/new").get_data(as_text=True))
    data = {
        "title": "新活动",
        "mode": "offline",
        "starts_at": "2030-01-12T09:00",
        "place": "会议室",
        "zone_id": zone.id,
    }
    resp = client.post("/broker/events/new", data=data)
    assert resp.status_code == 400 and "请选择有效的专区" in resp.get_data(as_text=True)
