"""Running jobs: at once in this process (immediate mode), or through the queue (queue.py).

``JOBS_IMMEDIATE`` (default: on under TESTING, off otherwise) runs a job at dispatch, in a fresh
app context and session. Off, a job is a ``queued`` ``pending_job`` row (written in the caller's
transaction by ``after_commit``, so a rollback drops it) plus a queue message sent after the
commit; a consumer claims the row (queued -> running) and deletes it when the job succeeds.
Failures are stored as ``failed`` rows with a growing delay; ``run_due()`` (the consumers' minute
sweep, or ``flask jobs retry``) retries them, runs queued rows whose message never came, and
runs again a ``running`` row whose consumer died (untouched for ``JOBS_LEASE_SECONDS``).
"""

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models.base import db_now, server_now, utcnow
from ..models.jobs import PendingJob
from .registry import resolve

log = logging.getLogger(__name__)


def _machine() -> str:
    # This machine's boot (a host name alone may repeat across containers; a pid is unique only on one boot)
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()[:13]
    except OSError:
        boot = ""
    return f"{socket.gethostname()[:80]}/{boot}"


MACHINE = _machine()


def consumer_id() -> str:
    """Who claims a row: this machine's boot and this process."""
    return f"{MACHINE}:{os.getpid()}"


def _dead_here(claimed_by) -> bool:
    """A row claimed by a process of this machine's boot that no longer exists (killed): its job is not running."""
    machine, _, pid = (claimed_by or "").rpartition(":")
    if machine != MACHINE or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, another user's
        return False
    return False


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _delay(fn, attempts):
    """Seconds before retry number ``attempts`` (1, 2, ...): retry_delay, ×5 each time, at most a day."""
    return min(getattr(fn, "retry_delay", 60) * 5 ** (attempts - 1), 86400)


def _record_failure(name, args, exc, row_id=None, attempts=1):
    try:
        fn = resolve(name)
    except (ImportError, KeyError):
        fn = None
    retries = getattr(fn, "retries", 5)
    nxt = utcnow() + timedelta(seconds=_delay(fn, attempts)) if attempts <= retries else None
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    values = dict(status="failed", attempts=attempts, last_error=text, next_run_at=nxt)
    if row_id is None:
        db.session.add(PendingJob(task=name, args=args, **values))
    else:
        db.session.execute(update(PendingJob).where(PendingJob.id == row_id).values(**values))
    db.session.commit()


def execute(app, name, args, row_id=None, attempts=0):
    """Run one job in a fresh app context; on failure log it and store it for a retry.

    Returns True when the job ran without error."""
    beat = _Heartbeat(app, row_id) if row_id is not None else None
    with app.app_context():
        try:
            fn = resolve(name)
            try:
                fn(*args)
            finally:
                if beat:
                    beat.stop()
            if row_id is not None:
                db.session.execute(db.delete(PendingJob).where(PendingJob.id == row_id))
            db.session.commit()
            return True
        except Exception as exc:  # noqa: BLE001  (a job's failure must never reach the request)
            log.exception("job %s%r failed (attempt %d)", name, tuple(args), attempts + 1)
            db.session.rollback()
            try:
                _record_failure(name, args, exc, row_id, attempts + 1)
            except Exception:  # noqa: BLE001
                db.session.rollback()
                log.exception("could not record the failure of job %s%r", name, tuple(args))
            return False


class _Heartbeat:
    """While a claimed row's job runs, its ``updated_at`` is touched every JOBS_HEARTBEAT_SECONDS (the
    database's clock), so that no other consumer's sweep takes a job running longer than the lease
    (a suggestion run over a large import) for a dead one and runs it a second time."""

    def __init__(self, app, row_id):
        self.app, self.row_id = app, row_id
        self.every = float(app.config.get("JOBS_HEARTBEAT_SECONDS") or 10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-heartbeat-{row_id}", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(self.every):
            try:
                with self.app.app_context():
                    db.session.execute(
                        update(PendingJob)
                        .where(PendingJob.id == self.row_id, PendingJob.status == "running")
                        .values(updated_at=db_now())
                    )
                    db.session.commit()
                    db.session.remove()
            except Exception:  # noqa: BLE001  (a missed beat only shortens the lease's margin)
                log.warning("heartbeat of job row %s failed", self.row_id, exc_info=True)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=self.every + 30)


def immediate(app) -> bool:
    """Whether jobs run in the dispatching process (JOBS_IMMEDIATE; default: under TESTING)."""
    value = app.config.get("JOBS_IMMEDIATE")
    return bool(app.testing if value is None else value)


def outbox_row(name, args) -> PendingJob:
    """The row of a queued job, to add to the caller's transaction."""
    return PendingJob(task=name, args=args, status="queued", next_run_at=utcnow())


def run_row(app, row_id):
    """A consumer's side of a queue message: claim the row and run it (None when already taken)."""
    with app.app_context():
        claimed = db.session.execute(
            update(PendingJob)
            .where(PendingJob.id == row_id, PendingJob.status == "queued")
            .values(status="running", updated_at=db_now(), claimed_by=consumer_id())
        ).rowcount
        db.session.commit()
        if not claimed:
            return None
        row = db.session.get(PendingJob, row_id)
        name, args, attempts = row.task, list(row.args or []), row.attempts
        db.session.remove()
    return execute(app, name, args, row_id=row_id, attempts=attempts)


def run_due(now=None, limit=100, include_exhausted=False) -> dict:
    """Run queued jobs and failed ones whose retry time has come (needs an app context).

    Each row is claimed before it runs, so two processes never run the same row.
    Returns {"ran": n, "failed": m}."""
    from flask import current_app

    now = now or utcnow()
    app = current_app._get_current_object()
    due = PendingJob.next_run_at <= now
    if include_exhausted:
        due = due | PendingJob.next_run_at.is_(None)
    # A running row untouched for the lease belonged to a consumer that died: run it again. Judged by
    # the database's clock, which wrote the claim: another machine's clock may be minutes off.
    abandoned = server_now() - timedelta(seconds=float(app.config.get("JOBS_LEASE_SECONDS") or 600))
    stale = (PendingJob.status == "running") & (PendingJob.updated_at < abandoned)
    # ... or, at once, one whose consumer was a process of this machine that is gone (killed, restarted)
    running_here = db.session.execute(
        select(PendingJob.id, PendingJob.claimed_by).where(
            PendingJob.status == "running", PendingJob.claimed_by.like(f"{_like(MACHINE)}:%", escape="\\")
        )
    ).all()
    orphans = {row_id: who for row_id, who in running_here if _dead_here(who)}
    if orphans:
        stale |= (PendingJob.status == "running") & PendingJob.id.in_(list(orphans))
    rows = db.session.execute(
        select(PendingJob.id, PendingJob.task, PendingJob.args, PendingJob.status, PendingJob.attempts)
        .where((PendingJob.status.in_(("queued", "failed")) & due) | stale)
        .order_by(PendingJob.id)
        .limit(limit)
    ).all()
    db.session.commit()
    out = {"ran": 0, "failed": 0}
    for row_id, name, args, status, attempts in rows:
        mine = (PendingJob.id == row_id) & (PendingJob.status == status)
        if status == "running":  # still abandoned: nobody took it meanwhile
            lapsed = PendingJob.updated_at < abandoned
            mine &= (lapsed | (PendingJob.claimed_by == orphans[row_id])) if row_id in orphans else lapsed
        claimed = db.session.execute(
            update(PendingJob).where(mine).values(status="running", updated_at=db_now(), claimed_by=consumer_id())
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        ok = execute(app, name, list(args or []), row_id=row_id, attempts=attempts)
        out["ran" if ok else "failed"] += 1
    return out
