"""Attacks on live classes (2026-12-04): simultaneous last-seat registrations, a session in year 9999,
absurd watch times and returning guests in the attendance import."""

import io
from datetime import datetime, timedelta

import pytest

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import LiveRegistration, LiveSession, User

from ..factories import make_user
from ..races import at_once
from ..sql import bound_parameters
from .test_classes import make_session

CLASS_FORM = {"kind": "class", "title": "高新技术企业认定政策解读", "speaker": "王芳", "capacity": "",
              "live_link": "https://live.example.cn/room/9", "replay_link": "", "materials": "", "description": "",
              "published": "y", "event_id": ""}  # fmt: skip


def test_six_registrations_at_once_fill_one_seat_once(file_app):
    """Six users press 报名 on the last seat at the same moment: one is registered, five are told 名额已满."""
    with file_app.app_context():
        sid = make_session(capacity=1).id
        user_ids = [make_user("enterprise" if i % 2 else "researcher").id for i in range(6)]
        db.session.remove()

    def call(user_id):
        def prepare():
            user, s = db.session.get(User, user_id), db.session.get(LiveSession, sid)
            s.capacity, user.role  # noqa: B018 - loaded before the others act, as the request's page would have
            return lambda: services.register(s, user)

        return prepare

    outcomes = at_once(file_app, [call(u) for u in user_ids], services.LiveError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("名额已满" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(LiveRegistration.id)).filter_by(session_id=sid)) == 1
        db.session.remove()


def test_a_session_in_year_9999_or_before_2000_is_refused(client, auth):
    """The form refuses a start more than 5 years ahead or before 2000, in Chinese; nothing is saved."""
    auth.login("broker")
    for starts_at, ends_at, message in (("9999-12-31T23:00", "", "开始时间不能晚于"),
                                        ("1999-12-31T20:00", "", "开始时间不能早于 2000 年"),
                                        ("2026-12-31T20:00", "9999-12-31T23:00", "结束时间不能晚于")):  # fmt: skip
        resp = client.post("/classes/new", data=dict(CLASS_FORM, starts_at=starts_at, ends_at=ends_at))
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), starts_at
    assert db.session.scalar(db.select(db.func.count(LiveSession.id))) == 0


def test_registering_for_a_stored_session_in_year_9999_does_not_crash(client, auth):
    """A session saved before the form refused such dates: registration answers, it does not fail with 500."""
    s = make_session(starts_at=datetime(9999, 12, 31, 23, 0))
    auth.login("enterprise")
    resp = client.post(f"/classes/{s.id}/register", follow_redirects=True)
    assert resp.status_code == 200 and "已报名" in resp.get_data(as_text=True)


def _import(client, s, csv_text):
    data = {"file": (io.BytesIO(csv_text.encode("utf-8")), "观看记录.csv"), "min_minutes": "1"}
    return client.post(f"/classes/{s.id}/attendance/import", data=data)


def _started_with_viewer(broker, email):
    """A live session that began an hour ago, made by ``broker``, with one registered user of ``email``."""
    s = make_session(broker, starts_at=services.beijing_now() - timedelta(hours=1))
    user = make_user("enterprise", email=email)
    db.session.add(LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id))
    db.session.commit()
    return s, user


@pytest.mark.parametrize("minutes", ["1e20", "inf", "1e400", "-inf", "nan", "-5"])
def test_an_absurd_watch_time_is_a_row_error(client, auth, minutes):
    """A huge, infinite or negative watch time is refused naming its row, not a 500; nothing is imported."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=services.beijing_now() - timedelta(hours=1))
    auth.login(broker)
    resp = _import(client, s, f"邮箱,观看时长\nguest1@x.cn,30\nguest2@x.cn,{minutes}\n")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)  # the background job's outcome
    assert "观看记录未导入，出席情况没有任何更改：第 3 行观看时长" in page, page[:3000]
    db.session.expire_all()
    assert db.session.get(LiveSession, s.id).guest_attendees in (None, 0)


def test_a_returning_guest_is_counted_once(client, auth):
    """A guest who left and came back three times is one guest, as a registered user is one attendee."""
    broker = make_user("broker")
    s, _ = _started_with_viewer(broker, "reg@ent.cn")
    auth.login(broker)
    rows = ["guest@x.cn,20", "GUEST@x.cn,15", "guest@x.cn,30", "reg@ent.cn,40", "reg@ent.cn,10", "other@x.cn,5"]
    resp = _import(client, s, "邮箱,观看时长\n" + "\n".join(rows) + "\n")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    db.session.expire_all()
    s = db.session.get(LiveSession, s.id)
    assert s.guest_attendees == 2 and services.attendance_count(s) == 3
    assert "出席 3 人" in page


@pytest.mark.parametrize("field", ["shown", "attended"])
def test_attendance_ticks_naming_an_id_past_the_database_range_are_refused(client, auth, field):
    """出席 ticks posted with an id of 99999999999999999999 (a tampered form): 所选报名记录不属于该场次,
    nothing marked; it was a 500 (OverflowError binding the id)."""
    broker = make_user("broker")
    session = make_session(broker)
    reg = services.register(session, make_user("enterprise"))
    auth.login(broker)
    data = {"shown": str(reg.id), "attended": str(reg.id)} | {field: "99999999999999999999"}
    resp = client.post(f"/classes/{session.id}/attendance", data=data)
    assert resp.status_code == 302
    assert "所选报名记录不属于该场次" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is not True


def test_only_who_may_edit_the_session_marks_or_imports_attendance(client, auth):
    """Another broker posting 出席 ticks or an export for a session they cannot edit: 403 无权访问, nothing stored
    (any broker could mark anyone attended, or overwrite the guests, of any session). The page still shows them
    the registrations, read-only; its creator and admins mark and import."""
    creator = make_user("broker")
    s, viewer = _started_with_viewer(creator, "viewer@ent.cn")
    reg = db.session.scalar(db.select(LiveRegistration).filter_by(session_id=s.id))
    auth.login("broker")
    resp = client.post(f"/classes/{s.id}/attendance", data={"shown": str(reg.id), "attended": str(reg.id)})
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)
    resp = _import(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\n")
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is None
    assert db.session.get(LiveSession, s.id).guest_attendees == 0
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert "viewer@ent.cn" in page and "保存本页出席情况" not in page and "仅场次创建人和管理员可以" in page
    for who in (creator, make_user("admin")):
        auth.logout()
        auth.login(who)
        assert "保存本页出席情况" in client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
        resp = client.post(f"/classes/{s.id}/attendance", data={"shown": str(reg.id), "attended": str(reg.id)})
        assert resp.status_code == 302
    assert _import(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\n").status_code == 302
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True
    assert db.session.get(LiveSession, s.id).guest_attendees == 1


def _import_file(client, s, csv_text, name="观看记录.csv", **extra):
    data = {"file": (io.BytesIO(csv_text.encode("utf-8")), name), "min_minutes": "1"} | extra
    return client.post(f"/classes/{s.id}/attendance/import", data=data, follow_redirects=True)


def test_an_export_imported_as_several_files_keeps_every_files_guests(client, auth):
    """An export split in two files (as the 50,000-row limit asks) counts the guests of both, a viewer in both
    files once; importing a file again adds nothing; 替换 starts again from a corrected file. Each import kept
    only its own file's guests, so 直播参加人次 counted the last file alone."""
    from datetime import date

    from matchmaker.reports import service_stats
    from matchmaker.reports.services import Period

    broker = make_user("broker")
    s, _ = _started_with_viewer(broker, "reg@ent.cn")
    auth.login(broker)
    first = "邮箱,手机号,观看时长\na@x.cn,,30\nb@x.cn,,30\n,13900001111,20\n,,15\nreg@ent.cn,,40\n"
    second = "邮箱,手机号,观看时长\nB@x.cn,,10\nc@x.cn,,30\n,+86 139-0000-1111,25\n,,5\n"
    page = _import_file(client, s, first, "part1.csv").get_data(as_text=True)
    assert "新增未报名观众 4 人（累计 4 人）" in page
    page = _import_file(client, s, second, "part2.csv").get_data(as_text=True)
    assert "新增未报名观众 2 人（累计 6 人）" in page  # c@x.cn and the second file's anonymous row
    assert "新增未报名观众 0 人（累计 6 人）" in _import_file(client, s, second, "part2.csv").get_data(as_text=True)
    db.session.expire_all()
    s = db.session.get(LiveSession, s.id)
    assert s.guest_attendees == 6 and services.attendance_count(s) == 7
    day = s.starts_at.date()
    held = service_stats.build(Period(date(day.year, 1, 1), date(day.year, 12, 31)))["figures"]["classes"]
    assert held["attended"] == 7 and held["guests"] == 6
    page = _import_file(client, s, "邮箱,观看时长\nz@x.cn,30\n", "corrected.csv", replace_guests="y")
    assert "新增未报名观众 1 人（累计 1 人）" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiveSession, s.id).guest_attendees == 1


def test_two_files_of_one_export_imported_at_once_count_a_shared_guest_once(file_app):
    """Two brokers' imports of the two halves of one export at the same moment: every guest counted, the
    viewer in both halves once."""
    with file_app.app_context():
        broker = make_user("broker")
        sid = make_session(broker, starts_at=services.beijing_now() - timedelta(hours=1)).id
        db.session.remove()
    halves = ["邮箱,观看时长\na@x.cn,30\nshared@x.cn,30\n", "邮箱,观看时长\nb@x.cn,30\nshared@x.cn,30\n"]

    def call(text):
        def prepare():
            s = db.session.get(LiveSession, sid)
            s.guest_attendees  # noqa: B018 - loaded before the others act
            return lambda: services.import_attendance(s, "half.csv", text.encode())

        return prepare

    assert at_once(file_app, [call(t) for t in halves], services.LiveError) == ["ok", "ok"]
    with file_app.app_context():
        assert db.session.get(LiveSession, sid).guest_attendees == 3
        db.session.remove()


def test_a_save_from_a_stale_edit_page_does_not_overwrite_the_other(client, auth):
    """Two edit pages of one session open at once (the creator's two tabs, or the creator and an admin): the
    later save silently put back the earlier one's replay link and materials; now it is refused with what was
    typed kept, and saving again from the warned page goes through."""
    from ..stale import second_tab_refused

    broker = auth.login("broker")
    s = make_session(broker)
    when = {"starts_at": s.starts_at.strftime("%Y-%m-%dT%H:%M"), "ends_at": ""}
    replay = (
        CLASS_FORM | when | {"replay_link": "https://live.example.cn/replay/9", "materials": "课件 https://f.cn/a.pdf"}
    )
    retitled = CLASS_FORM | when | {"title": "第二个标签页改的主题"}
    again, page = second_tab_refused(client, f"/classes/{s.id}/edit", replay, retitled, "第二个标签页改的主题")
    db.session.expire_all()
    stored = db.session.get(LiveSession, s.id)
    assert (stored.replay_link, stored.title) == ("https://live.example.cn/replay/9", CLASS_FORM["title"])
    assert client.post(f"/classes/{s.id}/edit", data=dict(retitled, version=again)).status_code == 302
    db.session.expire_all()
    stored = db.session.get(LiveSession, s.id)
    assert (stored.title, stored.replay_link) == ("第二个标签页改的主题", None)


def test_a_session_of_an_older_event_can_still_be_edited(client, auth):
    """A session under an event that 200 newer events have pushed off the form's list: adding its replay link was
    refused with 请选择有效的对接活动 (the select no longer offered its event). Now it saves and keeps its event."""
    from matchmaker.models import Event

    old = Event(title="2020 年线上技术对接会", starts_at=datetime(2020, 5, 1, 9))
    db.session.add(old)
    db.session.add_all(
        Event(title=f"对接活动{i}", starts_at=datetime(2021, 1, 1) + timedelta(days=i)) for i in range(200)
    )
    db.session.commit()
    broker = auth.login("broker")
    s = make_session(broker, event_id=old.id)
    page = client.get(f"/classes/{s.id}/edit").get_data(as_text=True)
    assert "2020 年线上技术对接会" in page
    data = CLASS_FORM | {"starts_at": s.starts_at.strftime("%Y-%m-%dT%H:%M"), "ends_at": "", "event_id": str(old.id),
                         "replay_link": "https://live.example.cn/replay/1"}  # fmt: skip
    assert client.post(f"/classes/{s.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(LiveSession, s.id)
    assert (stored.event_id, stored.replay_link) == (old.id, "https://live.example.cn/replay/1")


def test_attendance_ticks_naming_seventy_thousand_registrations_are_refused(client, auth):
    """出席 posted with 70,000 registration ids (a tampered form): a 500 on PostgreSQL (more parameters than a
    statement may bind). Now 所选报名记录不属于该场次, nothing marked."""
    broker = make_user("broker")
    session = make_session(broker)
    reg = services.register(session, make_user("enterprise"))
    auth.login(broker)
    body = f"attended={reg.id}&" + "&".join(f"shown={i}" for i in range(1, 70_001))
    resp = client.post(f"/classes/{session.id}/attendance", data=body, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 302
    assert "所选报名记录不属于该场次" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is not True


def test_attendance_ticks_naming_one_registration_seventy_thousand_times_mark_it_once(client, auth):
    """出席 posted with one registration's id 70,000 times (a tampered form): the distinct ids passed the count
    check and all 70,000 were bound in one statement, a 500 on PostgreSQL. Now it is marked once."""
    broker = make_user("broker")
    session = make_session(broker)
    reg = services.register(session, make_user("enterprise"))
    auth.login(broker)
    body = f"attended={reg.id}&" + "&".join(f"shown={reg.id}" for _ in range(70_000))
    with bound_parameters() as counts:
        resp = client.post(f"/classes/{session.id}/attendance", data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert resp.status_code == 302
    assert max(counts) < 100
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True


def test_two_cancellations_at_once_cancel_once_without_a_warning(file_app, recwarn):
    """Two tabs press 取消报名 at the same moment: the registration is gone, neither answers an error, and the
    second no longer makes SQLAlchemy warn that its delete matched 0 rows."""
    with file_app.app_context():
        sid = make_session().id
        uid = make_user("enterprise").id
        services.register(db.session.get(LiveSession, sid), db.session.get(User, uid))
        db.session.remove()

    def prepare():
        s, user = db.session.get(LiveSession, sid), db.session.get(User, uid)
        services.registration_of(s, user)  # loaded by both before either deletes
        return lambda: services.unregister(s, user)

    outcomes = at_once(file_app, [prepare, prepare], services.LiveError)
    assert all(o == "ok" or "未报名" in o for o in outcomes) and "ok" in outcomes, outcomes
    assert not [w for w in recwarn if "matched" in str(w.message)], [str(w.message) for w in recwarn]
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(LiveRegistration.id)).filter_by(session_id=sid)) == 0
        db.session.remove()
