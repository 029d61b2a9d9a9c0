"""Loading one row for an API view: ids out of range are simply not found (never a database error)."""

from ..extensions import db
from .errors import ApiError
from .schemas import MAX_ID


def get_or_404(model, ident):
    """The row with that id, or ApiError 404 (also for ids no integer column can hold)."""
    if not 0 < ident <= MAX_ID:
        raise ApiError(404)
    row = db.session.get(model, ident)
    if row is None:
        raise ApiError(404)
    return row
