"""Login throttling: per account and address, per account, shared by every worker (issue 13)."""

import os

import pytest

from matchmaker.extensions import db
from matchmaker.models import LoginAttempt, User

from ..factories import make_user
from ..redis_keys import clear_login_keys, login_keys_pattern

REDIS = os.environ.get("MATCHMAKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def _redis_ok():
    try:
        import redis

        return redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


@pytest.fixture(params=["database", "redis"])
def throttled(request, make_app):
    """An app whose throttle counts in the database (the default) or in Redis; small limits
    (4 per account and address, 8 per account) keep the number of scrypt checks down."""
    limits = {"LOGIN_MAX_FAILURES": 4, "LOGIN_ACCOUNT_MAX_FAILURES": 8}
    if request.param == "redis":
        if not _redis_ok():
            if os.environ.get("CI") == "true":
                pytest.fail("Redis not reachable under CI")
            pytest.skip("Redis not reachable")
        import redis

        app = make_app(REDIS_URL=REDIS, RATELIMIT_STORAGE_URI="memory://", **limits)
        clear_login_keys(redis.Redis.from_url(REDIS), app)
    else:
        app = make_app(**limits)
    with app.app_context():
        yield app


def _post(client, email, password, addr):
    return client.post("/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr})


def test_the_attempt_past_the_limit_is_refused(throttled):
    """Four wrong passwords from one address; the fifth attempt is refused, right password or not."""
    user = make_user()
    c = throttled.test_client()
    for _ in range(4):
        assert _post(c, user.email, "wrong-password", "10.0.0.1").status_code == 200
    resp = _post(c, user.email, "password123", "10.0.0.1")
    assert resp.status_code == 429 and "登录失败次数过多" in resp.get_data(as_text=True)


def test_a_locked_account_does_not_lock_other_accounts_at_that_address(throttled):
    """Behind a proxy everyone may share one address: other accounts still log in from it."""
    victim, other = make_user(), make_user()
    c = throttled.test_client()
    for _ in range(6):
        _post(c, victim.email, "wrong-password", "10.0.0.1")
    assert _post(throttled.test_client(), other.email, "password123", "10.0.0.1").status_code == 302


def test_the_owner_still_logs_in_from_another_address(throttled):
    """An attacker at one address does not lock the owner out (below the account-wide limit)."""
    victim = make_user()
    c = throttled.test_client()
    for _ in range(6):
        _post(c, victim.email, "wrong-password", "10.0.0.66")
    assert _post(throttled.test_client(), victim.email, "password123", "10.0.0.2").status_code == 302


def test_guesses_spread_over_addresses_hit_the_account_limit(throttled):
    """Failures from many addresses lock the account itself (8 here, 30 by default)."""
    victim = make_user()
    c = throttled.test_client()
    statuses = [_post(c, victim.email, "wrong-password", f"10.1.{i % 3}.1").status_code for i in range(10)]
    assert statuses.count(200) == 8 and statuses[8:] == [429] * 2
    assert _post(throttled.test_client(), victim.email, "password123", "10.9.9.9").status_code == 429


def test_a_password_reset_by_mail_ends_the_accounts_lock_out_and_no_other(throttled):
    """throttle.forget (a reset link proved the mailbox): the owner logs in again; another locked account stays locked."""
    from matchmaker.auth import throttle

    victim, other = make_user(), make_user()
    c = throttled.test_client()
    for who in (victim, other):
        for i in range(8):
            _post(c, who.email, "wrong-password", f"10.2.{i % 3}.1")
        assert _post(c, who.email, "password123", "10.9.9.9").status_code == 429
    throttle.forget(victim.email.upper())  # in the reset's transaction: Redis's by a job once it commits
    db.session.commit()
    assert _post(throttled.test_client(), victim.email, "password123", "10.9.9.9").status_code == 302
    assert _post(throttled.test_client(), other.email, "password123", "10.9.9.9").status_code == 429


def test_success_forgets_the_failures_from_that_address(throttled):
    user = make_user()
    c = throttled.test_client()
    for _ in range(3):
        _post(c, user.email, "wrong-password", "10.0.0.3")
    assert _post(throttled.test_client(), user.email, "password123", "10.0.0.3").status_code == 302
    for _ in range(3):
        assert _post(c, user.email, "wrong-password", "10.0.0.3").status_code == 200


def test_old_attempts_are_deleted(app, client):
    """Rows older than the window are removed as new attempts come in (database store)."""
    from datetime import timedelta

    from matchmaker.models.base import utcnow

    db.session.add(LoginAttempt(account="x@example.cn", address="1.2.3.4", created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    _post(client, "y@example.cn", "whatever-pass", "1.2.3.4")
    accounts = db.session.scalars(db.select(LoginAttempt.account)).all()
    assert accounts == ["y@example.cn"]


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(make_app):
    """A client cannot pick its own address with X-Forwarded-For; behind a trusted proxy it is read."""
    for trusted, expect in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = make_app(TRUSTED_PROXIES=trusted)
        with app.app_context():
            app.test_client().post(
                "/auth/login", data={"email": "n@example.cn", "password": "x-x-x-x-x-x"},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )  # fmt: skip
            assert db.session.scalars(db.select(LoginAttempt.address)).all() == [expect]
            db.session.remove()


def _age_attempts(app, seconds):
    """Move every recorded attempt `seconds` into the past, in whichever store the app counts in."""
    if app.config.get("REDIS_URL"):
        import redis

        r = redis.Redis.from_url(app.config["REDIS_URL"])
        for key in r.scan_iter(login_keys_pattern(app)):
            r.zadd(key, {member: score - seconds for member, score in r.zrange(key, 0, -1, withscores=True)})
    else:
        from datetime import timedelta

        for row in db.session.scalars(db.select(LoginAttempt)):  # in Python: SQLite has no datetime arithmetic
            row.created_at -= timedelta(seconds=seconds)
        db.session.commit()


@pytest.mark.parametrize("addresses", [1, 4], ids=["one-address", "many-addresses"])
def test_the_refusal_tells_the_minutes_really_left(throttled, addresses):
    """Attack 2026-12: the refusal always said 「请 15 分钟后再试」; ten minutes after the failures the
    attempt that is refused says 5 minutes (the account-wide limit alike), and 15 just after them."""
    user = make_user()
    c = throttled.test_client()
    n = 4 if addresses == 1 else 8
    for i in range(n):
        assert _post(c, user.email, "wrong-password", f"10.2.0.{i % addresses}").status_code == 200
    resp = _post(c, user.email, "password123", "10.2.0.0")
    assert resp.status_code == 429 and "请 15 分钟后再试" in resp.get_data(as_text=True)
    _age_attempts(throttled, 600)
    resp = _post(c, user.email, "password123", "10.2.0.0")
    assert resp.status_code == 429 and "请 5 分钟后再试" in resp.get_data(as_text=True)
    _age_attempts(throttled, 300)  # the window has passed: the right password opens the account again
    assert _post(c, user.email, "password123", "10.2.0.0").status_code == 302


def test_apps_with_their_own_key_prefixes_do_not_share_counts(make_app):
    """Two platforms on one Redis (two test runs on a machine, staging beside production), each with its own
    REDIS_KEY_PREFIX: one's failed log-ins lock nothing out on the other, and the lock-out holds on the first."""
    if not _redis_ok():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis not reachable under CI")
        pytest.skip("Redis not reachable")
    import redis

    run = os.urandom(4).hex()
    limits = {"REDIS_URL": REDIS, "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_MAX_FAILURES": 4}
    first = make_app(REDIS_KEY_PREFIX=f"mmtest-{run}-first:", **limits)
    second = make_app(REDIS_KEY_PREFIX=f"mmtest-{run}-second:", **limits)
    email = f"shared-{run}@example.cn"
    for app in (first, second):
        with app.app_context():
            if not db.session.scalar(db.select(User).filter_by(email=email)):  # PostgreSQL: one database for both
                make_user(email=email)
            db.session.remove()
    try:
        with first.app_context():
            c = first.test_client()
            for _ in range(4):
                assert _post(c, email, "wrong-password", "10.0.0.9").status_code == 200
            assert _post(c, email, "password123", "10.0.0.9").status_code == 429
        with second.app_context():
            resp = _post(second.test_client(), email, "password123", "10.0.0.9")
            assert resp.status_code == 302, resp.get_data(as_text=True)
        with first.app_context():
            assert _post(first.test_client(), email, "password123", "10.0.0.9").status_code == 429
    finally:
        r = redis.Redis.from_url(REDIS)
        for app in (first, second):
            clear_login_keys(r, app)
