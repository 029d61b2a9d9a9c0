"""Background jobs waiting to run or to be retried, readable by every process."""

from ..extensions import db
from .base import utcnow


class PendingJob(db.Model):
    """A job queued for later (``JOBS_IMMEDIATE`` off) or one that failed and waits for a retry.

    A job that succeeds leaves no row; ``status`` is ``queued``, ``running`` or ``failed``
    (``failed`` with no ``next_run_at``: retries used up, run again only by hand).
    """

    __tablename__ = "pending_job"
    id = db.Column(db.Integer, primary_key=True)
    task = db.Column(db.String(200), nullable=False)  # "module:function"
    args = db.Column(db.JSON, nullable=False, default=list)
    status = db.Column(db.String(20), nullable=False, default="queued", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text, nullable=False, default="")
    next_run_at = db.Column(db.DateTime, index=True)
    # The consumer process running a claimed row: "<machine>:<pid>" (jobs/backend.py ``consumer_id``). A
    # consumer that restarts on the same machine runs at once the rows of its dead predecessors.
    claimed_by = db.Column(db.String(120))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
