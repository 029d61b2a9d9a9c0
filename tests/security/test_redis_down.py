"""Redis unreachable (stopped, or a machine pointed at the wrong port): rate limits and the login
throttle are Redis-backed, but users still log in and writes still go through."""

from matchmaker.extensions import db
from matchmaker.models import LoginAttempt

from ..factories import make_user

DOWN = "redis://127.0.0.1:1/7"  # nothing listens on port 1: connection refused


def test_login_and_limited_pages_work_while_redis_is_down(make_app):
    app = make_app(REDIS_URL=DOWN, RATELIMIT_STORAGE_URI=DOWN, LOGIN_MAX_FAILURES=2)
    with app.app_context():
        user = make_user()
        c = app.test_client()
        resp = c.post("/auth/login", data={"email": user.email, "password": "password123"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
        assert c.get("/dashboard").status_code == 200
        # still throttled meanwhile, counted in the database
        other, c = make_user(), app.test_client()
        for _ in range(2):
            assert c.post("/auth/login", data={"email": other.email, "password": "wrong"}).status_code == 200
        resp = c.post("/auth/login", data={"email": other.email, "password": "password123"})
        assert resp.status_code == 429 and "登录失败次数过多" in resp.get_data(as_text=True)
        assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) >= 2


def test_a_password_reset_by_mail_works_while_redis_is_down(make_app, monkeypatch):
    """The reset clears the lock-out the database counted meanwhile, and the new password logs in."""
    import re

    sent = []
    monkeypatch.setattr("matchmaker.auth.reset.send_mail", lambda *mail: sent.append(mail))
    app = make_app(REDIS_URL=DOWN, RATELIMIT_STORAGE_URI=DOWN, LOGIN_MAX_FAILURES=2)
    with app.app_context():
        user, c = make_user(), app.test_client()
        for _ in range(3):
            c.post("/auth/login", data={"email": user.email, "password": "wrong"})
        assert c.post("/auth/login", data={"email": user.email, "password": "password123"}).status_code == 429
        c.post("/auth/forgot", data={"email": user.email})
        link = re.search(r"(/auth/reset\?token=\S+)", sent[0][2]).group(1)
        key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', c.get(link).get_data(as_text=True)).group(1)
        new = "Zq8-reset-redis-down"
        resp = c.post(link, data={"password": new, "password2": new, "submission_key": key})
        assert resp.status_code == 302
        assert c.post("/auth/login", data={"email": user.email, "password": new}).status_code == 302


def test_signing_password_checks_go_on_while_redis_is_down(make_app):
    """The online-signing password limiter falls back to this process's count instead of a 500."""
    import pytest

    from matchmaker.contracts import signing_services as svc

    app = make_app(REDIS_URL=DOWN, RATELIMIT_STORAGE_URI=DOWN, SIGNING_PASSWORD_MAX_FAILURES=2)
    with app.app_context():
        user = make_user()
        svc._confirm_password(user, "password123")
        for _ in range(2):
            with pytest.raises(svc.SigningError, match="密码不正确"):
                svc._confirm_password(user, "wrong")
        with pytest.raises(svc.SigningError, match="密码错误次数过多"):
            svc._confirm_password(user, "password123")


def test_a_redis_that_never_answers_holds_no_login(make_app):
    """A Redis that accepts connections but never answers (a frozen server): each client gives up after
    REDIS_SOCKET_TIMEOUT and falls back, so the login goes through instead of hanging; the job queue's
    client has the same timeouts."""
    import socket
    import threading

    from matchmaker.jobs import queue

    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(16)  # connections complete in the backlog; nothing is ever read or answered
    url = f"redis://127.0.0.1:{frozen.getsockname()[1]}/7"
    try:
        app = make_app(REDIS_URL=url, RATELIMIT_STORAGE_URI=url, REDIS_SOCKET_TIMEOUT=0.5)
        answers = []
        with app.app_context():
            email = make_user().email

        def login():
            with app.app_context():
                c = app.test_client()
                answers.append(c.post("/auth/login", data={"email": email, "password": "password123"}).status_code)

        t = threading.Thread(target=login, daemon=True)
        t.start()
        t.join(timeout=20)
        assert answers == [302]
        from matchmaker.auth import throttle

        with app.test_request_context():
            client = throttle._RedisStore().r
        assert client.connection_pool.connection_kwargs["socket_timeout"] == 0.5
        assert app.config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] == 0.5
        storage = queue.TimedRedisStorage("mm-frozen", url=url, socket_timeout=2.5, socket_connect_timeout=0.5)
        assert storage.conn.connection_pool.connection_kwargs["socket_timeout"] == 2.5
    finally:
        frozen.close()
