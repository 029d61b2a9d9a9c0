"""A pooled PostgreSQL connection is pinged only after it sat unused; one dropped meanwhile is replaced."""

import time

import pytest
from sqlalchemy import text

from matchmaker.extensions import db

from ..conftest import DB_URL

pytestmark = pytest.mark.skipif(not DB_URL, reason="PostgreSQL only: SQLite has no server to drop a connection")


@pytest.fixture
def pinged_app(make_app):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0}, DATABASE_PING_AFTER_IDLE=0.3)
    with app.app_context():
        yield app


def pings_during(work):
    seen = []
    dialect = db.engine.dialect
    original = dialect.do_ping

    def counting(dbapi_conn):
        seen.append(dbapi_conn)
        return original(dbapi_conn)

    dialect.do_ping = counting
    try:
        work()
    finally:
        del dialect.do_ping
    return len(seen)


def one_request():
    db.session.scalar(text("SELECT 1"))
    db.session.remove()


def test_steady_use_is_not_pinged_and_an_idle_connection_is(pinged_app):
    one_request()
    assert pings_during(lambda: [one_request() for _ in range(5)]) == 0
    time.sleep(0.4)
    assert pings_during(one_request) == 1


def test_a_connection_dropped_while_idle_is_replaced(pinged_app):
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.remove()
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(DB_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.4)
    assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid  # no error: reconnected
    db.session.remove()
