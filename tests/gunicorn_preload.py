"""gunicorn settings for the servers the tests start with several workers (``gunicorn_args`` in tests/procs.py).

The app is made once, in the master, and forked into each worker (``preload_app``): a server with N workers
imported the project and built the app N times (about 2 s of CPU each), now once. Nothing that a fork would
share is open by then (``create_app`` opens no database connection, and Huey's SQLite storage closes the one it
made its tables with); each worker still drops the pool it inherited, as SQLAlchemy advises after a fork."""

preload_app = True


def post_fork(server, worker):
    from matchmaker.extensions import db
    from matchmaker.jobs import queue

    with queue.bound_app().app_context():
        db.engine.dispose(close=False)  # a connection the master had opened stays the master's
