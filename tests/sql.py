"""What SQL a piece of work runs, for tests that check what a page or poll reads."""

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.extensions import db


@contextmanager
def statements():
    """The statements run meanwhile, each as (SQL, the names of the columns it returns)."""
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append((statement, [d[0] for d in cursor.description or ()]))

    event.listen(db.engine, "after_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", note)


@contextmanager
def bound_parameters():
    """How many parameters each statement run meanwhile binds (PostgreSQL refuses more than 65,535)."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(len(parameters or ()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@contextmanager
def page_id_reads(table="match_suggestion"):
    """The statements run meanwhile that read a page of ``table``'s ids (its id selected, with a LIMIT), each as
    (SQL, its parameters): what a list's paging reads, for tests of its plans and offsets."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if f"{table}.id" in statement.split("FROM", 1)[0] and "LIMIT" in statement.upper():
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@contextmanager
def commits():
    """For each commit made meanwhile, the sorted kinds of rows it wrote: a model's name for a row added or changed,
    with "-" after it for one deleted, and a table's name with "-" for a bulk DELETE (no flush). What a rollback
    undid is not counted."""
    made, wrote = [], set()

    def flushing(session, *_):
        for obj in (*session.new, *session.dirty, *session.deleted):
            wrote.add(type(obj).__name__ + ("-" if obj in session.deleted else ""))

    def executed(state):  # a bulk DELETE (the throttle's expired or forgotten records) is no flush
        if state.is_delete:
            wrote.add(state.statement.table.name + "-")

    def committed(session):
        made.append(sorted(wrote))
        wrote.clear()

    listeners = (
        ("before_flush", flushing), ("do_orm_execute", executed), ("after_commit", committed),
        ("after_rollback", lambda _: wrote.clear()),
    )  # fmt: skip
    for name, fn in listeners:
        event.listen(Session, name, fn)
    try:
        yield made
    finally:
        for name, fn in listeners:
            event.remove(Session, name, fn)
