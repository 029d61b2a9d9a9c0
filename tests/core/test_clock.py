"""People read and type Beijing time; moments are stored in UTC (matchmaker/utils/clock.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import FollowUp, LiveSession, Notification, UrgentRequest
from matchmaker.notifications.services import digest_body
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_suggestion, make_user

LATE_UTC = datetime(2026, 3, 1, 23, 30)  # 2026-03-02 07:30 in Beijing


def test_pages_show_stored_moments_in_beijing_time(auth, client):
    user = auth.login("enterprise")
    db.session.add(Notification(user_id=user.id, kind="account", text="北京时间测试", created_at=LATE_UTC))
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2026-03-02 07:30" in page and "2026-03-01 23:30" not in page
    assert "[03-02 07:30] 北京时间测试" in digest_body(user, [db.session.scalar(db.select(Notification))])


def test_times_typed_in_beijing_time_are_shown_as_typed(auth, client):
    auth.login("enterprise")
    s = LiveSession(title="北京时间直播课", starts_at=datetime(2026, 3, 5, 15, 0), speaker="王老师")
    db.session.add(s)
    db.session.commit()
    page = client.get(f"/classes/{s.id}").get_data(as_text=True)
    assert "2026-03-05 15:00" in page and "2026-03-05 23:00" not in page


def test_the_urgent_pages_convert_once(auth, client):
    user = auth.login("enterprise")
    need = make_need(user=user)
    req = UrgentRequest(need_id=need.id, organization_id=user.organization_id, reason_kind="other", reason="急需",
                        requested_at=LATE_UTC, sla_hours=8, due_at=LATE_UTC + timedelta(hours=10))  # fmt: skip
    db.session.add(req)
    db.session.commit()
    page = client.get(f"/urgent/{req.id}").get_data(as_text=True)
    assert "2026-03-02 07:30" in page and "2026-03-02 15:30" not in page  # not converted twice


@pytest.fixture
def beijing_morning(monkeypatch):
    """The server's clock at 23:30 UTC: already the next morning in Beijing."""
    real = datetime.now(UTC).date()
    late = datetime(real.year, real.month, real.day, 23, 30, tzinfo=UTC)

    class Late(datetime):
        @classmethod
        def now(cls, tz=None):
            return late.astimezone(tz) if tz else late.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", Late)
    return real + timedelta(days=1)  # Beijing's date


def test_today_in_a_rule_is_beijings_date(beijing_morning, auth, client):
    """At 07:30 in Beijing (23:30 UTC the day before) a follow-up dated today is today, not tomorrow."""
    assert clock.today() == beijing_morning
    broker = make_user("broker")
    s = make_suggestion(make_need(), make_result(), broker=broker)
    auth.login(broker)
    data = {"kind": "call", "happened_on": beijing_morning.isoformat(), "note": "清晨电话沟通"}
    resp = client.post(f"/broker/suggestions/{s.id}/follow-ups", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert db.session.scalar(db.select(FollowUp.happened_on)) == beijing_morning
    tomorrow = dict(data, happened_on=(beijing_morning + timedelta(days=1)).isoformat())
    assert "跟进日期不能晚于今天" in client.post(f"/broker/suggestions/{s.id}/follow-ups", data=tomorrow).get_data(
        as_text=True
    )


def test_to_local_reads_naive_as_utc_and_keeps_aware_moments():
    assert clock.to_local(LATE_UTC) == datetime(2026, 3, 2, 7, 30)
    assert clock.to_local(LATE_UTC.replace(tzinfo=UTC)) == datetime(2026, 3, 2, 7, 30)
    assert clock.to_local(None) is None
    assert isinstance(clock.today(), date)
