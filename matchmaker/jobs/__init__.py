"""Background jobs: the one API every area uses.

    from matchmaker import jobs

    @jobs.task()
    def refresh_listing(kind, listing_id): ...

    jobs.after_commit(refresh_listing, "need", 5)  # after the current transaction commits; dropped on rollback
    jobs.enqueue(refresh_listing, "need", 5)       # now

A task takes ids (JSON-able arguments), runs in an app context and a session of its own, is
idempotent and safe to retry. A failing task is logged and kept in ``pending_job`` for a retry
(``run_due()``, ``flask --app matchmaker jobs retry``); it never touches the write it follows.

What runs a dispatched job is the backend (``backend.py``): in this process right after the
commit (immediate mode, tests), or a Huey queue on SQLite or Redis read by ``flask worker``
consumers (``queue.py``); periodic jobs are in ``periodic.py``.
"""

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..extensions import db
from . import backend, queue
from .backend import run_due
from .registry import name_of, task

_PENDING = "matchmaker_jobs"  # key in Session.info: [(app, task name, args)] waiting for the commit


def after_commit(fn, *args):
    """Run ``fn(*args)`` once the current transaction commits; forget it if it rolls back."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still drops the job
    pending = session.info.setdefault(_PENDING, [])
    app = current_app._get_current_object()
    item = (app, name_of(fn), list(args))
    if any(p[:3] == item for p in pending):  # the same follow-up asked twice in one transaction runs once
        return
    row = None
    if not backend.immediate(app):
        row = backend.outbox_row(item[1], item[2])  # written with the caller's own commit (outbox)
        session.add(row)
    pending.append((*item, row))


def enqueue(fn, *args):
    """Queue ``fn(*args)`` now, independently of the current transaction."""
    queue.dispatch(current_app._get_current_object(), name_of(fn), list(args))


@event.listens_for(Session, "after_commit")
def _on_commit(session):
    pending = session.info.pop(_PENDING, None)
    for app, name, args, row in pending or ():
        if row is None:
            queue.dispatch(app, name, args)
        else:  # committed with the write: only the queue message is left to send
            queue.send(inspect(row).identity[0])


@event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


__all__ = ["after_commit", "enqueue", "name_of", "run_due", "task"]
