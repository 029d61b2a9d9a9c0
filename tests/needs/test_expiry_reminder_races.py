"""Expiry reminders sent by two runs at once (`flask expire-listings` beside the daily job, which the command does
not take the day's marker of, or two commands): each owner is reminded once. A run read the listings not yet
reminded and then wrote the reminder of each it had read, so a run that read them before the other committed
reminded every owner a second time. Now each reminder is claimed by a conditional update first."""

from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.listings import services
from matchmaker.utils import clock

from ..factories import make_need
from ..races import at_once, notified, paused_after_read


def _setup(app, count=3):
    with app.app_context():
        soon = clock.today() + timedelta(days=3)
        owners = sorted(make_need(valid_until=soon).created_by_id for _ in range(count))
        db.session.remove()
    return owners


def _reminded(app):
    return notified(app, "expiry")


def test_a_run_that_read_the_listings_before_another_ran_reminds_nobody_twice(file_app):
    """Run A reads the listings to remind; run B, started meanwhile, reminds their owners and commits; A goes on."""
    owners = _setup(file_app)
    reads = lambda sql: "expiry_notified_at IS NULL" in sql  # noqa: E731
    assert paused_after_read(file_app, reads, services.remind_expiring, services.remind_expiring) == len(owners)
    assert _reminded(file_app) == owners


def test_two_runs_at_once_remind_each_owner_once(file_app):
    owners = _setup(file_app)
    assert at_once(file_app, [lambda: services.remind_expiring, lambda: services.remind_expiring]) == ["ok", "ok"]
    assert _reminded(file_app) == owners
