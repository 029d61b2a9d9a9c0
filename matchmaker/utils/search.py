"""The one rule for a search box's "contains" filter over text columns."""

from sqlalchemy import or_

__all__ = ["contains_any"]


def contains_any(q: str, *columns):
    """Rows where any of the columns contains q, case-insensitively; % and _ are characters to find,
    not LIKE wildcards (a search for % used to list every row)."""
    return or_(*(col.icontains(q, autoescape=True) for col in columns))
