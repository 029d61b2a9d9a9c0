"""A double-clicked 创建 on the zone form, or two tabs saving one name (attack, 2026-12-04): the later
saves failed on the unique zone name with a 500; now one zone is made and the others are refused in Chinese."""

from matchmaker.extensions import db
from matchmaker.models import Zone
from matchmaker.zones import services
from matchmaker.zones.forms import ZoneForm

from ..races import at_once


def test_the_same_zone_created_four_times_at_once_is_made_once(file_app):
    def create():
        return lambda: services.save_zone(Zone(), {"name": "并发专区", "description": "四个标签页", "active": True})

    outcomes = at_once(file_app, [create] * 4, services.ZoneTaken)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "已有同名专区" for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Zone.id)).filter_by(name="并发专区")) == 1
        db.session.remove()


def _form_check_passed_by_a_simultaneous_save(monkeypatch):
    """The form's own check ran before the other request committed: it saw no zone of the name."""
    monkeypatch.setattr(ZoneForm, "validate_name", lambda self, field: None)


def test_a_zone_created_between_check_and_save_is_refused_keeping_the_form(client, auth, monkeypatch):
    db.session.add(Zone(name="先到的专区"))
    db.session.commit()
    auth.login("admin")
    _form_check_passed_by_a_simultaneous_save(monkeypatch)
    resp = client.post("/zones/manage", data={"name": "先到的专区", "description": "后到标签页里写的介绍"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已有同名专区" in body and "后到标签页里写的介绍" in body
    assert db.session.scalar(db.select(db.func.count(Zone.id))) == 1


def test_a_zone_renamed_to_a_name_just_taken_is_refused_keeping_the_form(client, auth, monkeypatch):
    db.session.add_all([Zone(name="甲专区"), Zone(name="乙专区")])
    db.session.commit()
    b = db.session.scalar(db.select(Zone).filter_by(name="乙专区"))
    auth.login("admin")
    _form_check_passed_by_a_simultaneous_save(monkeypatch)
    resp = client.post(f"/zones/{b.id}/edit", data={"name": "甲专区", "description": "改名时写的介绍"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已有同名专区" in body and "改名时写的介绍" in body
    db.session.expire_all()
    assert b.name == "乙专区"
