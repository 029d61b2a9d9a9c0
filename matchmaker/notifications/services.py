"""Notifications: one function every area calls to tell a user something."""

from ..extensions import db
from ..models import Notification


def notify(user_or_id, kind, text, link=None, commit=False):
    """Queue an in-app notification (e-mail, when configured, goes out with the digest)."""
    user_id = getattr(user_or_id, "id", user_or_id)
    if user_id is None:
        return None
    note = Notification(user_id=user_id, kind=kind, text=text[:500], link=link)
    db.session.add(note)
    if commit:
        db.session.commit()
    return note
