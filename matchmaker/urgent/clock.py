"""The fast channel's clock: service levels counted in working time (Beijing time), no Flask.

A working day is a weekday that is not a holiday, or a make-up working day (调休上班); on it
the clock runs between ``day_start`` and ``day_end`` o'clock. Stored times are naive UTC.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

CHINA_OFFSET = timedelta(hours=8)
_MAX_DAYS = 3700  # ten years of calendar: a safety net, never reached with sane settings


def to_local(utc: datetime) -> datetime:
    """Naive UTC → naive Beijing time."""
    return utc + CHINA_OFFSET


def to_utc(local: datetime) -> datetime:
    """Naive Beijing time → naive UTC."""
    return local - CHINA_OFFSET


def parse_dates(text: str) -> set[date]:
    """Dates typed one per line (or separated by commas/spaces) as YYYY-MM-DD; raises ValueError in Chinese."""
    out = set()
    for part in (text or "").replace("，", ",").replace(",", " ").split():
        try:
            out.add(date.fromisoformat(part.replace("/", "-")))
        except ValueError:
            raise ValueError(f"日期“{part[:20]}”格式不正确，请按 年-月-日 填写") from None
    return out


@dataclass(frozen=True)
class WorkCalendar:
    """Which hours count towards a service level."""

    day_start: int = 0
    day_end: int = 24
    holidays: frozenset = field(default_factory=frozenset)
    workdays: frozenset = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def _window(self, day: date):
        base = datetime.combine(day, time())
        return base + timedelta(hours=self.day_start), base + timedelta(hours=self.day_end)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The local moment ``hours`` of working time after ``start`` (local)."""
        remaining = timedelta(hours=hours)
        if remaining <= timedelta(0):
            return start
        cursor = start
        for _ in range(_MAX_DAYS):
            day = cursor.date()
            if self.is_workday(day):
                begin, end = self._window(day)
                begin = max(begin, cursor)
                if begin < end:
                    if end - begin >= remaining:
                        return begin + remaining
                    remaining -= end - begin
            cursor = datetime.combine(day + timedelta(days=1), time())
        raise ValueError("工作时间设置无效：找不到足够的工作时间")

    def seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds from local ``a`` to local ``b`` (negative when ``b`` is earlier).

        The whole days between the two are counted, not walked: a request overdue for two years cost ~1,000
        steps each time the queue showed it (20 such rows: ~0.3 s a page) and stopped counting after ten."""
        if b < a:
            return -self.seconds_between(b, a)
        first, last = a.date(), b.date()
        if first == last:
            return self._worked(first, a, b)
        total = self._worked(first, a, b) + self._worked(last, a, b)
        inner = self.workdays_in(first + timedelta(days=1), last - timedelta(days=1))
        return total + inner * 3600.0 * max(0, self.day_end - self.day_start)

    def _worked(self, day: date, a: datetime, b: datetime) -> float:
        """Working seconds of ``day`` that lie between local ``a`` and ``b``."""
        if not self.is_workday(day):
            return 0.0
        begin, end = self._window(day)
        begin, end = max(begin, a), min(end, b)
        return (end - begin).total_seconds() if begin < end else 0.0

    def workdays_in(self, first: date, last: date) -> int:
        """How many working days there are from ``first`` to ``last``, both included (0 when last < first)."""
        n = (last - first).days + 1
        if n <= 0:
            return 0
        weeks, extra = divmod(n, 7)
        start = first.weekday()
        count = weeks * 5 + sum(1 for k in range(extra) if (start + k) % 7 < 5)
        count -= sum(1 for h in self.holidays if first <= h <= last and h.weekday() < 5 and h not in self.workdays)
        count += sum(1 for w in self.workdays if first <= w <= last and w.weekday() >= 5)
        return count


def due_at(calendar: WorkCalendar, requested_utc: datetime, hours: int) -> datetime:
    """The UTC deadline of a request made at ``requested_utc``."""
    return to_utc(calendar.add_hours(to_local(requested_utc), hours))


def remaining_seconds(calendar: WorkCalendar, now_utc: datetime, due_utc: datetime) -> float:
    """Working seconds left before the deadline (negative: overdue by that much working time)."""
    return calendar.seconds_between(to_local(now_utc), to_local(due_utc))


def describe(seconds: float) -> str:
    """“剩余 5 小时 20 分” / “已超时 2 小时 5 分” (working time)."""
    minutes = int(abs(seconds) // 60)
    h, m = divmod(minutes, 60)
    text = f"{h} 小时 {m} 分" if h else f"{m} 分"
    return f"剩余 {text}" if seconds >= 0 else f"已超时 {text}"
