"""Periodic jobs, run by the consumers (``flask --app matchmaker worker``); no cron lines.

Times are the server's local time. With several consumers each period runs once: the first
consumer to take the period's marker runs it (``queue.once_per``), and gives it back when the run
fails, for the job's retry; the minute sweep is safe to run in every consumer (each row and each
refit is claimed before it runs). A daily step not done an hour after its time (no consumer was up at
that minute, or the one running it was killed) is run by the sweep (``catch_up``).
"""

import logging
from datetime import datetime, timedelta

from huey import crontab

from ..brokers.services import remind_stale
from ..classes import services as classes
from ..extensions import db
from ..imports import services as imports
from ..listings.services import expire_due, remind_expiring
from ..notifications.services import run_digest
from ..suggestions import refit
from .backend import run_due
from .queue import abandoned, bound_app, holder, holder_of, huey, is_done, mark_done, once_per, release, take_over

log = logging.getLogger(__name__)


def _in_app(fn):
    app = bound_app()
    with app.app_context():
        try:
            return fn(app)
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="*"), name="matchmaker.sweep")
def sweep():
    """Every minute: retry failed jobs that are due, run rows whose consumer died, recover stale refits,
    imports and attendance imports."""

    def run(app):
        out = run_due()
        refit.requeue_stale()
        imports.requeue_stale()
        classes.requeue_stale()
        if out["ran"] or out["failed"]:
            log.info("sweep: ran %(ran)d job(s), %(failed)d failed", out)

    _in_app(run)
    catch_up()


@huey.periodic_task(crontab(minute="*/10"), name="matchmaker.refit_schedule")
def refit_schedule():
    """Every ten minutes: start a refit when the index is old, has grown 20 % or the dictionary changed."""

    def run(app):
        if app.config.get("MATCH_SCHEDULE", True):
            refit.check_schedule()

    _in_app(run)


@huey.periodic_task(crontab(minute="5"), name="matchmaker.class_reminders")
def class_reminders():
    """Hourly: remind registrations of live sessions starting within 24 hours. Each reminder is claimed before it is
    written (classes.send_reminders), so every consumer's scheduler may run it: each registration is reminded once."""
    _in_app(lambda app: classes.send_reminders())


def _now():
    """The consumer's local time, as the crontabs read it."""
    return datetime.now()


def _day_key(name, now=None):
    return f"{name}:{(now or _now()):%Y-%m-%d}"


def _once_today(name, fn, now=None):
    """Run a daily job's body in the one consumer taking today's marker; a failure gives the marker back
    and is raised, so the job's retry (a few minutes later) runs it instead of the day being skipped. A run
    that ends is marked done: a marker without it is a run that is going on, or whose consumer died."""
    key = _day_key(name, now)
    if not once_per(key, holder()):
        return
    _run_held(key, fn)


def _run_held(key, fn):
    try:
        _in_app(fn)
    except Exception:
        release(key)
        raise
    mark_done(key)


class _Running(Exception):  # noqa: N818  (a live consumer has the step: it goes on with the next ones itself)
    pass


def _late(name, fn, now, lease):
    """The catch-up of one daily step: run it unless done today; one a live consumer is running (or that another
    consumer took over at this moment) stops the catch-up of its day's later steps, which that consumer runs."""
    key = _day_key(name, now)
    if is_done(key):
        return
    seen = holder_of(key)
    if seen is None:
        if not once_per(key, holder()):
            raise _Running
    elif abandoned(seen, lease) and take_over(key, seen, holder()):
        log.warning(
            "daily job %s: its consumer (%s) stopped before the end; run again", key, seen.decode(errors="replace")
        )
    else:
        raise _Running
    _run_held(key, fn)


# The daily jobs' times (the crontabs below) and their steps; the catch-up runs a step not done an hour after.
CATCH_UP_AFTER = timedelta(hours=1)


def catch_up(now=None):
    """Run, from the minute's sweep, a daily step not done an hour after its time: no consumer was up then (Huey
    does not run a periodic task whose minute passed), or the one running it was killed (Huey never runs a lost
    task again), which left the day's marker taken and the step undone until the next day. Each step once."""
    app = bound_app()
    enabled = app.config.get("JOBS_DAILY_CATCH_UP")
    if not (not app.testing if enabled is None else enabled):
        return
    now = now or _now()
    lease = float(app.config.get("JOBS_DAILY_LEASE_SECONDS") or 4 * 3600)
    for (hour, minute), steps in ((EXPIRY_AT, _expiry_steps), (DIGEST_AT, _digest_steps)):
        if now >= now.replace(hour=hour, minute=minute, second=0, microsecond=0) + CATCH_UP_AFTER:
            try:
                steps(lambda name, fn: _late(name, fn, now, lease))
            except _Running:
                pass
            except Exception:  # noqa: BLE001  (logged; the next minute's sweep tries again)
                log.exception("daily catch-up failed")


DAILY_RETRY = dict(retries=6, retry_delay=600)  # e.g. the database unreachable for up to an hour


def expire_daily(run_step=lambda name, step: step()):
    """The daily expiry, of the job at 00:10 and of ``flask expire-listings`` alike: expire listings past their
    validity and remind owners seven days before, then expire the import batches validated and left unconfirmed for
    IMPORT_KEEP_DAYS (their files deleted). ``run_step(name, step)`` runs each of the two steps: the job runs each
    once a day, so a retry after either failed runs only the one not done (no reminder sent twice). Returns the
    counts of the steps run: {"need", "result", "reminded", "imports"}."""
    counts = {}

    def listings():
        counts.update(expire_due(), reminded=remind_expiring())
        log.info("expire-listings: %s expired and reminded", counts)

    def batches():
        counts["imports"] = imports.expire_unconfirmed()

    run_step("expire-listings", listings)
    run_step("expire-imports", batches)
    return counts


EXPIRY_AT, DIGEST_AT = (0, 10), (7, 30)


def _expiry_steps(run_step):
    expire_daily(lambda name, step: run_step(name, lambda app: step()))


def _send_digest(app):
    users, notes = run_digest(base_url=(app.config.get("SITE_URL") or "").rstrip("/"))
    log.info("digest: %d users, %d notifications", users, notes)


def _digest_steps(run_step):
    run_step("stale-reminders", lambda app: remind_stale())  # its own day: a retry of the mail leaves it
    run_step("digest", _send_digest)


def stale_reminders_today(now=None):
    """The brokers' stale-pair reminders of ``flask send-digest``, under the daily job's marker for the day: sent
    unless the 07:30 job or an earlier command sent (or is sending) today's, and then the job leaves them. Returns
    the brokers reminded, or None when today's were already taken."""
    key = _day_key("stale-reminders", now)
    if is_done(key) or not once_per(key, holder()):
        return None
    try:
        n = remind_stale()
    except Exception:
        release(key)
        raise
    mark_done(key)
    return n


@huey.periodic_task(crontab(hour=str(EXPIRY_AT[0]), minute=str(EXPIRY_AT[1])), name="matchmaker.expire_listings",
                    **DAILY_RETRY)  # fmt: skip
def expire_listings():
    """Daily: the expiry of listings and of unconfirmed import batches (expire_daily), each step once a day."""
    _expiry_steps(_once_today)


@huey.periodic_task(crontab(hour=str(DIGEST_AT[0]), minute=str(DIGEST_AT[1])), name="matchmaker.digest", **DAILY_RETRY)
def digest():
    """Daily: one e-mail per user with their new notifications; brokers' stale-pair reminders first."""
    _digest_steps(_once_today)
