"""Listings as engine documents: which listings take part, their text and their token cache."""

from sqlalchemy import bindparam, or_, update

from ..extensions import db
from ..matching.docs import Doc, tokenize_doc
from ..models import ACTIVE_STATUSES, Result, TechNeed
from ..models.base import today

KINDS = {"need": TechNeed, "result": Result}
BODY_FIELDS = {
    "need": ("summary", "problem", "indicators", "conditions"),
    "result": ("abstract", "detail", "advantages"),
}


def kind_of(listing) -> str:
    """Return "need" or "result" for a listing object."""
    return "need" if isinstance(listing, TechNeed) else "result"


def model_of(kind: str):
    """Return the model class of a kind, or raise ValueError."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown listing kind {kind!r}") from None


def is_active(listing) -> bool:
    """Published or docking, and not past its validity date."""
    if listing.status not in ACTIVE_STATUSES:
        return False
    return listing.valid_until is None or listing.valid_until >= today()


def active_clause(model):
    """SQL condition selecting the listings that take part in matching."""
    return model.status.in_(ACTIVE_STATUSES) & or_(model.valid_until.is_(None), model.valid_until >= today())


def body_text(kind: str, listing) -> str:
    """The body text the engine matches on (all descriptive fields, confidential ones included)."""
    return "\n".join(getattr(listing, f) or "" for f in BODY_FIELDS[kind])


def valid_cache(tokens) -> bool:
    """A token cache in the engine's format: three fields separated by newlines."""
    return bool(tokens) and tokens.count("\n") == 2


def make_doc(kind: str, row, retokenize=False) -> Doc:
    """An engine document for a listing (or a row with the same attributes)."""
    tokens = row.tokens if (valid_cache(row.tokens) and not retokenize) else None
    return Doc(row.id, row.title or "", row.keywords or "", body_text(kind, row), tokens)


def ensure_tokens(kind: str, row, retokenize=False):
    """Return the row's Doc with its token cache, and the cache string when it had to be computed."""
    doc = make_doc(kind, row, retokenize)
    if doc.tokens is not None:
        return doc, None
    doc = tokenize_doc(doc)
    return doc, doc.tokens


def store_tokens(kind: str, items) -> None:
    """Write token caches [(id, tokens, updated_at)] without touching the listings' updated_at."""
    if not items:
        return
    table = model_of(kind).__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(tokens=bindparam("_tokens"), updated_at=bindparam("_updated"))
    )
    params = [{"_id": i, "_tokens": t, "_updated": u} for i, t, u in items]
    db.session.connection().execute(stmt, params)


def load_columns(kind: str):
    """Columns read for bulk indexing (no ORM objects)."""
    m = model_of(kind)
    cols = [m.id, m.title, m.keywords, m.tokens, m.updated_at]
    return cols + [getattr(m, f) for f in BODY_FIELDS[kind]]
