"""The database a benchmark fills: MATCHMAKER_DATABASE_URL's when set, else a SQLite file in the temp folder
kept between runs with ``--reuse``; filled once per row count."""

import os
import sys
import tempfile
import time
from pathlib import Path


def build_app(db_url, instance):
    """The app on the benchmark's database (CSRF off: the test client posts forms)."""
    os.environ.setdefault("MATCHMAKER_INSTANCE_PATH", instance)
    from matchmaker import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-secret-key", "WTF_CSRF_ENABLED": False})


def database_url(stem, n, reuse, instance):
    """(URL, on PostgreSQL?): the configured PostgreSQL database, or the SQLite file ``<stem>-<n>.sqlite`` in
    the temp folder (removed first unless ``reuse``)."""
    pg = os.environ.get("MATCHMAKER_DATABASE_URL")
    if pg:
        from matchmaker.config import database_uri

        return database_uri(pg, instance), True
    path = Path(tempfile.gettempdir()) / f"{stem}-{n}.sqlite"
    if path.exists() and not reuse:
        path.unlink()
    return f"sqlite:///{path}", False


def fill_once(model, n, fill, keep):
    """In an app context: the schema made, and ``fill(n)`` run unless ``keep`` (reuse, or PostgreSQL) and
    ``model`` already has n rows; otherwise every table is dropped first."""
    from matchmaker.extensions import db

    have = 0
    if keep:
        db.create_all()
        have = db.session.scalar(db.select(db.func.count(model.id)))
        db.session.remove()  # release the read lock before drop_all
    if have != n:
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        fill(n)
        print(f"# filled {n} rows of each in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
