"""What SQL a piece of work runs, for tests that check what a page or poll reads."""

from contextlib import contextmanager

from sqlalchemy import event

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
