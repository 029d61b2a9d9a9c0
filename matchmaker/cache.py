"""What every visitor sees the same (choice lists, zones, unfiltered list counts), kept per process.

An entry names the tables it was read from. A committed write to one of them (through the ORM, or a
bulk insert/update/delete through the session) drops those entries in this process and bumps a
generation file in the instance folder; every worker of the machine checks that file's stamp (one
``stat``) at most once per request and drops its entries when it moved. ``TTL`` bounds how stale an
entry can be elsewhere (a second machine, a write made outside the app).

Where 60 s is too stale (the bureau's contract report), an entry is keyed on a *generation*: a
counter row in the database (``DataGeneration``) that a commit writing one of its tables bumps in
the same transaction, so every process on every machine sees the change with its next read.
"""

import os
import time
from pathlib import Path

from flask import current_app, g, has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session

TTL = 60.0  # seconds
MAX_ENTRIES = 2000  # per process

WATCHED = set()  # tables some entry is read from: writes to others leave every cache alone
GENERATIONS = {"contract": "contracts", "contract_document": "contracts"}  # table -> its counter's name
_BUMP = text(
    "INSERT INTO data_generation (name, counter) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET counter = data_generation.counter + 1"
)  # the same statement on SQLite (3.24+) and PostgreSQL


_AFTER_BUMP = {}  # counter name -> functions run in the committing transaction right after it moved


def after_bump(name, fn):
    """Run ``fn(session)`` in every transaction that moves the ``name`` counter, right after the move:
    the counter's row lock is held, so these run one transaction at a time and read what the previous
    ones committed (what is kept beside the tables, e.g. the report's monthly totals)."""
    _AFTER_BUMP.setdefault(name, []).append(fn)


def watch(*tables):
    """Declare, at import time, tables whose committed writes must drop cached entries."""
    WATCHED.update(tables)


def _state():
    """This app's entries {key: (tables, value, stored_at)} and the generation stamp it last saw."""
    return current_app.extensions.setdefault("matchmaker_cache", {"entries": {}, "stamp": None})


def _generation_file():
    return Path(current_app.instance_path) / "cache-generation"


def _check_generation():
    """Drop every entry when another process wrote since we last looked (once per request)."""
    if g.get("_cache_checked"):
        return
    g._cache_checked = True
    stamp = _stamp_now()
    state = _state()
    if stamp != state["stamp"]:
        state["entries"].clear()
        state["stamp"] = stamp


def enabled():
    """Whether entries are kept (not under TESTING, unless CACHE_IN_TESTS)."""
    return not current_app.config.get("TESTING") or current_app.config.get("CACHE_IN_TESTS")


def cached_value(key, ttl=TTL):
    """The value stored under key (None when absent, older than ttl seconds, or caching is off)."""
    if not enabled():
        return None
    _check_generation()
    hit = _state()["entries"].get(key)
    if hit is not None and time.monotonic() - hit[2] < ttl:
        return hit[1]
    return None


def stamp():
    """The generation file's stamp this request started from (for ``store(..., made_in=...)``)."""
    _check_generation()
    return _state()["stamp"]


def _stamp_now():
    try:
        return os.stat(_generation_file()).st_mtime_ns
    except FileNotFoundError:
        return 0


def store(key, tables, value, made_in=None):
    """Keep value under key until one of tables changes (or TTL passes). With ``made_in`` (from
    ``stamp()`` before value was read), nothing is kept when a write landed meanwhile."""
    if enabled():
        assert set(tables) <= WATCHED, f"declare {tables} with cache.watch() at import time"
        if made_in is not None and _stamp_now() != made_in:
            return
        entries = _state()["entries"]
        if len(entries) > MAX_ENTRIES:  # many distinct pages: start over rather than grow
            entries.clear()
        entries[key] = (frozenset(tables), value, time.monotonic())


def cached(key, tables, loader):
    """The value stored under key, or loader() stored now; dropped when one of tables changes."""
    value = cached_value(key)
    if value is None:
        value = loader()
        store(key, tables, value)
    return value


def invalidate(tables):
    """Drop this process's entries read from tables, and tell the other workers."""
    if not has_app_context():
        return
    tables, state = set(tables), _state()
    for key in [k for k, (t, _, _) in state["entries"].items() if t & tables]:
        state["entries"].pop(key, None)
    try:  # every worker (this one too, at its next request) drops its entries when the stamp moves
        # Written in place, never truncated: on ext4 a truncate-and-rewrite waits for the disk at close
        # (3-6 ms a write request); overwriting the same bytes moves the modification time all the same.
        fd = os.open(_generation_file(), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, str(time.time_ns()).encode(), 0)
        finally:
            os.close(fd)
    except OSError:
        state["entries"].clear()


def bump(session, name):
    """Move the ``name`` counter now, in the session's transaction (and run what follows a move)."""
    session.connection().execute(_BUMP, {"name": name})
    for fn in _AFTER_BUMP.get(name, ()):
        fn(session)


def generation(session, name):
    """The counter of a group of tables as committed (0 before their first write)."""
    value = session.execute(text("SELECT counter FROM data_generation WHERE name = :name"), {"name": name}).scalar()
    return int(value or 0)


def _touched(session):
    return session.info.setdefault("cache_tables", set())


@event.listens_for(Session, "before_flush")
def _note_flush(session, flush_context, instances):
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            _touched(session).add(table)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _touched(state.session).add(table.name)


@event.listens_for(Session, "before_commit")
def _bump_generations(session):
    """Move the counters of the groups this transaction wrote, as its last statement (row lock held briefly)."""
    session.flush()  # the commit's own flush, early: its tables are noted by _note_flush
    names = {GENERATIONS[t] for t in session.info.get("cache_tables", ()) if t in GENERATIONS}
    for name in sorted(names):
        bump(session, name)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    tables = session.info.pop("cache_tables", None)
    if tables and tables & WATCHED:
        invalidate(tables & WATCHED)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("cache_tables", None)
