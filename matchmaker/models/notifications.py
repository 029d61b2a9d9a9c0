"""In-app notifications."""

from ..extensions import db
from .base import utcnow


class Notification(db.Model):
    """A message for one user: a new suggestion, an introduction, an expiry."""

    __tablename__ = "notification"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    text = db.Column(db.String(500), nullable=False)
    link = db.Column(db.String(300))
    read_at = db.Column(db.DateTime)
    emailed_at = db.Column(db.DateTime)
    digested_at = db.Column(db.DateTime, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    user = db.relationship("User")

    # The list pages read a user's notes newest first, twenty at a time: in these orders, not sorted each
    # time (100,000 notes of one user took 0.25 s to sort per page). The unread index also counts the bell.
    __table_args__ = (
        db.Index("ix_notification_user_read", "user_id", "read_at", "created_at", "id"),
        db.Index("ix_notification_user_created", "user_id", "created_at", "id"),
    )
