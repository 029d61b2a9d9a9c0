"""The service level counted in working time: weekends, holidays, make-up days, office hours."""

from datetime import date, datetime

from matchmaker.urgent.clock import WorkCalendar, describe, due_at, remaining_seconds

CAL = WorkCalendar()


def test_friday_afternoon_request_is_due_monday_afternoon():
    """24 working hours from Friday 15:00 skip Saturday and Sunday: due Monday 15:00."""
    assert CAL.add_hours(datetime(2020, 6, 5, 15), 24) == datetime(2020, 6, 8, 15)


def test_saturday_request_starts_counting_on_monday():
    """Asked on a Saturday: the clock starts Monday 00:00."""
    assert CAL.add_hours(datetime(2020, 6, 6, 10), 24) == datetime(2020, 6, 9, 0)


def test_holidays_pause_and_make_up_days_count():
    """National Day: 1–8 October 2020 off, Sunday 27 September and Saturday 10 October worked."""
    holidays = frozenset(date(2020, 10, d) for d in range(1, 9))
    cal = WorkCalendar(holidays=holidays, workdays=frozenset({date(2020, 10, 10)}))
    assert cal.add_hours(datetime(2020, 9, 30, 12), 24) == datetime(2020, 10, 9, 12)
    assert cal.add_hours(datetime(2020, 10, 9, 12), 24) == datetime(2020, 10, 10, 12)


def test_office_hours():
    """09:00–18:00: 24 working hours from Friday 17:00 end Wednesday 14:00."""
    cal = WorkCalendar(day_start=9, day_end=18)
    assert cal.add_hours(datetime(2020, 6, 5, 17), 24) == datetime(2020, 6, 10, 14)
    assert cal.seconds_between(datetime(2020, 6, 5, 17), datetime(2020, 6, 8, 10)) == 2 * 3600


def test_remaining_time_stops_over_the_weekend_and_goes_negative_when_late():
    """Stored times are UTC; the calendar is Beijing time; a late request shows how late."""
    asked = datetime(2020, 6, 5, 7)  # Friday 15:00 in Beijing
    due = due_at(CAL, asked, 24)
    assert due == datetime(2020, 6, 8, 7)
    saturday_noon = datetime(2020, 6, 6, 4)
    assert remaining_seconds(CAL, saturday_noon, due) == 15 * 3600
    assert remaining_seconds(CAL, datetime(2020, 6, 8, 9), due) == -2 * 3600
    assert describe(15 * 3600 + 60 * 20) == "剩余 15 小时 20 分"
    assert describe(-2 * 3600) == "已超时 2 小时 0 分"


def _walked(cal, a, b):
    """Working seconds from a to b walked day by day (how the clock counted before it counted whole days)."""
    from datetime import time, timedelta

    if b < a:
        return -_walked(cal, b, a)
    total, cursor = 0.0, a
    while cursor < b:
        day = cursor.date()
        if cal.is_workday(day):
            begin = max(datetime.combine(day, time()) + timedelta(hours=cal.day_start), cursor)
            end = min(datetime.combine(day, time()) + timedelta(hours=cal.day_end), b)
            total += max(0.0, (end - begin).total_seconds())
        cursor = datetime.combine(day + timedelta(days=1), time())
    return total


def test_whole_days_counted_agree_with_walking_every_day():
    """Spans of minutes to three years, starting any day of the week, with holidays and make-up days on
    weekdays and weekends, in office hours and round the clock: the same seconds as walking day by day."""
    import random
    from datetime import timedelta

    rnd = random.Random(5)
    holidays = frozenset(date(2020, 1, 1) + timedelta(days=rnd.randrange(1200)) for _ in range(80))
    workdays = frozenset(date(2020, 1, 1) + timedelta(days=rnd.randrange(1200)) for _ in range(30))
    for cal in (CAL, WorkCalendar(9, 18, holidays, workdays), WorkCalendar(0, 24, holidays, workdays)):
        for _ in range(400):
            a = datetime(2020, 1, 1) + timedelta(minutes=rnd.randrange(1200 * 1440))
            b = a + timedelta(minutes=rnd.choice([rnd.randrange(600), rnd.randrange(20_000), rnd.randrange(1_500_000)]))
            assert cal.seconds_between(a, b) == _walked(cal, a, b), (cal, a, b)
            assert cal.seconds_between(b, a) == -_walked(cal, a, b)


def test_a_request_overdue_for_twelve_years_shows_all_of_it():
    """The count stopped after ten years of days (3,700): a very old pending request read about 10 years late."""
    cal = WorkCalendar()
    due, now = datetime(2010, 1, 4), datetime(2022, 1, 3)  # two Mondays, 626 weeks apart
    assert remaining_seconds(cal, now, due) == -626 * 5 * 24 * 3600
