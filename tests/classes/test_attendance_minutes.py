"""Watch time in the attendance import is counted per viewer: a viewer on several rows of the live platform's
export (left and came back) has their rows' minutes added up and ``min_minutes`` applied to the sum; 观看不足
counts viewers. Imported again, the same file changes nobody's minutes; a corrected file replaces them."""

import io
import re

from matchmaker.extensions import db
from matchmaker.models import AttendanceImport, LiveGuest, LiveRegistration, LiveSession

from ..factories import make_user
from .test_attendance_import import _started_with_viewer

# viewer@ent.cn (registered) left after 3 minutes and came back for 40; 13900001111 (registered, by mobile)
# watched 2 + 2; guest@x.cn 3 + 4; passer@x.cn 1 + 1; 13700000000 (a guest by mobile) 50.
EXPORT = (
    "邮箱,手机号,观看时长\n"
    "viewer@ent.cn,,3\n"
    "guest@x.cn,,3\n"
    ",13900001111,2\n"
    "passer@x.cn,,1\n"
    "VIEWER@ent.cn,,40\n"
    "guest@x.cn,,4\n"
    ",139 0000 1111,2\n"
    "passer@x.cn,,1\n"
    ",13700000000,50\n"
)


def _two_registered(client, auth):
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    mobile = make_user("researcher", phone="13900001111")
    other = LiveRegistration(session_id=s.id, user_id=mobile.id, organization_id=mobile.organization_id)
    db.session.add(other)
    db.session.commit()
    auth.login(broker)
    return s, reg.id, other.id


def _import(client, s, text, min_minutes=5, replace=False, name="观看记录.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), "min_minutes": str(min_minutes)}
    if replace:
        data["replace_guests"] = "y"
    resp = client.post(f"/classes/{s.id}/attendance/import", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.session.expire_all()
    return db.session.scalar(db.select(AttendanceImport).order_by(AttendanceImport.id.desc()).limit(1))


def _registrations(*ids):
    return [(r.attended, r.minutes) for r in (db.session.get(LiveRegistration, i) for i in ids)]


def _guests(s):
    return dict(
        db.session.execute(db.select(LiveGuest.key, LiveGuest.minutes).where(LiveGuest.session_id == s.id)).all()
    )


def test_a_viewer_who_left_and_came_back_is_judged_on_the_minutes_added_up(client, auth):
    """3 + 40 minutes with 5 required: attended, 43 minutes (it was 3, or 40, and one 观看不足 row besides); 2 + 2
    is 4, short; a guest's 3 + 4 is 7, counted once with 7 minutes; 观看不足 counts people, not rows."""
    s, viewer, mobile = _two_registered(client, auth)
    upload = _import(client, s, EXPORT)
    assert upload.status == "done", upload.message
    assert _registrations(viewer, mobile) == [(True, 43), (None, None)]
    assert _guests(s) == {"email:guest@x.cn": 7, "phone:13700000000": 50}
    assert db.session.get(LiveSession, s.id).guest_attendees == 2
    assert upload.message.startswith(
        "已导入 9 行：报名用户出席 1 人，新增未报名观众 2 人（累计 2 人），观看不足 5 分钟 2 人未计入"
    )
    assert "4 位观众有多行记录（中途离开后重新进入），观看时长已按人合计" in upload.message
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert "观看不足 5 分钟 2 人未计入" in page and "43 分钟" in page


def test_the_same_export_imported_again_adds_no_minutes(client, auth):
    """The file uploaded a second time: nobody's minutes grow (43, not 86; the guest's 7, not 14), no guest added."""
    s, viewer, mobile = _two_registered(client, auth)
    _import(client, s, EXPORT)
    again = _import(client, s, EXPORT)
    assert again.status == "done", again.message
    assert _registrations(viewer, mobile) == [(True, 43), (None, None)]
    assert _guests(s) == {"email:guest@x.cn": 7, "phone:13700000000": 50}
    assert again.result["guests"] == 0 and db.session.get(LiveSession, s.id).guest_attendees == 2


def test_a_later_file_keeps_the_longer_watch_time_and_a_corrected_file_replaces_it(client, auth):
    """Without 替换: each viewer keeps the longer of the stored minutes and this file's sum (a file holding only part
    of the export lowers nobody's time; a longer time is taken). With 替换 (a corrected file): this file's sum."""
    s, viewer, mobile = _two_registered(client, auth)
    _import(client, s, EXPORT)
    _import(client, s, "邮箱,观看时长\nviewer@ent.cn,10\nguest@x.cn,5\n")
    assert _registrations(viewer)[0] == (True, 43)
    assert _guests(s)["email:guest@x.cn"] == 7
    _import(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nviewer@ent.cn,30\nguest@x.cn,6\nguest@x.cn,6\n")
    assert _registrations(viewer)[0] == (True, 60)
    assert _guests(s)["email:guest@x.cn"] == 12

    fixed = _import(client, s, "邮箱,观看时长\nviewer@ent.cn,20\nviewer@ent.cn,5\nguest@x.cn,8\n", replace=True)
    assert fixed.status == "done", fixed.message
    assert _registrations(viewer)[0] == (True, 25)
    assert _guests(s) == {"email:guest@x.cn": 8}
    assert db.session.get(LiveSession, s.id).guest_attendees == 1


def test_a_file_without_watch_time_marks_attendance_and_keeps_known_minutes(client, auth):
    """No 观看时长 column: every viewer counts (as before), whatever ``min_minutes``; a registered viewer's minutes
    read from an earlier file are kept, not wiped."""
    s, viewer, mobile = _two_registered(client, auth)
    _import(client, s, "邮箱,观看时长\nviewer@ent.cn,43\n")
    upload = _import(client, s, "邮箱,手机号\nviewer@ent.cn,\nviewer@ent.cn,\n,13900001111\nguest@x.cn,\n", 30)
    assert upload.message.startswith(
        "已导入 4 行：报名用户出席 2 人，新增未报名观众 1 人（累计 1 人），观看不足 30 分钟 0 人"
    )
    assert _registrations(viewer, mobile) == [(True, 43), (True, None)]
    assert _guests(s) == {"email:guest@x.cn": None}


def test_one_registered_user_found_by_e_mail_and_by_mobile_is_one_viewer(client, auth):
    """A registered user on one row by e-mail and on another by mobile is one viewer: 2 + 4 minutes reach 5."""
    s, viewer, mobile = _two_registered(client, auth)
    user = db.session.get(LiveRegistration, mobile).user
    user.email = "mobile@r.cn"
    db.session.commit()
    upload = _import(client, s, "邮箱,手机号,观看时长\nmobile@r.cn,,2\n,13900001111,4\n")
    assert _registrations(mobile) == [(True, 6)]
    assert upload.result["short"] == 0 and upload.result["matched"] == 1


def test_a_sum_beyond_the_limit_is_kept_at_the_limit(client, auth):
    """Many rows of one viewer each near the per-row limit add up to at most MAX_MINUTES (an INTEGER column)."""
    from matchmaker.classes.services import MAX_MINUTES

    s, viewer, _ = _two_registered(client, auth)
    _import(client, s, "邮箱,观看时长\n" + f"viewer@ent.cn,{MAX_MINUTES}\n" * 3)
    assert _registrations(viewer) == [(True, MAX_MINUTES)]


def test_a_corrected_file_takes_back_the_attendance_an_earlier_file_gave(client, auth):
    """The first file counted two registered users by mistake; the corrected file (更正后的文件) has one of them under
    ``min_minutes`` and lacks the other: both go back to not attended (no minutes), its message says so, while a
    registrant a broker ticked by hand stays attended."""
    s, viewer, mobile = _two_registered(client, auth)
    ticked = make_user("enterprise", email="ticked@ent.cn")
    by_hand = LiveRegistration(session_id=s.id, user_id=ticked.id, organization_id=ticked.organization_id,
                               attended=True, attendance_source="broker")  # fmt: skip
    db.session.add(by_hand)
    db.session.commit()
    _import(client, s, "邮箱,手机号,观看时长\nviewer@ent.cn,,43\n,13900001111,30\n")
    assert _registrations(viewer, mobile) == [(True, 43), (True, 30)]

    fixed = _import(client, s, "邮箱,观看时长\nviewer@ent.cn,3\nguest@x.cn,8\n", replace=True, name="更正.csv")
    assert fixed.status == "done", fixed.message
    assert _registrations(viewer, mobile, by_hand.id) == [(None, None), (None, None), (True, None)]
    assert fixed.result["unmarked"] == 2
    assert "此前导入记为出席而更正后的文件未计入的报名用户 2 人，已改回未出席" in fixed.message
    page = client.get(f"/classes/{s.id}/attendance?attended=yes").get_data(as_text=True)
    assert "ticked@ent.cn" in page and "viewer@ent.cn" not in page


def test_the_attendance_page_says_how_each_attendance_was_set(client, auth):
    """来源 on the attendance page: 经纪人标记 for a registrant the broker ticked, 导入 for one an export counted;
    stored as AttendanceSource values, the strings rows already hold ("broker", "import")."""
    from matchmaker.models.enums import AttendanceSource

    s, viewer, mobile = _two_registered(client, auth)
    resp = client.post(f"/classes/{s.id}/attendance", data={"shown": [mobile], "attended": [mobile]})
    assert resp.status_code == 302
    _import(client, s, "邮箱,观看时长\nviewer@ent.cn,43\n")
    stored = {r.id: r.attendance_source for r in db.session.scalars(db.select(LiveRegistration))}
    assert stored == {viewer: AttendanceSource.IMPORT, mobile: AttendanceSource.BROKER}
    assert (AttendanceSource.IMPORT.value, AttendanceSource.BROKER.value) == ("import", "broker")
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    cells = dict(re.findall(r'<label for="att(\d+)">.*?<td class="small">([^<]*)</td></tr>', page, re.S))
    assert cells == {str(viewer): "导入", str(mobile): "经纪人标记"}
