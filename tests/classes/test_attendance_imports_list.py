"""The session's attendance imports, listed: the attendance page showed only the latest upload, so what an earlier
file (the first part of a split export, a refused file) did was gone from view. The page now lists the uploads before
the latest one under its live progress, and a paginated page lists them all, newest first."""

import re

from matchmaker.extensions import db
from matchmaker.jobs import queue
from matchmaker.models import AttendanceImport

from ..factories import make_user
from ..sql import statements
from .test_attendance_import import _post, _started_with_viewer
from .test_classes import make_session


def _uploaders(page):
    """The 上传人 cell of each row of the imports table, as shown."""
    body = re.search(r"<caption[^>]*>.*?</tbody>", page, re.S).group(0)
    return re.findall(r'<td class="small text-nowrap">[^<]*</td>\s*<td class="small text-nowrap">([^<]*)</td>', body)


def _rows(page):
    """(file, status, result) of each row of the imports table, as shown."""
    body = re.search(r"<caption[^>]*>.*?</tbody>", page, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">(.*?)<div.*?<span class="badge[^"]*">(.*?)</span></td>\s*'
                      r'<td class="small">(.*?)</td></tr>', body, re.S)  # fmt: skip
    return [(name.strip(), status, result) for name, status, result in rows]


def _uploads(s, user, n, start=1):
    for i in range(start, start + n):
        db.session.add(AttendanceImport(session_id=s.id, filename=f"观看记录-{i:02d}.csv", file_format="csv",
                                        content=b"", status="done", message=f"第 {i} 次导入的结果",
                                        created_by_id=user.id))  # fmt: skip
    db.session.commit()


def test_the_attendance_page_lists_earlier_uploads_under_the_latest_ones_progress(client, auth, monkeypatch):
    """A file imported, a file refused, a file still being read: the latest's progress is shown as before (polled,
    rows read), a table (caption, column headers) lists the two earlier ones, newest first, with what each did, and
    the list of all three says the latest is being read."""
    broker = make_user("broker")
    s, _ = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\n", "第一部分.csv")
    _post(client, s, "昵称,观看时长\n甲,30\n", "昵称表.csv")
    client.application.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    _post(client, s, "邮箱,观看时长\nother@x.cn,30\n", "第二部分.csv")

    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert re.search(r'id="import-status" data-status="importing"', page)
    assert "正在后台读取观看记录“第二部分.csv”" in page and 'id="import-read-rows"' in page
    assert "<caption" in page and "此前的导入（最近 2 次，最新的在前）" in page
    assert re.findall(r'<th scope="col">([^<]+)</th>', page)[:5] == ["文件", "上传时间", "上传人", "状态", "结果"]
    rows = _rows(page)
    assert [(name, status) for name, status, _ in rows] == [("昵称表.csv", "未导入"), ("第一部分.csv", "已导入")]
    assert "观看记录未导入，出席情况没有任何更改：文件中没有“邮箱”或“手机号”列" in rows[0][2]
    assert "已导入 2 行：报名用户出席 1 人，新增未报名观众 1 人" in rows[1][2]
    assert f'href="/classes/{s.id}/attendance/imports">查看全部 3 次导入记录' in page

    listed = _rows(client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True))
    assert [(name, status) for name, status, _ in listed] == [
        ("第二部分.csv", "正在读取"), ("昵称表.csv", "未导入"), ("第一部分.csv", "已导入")
    ]  # fmt: skip
    assert listed[0][2] == "已读取 0 行，出席情况尚未更改"


def test_all_uploads_are_listed_newest_first_twenty_a_page(client, auth):
    """23 uploads: the attendance page shows the latest and the 5 before it and links to the list; the list's first page holds the
    20 latest, the second the 3 first, with the pager; another session's uploads are not in it."""
    broker = make_user("broker")
    s = make_session(broker)
    other = make_session(broker, title="另一场")
    _uploads(s, broker, 23)
    _uploads(other, broker, 1, start=99)
    auth.login(broker)

    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert "正在后台读取" not in page and "第 23 次导入的结果" in page  # the latest, above the table
    assert [name for name, _, _ in _rows(page)] == [f"观看记录-{i:02d}.csv" for i in range(22, 17, -1)]
    assert "此前的导入（最近 5 次，最新的在前）" in page and "查看全部 23 次导入记录" in page

    first = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
    assert "<h1" in first and "观看记录导入" in first and "<caption" in first
    assert [name for name, _, _ in _rows(first)] == [f"观看记录-{i:02d}.csv" for i in range(23, 3, -1)]
    assert _rows(first)[0][1:] == ("已导入", "第 23 次导入的结果")
    assert "观看记录-99.csv" not in first
    assert 'aria-label="分页"' in first and "共 23 条，第 1 / 2 页" in first
    assert f'href="/classes/{s.id}/attendance/imports?page=2"' in first
    second = client.get(f"/classes/{s.id}/attendance/imports?page=2").get_data(as_text=True)
    assert [name for name, _, _ in _rows(second)] == ["观看记录-03.csv", "观看记录-02.csv", "观看记录-01.csv"]


def test_the_list_is_for_who_may_import(client, auth):
    """Another broker (who may read the attendance but not import) gets 403, as for the import itself; with no
    upload yet the list says so."""
    broker = make_user("broker")
    s = make_session(broker)
    auth.login(broker)
    page = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
    assert "尚未导入观看记录" in page
    auth.logout()
    auth.login(make_user("broker"))
    assert client.get(f"/classes/{s.id}/attendance/imports").status_code == 403
    assert "此前的导入" not in client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)


def test_each_upload_says_who_uploaded_it(client, auth):
    """The lists said which file and when, not who uploaded it: a session's creator and an admin both import. Each
    row now names its uploader (上传人), on the attendance page's earlier uploads and on the list of all; an upload
    with no uploader recorded shows —. The names come with the list's own query, not one query a row."""
    broker = make_user("broker", name="王经纪")
    admin = make_user("admin", name="李管理")
    s, _ = _started_with_viewer(broker, "viewer@ent.cn")
    db.session.add(AttendanceImport(session_id=s.id, filename="早前的文件.csv", file_format="csv", content=b"",
                                    status="done", message="早前导入"))  # fmt: skip
    db.session.commit()
    auth.login(broker)
    _post(client, s, "邮箱,观看时长\nviewer@ent.cn,30\n", "经纪人上传.csv")
    auth.logout()
    auth.login(admin)
    _post(client, s, "邮箱,观看时长\nviewer@ent.cn,40\n", "管理员上传.csv")
    _post(client, s, "邮箱,观看时长\nviewer@ent.cn,50\n", "最新一次.csv")

    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert [name for name, _, _ in _rows(page)] == ["管理员上传.csv", "经纪人上传.csv", "早前的文件.csv"]
    assert _uploaders(page) == ["李管理", "王经纪", "—"]
    listed = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
    assert _uploaders(listed) == ["李管理", "李管理", "王经纪", "—"]

    db.session.expire_all()  # each page read from the database, as in its own request
    with statements() as few:
        client.get(f"/classes/{s.id}/attendance/imports")
    for i in range(8):  # eight more uploads, each by another admin
        _uploads(s, make_user("admin", name=f"管理员{i}"), 1, start=10 + i)
    db.session.expire_all()
    with statements() as many:
        listed = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
    assert _uploaders(listed)[:2] == ["管理员7", "管理员6"] and len(_uploaders(listed)) == 12
    assert len(many) == len(few)


def test_a_corrected_files_mark_is_kept_on_one_line(client, auth):
    """A row's 更正后的文件 broke inside the word (更正后 / 的文件) in the narrow file column, in the row heading's
    bold; it is now kept whole, in the plain weight of the line it is on."""
    broker = make_user("broker")
    s = make_session(broker)
    db.session.add(AttendanceImport(session_id=s.id, filename="更正.csv", file_format="csv", content=b"",
                                    status="done", message="已导入", replace_guests=True, created_by_id=broker.id))  # fmt: skip
    db.session.commit()
    auth.login(broker)
    page = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
    assert (
        '<div class="small text-muted fw-normal">最少观看 1 分钟 · <span class="text-nowrap">更正后的文件</span>'
        in page
    )
