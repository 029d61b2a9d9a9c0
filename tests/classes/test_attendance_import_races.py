"""The attendance import's job against killed workers, double deliveries and a session deleted under it: the page
moves on within about two minutes of a killed worker (a heartbeat, taken again by the minute's sweep), two workers
given the same import apply it once, and a session deleted while its export is read ends the job quietly."""

import logging
import re
import time
from datetime import timedelta

import pytest

from matchmaker import jobs
from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.jobs import periodic, queue
from matchmaker.models import AttendanceImport, LiveGuest, LiveRegistration, LiveSession

from ..factories import make_user
from ..races import at_once
from .test_attendance_import import _post, _started_with_viewer

EXPORT = "邮箱,观看时长\nviewer@ent.cn,30\nguest@x.cn,30\nguest@x.cn,10\nother@x.cn,45\n"


def _broker_client(app):
    """A logged-in broker's client, a session they created that started an hour ago, one registered viewer."""
    broker = make_user("broker")
    s, reg = _started_with_viewer(broker, "viewer@ent.cn")
    c = app.test_client()
    c.post("/auth/login", data={"email": broker.email, "password": "password123"})
    return c, s, reg


def _queued_as_in_production(app, monkeypatch):
    """Jobs queued as rows (not run at dispatch); the queue's message dropped, the test runs the rows."""
    app.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)


def _beat_aged(upload_id, minutes=3):
    """As if ``minutes`` had passed since the import's last heartbeat."""
    beat = db.session.scalar(db.select(AttendanceImport.heartbeat_at).where(AttendanceImport.id == upload_id))
    db.session.execute(
        db.update(AttendanceImport)
        .where(AttendanceImport.id == upload_id)
        .values(heartbeat_at=beat - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_an_import_whose_worker_died_is_taken_again_by_the_sweep(file_app, monkeypatch):
    """A worker killed while reading the export (here: the job stopped by a BaseException after 1,000 rows read)
    left the page at 正在后台读取，已读取 1000 行 until the job's ten-minute lease ran out. Its heartbeat now goes
    stale: within about two minutes the minute's sweep runs the import again and the page says what it did."""

    class Killed(BaseException):
        """What a worker's death looks like to the job: it stops, nothing of its own runs after it."""

    with file_app.app_context():
        c, s, reg = _broker_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        page_url = _post(c, s, EXPORT).headers["Location"]
        upload_id = db.session.scalar(db.select(AttendanceImport.id))

        def dies_reading(content, fmt, limits, problems=None, progress=None, unread=None, hidden=None):
            progress(1000)
            raise Killed

        real = services.read_rows
        monkeypatch.setattr(services, "read_rows", dies_reading)
        with pytest.raises(Killed):
            jobs.run_due()
        monkeypatch.setattr(services, "read_rows", real)
        page = c.get(page_url).get_data(as_text=True)
        assert "正在后台读取观看记录" in page and re.search(r'id="import-read-rows"[^>]*>1000<', page)

        periodic.sweep.call_local()  # within two minutes of the death: still beating as far as anyone knows
        assert jobs.run_due() == {"ran": 0, "failed": 0}
        _beat_aged(upload_id)
        periodic.sweep.call_local()  # the minute's sweep: the import is queued again
        assert jobs.run_due() == {"ran": 1, "failed": 0}
        page = c.get(page_url).get_data(as_text=True)
        assert "已导入 4 行：报名用户出席 1 人，新增未报名观众 2 人（累计 2 人）" in page and "正在后台读取" not in page
        assert db.session.get(LiveRegistration, reg.id).minutes == 30
        db.session.remove()


def test_an_import_delivered_twice_at_once_is_applied_once(file_app, monkeypatch):
    """Two workers given the same import at once: one reads and applies it, the other finds it taken and does
    nothing. Guests are counted once, the registered viewer's minutes are the file's, the page says it once."""
    with file_app.app_context():
        c, s, reg = _broker_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        page_url = _post(c, s, EXPORT).headers["Location"]
        upload_id, session_id, reg_id = db.session.scalar(db.select(AttendanceImport.id)), s.id, reg.id
        db.session.remove()
    reads = []
    real = services.read_rows

    def counted(*args, **kw):
        reads.append(1)
        time.sleep(0.3)  # a file that takes a moment to read: the other delivery arrives meanwhile
        return real(*args, **kw)

    monkeypatch.setattr(services, "read_rows", counted)
    assert at_once(file_app, [lambda: lambda: services.run_attendance_import(upload_id)] * 2) == ["ok", "ok"]
    assert len(reads) == 1
    with file_app.app_context():
        assert db.session.get(LiveSession, session_id).guest_attendees == 2
        assert db.session.scalar(db.select(db.func.count(LiveGuest.id))) == 2
        assert db.session.get(LiveRegistration, reg_id).minutes == 30
        page = c.get(page_url).get_data(as_text=True)
        assert page.count("已导入 4 行") == 1 and "出席 3 人（含未报名观众 2 人）" in page
        db.session.remove()


def test_a_session_deleted_while_its_export_is_read_ends_the_job_quietly(file_app, monkeypatch, caplog):
    """The session (and with it its imports) deleted while the job reads the export: the job stops without a
    server error in the log and writes nothing (no guest rows left behind)."""
    with file_app.app_context():
        c, s, _ = _broker_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        _post(c, s, EXPORT)
        session_id = s.id
        real = services.read_rows

        def deleted_meanwhile(*args, **kw):
            with file_app.app_context():  # an admin's delete, in a session of its own
                db.session.execute(db.delete(LiveRegistration).where(LiveRegistration.session_id == session_id))
                db.session.execute(db.delete(LiveSession).where(LiveSession.id == session_id))
                db.session.commit()
                db.session.remove()
            return real(*args, **kw)

        monkeypatch.setattr(services, "read_rows", deleted_meanwhile)
        with caplog.at_level(logging.ERROR):
            assert jobs.run_due() == {"ran": 1, "failed": 0}
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        assert db.session.scalar(db.select(db.func.count(LiveGuest.id))) == 0
        assert db.session.scalar(db.select(db.func.count(AttendanceImport.id))) == 0
        db.session.remove()


def test_the_rows_read_count_is_not_announced_at_every_tick(client, auth, monkeypatch):
    """已读取 N 行, rewritten every second while the export is read, was inside a role="status" region: a screen
    reader announced every tick. The count now changes silently; the outcome is announced once, the page reloading
    with the focus on it."""
    from ..live_regions import live_ancestors

    _queued_as_in_production(client.application, monkeypatch)
    broker = make_user("broker")
    s, _ = _started_with_viewer(broker, "viewer@ent.cn")
    auth.login(broker)
    page = client.get(_post(client, s, EXPORT).headers["Location"]).get_data(as_text=True)
    assert "正在后台读取观看记录" in page
    assert live_ancestors(page, "import-read-rows") == []
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    assert re.search(r'id="import-outcome" tabindex="-1">已导入 4 行', page)  # where the reloaded page's focus goes


def test_the_same_export_uploaded_twice_at_once_counts_each_viewer_once(file_app, monkeypatch):
    """Two tabs upload the same export at once and their jobs read it side by side: the viewers are counted once
    (the second import adds no guest), and both imports end saying what they did, neither with a server error."""
    import threading

    with file_app.app_context():
        c, s, reg = _broker_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        for _ in range(2):
            _post(c, s, EXPORT)
        ids = db.session.scalars(db.select(AttendanceImport.id).order_by(AttendanceImport.id)).all()
        session_id, reg_id = s.id, reg.id
        db.session.remove()
    both_read = threading.Barrier(2)
    real = services.read_rows

    def side_by_side(*args, **kw):
        out = real(*args, **kw)
        both_read.wait(timeout=10)  # both files read before either import writes
        return out

    monkeypatch.setattr(services, "read_rows", side_by_side)
    assert at_once(file_app, [lambda i=i: lambda: services.run_attendance_import(i) for i in ids]) == ["ok", "ok"]
    with file_app.app_context():
        uploads = [db.session.get(AttendanceImport, i) for i in ids]
        assert [u.status for u in uploads] == ["done", "done"], [u.message for u in uploads]
        assert sorted(u.result["guests"] for u in uploads) == [0, 2]
        assert db.session.get(LiveSession, session_id).guest_attendees == 2
        assert db.session.scalar(db.select(db.func.count(LiveGuest.id))) == 2
        assert db.session.get(LiveRegistration, reg_id).minutes == 30
        db.session.remove()


def test_an_export_whose_worker_dies_every_time_is_given_up_with_a_message(file_app, monkeypatch):
    """An export that kills the worker reading it was taken again at every sweep for ever, the page at 正在后台读取.
    After three workers died on it, the page says why it stopped, and the file (viewers' addresses) is dropped."""
    from matchmaker.models.jobs import PendingJob

    class Killed(BaseException):
        """What a worker's death looks like to the job: it stops, nothing of its own runs after it."""

    def dies_reading(content, fmt, limits, problems=None, progress=None, unread=None, hidden=None):
        progress(1000)
        raise Killed

    with file_app.app_context():
        c, s, _ = _broker_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        page_url = _post(c, s, EXPORT).headers["Location"]
        upload_id = db.session.scalar(db.select(AttendanceImport.id))
        monkeypatch.setattr(services, "read_rows", dies_reading)
        for _ in range(3):
            with pytest.raises(Killed):
                jobs.run_due()
            _beat_aged(upload_id)
            periodic.sweep.call_local()
        page = c.get(page_url).get_data(as_text=True)
        assert (
            "处理该文件的后台进程多次中断（文件可能过大），请拆分文件后分批导入" in page and "正在后台读取" not in page
        )
        assert db.session.scalar(db.select(db.func.count(PendingJob.id)).where(PendingJob.status == "queued")) == 0
        db.session.expire_all()
        assert db.session.get(AttendanceImport, upload_id).content == b""
        db.session.remove()
