"""Issue 10: confirms of one batch arriving at once import it once and all end on its true status."""

import io
import re
import threading
import time

import pytest

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed, User

from ..conftest import DB_URL
from ..factories import make_org, make_user
from .test_import import need_row, upload, xlsx


def test_ten_concurrent_confirms_import_once(make_app, tmp_path):
    # On PostgreSQL (MATCHMAKER_DATABASE_URL) the test database itself; otherwise a file SQLite database.
    where = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite'}"}
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 15, "max_overflow": 5}, **where)
    with app.app_context():
        from matchmaker.demo.taxonomy import ensure_taxonomy

        ensure_taxonomy()
        make_org("enterprise", name="导入测试企业")
        admin = make_user("admin")
        login = app.test_client()
        assert login.post("/auth/login", data={"email": admin.email, "password": "password123"}).status_code == 302
        upload(login, xlsx([need_row(f"C-{i}") for i in range(3)]))
        batch_id = db.session.scalar(db.select(ImportBatch.id))
        cookie = login.get_cookie("session").value
        db.session.remove()
    answers, start = [], threading.Barrier(10)

    def confirm():
        c = app.test_client()
        c.set_cookie("session", cookie)
        start.wait()
        try:
            answers.append(c.post(f"/needs/import/{batch_id}/confirm").status_code)
        except Exception as exc:  # noqa: BLE001  (reported below)
            answers.append(repr(exc))

    threads = [threading.Thread(target=confirm) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [302] + [303] * 9, answers
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "done" and "导入失败" not in (batch.message or "")
        assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 3
        db.session.remove()


def test_an_import_whose_worker_died_is_run_again_by_the_sweep(app):
    """A worker killed at 2,000 of 20,000 rows left the page at 正在导入 2000/20000 for ten minutes (the job's
    lease); the minute's sweep now queues it again once its heartbeat is two minutes old."""
    from datetime import timedelta

    from matchmaker.demo.taxonomy import ensure_taxonomy
    from matchmaker.imports import services
    from matchmaker.models.base import utcnow

    ensure_taxonomy()
    make_org("enterprise", name="导入测试企业")
    admin = make_user("admin")
    batch = services.validate_upload("need", "needs.xlsx", xlsx([need_row(f"S-{i}") for i in range(3)]), admin)
    fresh = services.validate_upload("need", "more.xlsx", xlsx([need_row(f"F-{i}") for i in range(2)]), admin)
    batch.status, batch.heartbeat_at, batch.processed_rows = "importing", utcnow() - timedelta(minutes=3), 2
    fresh.status, fresh.heartbeat_at = "importing", utcnow() - timedelta(seconds=30)  # still beating
    db.session.commit()
    ids = (batch.id, fresh.id)
    assert services.requeue_stale() == [ids[0]]  # run at once here (jobs run in the test's process)
    db.session.expire_all()
    done, running = db.session.get(ImportBatch, ids[0]), db.session.get(ImportBatch, ids[1])
    assert (done.status, done.imported_rows) == ("done", 3)
    assert running.status == "importing"
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 3


def _admin_client(app):
    """A logged-in admin's client of ``app`` (taxonomy and the import's enterprise in place)."""
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()
    make_org("enterprise", name="导入测试企业")
    c = app.test_client()
    c.post("/auth/login", data={"email": make_user("admin").email, "password": "password123"})
    return c


def _queued_as_in_production(app, monkeypatch):
    """Jobs queued as rows (not run at dispatch); the queue's message dropped, the test runs the rows."""
    from matchmaker.jobs import queue

    app.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)


def _beat_aged(batch_id, minutes=3):
    """As if ``minutes`` had passed since the batch's last heartbeat."""
    from datetime import timedelta

    beat = db.session.scalar(db.select(ImportBatch.heartbeat_at).where(ImportBatch.id == batch_id))
    db.session.execute(
        db.update(ImportBatch).where(ImportBatch.id == batch_id).values(heartbeat_at=beat - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_a_validation_whose_worker_died_is_taken_again_by_the_sweep(file_app, monkeypatch):
    """A worker killed while reading a file (here: the job stopped by a BaseException after 1,000 rows read) left
    the batch's page at 正在后台校验，已读取 1000 行 until the job's ten-minute lease ran out. Its heartbeat now goes
    stale: within about two minutes the minute's sweep runs the validation again, and the page shows the report."""
    from matchmaker import jobs
    from matchmaker.imports import services
    from matchmaker.jobs import periodic

    class Killed(BaseException):
        """What a worker's death looks like to the job: it stops, nothing of its own runs after it."""

    with file_app.app_context():
        c = _admin_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        resp = c.post("/needs/import", data={"kind": "need", "file": (io.BytesIO(xlsx([need_row("K-1")])), "n.xlsx")})
        batch_id = db.session.scalar(db.select(ImportBatch.id))

        def dies_reading(content, fmt, limits, problems=None, progress=None, unread=None, hidden=None):
            progress(1000)
            raise Killed

        real = services.read_rows
        monkeypatch.setattr(services, "read_rows", dies_reading)
        with pytest.raises(Killed):
            jobs.run_due()
        monkeypatch.setattr(services, "read_rows", real)
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "正在后台校验文件" in page and re.search(r'id="import-read-rows"[^>]*>1000<', page)

        periodic.sweep.call_local()  # within two minutes of the death: still beating as far as anyone knows
        assert jobs.run_due() == {"ran": 0, "failed": 0}
        _beat_aged(batch_id)
        periodic.sweep.call_local()  # the minute's sweep: the validation is queued again
        assert jobs.run_due() == {"ran": 1, "failed": 0}
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "校验完成" in page and "确认导入 1 条" in page and "正在后台校验" not in page
        db.session.remove()


def test_a_validation_delivered_twice_at_once_is_run_by_one_worker(file_app, monkeypatch):
    """Two workers given the same validation at once: one reads the file, the other finds it taken and does
    nothing; one report, the page's count of rows read never going back."""
    from matchmaker.imports import services

    from ..races import at_once

    with file_app.app_context():
        _admin_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        batch = services.validate_upload("need", "n.xlsx", xlsx([need_row("D-1"), need_row("D-2", title="短")]),
                                         db.session.scalar(db.select(User).where(User.role == "admin")))  # fmt: skip
        batch_id = batch.id
        db.session.remove()
    reads = []
    real = services.read_rows

    def counted(*args, **kw):
        reads.append(1)
        time.sleep(0.3)  # a file that takes a moment to read: the other delivery arrives meanwhile
        return real(*args, **kw)

    monkeypatch.setattr(services, "read_rows", counted)
    outcomes = at_once(file_app, [lambda: lambda: services.run_validation(batch_id)] * 2)
    assert outcomes == ["ok", "ok"]
    assert len(reads) == 1
    with file_app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.good_rows, batch.bad_rows) == ("validated", 1, 1)
        assert batch.errors == [[3, "需求名称", batch.errors[0][2]]]
        db.session.remove()


def test_a_late_beat_of_a_validation_taken_over_does_not_stall_the_confirmed_import(file_app, monkeypatch):
    """A validation stalled past its heartbeat (a worker paused, not dead) is taken over and finished by another
    worker, and the admin confirms; when the first worker wakes, its rows-read beat used to land on the batch now
    importing: the import's own worker then found it beating and left it, the page frozen at 正在导入 with the
    rows read by the check. A beat of a validation now only lands while the batch is being validated."""
    from matchmaker import jobs
    from matchmaker.imports import services

    with file_app.app_context():
        c = _admin_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        resp = c.post("/needs/import", data={"kind": "need", "file": (io.BytesIO(xlsx([need_row("L-1")])), "n.xlsx")})
        batch_id = db.session.scalar(db.select(ImportBatch.id))
        real = services.read_rows

        def stalls(content, fmt, limits, problems=None, progress=None, unread=None, hidden=None):
            monkeypatch.setattr(services, "read_rows", real)  # the other worker reads normally
            with file_app.app_context():  # another worker, and the admin's requests: sessions of their own
                _beat_aged(batch_id)
                services.requeue_stale()  # the sweep: another worker takes the validation over and finishes it
                assert jobs.run_due() == {"ran": 1, "failed": 0}
                page = c.get(resp.headers["Location"]).get_data(as_text=True)
                assert "确认导入 1 条" in page
                c.post(f"/needs/import/{batch_id}/confirm")  # the import is queued
                db.session.remove()
            progress(1000)  # the first worker wakes and records its progress
            return real(content, fmt, limits, problems, progress, unread=unread)

        monkeypatch.setattr(services, "read_rows", stalls)
        assert jobs.run_due() == {"ran": 1, "failed": 0}  # the stalled validation: finds it checked, does nothing
        assert jobs.run_due() == {"ran": 1, "failed": 0}  # the queued import
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert "已导入 1 条技术需求" in page and 'data-status="done"' in page
        assert count_needs() == 1
        db.session.remove()


def count_needs():
    return db.session.scalar(db.select(db.func.count(TechNeed.id)))


def test_progress_counts_are_not_announced_at_every_tick(client, auth, monkeypatch):
    """已读取 N 行 while checking and 导入 N / M while importing, rewritten every second, were inside role="status"
    regions: a screen reader announced every tick. The counts now change silently (the import's bar says its value
    as a progress bar); the outcome is announced once, the page reloading with the focus on it."""
    from matchmaker import jobs

    from ..live_regions import live_ancestors

    make_org("enterprise", name="导入测试企业")
    auth.login("admin")
    _queued_as_in_production(client.application, monkeypatch)
    resp = upload(client, xlsx([need_row("A-1")]))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "正在后台校验文件" in page and live_ancestors(page, "import-read-rows") == []
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    batch_id = db.session.scalar(db.select(ImportBatch.id))
    client.post(f"/needs/import/{batch_id}/confirm")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "正在导入" in page
    assert live_ancestors(page, "import-progress-text") == [] and live_ancestors(page, "import-progress") == []
    assert re.search(
        r'role="progressbar" aria-label="导入进度" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"', page
    )
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="import-outcome" tabindex="-1">已导入 1 条', page)


def test_the_same_file_uploaded_twice_and_both_confirmed_at_once_is_imported_once(file_app, monkeypatch):
    """Two tabs upload the same file and confirm both at once: the two imports checked the file against the
    database before either wrote, and the second's rows then hit the unique 外部编号 of the first's: its page
    said 导入失败，数据库未做任何更改：服务器错误 though every row was on the platform. The import that finds its
    rows written meanwhile now checks again and ends as a re-import does: 已导入 0 条，跳过已存在的 3 条."""
    import threading

    from matchmaker.imports import services

    from ..races import at_once

    content = xlsx([need_row(f"T-{i}") for i in range(3)])
    with file_app.app_context():
        _admin_client(file_app)
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        ids = [services.validate_upload("need", "same.xlsx", content, admin).id for _ in range(2)]
        assert [db.session.get(ImportBatch, i).status for i in ids] == ["validated", "validated"]
        db.session.remove()
    both_checked = threading.Barrier(2)
    real = services.ensure_dictionary
    calls = []

    def after_the_check():  # run by each import once its rows are checked, before it writes
        calls.append(1)
        if len(calls) <= 2:
            both_checked.wait(timeout=10)
        return real()

    monkeypatch.setattr(services, "ensure_dictionary", after_the_check)

    def confirm(batch_id):
        def prepare():
            batch = db.session.get(ImportBatch, batch_id)
            return lambda: services.confirm(batch)  # the import runs here, after the commit (jobs at once)

        return prepare

    assert at_once(file_app, [confirm(i) for i in ids]) == ["ok", "ok"]
    with file_app.app_context():
        batches = [db.session.get(ImportBatch, i) for i in ids]
        assert [b.status for b in batches] == ["done", "done"], [b.message for b in batches]
        assert sorted(b.message for b in batches) == ["已导入 0 条技术需求，跳过已存在的 3 条", "已导入 3 条技术需求"]
        assert count_needs() == 3
        db.session.remove()


def test_a_file_whose_worker_dies_every_time_is_given_up_with_a_message(file_app, monkeypatch):
    """A file that kills the worker reading it (e.g. out of memory) was taken again at every sweep for ever, each
    time killing a worker, its page at 正在后台校验. After three workers died on it, the page says why it stopped."""
    from matchmaker import jobs
    from matchmaker.imports import services
    from matchmaker.jobs import periodic
    from matchmaker.models.jobs import PendingJob

    class Killed(BaseException):
        """What a worker's death looks like to the job: it stops, nothing of its own runs after it."""

    def dies_reading(content, fmt, limits, problems=None, progress=None, unread=None, hidden=None):
        progress(1000)
        raise Killed

    with file_app.app_context():
        c = _admin_client(file_app)
        _queued_as_in_production(file_app, monkeypatch)
        resp = c.post("/needs/import", data={"kind": "need", "file": (io.BytesIO(xlsx([need_row("P-1")])), "n.xlsx")})
        batch_id = db.session.scalar(db.select(ImportBatch.id))
        monkeypatch.setattr(services, "read_rows", dies_reading)
        for _ in range(3):
            with pytest.raises(Killed):
                jobs.run_due()
            _beat_aged(batch_id)
            periodic.sweep.call_local()
        page = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert (
            "处理该文件的后台进程多次中断（文件可能过大），请拆分文件后重新上传" in page and "正在后台校验" not in page
        )
        assert "修改文件后重新上传" in page
        assert db.session.scalar(db.select(db.func.count(PendingJob.id)).where(PendingJob.status == "queued")) == 0
        db.session.remove()
