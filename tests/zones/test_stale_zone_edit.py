"""Two admins editing one zone from pages opened at the same time (attack, 2026-12-04): the later save
silently put back everything the earlier one had changed (its closing, its new description); now a save
from a page loaded before another save is refused with what was typed kept, and a second click saves."""

from matchmaker.extensions import db
from matchmaker.models import Zone

from ..stale import version


def _edit_page_version(client, zone):
    return version(client.get(f"/zones/{zone.id}/edit"))


def test_a_save_from_a_stale_edit_page_does_not_overwrite_the_other(client, auth):
    zone = Zone(name="智能家电专区", description="原来的介绍", active=True)
    db.session.add(zone)
    db.session.commit()
    auth.login("admin")
    first, second = _edit_page_version(client, zone), _edit_page_version(client, zone)  # two tabs
    closed = {"name": "智能家电专区", "description": "本专区已结束", "version": first}  # active unticked: closed
    assert client.post(f"/zones/{zone.id}/edit", data=closed).status_code == 302
    stale = {"name": "智能家电专区（二期）", "description": "第二个标签页写的介绍", "active": "y", "version": second}
    resp = client.post(f"/zones/{zone.id}/edit", data=stale)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被修改并保存" in body and "第二个标签页写的介绍" in body
    db.session.expire_all()
    assert (zone.name, zone.description, zone.active) == ("智能家电专区", "本专区已结束", False)
    again = version(body)
    assert client.post(f"/zones/{zone.id}/edit", data=dict(stale, version=again)).status_code == 302
    db.session.expire_all()
    assert (zone.name, zone.active) == ("智能家电专区（二期）", True)


def test_the_second_submit_of_a_double_clicked_save_is_not_a_conflict(client, auth):
    """Without JavaScript a double click sends the edit twice from one page: the second found the first saved
    and answered 409 «已被修改并保存» about the user's own save. A stale save that changes nothing goes through;
    one that changes something is still refused."""
    zone = Zone(name="智能家电专区", description="原来的介绍", active=True)
    db.session.add(zone)
    db.session.commit()
    auth.login("admin")
    shown = _edit_page_version(client, zone)
    data = {"name": "智能家电专区", "description": "新的介绍", "active": "y", "version": shown}
    assert client.post(f"/zones/{zone.id}/edit", data=data).status_code == 302
    assert client.post(f"/zones/{zone.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert zone.description == "新的介绍"
    changed = client.post(f"/zones/{zone.id}/edit", data=dict(data, description="又一个介绍"))
    assert changed.status_code == 409
    db.session.expire_all()
    assert zone.description == "新的介绍"


def test_a_refused_zone_edit_answers_400(client, auth):
    zone = Zone(name="智能家电专区", description="原来的介绍", active=True)
    db.session.add(zone)
    db.session.commit()
    auth.login("admin")
    resp = client.post(f"/zones/{zone.id}/edit", data={"name": "甲", "version": _edit_page_version(client, zone)})
    assert resp.status_code == 400 and "专区名称长度应为 2–50 个字符" in resp.get_data(as_text=True)
