"""Shared column helpers."""

from datetime import UTC, datetime

from ..utils import clock


def utcnow():
    """Naive UTC now (stored without time zone on both SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today():
    """Beijing's calendar date, used for validity and signing dates (utils/clock.py)."""
    return clock.today()
