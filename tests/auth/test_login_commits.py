"""A login is one use case: its outcome (last_login_at, the throttle's failures forgotten) is committed once,
and a commit that fails leaves the browser logged out with a page saying so, not half a login."""

import pytest
from sqlalchemy import event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from matchmaker.extensions import db
from matchmaker.models import LoginAttempt, User

from ..factories import make_user
from ..redis_keys import clear_login_keys
from ..security.test_throttle import REDIS, _redis_ok


@pytest.fixture(params=["database", "redis"])
def store(request, make_app):
    """An app whose login throttle counts in the database (the default) or in Redis; an error answers as
    it would in production (a page, the session saved), not raised in the test."""
    extra = {"PROPAGATE_EXCEPTIONS": False}
    if request.param == "database":
        app = make_app(**extra)
    else:
        if not _redis_ok():
            pytest.skip("Redis not reachable")
        import redis

        app = make_app(REDIS_URL=REDIS, RATELIMIT_STORAGE_URI="memory://", **extra)
        clear_login_keys(redis.Redis.from_url(REDIS), app)
    with app.app_context():
        yield request.param, app


def _post(client, email, password):
    return client.post("/auth/login", data={"email": email, "password": password})


def _saves_last_login(session):
    return any(isinstance(o, User) and "last_login_at" in inspect(o).committed_state for o in session.dirty)


def _commits_of(client, email, password):
    """The response to a login and, for each commit made meanwhile, whether it saved last_login_at."""
    commits, wrote = [], []

    def flushing(session, *_):
        wrote.append(_saves_last_login(session))

    def committed(session):
        commits.append(any(wrote))
        wrote.clear()

    listeners = (("before_flush", flushing), ("after_commit", committed), ("after_rollback", lambda _: wrote.clear()))
    for name, fn in listeners:
        event.listen(Session, name, fn)
    try:
        resp = _post(client, email, password)
    finally:
        for name, fn in listeners:
            event.remove(Session, name, fn)
    return resp, commits


def test_a_login_commits_its_outcome_once(store):
    """Right password: the throttle's record of the attempt (made before the check, so workers racing see it;
    none with Redis), then one commit with last_login_at and the failures forgotten."""
    kind, app = store
    user = make_user()
    client = app.test_client()
    assert _post(client, user.email, "wrong-password").status_code == 200
    resp, commits = _commits_of(app.test_client(), user.email, "password123")
    assert resp.status_code == 302
    assert commits == ([False, True] if kind == "database" else [True])
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None
    if kind == "database":  # this address's failure went with the login's commit
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 0


def test_a_failed_login_commits_once_at_most(store):
    """Wrong password: only the throttle's record of the attempt is committed (none with Redis)."""
    kind, app = store
    user = make_user()
    resp, commits = _commits_of(app.test_client(), user.email, "wrong-password")
    assert resp.status_code == 200 and "邮箱或密码不正确" in resp.get_data(as_text=True)
    assert commits == ([False] if kind == "database" else [])


def test_a_login_whose_commit_fails_is_no_login(store):
    """The login's commit fails (the database went away): the page says the login did not happen, nothing of
    it is saved, and the browser is not logged in (the next page asks to log in)."""
    kind, app = store
    user = make_user()

    def fail(session, *_):
        if _saves_last_login(session):
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    client = app.test_client()
    event.listen(Session, "before_flush", fail)
    try:
        resp = _post(client, user.email, "password123")
    finally:
        event.remove(Session, "before_flush", fail)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 503 and "登录未完成" in page and "请稍后重新登录" in page
    assert 'name="password"' in page  # the login form again, the address kept
    assert user.email in page
    nxt = client.get("/dashboard")
    assert nxt.status_code == 302 and "/auth/login" in nxt.headers["Location"]
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is None
    assert _post(client, user.email, "password123").status_code == 302  # it works once the database is back
    assert client.get("/dashboard").status_code == 200


def test_a_throttled_login_commits_nothing(make_app):
    """Past the limit the attempt is refused (429) before anything is written: no commit (it was two, the attempt
    recorded and then taken back), and the failures before it stay counted as they were."""
    app = make_app(LOGIN_MAX_FAILURES=2, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        user = make_user()
        client = app.test_client()
        for _ in range(2):
            assert _post(client, user.email, "wrong-password").status_code == 200
        resp, commits = _commits_of(app.test_client(), user.email, "password123")
        assert resp.status_code == 429 and "登录失败次数过多" in resp.get_data(as_text=True)
        assert int(resp.headers["Retry-After"]) > 0
        assert commits == []
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 2
