"""The attendance import's upload request keeps the file and a background job reads it (the page shows its
progress, then what it did or why the file is refused); watch times typed in full-width digits are read as the
listing import reads amounts: as half-width, listed on the page to check, a wrong one quoted as typed."""

import io
import re
from datetime import timedelta

import pytest

from matchmaker import jobs
from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.jobs import queue
from matchmaker.models import AttendanceImport, LiveRegistration, LiveSession

from ..factories import make_user
from .test_classes import make_session


def _started_with_viewer(broker, email):
    s = make_session(broker, starts_at=services.beijing_now() - timedelta(hours=1))
    user = make_user("enterprise", email=email)
    reg = LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id)
    db.session.add(reg)
    db.session.commit()
    return s, reg


def _post(client, s, text, name="观看记录.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name), "min_minutes": "1"}
    return client.post(f"/classes/{s.id}/attendance/import", data=data)


def test_the_upload_request_leaves_reading_the_export_to_a_job(client, auth, monkeypatch):
    """The request answers with the attendance page, 正在后台读取, nothing changed yet; the job, as a consumer runs
    it, reads the file and marks attendance, and the page then says what it did (or why a file is refused)."""
    client.application.config["JOBS_IMMEDIATE"] = False  # queued as in production, run below
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)

    resp = _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\n")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/classes/{s.id}/attendance")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "正在后台读取观看记录" in page and "出席情况尚未更改" in page
    upload = db.session.scalar(db.select(AttendanceImport))
    status = f"/classes/{s.id}/attendance/imports/{upload.id}/status"
    assert client.get(status).json["status"] == "importing"
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is None

    assert jobs.run_due() == {"ran": 1, "failed": 0}
    assert client.get(status).json["status"] == "done"
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert "已导入 2 行：报名用户出席 1 人，新增未报名观众 1 人（累计 1 人）" in page and "正在后台读取" not in page
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True
    assert db.session.get(AttendanceImport, upload.id).content == b""  # viewers' addresses are not kept

    _post(client, s, "昵称,观看时长\n甲,30\n")  # what only reading finds: its page says why, nothing changed
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert "观看记录未导入，出席情况没有任何更改：文件中没有“邮箱”或“手机号”列" in page
    db.session.expire_all()
    assert db.session.get(LiveSession, s.id).guest_attendees == 1

    resp = _post(client, s, "x", "观看记录.xls")  # what the request tells at once: the form again, nothing kept
    assert resp.status_code == 400 and "不支持旧版 Excel (.xls)" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(AttendanceImport.id))) == 2


def test_watch_times_in_full_width_digits_are_read_and_listed_to_check(client, auth):
    """１２０ was taken as 120 minutes without a word (the reader's cleaning had made it half-width); it is still
    read, as the listing import reads a full-width amount, and the page lists it with the value read. A wrong
    one is quoted as typed, with what it was read as."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    resp = _post(client, s, "邮箱,观看时长\nviewer@ent.cn,１２０\nguest@x.cn,１：３０：００\nother@x.cn,45\n")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已导入 3 行" in page
    assert "其中 2 行的观看时长含全角数字或符号，已按半角读取，请核对" in page
    assert "第 2 行“１２０”读作 120 分钟" in page and "第 3 行“１：３０：００”读作 90 分钟" in page
    assert "“45”" not in page
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).minutes == 120

    resp = _post(client, s, "邮箱,观看时长\nguest2@x.cn,30\nguest3@x.cn,１２０ａ\n")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "观看记录未导入，出席情况没有任何更改：第 3 行观看时长“１２０ａ”按半角读作“120a”，其中“a”不是数字" in page


def test_the_next_upload_is_offered_the_minimum_the_last_one_used(client, auth):
    """A split export is imported in parts with one minimum: after a part read with 最少观看 10 分钟 the form went back
    to 1, and a part sent as it stood counted viewers of 1 to 9 minutes. It now offers the last upload's 10."""
    broker = make_user("broker")
    s, _reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    assert 'id="min_minutes" inputmode="numeric" name="min_minutes" required type="text" value="1"' in (
        client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    )
    data = {"file": (io.BytesIO("邮箱,观看时长\nviewer@ent.cn,30\n".encode()), "第1部分.csv"), "min_minutes": "10"}
    assert client.post(f"/classes/{s.id}/attendance/import", data=data).status_code == 302
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert 'name="min_minutes" required type="text" value="10"' in page


def test_an_export_whose_first_sheet_is_empty_names_the_sheet_holding_the_viewers(client, auth):
    """The attendance import reads an .xlsx as the listing import does, the first sheet only: an export saved with
    an empty first sheet and the viewers on a sheet 观看明细 is told so by name, attendance left as it was."""
    from openpyxl import Workbook

    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    wb = Workbook()
    wb.active.title = "概览"
    detail = wb.create_sheet("观看明细")
    detail.append(["邮箱", "观看时长"])
    detail.append(["viewer@ent.cn", 30])
    buf = io.BytesIO()
    wb.save(buf)
    data = {"file": (io.BytesIO(buf.getvalue()), "观看记录.xlsx"), "min_minutes": "1"}
    resp = client.post(f"/classes/{s.id}/attendance/import", data=data)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "观看记录未导入，出席情况没有任何更改：第一个工作表「概览」是空的，数据在工作表「观看明细」" in page
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is None


def test_an_export_whose_first_sheet_has_only_a_header_names_the_sheet_holding_the_viewers(client, auth):
    """A corrected export whose first sheet kept only the header, the viewers on 观看明细, was read as a file of no
    viewers: done, 0 rows, and as 更正后的文件 it took the viewer an earlier import had marked back to unknown.
    It is refused naming the sheet, attendance left as it was, and the form offers what was typed (更正后的文件 too)."""
    from openpyxl import Workbook

    def ticked(page):
        return re.search(r'<input checked[^>]*name="replace_guests"', page)

    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    first = {"file": (io.BytesIO("邮箱,观看时长\nviewer@ent.cn,30\n".encode()), "观看记录.csv"), "min_minutes": "1",
             "replace_guests": "y"}  # fmt: skip
    page = client.get(client.post(f"/classes/{s.id}/attendance/import", data=first).headers["Location"]).get_data(
        as_text=True
    )
    assert "已导入 1 行" in page and not ticked(page)  # a file read: not offered again
    wb = Workbook()
    wb.active.title = "概览"
    wb.active.append(["邮箱", "观看时长"])
    detail = wb.create_sheet("观看明细")
    detail.append(["邮箱", "观看时长（分钟）"])
    detail.append(["viewer@ent.cn", 30])
    buf = io.BytesIO()
    wb.save(buf)
    data = {"file": (io.BytesIO(buf.getvalue()), "观看记录.xlsx"), "min_minutes": "45", "replace_guests": "y"}
    resp = client.post(f"/classes/{s.id}/attendance/import", data=data)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "第一个工作表「概览」只有表头，没有数据行，数据在工作表「观看明细」" in page
    assert 'name="min_minutes" required type="text" value="45"' in page
    assert ticked(page)
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True


def test_an_export_of_only_a_header_is_refused_and_changes_nothing(client, auth):
    """An export holding its header and no viewer was read as 已导入 0 行; sent as 更正后的文件 it took every viewer an
    earlier import had marked back to unknown and forgot the guests. It is refused, attendance and guests as they
    were, and the form offers what was typed (更正后的文件 too)."""
    from openpyxl import Workbook

    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    page = client.get(
        _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\n").headers["Location"]
    ).get_data(as_text=True)
    assert "已导入 2 行" in page
    wb = Workbook()
    wb.active.append(["邮箱", "观看时长"])
    buf = io.BytesIO()
    wb.save(buf)
    for content, name in (("邮箱,观看时长\n,\n\n".encode(), "观看记录.csv"), (buf.getvalue(), "观看记录.xlsx")):
        data = {"file": (io.BytesIO(content), name), "min_minutes": "45", "replace_guests": "y"}
        page = client.get(client.post(f"/classes/{s.id}/attendance/import", data=data).headers["Location"]).get_data(
            as_text=True
        )
        assert "观看记录未导入，出席情况没有任何更改：文件中只有表头，没有数据行" in page and "已导入 0 行" not in page
        assert 'name="min_minutes" required type="text" value="45"' in page
        assert re.search(r'<input checked[^>]*name="replace_guests"', page)
        db.session.expire_all()
        kept = db.session.get(LiveRegistration, reg.id)
        assert (kept.attended, kept.minutes) == (True, 30)
        assert db.session.get(LiveSession, s.id).guest_attendees == 1


def test_an_export_whose_every_row_is_left_out_names_the_first(app):
    """Rows with a cell over Excel's size limit are left out by the reader: a file of only those is not a file of
    only a header, and is refused naming the first such row."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    text = "邮箱,观看时长\n" + "x" * 40_000 + ",30\n"
    with pytest.raises(services.LiveError, match="文件中没有可读取的数据行：第 2 行“邮箱”内容超过 32767 个字符"):
        services.import_attendance(s, "观看记录.csv", text.encode(), replace_guests=True)
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is None


def test_rows_left_out_for_a_long_cell_are_told_on_the_page(client, auth):
    """Rows with a cell over Excel's size limit are left out by the reader: when other rows were read, the broker
    was told only 已导入 N 行 and never learnt that some viewers were not counted. The outcome now says how many
    rows were left out and names the first few (a row with two long cells is one row), kept with the import."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    long = "x" * 40_000
    text = (
        "邮箱,观看时长,备注\nviewer@ent.cn,30,\n"
        + f"{long}@x.cn,30,\n"  # row 3
        + f"a@x.cn,30,{long}\n"  # row 4
        + f"{long},{long},{long}\n"  # row 5: one row
        + "b@x.cn,30,\n"
        + "".join(f"c{i}@x.cn,30,{long}\n" for i in range(2))  # rows 7, 8
    )
    resp = _post(client, s, text)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已导入 2 行：报名用户出席 1 人，新增未报名观众 1 人" in page
    assert (
        "另有 5 行因单元格内容过长未读取，其中的观众未计入：第 3 行“邮箱”内容超过 32767 个字符、"
        "第 4 行“备注”内容超过 32767 个字符、第 5 行“邮箱”内容超过 32767 个字符等（仅列出前 3 行）" in page
    )
    upload = db.session.scalar(db.select(AttendanceImport))
    assert upload.result["n_skipped"] == 5 and upload.result["skipped"][0] == [3, "邮箱", "内容超过 32767 个字符"]
    assert len(upload.message) <= 500
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True


def test_an_export_pasted_after_another_does_not_count_its_header_as_a_guest(client, auth):
    """Two exports pasted into one file: the second's header row (邮箱 "邮箱") was one more guest. It is left out and
    named in the import's message; the viewers of both parts count."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    resp = _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\n邮箱,观看时长\nguest@x.cn,30\n")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已导入 2 行：报名用户出席 1 人，新增未报名观众 1 人（累计 1 人）" in page
    assert "第 3 行与表头相同（文件可能由几个文件拼接而成），不是观众，未计入" in page
    assert db.session.get(LiveSession, s.id).guest_attendees == 1


def test_mobiles_saved_in_scientific_notation_refuse_the_file(client, auth):
    """An export saved from Excel with its mobiles shown as 1.38E+10: no registrant matched, and every 139… viewer
    was one guest (1.39E+10). The file is refused naming the cell and how to keep the digits; nothing changed."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    resp = _post(client, s, "手机号,观看时长\n1.39E+10,30\n1.39E+10,40\n")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "第 2 行“手机号”“1.39E+10”是科学计数法，原来的后几位数字已丢失" in page
    db.session.expire_all()
    assert not db.session.get(LiveSession, s.id).guest_attendees
    assert db.session.get(LiveRegistration, reg.id).attended is None


def test_an_export_with_a_name_over_200_characters_keeps_its_extension(client, auth):
    """A name cut at 200 characters lost its .csv and the upload was refused as 只支持 .xlsx 或 .csv; it is cut
    before its extension, as the listing import's is, and read."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    resp = _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\n", "观看记录" * 60 + ".csv")
    assert resp.status_code == 302
    assert "已导入 1 行" in client.get(resp.headers["Location"]).get_data(as_text=True)
    upload = db.session.scalar(db.select(AttendanceImport))
    assert len(upload.filename) == 200 and upload.filename.endswith("记录.csv")
    db.session.expire_all()
    assert db.session.get(LiveRegistration, reg.id).attended is True
