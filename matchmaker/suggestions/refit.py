"""The full refit: vocabulary and IDF over every taking-part listing, then every stored suggestion again."""

import logging
import threading

from flask import current_app

from ..extensions import db
from ..models import IndexJob
from ..signals import refit_due
from . import store
from .indexing import background_default, fit_index, running_job, setting

log = logging.getLogger(__name__)


def rebuild(trigger="cli", user_id=None, progress=None, suggest=True, job_id=None):
    """Refit, save the new index version and (unless ``suggest`` is false) recompute stored suggestions."""
    return fit_index(trigger, user_id, progress, job_id, resuggest=store.resuggest_all if suggest else None)


def start_refit(trigger="admin", user_id=None, background=None):
    """Queue a refit and run it in a background thread (inline when testing); return the job."""
    job = running_job()
    if job is not None:
        return job
    job = IndexJob(status="queued", trigger=trigger, requested_by_id=user_id)
    db.session.add(job)
    db.session.commit()
    if background is None:
        background = setting("MATCH_REFIT_BACKGROUND", background_default())
    if not background:
        try:
            rebuild(trigger, user_id, job_id=job.id)
        except Exception:
            log.exception("index refit failed")
        return db.session.get(IndexJob, job.id)
    app = current_app._get_current_object()
    job_id = job.id

    def run():
        with app.app_context():
            try:
                rebuild(trigger, user_id, job_id=job_id)
            except Exception:
                log.exception("index refit failed")
            finally:
                db.session.remove()

    threading.Thread(target=run, name=f"index-refit-{job_id}", daemon=True).start()
    return job


@refit_due.connect
def _scheduled(app, reason=None, **extra):
    """The index said it is due (age, growth, dictionary): refit in the background."""
    start_refit(trigger="schedule", background=True)
