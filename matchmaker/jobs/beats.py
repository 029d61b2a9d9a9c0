"""Heartbeats of a job working through one row (an import batch, an attendance export): the claim that
takes the row, the progress writes that keep it, and the age after which the minute sweep takes it again.

The model needs ``status``, ``heartbeat_at``, ``processed_rows`` and ``attempts`` columns.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from ..extensions import db
from ..models.base import db_now, server_now

log = logging.getLogger(__name__)


def stale_before():
    """Heartbeats older than this (the database's clock) are a dead worker's."""
    return server_now() - timedelta(seconds=float(current_app.config.get("JOBS_STALE_SECONDS") or 120))


def claim(model, row_id, status) -> bool:
    """Take a row in ``status`` that nobody is working on (or whose worker stopped beating); commits."""
    res = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == status)
        .where(or_(model.heartbeat_at.is_(None), model.heartbeat_at < stale_before()))
        .values(heartbeat_at=db_now(), processed_rows=0, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(res.rowcount)


def progress(model, row_id, status, rows, what):
    """Record rows done (and a heartbeat) from a connection of its own: visible to every process at once, while
    the job's own transaction is still open (on SQLite, before it takes the write lock). Only while the row is
    still in the job's ``status``: a late beat of a job taken over by another worker must not become the beat of
    the next stage (which would then wait for it to go stale). ``what`` names the row in the log."""
    engine = db.engine
    if engine.url.database in (None, "", ":memory:"):
        return  # tests' in-memory database has one shared connection
    table = model.__table__
    try:
        with engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id == row_id, table.c.status == status)
                .values(processed_rows=rows, heartbeat_at=db_now())
            )
    except Exception as exc:  # progress is a courtesy: never fail the job for it
        log.warning("%s %s: progress not recorded: %s", what, row_id, exc)
