"""The Huey side of jobs: storage chosen by configuration, the outbox row, claims, the sweep, periodic jobs."""

from datetime import timedelta

from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.jobs import backend, periodic, queue
from matchmaker.models import PendingJob
from matchmaker.models.base import utcnow

CALLS = []


@jobs.task(retries=1)
def note(value):
    """A job leaving a trace."""
    CALLS.append(value)


def _rows():
    db.session.expire_all()
    return db.session.scalars(db.select(PendingJob).order_by(PendingJob.id)).all()


def test_storage_follows_configuration(make_app, tmp_path):
    """SQLite in the instance folder by default, Redis when REDIS_URL is set, nothing in immediate mode."""
    make_app(JOBS_IMMEDIATE=False, JOBS_SQLITE_PATH=str(tmp_path / "q.sqlite"))
    assert queue.huey.storage_class is SqliteStorage and queue.backend_name() == "sqlite"
    make_app(JOBS_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:6379/2", JOBS_QUEUE_NAME="mm-unit")
    assert issubclass(queue.huey.storage_class, RedisStorage) and queue.huey.name == "mm-unit"
    app = make_app()
    assert backend.immediate(app)  # TESTING: jobs run in the process, the queue is left alone


def test_outbox_row_commits_with_the_write_and_goes_with_a_rollback(app, tmp_path, monkeypatch):
    """Queued after a commit: the row is in the writer's transaction; a rollback leaves neither row nor message."""
    app.config.update(JOBS_IMMEDIATE=False)
    sent = []
    monkeypatch.setattr(queue, "send", sent.append)
    jobs.after_commit(note, 1)
    db.session.rollback()
    assert _rows() == [] and sent == []
    jobs.after_commit(note, 2)
    jobs.after_commit(note, 2)  # asked twice in one transaction: one job
    db.session.commit()
    (row,) = _rows()
    assert (row.status, row.args, sent) == ("queued", [2], [row.id])


def test_a_row_runs_once_however_often_it_is_delivered(app, monkeypatch):
    """The consumer claims the row: a second delivery (or the sweep) finds it taken or gone."""
    app.config.update(JOBS_IMMEDIATE=False)
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    CALLS.clear()
    jobs.enqueue(note, 3)
    (row,) = _rows()
    assert backend.run_row(app, row.id) is True
    assert backend.run_row(app, row.id) is None
    assert jobs.run_due() == {"ran": 0, "failed": 0}
    assert CALLS == [3] and _rows() == []


def test_a_dead_consumers_job_runs_again(app):
    """A row left running past the lease (its consumer was killed) is run by the sweep."""
    CALLS.clear()
    row = PendingJob(task=jobs.name_of(note), args=[4], status="running", next_run_at=utcnow())
    db.session.add(row)
    db.session.commit()
    assert jobs.run_due() == {"ran": 0, "failed": 0}  # still within its lease
    row.updated_at = utcnow() - timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 5)
    db.session.commit()
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    assert CALLS == [4] and _rows() == []


def test_a_job_of_a_killed_consumer_of_this_machine_runs_at_once(app):
    """A consumer killed mid-job and restarted on the same machine: its start-up sweep runs the job now, not
    after the lease (10 minutes); a job claimed by a live process, or on another machine, waits for the lease."""
    import subprocess
    import sys

    CALLS.clear()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer exists (reaped)
    rows = {
        "dead here": f"{backend.MACHINE}:{gone.pid}",
        "alive here": backend.consumer_id(),
        "dead elsewhere": f"another-host/0123:{gone.pid}",
    }
    for i, who in enumerate(rows.values()):
        db.session.add(PendingJob(task=jobs.name_of(note), args=[i], status="running", claimed_by=who,
                                  next_run_at=utcnow()))  # fmt: skip
    db.session.commit()
    assert jobs.run_due() == {"ran": 1, "failed": 0}
    assert CALLS == [0]
    assert sorted(r.claimed_by for r in _rows()) == sorted([rows["alive here"], rows["dead elsewhere"]])


def test_a_claimed_row_names_its_consumer(app, monkeypatch):
    row = PendingJob(task=jobs.name_of(note), args=[9], status="queued", next_run_at=utcnow())
    db.session.add(row)
    db.session.commit()
    monkeypatch.setattr(backend, "execute", lambda *a, **kw: True)  # claimed, then left running
    backend.run_row(app, row.id)
    assert [(r.status, r.claimed_by) for r in _rows()] == [("running", backend.consumer_id())]


BEATS = []


@jobs.task(retries=1)
def long_job(seconds):
    """A job that outlives a few heartbeats and records its row's updated_at as it goes."""
    import time

    for _ in range(3):
        db.session.rollback()  # a fresh read each time
        BEATS.append(db.session.scalar(db.select(PendingJob.updated_at).where(PendingJob.status == "running")))
        time.sleep(seconds)


def test_a_long_job_keeps_its_claim_alive(file_app):
    """A job running longer than the lease is not a dead consumer's: its row's updated_at moves while it runs,
    so no sweep takes it again."""
    file_app.config.update(JOBS_HEARTBEAT_SECONDS=0.2)
    BEATS.clear()
    with file_app.app_context():
        row = PendingJob(task=jobs.name_of(long_job), args=[0.6], status="queued", next_run_at=utcnow())
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    assert backend.run_row(file_app, row_id) is True
    assert len(BEATS) == 3 and BEATS[0] < BEATS[1] < BEATS[2]


def test_daily_jobs_run_once_per_day_across_consumers(app, monkeypatch):
    """Two consumers firing the same daily job: the first takes the day's marker, the second does nothing."""
    ran = []
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("daily-test"))
    monkeypatch.setattr(periodic, "expire_due", lambda: ran.append("expire") or {})
    monkeypatch.setattr(periodic, "remind_expiring", lambda: 0)
    periodic.expire_listings.call_local()
    periodic.expire_listings.call_local()
    assert ran == ["expire"]


def test_sweep_and_schedule_run_in_the_consumer(app, monkeypatch):
    """The minute sweep retries due rows and recovers stale refits; the schedule checks the index."""
    seen = []
    monkeypatch.setattr(periodic.refit, "requeue_stale", lambda: seen.append("stale") or [])
    monkeypatch.setattr(periodic.refit, "check_schedule", lambda: seen.append("schedule"))
    periodic.sweep.call_local()
    periodic.refit_schedule.call_local()
    assert seen == ["stale", "schedule"]


def test_matching_engine_page_shows_the_queue(app, client, auth):
    """Admins see the queue's storage and each queued, running or failed job with its error."""
    db.session.add(PendingJob(task="matchmaker.suggestions.tasks:refresh_listing", args=["need", 1], status="failed",
                              attempts=2, last_error="RuntimeError: index unreadable"))  # fmt: skip
    db.session.commit()
    auth.login("admin")
    body = client.get("/matches/admin/index").get_data(as_text=True)
    assert "后台任务" in body and "失败待重试 1" in body and "index unreadable" in body


def test_a_daily_job_that_failed_runs_on_its_retry(app, monkeypatch):
    """The database was unreachable at 00:10: the day's marker is given back, so the retry Huey makes of the
    job expires the listings that day instead of finding the marker taken and doing nothing."""
    import pytest

    ran = []

    def expire_once_up():
        if not ran:
            ran.append("down")
            raise RuntimeError("database unreachable")
        ran.append("expire")
        return {}

    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("daily-retry-test"))
    monkeypatch.setattr(periodic, "expire_due", expire_once_up)
    monkeypatch.setattr(periodic, "remind_expiring", lambda: 0)
    with pytest.raises(RuntimeError):
        periodic.expire_listings.call_local()
    periodic.expire_listings.call_local()  # the retry
    periodic.expire_listings.call_local()  # another consumer's: the day is done
    assert ran == ["down", "expire"]
    assert periodic.expire_listings.retries > 0  # Huey does run the job again after retry_delay


def test_a_digest_retried_after_a_failure_reminds_brokers_once(app, monkeypatch):
    import pytest

    calls = []

    def digest_once_up(base_url=""):
        calls.append("digest")
        if calls.count("digest") == 1:
            raise RuntimeError("database unreachable")
        return 0, 0

    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("digest-retry-test"))
    monkeypatch.setattr(periodic, "remind_stale", lambda: calls.append("remind"))
    monkeypatch.setattr(periodic, "run_digest", digest_once_up)
    with pytest.raises(RuntimeError):
        periodic.digest.call_local()
    periodic.digest.call_local()  # Huey's retry
    assert calls == ["remind", "digest", "digest"]


def test_unconfirmed_imports_expire_daily_not_every_minute(app, monkeypatch):
    """A batch validated and left unconfirmed past IMPORT_KEEP_DAYS is expired (file deleted) by the daily job;
    the minute's sweep leaves it, and a batch younger than that is kept by both."""
    from matchmaker.models import ImportBatch

    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("import-expiry-daily"))
    ages = {"old": timedelta(days=7, hours=1), "young": timedelta(days=6, hours=23)}
    for name, age in ages.items():
        db.session.add(ImportBatch(kind="need", filename=f"{name}.csv", file_format="csv", content=b"x", sha256="0" * 64,
                                   status="validated", created_at=utcnow() - age))  # fmt: skip
    db.session.commit()

    def states():
        db.session.expire_all()
        return {b.filename: (b.status, b.content) for b in db.session.scalars(db.select(ImportBatch))}

    periodic.sweep.call_local()
    assert states() == {"old.csv": ("validated", b"x"), "young.csv": ("validated", b"x")}
    periodic.expire_listings.call_local()
    assert states() == {"old.csv": ("expired", b""), "young.csv": ("validated", b"x")}
