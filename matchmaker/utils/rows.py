"""The one way a list's rows are counted."""

from sqlalchemy import func

from ..extensions import db

__all__ = ["count_rows"]


def count_rows(stmt):
    """How many rows a select statement returns: counted over it as a subquery, its ORDER BY dropped (a
    count needs no order, and an ordered subquery made PostgreSQL sort every row first)."""
    return db.session.scalar(db.select(func.count()).select_from(stmt.order_by(None).subquery()))
