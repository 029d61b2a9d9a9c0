"""The full refit: vocabulary and IDF over every taking-part listing, then every stored suggestion again.

One refit at a time: ``start_refit`` inserts the single active ``IndexJob`` (a unique index makes
simultaneous starts share one job) and queues ``run_refit``, which claims the job before running.
A process that dies mid-refit stops its heartbeat; ``recover_stale`` requeues the job.
"""

import logging

from .. import jobs
from ..extensions import db
from ..models import IndexJob
from . import bulk, store, tasks
from .indexing import (
    RefitBusy,
    claim_job,
    fit_index,
    get_engine,
    new_job,
    recover_stale,
    refit_due,
    running_job,
)  # fmt: skip

log = logging.getLogger(__name__)


def rebuild(trigger="cli", user_id=None, progress=None, suggest=True, job_id=None):
    """Refit, save the new index version and (unless ``suggest`` is false) recompute stored suggestions;
    their reasons follow in ``explain_pending`` jobs, from the saved version every process loads."""
    engine = fit_index(trigger, user_id, progress, job_id, resuggest=bulk.resuggest_all if suggest else None)
    if suggest:
        jobs.enqueue(tasks.explain_pending)
    return engine


@jobs.task(retries=0)
def run_refit(job_id, trigger="admin", user_id=None):
    """Run a queued refit job if no other process has taken it; safe to deliver twice."""
    if not claim_job(job_id):
        return None
    try:
        return rebuild(trigger, user_id, job_id=job_id)
    except Exception:
        log.exception("index refit %s failed", job_id)
        return None


def start_refit(trigger="admin", user_id=None, background=None):
    """Queue a refit (or return the one already queued or running) and have it run; return the job.

    One commit: the job's row, and its queue message with it (``jobs.after_commit``, an outbox row when a worker
    runs it), so a job is never committed without the message that runs it. An interrupted refit (its process
    died) is resumed instead of starting another."""
    resumed = requeue_stale(background)
    if resumed:
        job = db.session.get(IndexJob, resumed[0])
        db.session.refresh(job)
        return job
    try:
        job = new_job(trigger, user_id, then=_follow(background))
    except RefitBusy as busy:
        return busy.job
    if background is False:  # the caller wants it done before it goes on (benchmarks, scripts)
        run_refit(job.id, trigger, user_id)
    db.session.refresh(job)  # a run changed it in a session of its own
    return job


def requeue_stale(background=None) -> list[int]:
    """Run again a refit whose process died (called periodically); return the ids dispatched. Commits once:
    the job requeued and its queue message."""
    again = recover_stale(then=_follow(background))
    if background is False:
        for job_id in again:
            job = db.session.get(IndexJob, job_id)
            run_refit(job_id, job.trigger, job.requested_by_id)
    return again


def _follow(background):
    """What ``new_job`` / ``recover_stale`` call before their commit: a worker runs the job once it commits (in
    this process right after it, in immediate mode); nothing when the caller runs it itself (``background=False``)."""
    if background is False:
        return None
    return lambda job: jobs.after_commit(run_refit, job.id, job.trigger, job.requested_by_id)


def check_schedule():
    """Start a refit when the index is due (age, growth, dictionary); run periodically by a worker."""
    requeue_stale()
    if store.has_pending():  # reasons left over (a consumer stopped in the middle): go on
        jobs.enqueue(tasks.explain_pending)
    reason = refit_due(get_engine())
    if reason and running_job() is None:
        log.info("scheduling an index refit: %s", reason)
        return start_refit(trigger="schedule")
    return None
