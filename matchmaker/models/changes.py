"""The change log: one row per committed change to what the matching engines read.

Every transaction that writes a need, a result or a domain word appends ``ListingChange`` rows
in the same transaction, just before it commits (``record_changes``). Engines in every process
apply the rows in id order from the last id they saw, so a change is never skipped however long
its transaction ran (the watermark on ``updated_at`` it replaces missed those). The ids follow
commit order: SQLite has one writer at a time, and on PostgreSQL the rows are written under a
transaction-level advisory lock taken right before COMMIT, so no later id becomes visible first.
"""

from sqlalchemy import event, insert, text

from ..extensions import db
from .base import utcnow
from .listings import DomainTerm, Result, TechNeed

DICTIONARY = "dictionary"  # kind of a domain-dictionary change (listing_id None)
_KINDS = {TechNeed: "need", Result: "result"}
_INFO_KEY = "matchmaker_changes"
_ADVISORY_KEY = 0x6D6D_6368  # "mmch": serialises change-log writers on PostgreSQL
# Writes to these columns alone (caches and bookkeeping) do not change what is matched.
_IGNORED = {"tokens", "search_tokens", "updated_at"}


class ListingChange(db.Model):
    """A committed change of one listing (kind need/result) or of the domain dictionary."""

    __tablename__ = "listing_change"
    __table_args__ = (
        # ensure_dictionary() asks for the newest dictionary change before every tokenisation
        db.Index("ix_listing_change_kind_id", "kind", "id"),
        {"sqlite_autoincrement": True},  # ids never reused, even after pruning
    )
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False)
    listing_id = db.Column(db.Integer)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


def _changed(session, obj) -> bool:
    state = db.inspect(obj)
    if state.was_deleted or state.deleted or obj in session.new:
        return True
    for attr in state.attrs:
        if attr.key not in _IGNORED and attr.history.has_changes():
            return True
    return False


def _collect(session, flush_context):
    """After each flush (ids known, history still there): remember which listings changed."""
    keys = session.info.setdefault(_INFO_KEY, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = _KINDS.get(type(obj))
        if kind is not None and obj.id is not None and _changed(session, obj):
            keys.add((kind, obj.id))
        elif isinstance(obj, DomainTerm):
            keys.add((DICTIONARY, None))


def record_changes(session):
    """Before COMMIT: write the collected changes as log rows in the same transaction."""
    session.flush()  # the final flush happens after this hook; run it now to collect its changes
    keys = session.info.pop(_INFO_KEY, None)
    if not keys:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    now = utcnow()
    rows = [{"kind": k, "listing_id": i, "created_at": now} for k, i in sorted(keys, key=lambda x: (x[0], x[1] or 0))]
    conn.execute(insert(ListingChange.__table__), rows)


def _forget(session, *args):
    session.info.pop(_INFO_KEY, None)


def listen(session_target) -> None:
    """Install the hooks on a session (class, factory or scoped session)."""
    if not event.contains(session_target, "after_flush", _collect):
        event.listen(session_target, "after_flush", _collect)
        event.listen(session_target, "before_commit", record_changes)
        event.listen(session_target, "after_rollback", _forget)


def latest_id(session) -> int:
    """The id of the newest change (0 when none), read before loading listings for a refit."""
    return session.scalar(db.select(db.func.max(ListingChange.id))) or 0


listen(db.session)
