"""Session reminders sent by two runs at once (the hourly run on two machines, or a late one overlapping the next;
a consumer killed after notifying and run again): each registration is reminded once. A run read the registrations
not yet reminded and then wrote the reminder of every one it had read, so a run that read them before the other
committed reminded everyone a second time. Now each reminder is claimed by a conditional update first."""

from datetime import timedelta

from matchmaker.classes import services
from matchmaker.extensions import db
from matchmaker.models import Notification

from ..factories import make_user
from ..races import at_once, notified, paused_after_read
from .test_classes import _when, make_session


def _setup(app, people=3):
    with app.app_context():
        s = make_session(starts_at=_when(0) + timedelta(hours=5))
        users = [make_user("enterprise") for _ in range(people)]
        for u in users:
            services.register(s, u)
        ids = s.id, [u.id for u in users]
        db.session.remove()
    return ids


def _reminders(app):
    return notified(app, "class")


def test_a_run_that_read_the_registrations_before_another_ran_reminds_nobody_twice(file_app):
    """Run A reads the registrations to remind; run B, started meanwhile, reminds them and commits; then A goes on."""
    sid, user_ids = _setup(file_app)
    reads = lambda sql: sql.lstrip().upper().startswith("SELECT") and "reminded_at IS NULL" in sql  # noqa: E731
    assert paused_after_read(file_app, reads, services.send_reminders, services.send_reminders) == len(user_ids)
    assert _reminders(file_app) == sorted(user_ids)


def test_two_runs_at_once_remind_each_registration_once(file_app):
    sid, user_ids = _setup(file_app)
    outcomes = at_once(file_app, [lambda: services.send_reminders, lambda: services.send_reminders])
    assert outcomes == ["ok", "ok"]
    assert _reminders(file_app) == sorted(user_ids)


def test_the_count_is_of_the_reminders_this_run_sent(app):
    """A run after one that sent them says 0."""
    s = make_session(starts_at=_when(0) + timedelta(hours=5))
    users = [make_user("enterprise"), make_user("researcher")]
    for u in users:
        services.register(s, u)
    assert services.send_reminders() == 2
    assert services.send_reminders() == 0


def test_the_consumers_send_the_reminders_hourly_without_cron(app):
    """The hourly periodic job reminds as the command does (it needed a cron line beside the consumers); run again
    (the next hour, or another consumer's scheduler) it reminds nobody twice."""
    from matchmaker.jobs import periodic

    s = make_session(starts_at=_when(0) + timedelta(hours=5))
    user = make_user("enterprise")
    services.register(s, user)
    periodic.class_reminders.call_local()
    periodic.class_reminders.call_local()
    db.session.expire_all()
    assert db.session.scalars(db.select(Notification.user_id).filter_by(kind="class")).all() == [user.id]
