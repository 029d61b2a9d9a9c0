"""Periodic jobs, run by the consumers (``flask --app matchmaker worker``); no cron lines.

Times are the server's local time. With several consumers each period runs once: the first
consumer to take the period's marker runs it (``queue.once_per``), and gives it back when the run
fails, for the job's retry; the minute sweep is safe to run in every consumer (each row and each
refit is claimed before it runs).
"""

import logging
from datetime import datetime

from huey import crontab

from ..brokers.services import remind_stale
from ..classes import services as classes
from ..extensions import db
from ..imports import services as imports
from ..listings.services import expire_due, remind_expiring
from ..notifications.services import run_digest
from ..suggestions import refit
from .backend import run_due
from .queue import bound_app, huey, once_per, release

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


@huey.periodic_task(crontab(minute="*/10"), name="matchmaker.refit_schedule")
def refit_schedule():
    """Every ten minutes: start a refit when the index is old, has grown 20 % or the dictionary changed."""

    def run(app):
        if app.config.get("MATCH_SCHEDULE", True):
            refit.check_schedule()

    _in_app(run)


def _once_today(name, fn):
    """Run a daily job's body in the one consumer taking today's marker; a failure gives the marker back
    and is raised, so the job's retry (a few minutes later) runs it instead of the day being skipped."""
    key = f"{name}:{datetime.now():%Y-%m-%d}"
    if not once_per(key):
        return
    try:
        _in_app(fn)
    except Exception:
        release(key)
        raise


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


@huey.periodic_task(crontab(hour="0", minute="10"), name="matchmaker.expire_listings", **DAILY_RETRY)
def expire_listings():
    """Daily: the expiry of listings and of unconfirmed import batches (expire_daily), each step once a day."""
    expire_daily(lambda name, step: _once_today(name, lambda app: step()))


@huey.periodic_task(crontab(hour="7", minute="30"), name="matchmaker.digest", **DAILY_RETRY)
def digest():
    """Daily: one e-mail per user with their new notifications; brokers' stale-pair reminders first."""

    def send(app):
        users, notes = run_digest(base_url=(app.config.get("SITE_URL") or "").rstrip("/"))
        log.info("digest: %d users, %d notifications", users, notes)

    _once_today("stale-reminders", lambda app: remind_stale())  # its own day: a retry of the mail leaves it
    _once_today("digest", send)
