"""One-time submission keys: a create or state-changing form is carried out once per key."""

from ..extensions import db
from .base import utcnow


class SubmissionKey(db.Model):
    """A form's one-time key and the row its first submit made (or changed).

    The unique key makes a repeated or concurrent submit fail inside its own transaction,
    which then answers with the first one's row instead of making another."""

    __tablename__ = "submission_key"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(64), nullable=False, unique=True)
    entity = db.Column(db.String(30), nullable=False)  # need / result / contract / event / suggestion / ...
    entity_id = db.Column(db.Integer)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # A form making a row: where it was sent and a hash of each field it sent (utils/once.py), so that the
    # form reached again by 后退 and sent with other values is told apart from a repeat of the first submit.
    path = db.Column(db.String(200))
    sent = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
