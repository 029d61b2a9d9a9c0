"""Shared column helpers."""

from datetime import UTC, date, datetime


def utcnow():
    """Naive UTC now (stored without time zone on both SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today():
    """The local calendar date used for validity and signing dates."""
    return date.today()
