"""Live classes: scheduling, registration within capacity, the live link for registered users only,
attendance marked or imported from the live platform's export, reminders, figures, permissions."""

import io
from datetime import datetime, timedelta

from openpyxl import Workbook

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import LiveRegistration, LiveSession, Notification

from ..factories import make_org, make_user


def _when(days=2):
    return (services.beijing_now() + timedelta(days=days)).replace(second=0, microsecond=0)


def make_session(creator=None, **kw):
    data = {"kind": "class", "title": "专利布局与技术转移实务", "starts_at": _when(), "speaker": "李明 教授",
            "live_link": "https://live.example.cn/room/1", "capacity": None, "published": True}  # fmt: skip
    data.update(kw)
    return services.save_session(LiveSession(), data, creator or make_user("broker"))


def test_live_class_from_scheduling_to_attendance(client, auth):
    """A broker schedules; an enterprise user registers and sees the live link; attendance is marked."""
    broker = auth.login("broker")
    start = _when()
    resp = client.post("/classes/new", data={
        "kind": "class", "title": "高新技术企业认定政策解读", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "speaker": "王芳",
        "live_link": "https://live.example.cn/room/9", "capacity": "2", "replay_link": "",
        "materials": "课件 https://files.example.cn/a.pdf", "description": "", "published": "y", "event_id": ""})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    s = db.session.scalar(db.select(LiveSession))
    auth.logout()
    assert "https://live.example.cn/room/9" not in client.get(f"/classes/{s.id}").get_data(as_text=True)
    user = auth.login("enterprise")
    assert client.post(f"/classes/{s.id}/register").status_code == 302
    page = client.get(f"/classes/{s.id}").get_data(as_text=True)
    assert "进入直播间" in page and "https://live.example.cn/room/9" in page and "课件" in page
    auth.logout()
    auth.login(broker)
    reg = db.session.scalar(db.select(LiveRegistration))
    resp = client.post(f"/classes/{s.id}/attendance", data={"shown": [str(reg.id)], "attended": [str(reg.id)]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True and reg.user_id == user.id
    assert "出席 1 人" in client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)


def test_capacity_and_roles(app):
    """The last seat goes once; brokers cannot register; a second registration is refused."""
    s = make_session(capacity=1)
    services.register(s, make_user("researcher"))
    for user, message in ((make_user("enterprise"), "名额已满"), (make_user("broker"), "仅企业用户和科研人员")):
        try:
            services.register(s, user)
        except services.LiveError as exc:
            assert message in str(exc)
        else:
            raise AssertionError("registration accepted")


def test_bad_session_input_is_explained_and_kept(client, auth):
    """A missing start, a link without http, an end before the start: Chinese errors, typed text kept."""
    auth.login("broker")
    resp = client.post("/classes/new", data={"kind": "class", "title": "保留的主题", "starts_at": "明天下午",
                                             "speaker": "", "live_link": "live.example.cn", "materials": "课件"})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "时间格式不正确" in page and "请填写主讲人" in page and "链接须以 http:// 或 https:// 开头" in page
    assert "资料第 1 行" in page and "保留的主题" in page and "明天下午" in page
    assert db.session.scalar(db.select(db.func.count(LiveSession.id))) == 0


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_attendance_imported_from_the_live_platform_export(client, auth):
    """Registered viewers are matched by e-mail or mobile; others are guests; short views are left out."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))  # started today
    a = make_user("enterprise", email="a@ent.cn")
    b = make_user("researcher", phone="13900001111")
    c = make_user("enterprise")
    for u in (a, b, c):
        db.session.add(LiveRegistration(session_id=s.id, user_id=u.id, organization_id=u.organization_id))
    db.session.commit()
    data = _xlsx([["昵称", "邮箱", "手机号", "观看时长（分钟）"], ["甲", "A@ent.cn", "", 55], ["乙", "", "13900001111", 30],
                  ["游客", "guest@x.cn", "", 40], ["路过", "", "", 0]])  # fmt: skip
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data), "观看记录.xlsx"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    got = {r.user_id: (r.attended, r.minutes) for r in db.session.scalars(db.select(LiveRegistration))}
    assert got == {a.id: (True, 55), b.id: (True, 30), c.id: (None, None)}
    s = db.session.get(LiveSession, s.id)
    assert s.guest_attendees == 1 and services.attendance_count(s) == 3
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(b"name,x\n1,2\n"), "a.csv"),
                                                                  "min_minutes": "1"}, follow_redirects=True)  # fmt: skip
    page = resp.get_data(as_text=True)  # read by the background job: its outcome is on the attendance page
    assert "观看记录未导入，出席情况没有任何更改：文件中没有“邮箱”或“手机号”列" in page


def test_reminders_go_once_to_registered_users(runner, app):
    """`flask classes remind` notifies registrations of sessions within 24 hours, once."""
    soon, later = make_session(starts_at=_when(0) + timedelta(hours=5)), make_session(starts_at=_when(5))
    users = [make_user("enterprise"), make_user("researcher")]
    for s in (soon, later):
        for u in users:
            services.register(s, u)
    result = runner.invoke(args=["classes", "remind"])
    assert result.exit_code == 0 and "已提醒 2 人次" in result.output
    assert runner.invoke(args=["classes", "remind"]).output.strip() == "已提醒 0 人次"
    notes = db.session.scalars(db.select(Notification).filter_by(kind="class")).all()
    assert sorted(n.user_id for n in notes) == sorted(u.id for u in users)


def test_counts_and_history_match_rows(app):
    """Classes and matchmaking sessions held in a period, registrations, attendance with guests."""
    ent = make_org("enterprise")
    u = make_user("enterprise", org=ent)
    s1 = make_session(starts_at=datetime(2020, 3, 1, 15))
    make_session(starts_at=datetime(2020, 5, 1, 15), kind="matchmaking")
    make_session(starts_at=datetime(2021, 1, 1, 15))
    db.session.add(LiveRegistration(session_id=s1.id, user_id=u.id, organization_id=ent.id, attended=True))
    s1.guest_attendees = 40
    db.session.commit()
    c = services.counts(datetime(2020, 1, 1), datetime(2021, 1, 1))
    assert c == {"classes": 1, "matchmaking": 1, "registered": 1, "attended": 41, "guests": 40, "scheduled": 0}
    from matchmaker.visits.services import service_history

    sections = dict(service_history(ent))
    assert "出席 1 人" in sections["直播课堂与线上对接"][0][1]


def test_only_the_creator_or_an_admin_edits(client, auth):
    """Another broker cannot edit; unpublished sessions are hidden from the public."""
    s = make_session(published=False)
    assert client.get(f"/classes/{s.id}").status_code == 404
    auth.login("broker")
    assert client.get(f"/classes/{s.id}").status_code == 200
    assert client.post(f"/classes/{s.id}/edit", data={"title": "篡改"}).status_code == 403


def test_attendance_export_with_formatted_mobiles_matches_registered_users(client, auth):
    """A GBK CSV saved by Excel with a 手机号码 column holding "+86 139-0000-1111" and "139 0000 2222":
    both registered viewers are marked attended, not counted as guests."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))
    users = [make_user("researcher", phone="13900001111"), make_user("enterprise", phone="13900002222")]
    for u in users:
        db.session.add(LiveRegistration(session_id=s.id, user_id=u.id, organization_id=u.organization_id))
    db.session.commit()
    data = "昵称,手机号码,观看时长（分钟）\r\n甲,+86 139-0000-1111,30\r\n乙,139 0000 2222,45\r\n".encode("gbk")
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data), "观看记录.csv"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    got = {r.user_id: (r.attended, r.minutes) for r in db.session.scalars(db.select(LiveRegistration))}
    assert got == {users[0].id: (True, 30), users[1].id: (True, 45)}
    assert db.session.get(LiveSession, s.id).guest_attendees == 0


def test_attendance_export_matches_registrants_phones_in_every_layout_accounts_take(client, auth):
    """Viewer exports write a mobile as "0086 139 0000 1111", "139.0000.2222" or with long dashes, and a
    landline registrant's 0571-88886666 as "(0571) 8888 6666": those viewers were counted as guests. Both
    sides are now read as utils.validators.normalize_phone reads them, so each is its registrant, attended."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))
    phones = ["13900001111", "13900002222", "13900003333", "13800138000", "0571-88886666"]
    users = [make_user("researcher", phone=p) for p in phones]
    for u in users:
        db.session.add(LiveRegistration(session_id=s.id, user_id=u.id, organization_id=u.organization_id))
    db.session.commit()
    typed = ["0086 139 0000 1111", "139.0000.2222", "139—0000—3333", "+86 138 0013 8000", "(0571) 8888 6666"]
    data = "昵称,手机号,观看时长（分钟）\n" + "".join(f"观众{i},{t},{30 + i}\n" for i, t in enumerate(typed))
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data.encode()), "观看记录.csv"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    got = {r.user_id: (r.attended, r.minutes) for r in db.session.scalars(db.select(LiveRegistration))}
    assert got == {u.id: (True, 30 + i) for i, u in enumerate(users)}
    assert db.session.get(LiveSession, s.id).guest_attendees == 0


def test_a_csv_mobile_kept_as_text_with_an_apostrophe_matches_its_registrant(client, auth):
    """'13900001111 in a CSV (Excel's mark for a number kept as text, leaked into the export) was no registrant's
    mobile: the viewer counted as a guest, the registrant left unmarked. The apostrophe is dropped."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))
    user = make_user("researcher", phone="13900001111")
    db.session.add(LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id))
    db.session.commit()
    data = "昵称,手机号,观看时长（分钟）\n甲,'13900001111,30\n".encode()
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data), "观看记录.csv"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    reg = db.session.scalar(db.select(LiveRegistration))
    assert (reg.attended, reg.minutes) == (True, 30)
    assert db.session.get(LiveSession, s.id).guest_attendees == 0


def test_a_masked_mobile_in_an_export_is_one_guest_whatever_its_prefix(client, auth):
    """Live platforms mask viewers' mobiles (138****1234), some with +86 or 0086 before them: such a viewer
    matches no registrant, and is one guest however the number is prefixed (0086 made a second one)."""
    from matchmaker.models import LiveGuest

    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))
    data = "手机号,观看时长\n+86 138****1234,10\n0086 138****1234,10\n138 **** 1234,10\n86138****1234,10\n"
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data.encode()), "观看记录.csv"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    assert db.session.get(LiveSession, s.id).guest_attendees == 1
    assert db.session.execute(db.select(LiveGuest.key, LiveGuest.minutes)).all() == [("phone:138****1234", 40)]


def test_attendance_export_with_watch_time_as_hh_mm_ss(client, auth):
    """Live platforms export 观看时长 as 00:45:12: the file is read (45 and 62 minutes), not refused as 不是数字."""
    broker = make_user("broker")
    s = make_session(broker, starts_at=_when(-1) + timedelta(hours=20))
    users = [make_user("researcher", email="x1@r.cn"), make_user("enterprise", email="x2@e.cn")]
    for u in users:
        db.session.add(LiveRegistration(session_id=s.id, user_id=u.id, organization_id=u.organization_id))
    db.session.commit()
    data = "邮箱,观看时长\nx1@r.cn,00:45:12\nx2@e.cn,1:02:00\nguest@x.cn,00:00:30\n".encode()
    auth.login(broker)
    resp = client.post(f"/classes/{s.id}/attendance/import", data={"file": (io.BytesIO(data), "live.csv"),
                                                                  "min_minutes": "1"})  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    got = {r.user_id: (r.attended, r.minutes) for r in db.session.scalars(db.select(LiveRegistration))}
    assert got == {users[0].id: (True, 45), users[1].id: (True, 62)}
    assert db.session.get(LiveSession, s.id).guest_attendees == 0  # 30 seconds is under a minute


def test_my_registrations_pages_hold_each_session_once_when_they_start_together(client, auth):
    """Sessions starting at the same time (parallel rooms of one event) are each on exactly one page of 我的报名,
    the latest registration first: without the registration's id as the tiebreaker PostgreSQL may sort the ties
    differently for page 1 and page 2, repeating some sessions and leaving others out."""
    import re

    user = make_user("enterprise")
    broker = make_user("broker")
    at = datetime(2026, 4, 1, 14)
    regs = []
    for i in range(25):
        s = make_session(broker, title=f"分会场{i}", starts_at=at)
        reg = LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id)
        db.session.add(reg)
        db.session.commit()
        regs.append(reg)
    auth.login(user)
    shown = []
    for page in (1, 2):
        body = client.get(f"/classes/mine?page={page}").get_data(as_text=True)
        shown += [int(i) for i in re.findall(r'<td><a href="/classes/(\d+)">', body)]
    assert sorted(shown) == sorted(r.session_id for r in regs)  # none repeated, none left out
    assert shown == [r.session_id for r in reversed(regs)]
