"""Requests at the same moment: each call in its own thread, app context and database session.

Used with the ``file_app`` fixture (tests/conftest.py), an app whose connections really run side by side
(a SQLite file, or the PostgreSQL test database)."""

import threading

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
