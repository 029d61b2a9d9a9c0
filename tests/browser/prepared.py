"""The states the browser servers start from, made once per run and copied for each server.

``live_server`` starts from ``init-db`` and one admin, ``demo_server`` from ``init-db`` and ``flask demo``
(about 25 s of CPU: 30 accounts, three signed contract PDFs, the first index). Each xdist worker used to
make them for its own servers. Now the first test process that collects tests needing a state starts
making it in the background (``start``: a child process holding the state's lock), and a server waits on
that lock and takes a copy (``copy``): of the SQLite file, or a PostgreSQL database made with the prepared
one as its template, and of the instance folder that goes with it (signing keys, search index, secret
key). These commands leave nothing queued, so a copy serving under its own queue name loses nothing.
tests/conftest.py removes the run folder and drops the prepared PostgreSQL databases, and every copy made of
them, at the end of the run.

``python -m tests.browser.prepared NAME`` (from the project folder) makes the state NAME, as ``start`` does.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from ..procs import dies_with_parent

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin@journey.cn", "admin-pass-123")
# The flask commands after init-db that make each state.
STATES = {
    "admin": [["create-admin", "--email", ADMIN[0], "--name", "旅程管理员", "--password", ADMIN[1]]],
    "demo": [["demo"]],
}


_makers = []  # the background makers this process started, reaped by ``copy`` and ``finish``


def _run_dir():
    return Path(os.environ["MATCHMAKER_TEST_RUN_DIR"])  # made by tests/conftest.py for the run


def database(tmp, template=None):
    """A database for a server: a SQLite file in ``tmp``, or a new PostgreSQL database (a copy of the
    database named ``template`` when given); its URL and a function dropping it (None for SQLite)."""
    base = os.environ.get("MATCHMAKER_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'journey.sqlite'}", None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mm_journey_{uuid.uuid4().hex[:8]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def _database_name(url):
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _drop_at_end(url):
    """List the PostgreSQL database for tests/conftest.py to drop at the end of the run."""
    with open(_run_dir() / "drop-databases", "a") as listed:
        listed.write(_database_name(url) + "\n")


def _make(name):
    """Make the state in the run folder (the caller holds its lock); a half-made one is made again."""
    run = _run_dir()
    home = run / name
    if (home / "database").exists():
        return
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    url, _ = database(home)
    if os.environ.get("MATCHMAKER_DATABASE_URL"):
        _drop_at_end(url)
    env = dict(os.environ, MATCHMAKER_INSTANCE_PATH=str(home / "instance"), MATCHMAKER_DATABASE_URL=url)
    env["MATCHMAKER_JOBS_QUEUE_NAME"] = f"prepared-{uuid.uuid4().hex[:8]}"
    env.pop("CI", None)
    commands = [["init-db", "--no-warm-up"], *STATES[name]]  # the run's controller warmed the engine up
    done = subprocess.run(dies_with_parent([sys.executable, "-c", _COMMANDS, json.dumps(commands)]), env=env,
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"flask {commands} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    (home / "database").write_text(url)


# The state's flask commands in one process, as ``flask --app matchmaker COMMAND`` runs each: one import of the
# project and one app for all of them instead of one per command (about 2 s of CPU each).
_COMMANDS = """
import json, sys, traceback
from matchmaker import create_app
app = create_app()
for command in json.loads(sys.argv[1]):
    with app.app_context():  # as the flask command pushes one for the command it runs
        result = app.test_cli_runner().invoke(args=command)
    print(result.output)
    if result.exit_code:
        if result.exc_info and not isinstance(result.exception, SystemExit):
            traceback.print_exception(*result.exc_info)
        sys.exit(f"flask {' '.join(command)} failed ({result.exit_code})")
"""


def start(name):
    """Start making the state in the background unless another process is making or has made it."""
    lock = open(_run_dir() / f"{name}.lock", "w")  # noqa: SIM115 -- handed to the child, closed here
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return
    try:
        if (_run_dir() / name / "database").exists():
            return
        # The child inherits the locked file (flock belongs to the open file, not the process): the lock
        # is held until it exits. Its output goes to a log beside the state; a failure shows in ``copy``.
        with open(_run_dir() / f"{name}.log", "w") as log:
            maker = subprocess.Popen(dies_with_parent([sys.executable, "-m", "tests.browser.prepared", name]),
                                     cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, pass_fds=(lock.fileno(),))  # fmt: skip
        _makers.append(maker)
    finally:
        lock.close()


def finish():
    """Stop and reap the makers this process started (at the end of its session): a state still being made
    is made by the next process that needs it."""
    for maker in _makers:
        if maker.poll() is None:
            maker.terminate()
        maker.wait()
    _makers.clear()


def _copy_sqlite(source, target):
    """A copy of the SQLite database through SQLite's backup API: everything the maker committed, in the file or
    still in its write-ahead log (a process the tests start exits without closing its connections,
    tests/startup/sitecustomize.py, so the log may not have been merged into the file: a copy of the file alone
    missed the last transactions)."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(source)) as given, closing(sqlite3.connect(target)) as copied:
        given.backup(copied)


def copy(name, tmp):
    """A copy of the state for one server in ``tmp`` (made here if it is not made yet): (database URL,
    drop function or None, instance folder)."""
    with open(_run_dir() / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # while a background maker makes it
        for maker in _makers:
            maker.poll()  # reaped once done
        _make(name)
    home = _run_dir() / name
    shutil.copytree(home / "instance", tmp / "instance")
    url = (home / "database").read_text()
    if url.startswith("sqlite:///"):
        _copy_sqlite(url.removeprefix("sqlite:///"), tmp / "journey.sqlite")
        return f"sqlite:///{tmp / 'journey.sqlite'}", None, tmp / "instance"
    url, drop = database(tmp, template=_database_name(url))
    # Listed for the run's end as well: a server's own drop (after it stops, in a thread) was seen not to
    # happen once in a loaded CI run, leaving four copies behind.
    _drop_at_end(url)
    return url, drop, tmp / "instance"


if __name__ == "__main__":
    _make(sys.argv[1])  # under the lock inherited from ``start``
