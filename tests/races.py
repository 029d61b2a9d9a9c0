"""Requests at the same moment: each call in its own thread, app context and database session.

Used with the ``file_app`` fixture (tests/conftest.py), an app whose connections really run side by side
(a SQLite file, or the PostgreSQL test database)."""

import threading

from sqlalchemy import event

from matchmaker.extensions import db


def at_once(app, calls, refused=Exception):
    """Run the calls at the same moment; per call "ok" or the words of its refusal.

    A call is ``prepare()``, run in its thread before the start (it loads what the request's page would
    have read), returning the action that every thread then runs together. A refusal is an instance of
    ``refused``; anything else fails the test. Keep the calls within the connection pool (15 on the test
    apps): a thread waiting for a connection never reaches the start line, and the others wait forever."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, prepare):
        with app.app_context():
            try:
                action = prepare()
                barrier.wait()
                try:
                    action()
                    outcomes[i] = "ok"
                except refused as exc:
                    outcomes[i] = str(exc)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes[i] = f"unexpected {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(str(o).startswith("unexpected") for o in outcomes), outcomes
    return outcomes


def posts_at_once(clients, url, bodies):
    """Each client posts its body to ``url`` at the same moment (a double click's two requests, or two users');
    their answers in the clients' order. ``bodies`` is one form for all, or one per client."""
    bodies = bodies if isinstance(bodies, (list, tuple)) else [bodies] * len(clients)
    barrier, answers = threading.Barrier(len(clients)), [None] * len(clients)

    def post(i):
        barrier.wait()
        answers[i] = clients[i].post(url, data=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def after_another(app, prepare, other, refused=Exception):
    """A request that loaded its page's rows (``prepare``, in its own thread and session, returning the action)
    before another request (``other``, in another app context and session) committed, and acts after it: "ok" or
    the words of its refusal. The order is fixed: what the action checks against the copy it loaded, and not
    against the committed row, shows every time."""
    loaded, go, outcome = threading.Event(), threading.Event(), []

    def run():
        with app.app_context():
            try:
                action = prepare()
                loaded.set()
                go.wait(timeout=120)
                try:
                    action()
                    outcome.append("ok")
                except refused as exc:
                    outcome.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome.append(f"unexpected {exc!r}")
            finally:
                loaded.set()
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    loaded.wait(timeout=120)
    try:
        with app.app_context():
            other()
            db.session.remove()
    finally:
        go.set()
        thread.join(timeout=120)
    assert outcome and not outcome[0].startswith("unexpected"), outcome
    return outcome[0]


def paused_after_read(app, read_matches, first, second):
    """A run (``first``, in its own thread, app context and session) paused right after its statement that
    ``read_matches(sql)`` picks, while another (``second``) runs whole and commits; then the first goes on. Returns
    what ``second`` returned. The order is fixed: a run that acts on what it read without claiming it first (a
    reminder written for every row read) shows every time."""
    read, go, errors, me = threading.Event(), threading.Event(), [], [None]

    def after_read(conn, cursor, statement, *args):
        if threading.get_ident() == me[0] and not read.is_set() and read_matches(statement):
            read.set()
            go.wait(timeout=60)

    def run():
        me[0] = threading.get_ident()
        with app.app_context():
            try:
                first()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                read.set()
                db.session.remove()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", after_read)
    try:
        thread = threading.Thread(target=run)
        thread.start()
        assert read.wait(timeout=60)
        with app.app_context():
            answer = second()
            db.session.remove()
        go.set()
        thread.join(timeout=60)
    finally:
        go.set()
        event.remove(engine, "after_cursor_execute", after_read)
    assert not errors, errors
    return answer


def notified(app, kind):
    """The users notified of ``kind`` (one entry a notification, sorted), read in a session of its own."""
    from matchmaker.models import Notification

    with app.app_context():
        got = sorted(db.session.scalars(db.select(Notification.user_id).filter_by(kind=kind)))
        db.session.remove()
    return got
