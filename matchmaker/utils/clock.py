"""Beijing time for people, UTC for storage: the one place that turns one into the other.

Stored moments (created_at, decided_at, …) are naive UTC (models.base.utcnow). People read and type
Beijing time: pages show stored moments converted (the ``dt`` filter), and "today" in a rule ("not
later than today", "expired") is Beijing's date whatever the server's own time zone. Times people
type for something planned (a class, an event, a training session's start) are kept as typed, in
Beijing time, and shown as they are (the ``wall`` filter). China keeps no daylight saving time.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone

UTC_OFFSET = timedelta(hours=8)
CHINA = timezone(UTC_OFFSET, "Asia/Shanghai")


def now_local() -> datetime:
    """Naive Beijing time now."""
    return datetime.now(CHINA).replace(tzinfo=None)


def today() -> date:
    """Beijing's date now (on a UTC server, the day starts at 00:00 Beijing, not 08:00)."""
    return datetime.now(CHINA).date()


def day_start_utc(day: date) -> datetime:
    """The stored (naive UTC) moment at which a Beijing calendar day begins: 16:00 UTC the day before."""
    return datetime.combine(day, time.min) - UTC_OFFSET if day > date.min else datetime.min


def to_local(value: datetime | None) -> datetime | None:
    """A stored moment (naive UTC) or an aware one, as naive Beijing time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).replace(tzinfo=None)
