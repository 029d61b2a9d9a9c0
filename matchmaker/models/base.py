"""Shared column helpers."""

from datetime import UTC, datetime

from ..utils import clock


def utcnow():
    """Naive UTC now (stored without time zone on both SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def db_now():
    """SQL for the database server's current time, naive UTC. Leases and heartbeats that one machine
    writes and another judges use this one clock: machines' own clocks drift apart."""
    from sqlalchemy import DateTime, func, type_coerce

    from ..extensions import db

    if db.engine.dialect.name == "postgresql":
        return type_coerce(func.timezone("UTC", func.clock_timestamp()), DateTime)
    return type_coerce(func.strftime("%Y-%m-%d %H:%M:%f000", "now"), DateTime)  # SQLAlchemy's own format


def server_now():
    """The database server's current time (naive UTC), as ``db_now`` reads it."""
    from sqlalchemy import select

    from ..extensions import db

    return db.session.scalar(select(db_now()))


def today():
    """Beijing's calendar date, used for validity and signing dates (utils/clock.py)."""
    return clock.today()
