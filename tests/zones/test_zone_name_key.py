"""Look-alike zone names are refused by the database too (2026-12-05): AI专区, ai专区, ＡＩ专区 and AI 专区 are one zone,
but only the exact name was unique and the form's check read before the insert, so two admins creating (or
renaming to) look-alikes at the same moment both saved one. zone.name_key (utils.text.zone_key) is unique now;
the loser is answered in the words of the form's check, with what was typed kept."""

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import Zone
from matchmaker.zones import services
from matchmaker.zones.forms import ZoneForm
from matchmaker.zones.services import zone_key

from ..factories import make_user
from ..races import at_once

LOOK_ALIKES = [
    ("AI专区", "ai专区"),
    ("AI专区", "AI 专区"),
    ("AI专区", "ＡＩ专区"),  # full-width letters (the form cleans them; the key does too)
    ("AI专区", "AI\u200b专区"),  # a zero-width space
]


def count_zones():
    return db.session.scalar(db.select(db.func.count(Zone.id)))


def _form_check_passed_by_a_simultaneous_save(monkeypatch):
    """The form's own check ran before the other request committed: it saw no zone of the name."""
    monkeypatch.setattr(ZoneForm, "validate_name", lambda self, field: None)


def _in(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


# ---------------------------------------------------------------------------- at the same moment


@pytest.mark.parametrize("names", [["AI专区", "ai专区"], ["AI专区", "ai专区", "AI 专区", "Ai专区"]])
def test_look_alike_zones_created_at_once_are_made_once(file_app, names):
    """Each save in its own thread and connection: one zone is made, the others are refused as the form's
    check refuses a look-alike, naming the zone that was made."""

    def create(name):
        return lambda: lambda: services.save_zone(Zone(), {"name": name, "description": "同时创建", "active": True})

    outcomes = at_once(file_app, [create(n) for n in names], services.ZoneTaken)
    assert outcomes.count("ok") == 1, outcomes
    made = _in(file_app, lambda: db.session.scalars(db.select(Zone.name)).all())
    assert len(made) == 1 and made[0] == names[outcomes.index("ok")]
    assert all(o == f"已有同名专区“{made[0]}”" for o in outcomes if o != "ok"), outcomes


def test_zones_renamed_to_look_alikes_at_once_keep_one_name(file_app):
    """Two zones renamed at the same moment to look-alikes: one rename is saved, the other zone keeps its name
    and description and its save is refused with the message of the form."""

    def setup():
        db.session.add_all([Zone(name="甲专区", description="甲的介绍"), Zone(name="乙专区", description="乙的介绍")])
        db.session.commit()

    _in(file_app, setup)

    def rename(old, new):
        def prepare():  # the edit page as loaded
            zone = db.session.scalar(db.select(Zone).filter_by(name=old))
            version = services.zone_version(zone)
            data = {"name": new, "description": f"{old}改名时写的", "active": True}
            return lambda: services.save_zone(zone, data, version=version)

        return prepare

    outcomes = at_once(file_app, [rename("甲专区", "AI专区"), rename("乙专区", "ai专区")], services.ZoneTaken)
    assert outcomes.count("ok") == 1, outcomes
    rows = _in(file_app, lambda: db.session.execute(db.select(Zone.name, Zone.description).order_by(Zone.id)).all())
    winner = ["AI专区", "ai专区"][outcomes.index("ok")]
    assert [o for o in outcomes if o != "ok"] == [f"已有同名专区“{winner}”"]
    expected = [("AI专区", "甲专区改名时写的"), ("乙专区", "乙的介绍")]
    if winner == "ai专区":
        expected = [("甲专区", "甲的介绍"), ("ai专区", "乙专区改名时写的")]
    assert [tuple(r) for r in rows] == expected


def test_look_alike_create_requests_at_once_answer_one_zone_and_one_refused_form(file_app, monkeypatch):
    """Two admins' create forms posted at the same moment, both past the form's check: one 302, the other 400
    with the message, the name and the description as typed."""
    _form_check_passed_by_a_simultaneous_save(monkeypatch)
    emails = _in(file_app, lambda: [make_user("admin").email for _ in range(2)])
    clients = []
    for email in emails:
        clients.append(file_app.test_client())
        assert clients[-1].post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    forms = [{"name": "AI专区", "description": "甲写的介绍", "active": "y"},
             {"name": "ai专区", "description": "乙写的介绍", "active": "y"}]  # fmt: skip
    barrier, answers = threading.Barrier(2), [None, None]

    def post(i):
        barrier.wait()
        resp = clients[i].post("/zones/manage", data=forms[i])
        answers[i] = (resp.status_code, resp.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(code for code, _ in answers) == [302, 400], [code for code, _ in answers]
    won, lost = (0, 1) if answers[0][0] == 302 else (1, 0)
    body = answers[lost][1]
    assert f"已有同名专区“{forms[won]['name']}”" in body
    assert forms[lost]["name"] in body and forms[lost]["description"] in body
    made = _in(file_app, lambda: db.session.execute(db.select(Zone.name, Zone.description)).all())
    assert [tuple(r) for r in made] == [(forms[won]["name"], forms[won]["description"])]


# ---------------------------------------------------------------------------- one request after the other


def test_a_look_alike_created_between_check_and_save_is_refused_keeping_the_form(client, auth, monkeypatch):
    """The database refuses what the form's check missed, in the check's words; the zone saved first is kept."""
    db.session.add(Zone(name="AI专区", description="先到的介绍"))
    db.session.commit()
    auth.login("admin")
    _form_check_passed_by_a_simultaneous_save(monkeypatch)
    resp = client.post("/zones/manage", data={"name": "ai专区", "description": "后到标签页里写的介绍"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已有同名专区“AI专区”" in body
    assert 'value="ai专区"' in body and "后到标签页里写的介绍" in body
    assert [tuple(r) for r in db.session.execute(db.select(Zone.name, Zone.description))] == [("AI专区", "先到的介绍")]


@pytest.mark.parametrize("check", ["form", "database"])
def test_a_rename_to_a_look_alike_of_another_zone_is_refused_keeping_the_form(client, auth, monkeypatch, check):
    """By the form's check, or by the database when that check ran before the other zone was saved: the same
    400 and message, what was typed shown again, both zones as they were."""
    db.session.add_all([Zone(name="AI专区", description="甲的介绍"), Zone(name="机器人专区", description="乙的介绍")])
    db.session.commit()
    b = db.session.scalar(db.select(Zone).filter_by(name="机器人专区"))
    auth.login("admin")
    if check == "database":
        _form_check_passed_by_a_simultaneous_save(monkeypatch)
    resp = client.post(f"/zones/{b.id}/edit", data={"name": "Ai 专区", "description": "改名时写的介绍"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已有同名专区“AI专区”" in body
    assert 'value="Ai 专区"' in body and "改名时写的介绍" in body
    db.session.expire_all()
    rows = db.session.execute(db.select(Zone.name, Zone.description, Zone.name_key).order_by(Zone.id)).all()
    assert [tuple(r) for r in rows] == [("AI专区", "甲的介绍", "ai专区"), ("机器人专区", "乙的介绍", "机器人专区")]


@pytest.mark.parametrize("new_name", ["ai专区", "AI 专区", "Ai专区"])
def test_a_zone_renamed_to_a_look_alike_of_itself_is_saved(client, auth, new_name):
    """Recasing or spacing a zone's own name is no clash: its key stays its own."""
    db.session.add_all([Zone(name="AI专区"), Zone(name="机器人专区")])
    db.session.commit()
    zone = db.session.scalar(db.select(Zone).filter_by(name="AI专区"))
    auth.login("admin")
    resp = client.post(f"/zones/{zone.id}/edit", data={"name": new_name, "description": "新介绍", "active": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (zone.name, zone.name_key, zone.description) == (new_name, "ai专区", "新介绍")


# ---------------------------------------------------------------------------- the database's rule


@pytest.mark.parametrize("stored, look_alike", LOOK_ALIKES)
def test_a_look_alike_inserted_beside_a_zone_is_refused_by_the_database(app, stored, look_alike):
    """No check of the app's in the way: the insert itself fails (the model sets the key), one zone stays."""
    db.session.add(Zone(name=stored))
    db.session.commit()
    db.session.add(Zone(name=look_alike))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(db.select(Zone.name)).all() == [stored]
    assert zone_key(look_alike) == zone_key(stored)


def test_a_look_alike_kept_by_the_migration_can_still_be_edited_and_renamed_apart(app):
    """The migration leaves a database's existing look-alikes without a key (NULL): saved unchanged in name it
    keeps NULL; renamed to another's look-alike it is refused; renamed apart it takes a key. Once its key holder
    is renamed away, it is still found as a look-alike (a new AI专区 would be a second one)."""
    first = Zone(name="AI专区")
    old = Zone(name="临时名称", description="旧介绍")
    db.session.add_all([first, old])
    db.session.commit()
    db.session.execute(db.text("UPDATE zone SET name = 'ai专区', name_key = NULL WHERE id = :id"), {"id": old.id})
    db.session.commit()
    db.session.expire_all()
    services.save_zone(old, {"name": "ai专区", "description": "新介绍", "active": True})
    assert (old.description, old.name_key) == ("新介绍", None)
    with pytest.raises(services.ZoneTaken, match="已有同名专区“AI专区”"):
        services.save_zone(old, {"name": "AI 专区", "active": True})
    services.save_zone(first, {"name": "机器人专区", "active": True})
    assert services.zone_named("Ai专区") is old
    services.save_zone(old, {"name": "智能家电专区", "active": True})
    assert (old.name, old.name_key) == ("智能家电专区", "智能家电专区")
    assert count_zones() == 2
