"""The first save of the fast-channel settings (none stored yet), double-clicked: both submits at the same
moment carry the same settings. The second changes nothing of what the first stored and should go through
like the second submit of any other edit page."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.extensions import db
from matchmaker.models import UrgentSetting, User
from matchmaker.urgent import services
from matchmaker.utils.versions import EditConflict

from ..factories import make_user
from ..races import at_once
from ..stale import version


def test_identical_first_saves_at_once_both_go_through(file_app):
    """FAILS before the fix: PostgreSQL every run, SQLite about one run in three."""
    with file_app.app_context():
        admin = make_user("admin").id
        shown = services.setting_version(services.get_setting())
        db.session.remove()

    def call():
        def prepare():
            actor = db.session.get(User, admin)
            data = {"sla_hours": 8, "day_start": 9, "day_end": 18, "holidays": "2026-10-01", "workdays": ""}
            return lambda: services.save_setting(data, actor, version=shown)

        return prepare

    assert at_once(file_app, [call(), call()], EditConflict) == ["ok", "ok"]


def test_identical_first_save_that_lost_the_insert_goes_through(client, auth, monkeypatch):
    """The same race made certain: the second submit read “nothing stored” just before the first committed
    (its get() of the settings row is made to answer None), so it inserts the row again and meets the
    first's: answered 409 «已被修改并保存» although the first stored exactly these settings."""
    auth.login("admin")
    shown = version(client.get("/urgent/settings"))
    data = {
        "sla_hours": "8",
        "day_start": "9",
        "day_end": "18",
        "holidays": "2026-10-01",
        "workdays": "",
        "version": shown,
    }
    assert client.post("/urgent/settings", data=data).status_code == 302
    real_get, inserting = db.session.get, []

    def get_before_the_first_commit(model, ident, *a, **kw):
        if model is UrgentSetting and not inserting:  # every read before its own insert: nothing stored yet
            return None
        return real_get(model, ident, *a, **kw)

    def seen_insert(session, _context, _instances):
        if any(isinstance(o, UrgentSetting) for o in session.new):
            inserting.append(True)

    monkeypatch.setattr(db.session, "get", get_before_the_first_commit, raising=False)
    event.listen(Session, "before_flush", seen_insert)
    try:
        resp = client.post("/urgent/settings", data=data)
    finally:
        event.remove(Session, "before_flush", seen_insert)
        monkeypatch.undo()
    assert resp.status_code == 302, resp.status_code
