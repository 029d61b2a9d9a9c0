"""Ids typed as superscript digits (², which str.isdigit() takes and int() refuses) or past what the
database holds: refused like a missing id, never a server error."""

from datetime import datetime

import pytest

from matchmaker.extensions import db
from matchmaker.models import Event

ODD = ["²", "99999999999999999999"]


@pytest.fixture
def event(sides):
    e = Event(title="对接会", starts_at=datetime(2026, 1, 5, 9), place="会议室", created_by_id=sides["b1"].id)
    db.session.add(e)
    db.session.commit()
    return e


@pytest.mark.parametrize("raw", ODD)
def test_odd_ids_in_broker_pages_are_ignored(client, auth, sides, event, raw):
    """Filters and the manual-pair page read an odd id as none."""
    auth.login(sides["b1"])
    for url in (f"/broker/?zone={raw}", f"/broker/pipeline?zone={raw}", f"/broker/events/{event.id}?nq={raw}",
                f"/broker/pairs/new?need_id={raw}&result_id={raw}"):  # fmt: skip
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("raw", ODD)
def test_odd_ids_in_broker_forms_are_refused_in_chinese(client, auth, sides, event, raw):
    """Attach, detach, a pair discussed, an event on a pair: a Chinese refusal, nothing written."""
    auth.login(sides["b1"])
    s = sides["s"]
    posts = [
        (f"/broker/events/{event.id}/attach", {"kind": "need", "listing_id": raw}, "请选择要加入活动的技术需求"),
        (f"/broker/events/{event.id}/detach", {"kind": "need", "listing_id": raw}, "请选择要移出的需求或成果"),
        (f"/broker/events/{event.id}/pairs", {"need_id": raw, "result_id": raw}, "请选择洽谈的需求和成果"),
        (f"/broker/suggestions/{s.id}/event", {"event_id": raw}, "请选择对接活动"),
    ]
    for url, data, message in posts:
        resp = client.post(url, data=data, follow_redirects=True)
        assert resp.status_code in (200, 409) and message in resp.get_data(as_text=True), url
    assert not db.session.scalars(db.select(Event).where(Event.id != event.id)).all()
    assert event.needs == [] and event.suggestions == []


@pytest.mark.parametrize("raw", ODD)
def test_admin_assigning_an_odd_broker_id_is_refused(client, auth, sides, raw):
    """The assign form with a tampered broker id: refused, the pair keeps its broker."""
    auth.login("admin")
    resp = client.post(f"/broker/suggestions/{sides['s'].id}/assign", data={"broker_id": raw})
    assert resp.status_code == 409
    db.session.expire_all()
    assert sides["s"].assigned_broker_id == sides["b1"].id


@pytest.mark.parametrize("raw", ODD)
def test_assignment_with_an_odd_broker_id_is_refused_in_chinese(client, auth, sides, raw):
    """分工 with a tampered 技术经纪人 select (², past 2**31): the form again with a Chinese error, no assignment
    (² answered 500: int("²") in the field's id)."""
    from matchmaker.models import BrokerAssignment

    auth.login("admin")
    resp = client.post("/broker/assignments", data={"broker_id": raw, "industry": "", "zone_id": raw})
    assert resp.status_code == 400 and "请选择一位技术经纪人" in resp.get_data(as_text=True)
    assert db.session.scalars(db.select(BrokerAssignment)).all() == []


def test_an_admin_takes_a_pair_back_from_its_broker_with_no_assignment(client, auth, sides):
    """The pair page's （不分配） (broker_id=0) was read as a missing id and refused 请选择一位在职的技术经纪人: a pair
    could be moved to another broker but never returned to everyone's queue. Now it is, and said so."""
    auth.login("admin")
    page = client.get(f"/broker/suggestions/{sides['s'].id}").get_data(as_text=True)
    assert '<option value="0">（不分配）</option>' in page
    resp = client.post(f"/broker/suggestions/{sides['s'].id}/assign", data={"broker_id": "0"}, follow_redirects=True)
    assert resp.status_code == 200 and "已取消分配" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert sides["s"].assigned_broker_id is None
