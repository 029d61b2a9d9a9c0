"""The attendance page polls its import's progress every second while the file is read. The poll loaded the whole
kept upload (AttendanceImport.content, up to several MB) twice each time (get, then refresh) to answer three fields;
it now reads those fields alone, in one statement, as committed by the worker."""

import re

from sqlalchemy import update

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.jobs import queue
from matchmaker.models import AttendanceImport

from ..factories import make_user
from ..sql import statements
from .test_attendance_import import _started_with_viewer
from .test_classes import make_session

# A viewer export of about 2 MB: a file the size the poll read twice a second.
BIG = "邮箱,观看时长\n" + "".join(f"viewer{i:06d}@example-company.cn,{i % 90 + 1}\n" for i in range(60_000))


def reading_the_file(seen):
    """The statements that return the kept file (a count over a subquery naming it reads no file)."""
    return [sql for sql, columns in seen if any(re.search(r"(^|_)content$", c) for c in columns)]


def _queued(client, monkeypatch, broker):
    """A session whose upload of BIG is being read (queued, not run): (session, upload id)."""
    client.application.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    s, _ = _started_with_viewer(broker, "viewer@ent.cn")
    # what the upload request does (posted through the test client, a file this size leaves a temporary file open)
    upload_id = services.queue_attendance_import(s, "大文件.csv", BIG.encode(), broker).id
    assert len(db.session.scalar(db.select(AttendanceImport.content))) > 2_000_000
    return s, upload_id


def _worker_sets(upload_id, **values):
    """What the job's heartbeat (or its end) commits, from outside the request."""
    if not values:
        return
    db.session.execute(update(AttendanceImport).where(AttendanceImport.id == upload_id).values(**values))
    db.session.commit()


def test_a_poll_reads_the_progress_in_one_statement_without_the_file(client, auth, monkeypatch):
    """Each poll answers with the rows read as the worker last committed them, then the outcome, as before; no
    statement of a poll reads the kept file, and the import's row is read once a poll."""
    broker = make_user("broker")
    auth.login(broker)
    s, upload_id = _queued(client, monkeypatch, broker)
    url = f"/classes/{s.id}/attendance/imports/{upload_id}/status"

    answers = []
    for values in ({}, {"processed_rows": 12_000}, {"processed_rows": 48_000}):
        _worker_sets(upload_id, **values)
        with statements() as seen:
            answers.append(client.get(url).json)
        assert not reading_the_file(seen)
        assert len([sql for sql, _ in seen if re.search(r"\bFROM attendance_import\b", sql)]) == 1, seen
    assert answers == [
        {"status": "importing", "done": 0, "total": 0, "message": ""},
        {"status": "importing", "done": 12_000, "total": 0, "message": ""},
        {"status": "importing", "done": 48_000, "total": 0, "message": ""},
    ]

    message = "已导入 60000 行：报名用户出席 0 人，新增未报名观众 60000 人（累计 60000 人），观看不足 1 分钟 0 人未计入"
    _worker_sets(upload_id, status="done", processed_rows=60_000, message=message)
    with statements() as seen:
        assert client.get(url).json == {"status": "done", "done": 60_000, "total": 0, "message": message}
    assert not reading_the_file(seen)


def test_the_attendance_page_and_the_list_do_not_read_the_file_either(client, auth, monkeypatch):
    """The page the poll runs on (reloaded when the import ends) and the list of imports show the file's name and
    progress, never its content: no statement of theirs reads it."""
    broker = make_user("broker")
    auth.login(broker)
    s, _ = _queued(client, monkeypatch, broker)
    for path in (f"/classes/{s.id}/attendance", f"/classes/{s.id}/attendance/imports"):
        with statements() as seen:
            page = client.get(path).get_data(as_text=True)
        assert "大文件.csv" in page
        assert not reading_the_file(seen), path


def test_a_poll_of_another_sessions_import_is_not_found(client, auth, monkeypatch):
    """The poll's single statement still checks the import is this session's: another session of the same
    creator answers 404, and so does an import that does not exist."""
    broker = make_user("broker")
    auth.login(broker)
    s, upload_id = _queued(client, monkeypatch, broker)
    other = make_session(broker, title="另一场")
    assert client.get(f"/classes/{other.id}/attendance/imports/{upload_id}/status").status_code == 404
    assert client.get(f"/classes/{s.id}/attendance/imports/{upload_id + 1}/status").status_code == 404
    assert client.get(f"/classes/{s.id}/attendance/imports/{upload_id}/status").status_code == 200
