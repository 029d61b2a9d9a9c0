"""An approved request whose announcement job failed at every retry (the matcher broken for a day): its page said
正在推送给相关科研人员 for ever, to the enterprise and the brokers alike, though nothing would run it again. Now it says
the push stopped, and a run started by hand (flask jobs retry --all) still announces once."""

from datetime import timedelta

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.models import Notification, UrgentRequest
from matchmaker.models.base import utcnow
from matchmaker.urgent import services as urgent

from .test_urgent import _researcher_told, _urgent_with_queued_jobs


def _fail_until_given_up(monkeypatch):
    def down(*args, **kw):
        raise RuntimeError("engine refitting")

    monkeypatch.setattr(urgent.matcher, "match_listing", down)
    now = utcnow()
    for _ in range(10):
        now += timedelta(days=2)
        jobs.run_due(now=now)


def test_a_given_up_announcement_is_not_shown_as_running(app, client, auth, monkeypatch):
    researcher, ent, need, req = _urgent_with_queued_jobs(app, monkeypatch)
    auth.login("broker")
    assert client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""}).status_code == 302
    real = urgent.matcher.match_listing
    _fail_until_given_up(monkeypatch)
    db.session.expire_all()
    page = client.get(f"/urgent/{req.id}").get_data(as_text=True)
    assert "正在推送" not in page
    assert "推送未完成" in page
    auth.logout()
    auth.login(ent)
    assert "推送未完成" in client.get(f"/urgent/{req.id}").get_data(as_text=True)
    # Run by hand once the matcher is back: announced once, and the page says so.
    monkeypatch.setattr(urgent.matcher, "match_listing", real)
    assert jobs.run_due(include_exhausted=True)["failed"] == 0
    assert jobs.run_due(include_exhausted=True)["ran"] == 0
    db.session.expire_all()
    assert _researcher_told(researcher) is not None
    assert db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(user_id=researcher.id)) == 1
    assert db.session.get(UrgentRequest, req.id).announced == 1
    assert "已推送给 1 位相关科研人员" in client.get(f"/urgent/{req.id}").get_data(as_text=True)
