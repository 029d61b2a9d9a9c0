"""Bulk imports of needs and results."""

from ..extensions import db
from .base import utcnow
from .enums import ImportStatus


class ImportBatch(db.Model):
    """An uploaded bulk-import file: validated first, imported only on confirmation."""

    __tablename__ = "import_batch"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # need / result
    filename = db.Column(db.String(200), nullable=False)
    file_format = db.Column(db.String(10), nullable=False)  # xlsx / csv
    content = db.Column(db.LargeBinary, nullable=False)  # re-parsed on confirmation; emptied once the batch ends
    sha256 = db.Column(db.String(64), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default=ImportStatus.VALIDATED.value)  # an ImportStatus
    total_rows = db.Column(db.Integer, nullable=False, default=0)
    good_rows = db.Column(db.Integer, nullable=False, default=0)
    bad_rows = db.Column(db.Integer, nullable=False, default=0)
    duplicate_rows = db.Column(db.Integer, nullable=False, default=0)  # external ref already imported
    processed_rows = db.Column(db.Integer, nullable=False, default=0)  # progress while validating, importing
    imported_rows = db.Column(db.Integer, nullable=False, default=0)
    errors = db.Column(db.JSON, nullable=False, default=list)  # [[row, field, reason], ...]
    message = db.Column(db.String(500))
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)
    # Set when a worker takes the validation or the import and every few hundred rows while it runs
    # (with processed_rows, from a connection of its own): every web process shows the same progress,
    # and a validation or import whose worker died (no beat for JOBS_STALE_SECONDS) is taken again.
    heartbeat_at = db.Column(db.DateTime)
    # Workers that took the validation, then the import (reset on confirmation): after STALE_ATTEMPTS that died
    # (a file that kills its worker, e.g. out of memory) the sweep gives up, with a message, instead of retrying.
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The upload form's 包括隐藏的行: rows hidden in Excel (a filter's) read as any row; left out and named otherwise.
    include_hidden = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    created_by = db.relationship("User")

    @property
    def status_label(self):
        return ImportStatus.label_of(self.status)
