"""The queue behind ``matchmaker.jobs``: Huey, chosen by configuration alone.

* ``REDIS_URL`` set (``MATCHMAKER_REDIS_URL``): ``RedisStorage``; consumers on any number of
  machines share the queue.
* otherwise ``SqliteStorage`` in ``instance/jobs.sqlite``: nothing to install, one machine.
* ``JOBS_IMMEDIATE`` true (the default under ``TESTING``): no queue, a job runs in the process
  that dispatched it, right after the commit (``backend.execute``).

A queued job is also a ``pending_job`` row written before the message is sent, so nothing is lost
when a consumer dies mid-job or a message never arrives: the periodic ``sweep`` runs rows nobody
finished (see backend.run_due). Periodic work (retries, stale refits, the scheduled refit, the
daily expiry and digest) are Huey periodic tasks: a consumer started with ``flask worker`` runs
them; with several consumers each period runs once (a marker in the queue's storage).
"""

import hashlib
import logging
import time
from pathlib import Path

from huey import Huey
from huey.constants import EmptyData
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from ..config import redis_timeouts
from ..extensions import db
from .backend import _dead_here, consumer_id, execute, immediate, outbox_row, run_due, run_row

log = logging.getLogger(__name__)

# Unbound until init_app: memory storage, so importing the package never opens a file or a socket.
huey = Huey("matchmaker", results=False, utc=False, storage_class=MemoryStorage)
_state = {"app": None}


class TimedRedisStorage(RedisStorage):
    """Huey's Redis storage with connect and answer timeouts (its ``url=`` takes no connection options), so
    that a Redis that accepts connections but never answers does not hold a request or a consumer."""

    def __init__(self, name="huey", url=None, socket_timeout=None, socket_connect_timeout=None, **kw):
        import redis

        pool = redis.ConnectionPool.from_url(url, socket_timeout=socket_timeout,
                                             socket_connect_timeout=socket_connect_timeout)  # fmt: skip
        super().__init__(name, connection_pool=pool, **kw)


def init_app(app) -> None:
    """Point the queue at Redis or SQLite (or nothing, in immediate mode) for this app."""
    _state["app"] = app
    if immediate(app):
        return
    name = app.config.get("JOBS_QUEUE_NAME") or "matchmaker"
    url = app.config.get("REDIS_URL")
    if url:
        # the consumer's blocking read waits read_timeout (1 s) for a job: its answer may take that long
        storage_class, kwargs = TimedRedisStorage, {"url": url, **redis_timeouts(app.config, extra=2.0)}
    else:
        path = app.config.get("JOBS_SQLITE_PATH") or str(Path(app.instance_path) / "jobs.sqlite")
        storage_class, kwargs = SqliteStorage, {"filename": path}
    if (huey.name, huey.storage_class, huey.storage_kwargs) != (name, storage_class, kwargs):
        huey.name, huey.storage_class, huey.storage_kwargs = name, storage_class, kwargs
        huey.storage = huey.create_storage()


def bound_app():
    """The app the consumer runs jobs with (the last one initialised in this process)."""
    app = _state["app"]
    if app is None:
        raise RuntimeError("matchmaker.jobs: no app initialised in this process")
    return app


def backend_name() -> str:
    """'redis', 'sqlite' or 'memory': what the queue is stored in (for the admin page and logs)."""
    kind = huey.storage_class
    return "redis" if issubclass(kind, RedisStorage) else "sqlite" if issubclass(kind, SqliteStorage) else "memory"


def once_per(period_key: str, holder: bytes = b"1") -> bool:
    """True for the first consumer asking for this period's marker (several consumers, one run); ``holder`` is
    what the marker keeps (who took it and when, for ``holder_of``)."""
    return bool(huey.storage.put_if_empty(f"period:{period_key}", holder))


def holder_of(period_key: str):
    """What a period's marker holds, or None when nobody has taken it."""
    value = huey.storage.peek_data(f"period:{period_key}")
    return None if value is EmptyData else value


def holder() -> bytes:
    """What a marker keeps: the process that took it and when (epoch seconds)."""
    return f"{consumer_id()} {int(time.time())}".encode()


def abandoned(seen: bytes, lease: float) -> bool:
    """Whether the process holding a marker is gone: a process of this machine that no longer exists, or one that
    took it longer ago than ``lease`` seconds. A marker of the old form (no holder) is a day done."""
    who, _, at = seen.decode(errors="replace").rpartition(" ")
    if not who or not at.isdigit():
        return False
    return _dead_here(who) or time.time() - int(at) > lease


def hold(key: str, lease: float) -> bool:
    """Take the marker ``key`` for this process: True when nobody held it, or its holder is gone (``abandoned``);
    False while another run holds it. Given back with ``release``."""
    if once_per(key, holder()):
        return True
    seen = holder_of(key)
    return seen is not None and abandoned(seen, lease) and take_over(key, seen, holder())


def take_over(period_key: str, seen: bytes, holder: bytes) -> bool:
    """Take a period's marker from an abandoned run that holds ``seen`` (its consumer died): True for one consumer
    alone, however many ask at once; the marker is overwritten, never emptied, so nobody else takes it meanwhile."""
    digest = hashlib.sha256(seen).hexdigest()[:16]
    if not huey.storage.put_if_empty(f"takeover:{period_key}:{digest}", b"1"):
        return False
    huey.storage.put_data(f"period:{period_key}", holder)
    return True


def mark_done(period_key: str) -> None:
    """Record that a period's run finished (its marker alone only says it was taken)."""
    huey.storage.put_data(f"done:{period_key}", b"1")


def is_done(period_key: str) -> bool:
    return huey.storage.peek_data(f"done:{period_key}") is not EmptyData


def release(period_key: str) -> None:
    """Give back a period's marker (its run failed), so that a retry of the period's job runs it."""
    huey.storage.pop_data(f"period:{period_key}")


@huey.task(name="matchmaker.run_pending")
def run_pending(row_id: int):
    """The queue's only task: run the ``pending_job`` row it names (claimed first)."""
    run_row(bound_app(), row_id)


@huey.on_startup(name="matchmaker.sweep_at_start")
def _sweep_at_start():
    """A consumer that (re)starts first runs what a dead one left behind."""
    app = _state["app"]
    if app is None:
        return
    with app.app_context():
        try:
            run_due()
        except Exception:  # noqa: BLE001  (the database may still be starting; the minute sweep retries)
            log.exception("startup sweep failed")


def send(row_id) -> None:
    """Hand a committed row to the queue; when the queue is unreachable the sweep runs the row later."""
    try:
        run_pending(row_id)
    except Exception:  # noqa: BLE001  (e.g. Redis down: the row is committed, nothing is lost)
        log.exception("could not queue job row %s; the sweep will run it", row_id)


def dispatch(app, name, args):
    """Run the job now (immediate mode), or store it as a queued row and send it to the queue."""
    if immediate(app):
        execute(app, name, args)
        return
    with app.app_context():
        row = outbox_row(name, args)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    send(row_id)


def overview(limit=10) -> dict:
    """What the matching-engine page shows of the jobs: the queue's storage, rows by state, the newest rows."""
    from sqlalchemy import func, select

    from ..models.jobs import PendingJob

    counts = dict(
        db.session.execute(select(PendingJob.status, func.count(PendingJob.id)).group_by(PendingJob.status)).all()
    )
    rows = db.session.scalars(select(PendingJob).order_by(PendingJob.id.desc()).limit(limit)).all()
    return {"backend": backend_name(), "counts": counts, "rows": rows}
