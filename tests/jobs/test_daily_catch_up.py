"""The daily jobs (expiry at 00:10, digest at 07:30) when their consumer dies mid-run or none is up at that minute
(attack, 2026-12-07). Huey runs a periodic task only in its minute and never again once a worker took it, and the
day's marker stayed taken: the expiry, the brokers' reminders and the digest were skipped until the next day. Now
the minute's sweep runs a step not done an hour after its time, once, unless a live consumer is running it."""

import subprocess
import sys
import time
from datetime import datetime
from datetime import time as clock_time

import pytest
from huey.storage import MemoryStorage

from matchmaker.jobs import backend, periodic, queue

MORNING = datetime.combine(datetime.now().date(), clock_time(9, 0))  # past both daily times and their hour of grace
DAY = f"{MORNING:%Y-%m-%d}"


@pytest.fixture
def daily(make_app, monkeypatch):
    """A consumer's app with the catch-up on, an empty queue storage, the clock at MORNING, the steps recorded."""
    app = make_app(JOBS_DAILY_CATCH_UP=True)
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("daily-catch-up"))
    monkeypatch.setattr(periodic, "_now", lambda: MORNING, raising=False)
    ran = []
    monkeypatch.setattr(periodic, "expire_due", lambda: ran.append("expire") or {})
    monkeypatch.setattr(periodic, "remind_expiring", lambda: 0)
    monkeypatch.setattr(periodic.imports, "expire_unconfirmed", lambda: ran.append("imports") or 0)
    monkeypatch.setattr(periodic, "remind_stale", lambda: ran.append("remind"))
    monkeypatch.setattr(periodic, "run_digest", lambda base_url="": ran.append("digest") or (0, 0))
    return app, ran


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _taken(name, holder):
    queue.huey.storage.put_data(f"period:{name}:{DAY}", holder.encode())


def test_a_daily_run_whose_consumer_was_killed_is_run_by_a_later_sweep_once(daily):
    _, ran = daily
    killed = f"{backend.MACHINE}:{_dead_pid()} {int(time.time()) - 60}"
    _taken("expire-listings", killed)  # taken at 00:10, its consumer killed mid-run: never marked done
    _taken("stale-reminders", killed)
    periodic.sweep.call_local()
    assert ran == ["expire", "imports", "remind", "digest"]
    periodic.sweep.call_local()
    periodic.expire_listings.call_local()  # Huey's own run, had it come: the day is done
    assert ran == ["expire", "imports", "remind", "digest"]


def test_daily_steps_no_consumer_was_up_for_are_run_once(daily):
    _, ran = daily
    periodic.sweep.call_local()
    periodic.sweep.call_local()
    assert ran == ["expire", "imports", "remind", "digest"]


def test_a_run_still_going_on_or_not_yet_due_is_left_alone(daily, monkeypatch):
    _, ran = daily
    alive = f"{backend.consumer_id()} {int(time.time()) - 60}"  # this very process: running it now
    elsewhere = f"other-host/0123456789abc:4242 {int(time.time()) - 600}"  # another machine's, ten minutes ago
    _taken("expire-listings", alive)
    _taken("stale-reminders", elsewhere)
    periodic.sweep.call_local()
    assert ran == []
    monkeypatch.setattr(periodic, "_now", lambda: MORNING.replace(hour=0, minute=30))  # the expiry's hour of grace
    queue.huey.storage.flush_all()
    periodic.sweep.call_local()
    assert ran == []


def test_another_machines_run_past_the_lease_is_taken_over_by_one_consumer(daily):
    _, ran = daily
    _taken("expire-listings", f"other-host/0123456789abc:4242 {int(time.time()) - 5 * 3600}")
    periodic.catch_up(MORNING)
    periodic.catch_up(MORNING)  # a second consumer's sweep at the same minute
    assert ran.count("expire") == 1
