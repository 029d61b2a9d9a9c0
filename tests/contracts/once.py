"""A fixture's rows made once per module and copied into each test's empty database.

A signed contract costs a PDF and three bounded verifications (each a child process): seconds on a quiet machine,
tens of seconds on a busy one. On in-memory SQLite the first test of a module makes its rows as before and keeps a
copy of the whole database (SQLite's backup API, as tests/conftest.py copies the empty schema); every later test
gets that copy in its own new database and the same objects loaded again by id, so what one test changes is never
seen by another. On PostgreSQL every test makes its rows."""

import sqlite3
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import inspect

from matchmaker.extensions import db

from ..conftest import DB_URL


def made_once(store, make):
    """``make()`` (a SimpleNamespace of model objects) once per ``store`` (a module-scoped dict); a copy afterwards."""
    if DB_URL or current_app.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://":
        return make()
    if "copy" not in store:
        made = make()
        db.session.commit()
        ids = {name: (type(obj), inspect(obj).identity[0]) for name, obj in vars(made).items()}
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        on_raw(lambda conn: conn.backup(copy))
        store.update(copy=copy, ids=ids)
        return made
    db.session.remove()  # nothing of this test's session is left before its database is replaced
    on_raw(lambda conn: store["copy"].backup(conn))
    return SimpleNamespace(**{name: db.session.get(cls, key) for name, (cls, key) in store["ids"].items()})


def on_raw(use):
    """``use(the SQLite driver connection)`` of one of the engine's pooled connections, handed back after."""
    conn = db.engine.raw_connection()
    try:
        use(conn.driver_connection)
    finally:
        conn.close()
