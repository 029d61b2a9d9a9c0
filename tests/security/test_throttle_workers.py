"""The login throttle holds across gunicorn's worker processes (issue 13): 45 wrong passwords
sent at once to 4 workers get at most 10 checked, while another account logs in from the same address."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..procs import dies_with_parent, gunicorn_args
from ..redis_keys import clear_limits, clear_login_keys
from .test_throttle import REDIS, _redis_ok

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VICTIM, OTHER = ("victim@workers.cn", "victim-pass-123"), ("other@workers.cn", "other-pass-123")
# Schema and the two accounts in one process (each `flask` command would import the app again).
SETUP = f"""
from matchmaker import create_app
from matchmaker.auth.services import create_user
from matchmaker.cli import upgrade_schema
app = create_app()
with app.app_context():
    upgrade_schema()
    for email, password in {[VICTIM, OTHER]!r}:
        create_user(role="admin", email=email, name="测试", password=password)
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(tmp):
    base = os.environ.get("MATCHMAKER_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'workers.sqlite'}", None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"mm_workers_{uuid.uuid4().hex[:8]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["database", "redis"])
def server(request, tmp_path):
    """gunicorn with 4 sync workers on a fresh database, two accounts, the throttle in the DB or Redis."""
    url, drop = _database(tmp_path)
    env = dict(os.environ, MATCHMAKER_INSTANCE_PATH=str(tmp_path / "instance"), MATCHMAKER_DATABASE_URL=url)
    env.pop("CI", None)
    if request.param == "redis":
        if not _redis_ok():
            if os.environ.get("CI") == "true":
                pytest.fail("Redis not reachable under CI")
            pytest.skip("Redis not reachable")
        import redis

        r = redis.Redis.from_url(REDIS)
        # The throttle's keys and the login route's per-address limit (60 POSTs a minute, Flask-Limiter's
        # LIMITS:... keys): the other parameter's run within the minute would otherwise start over that limit.
        # Only this worker's: the server inherits its prefixes (tests/conftest.py), another run keeps its own.
        clear_login_keys(r)
        clear_limits(r, "auth.login")
        env["MATCHMAKER_REDIS_URL"] = REDIS
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, cwd=ROOT)
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        dies_with_parent(gunicorn_args(4, port)), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120  # the master makes the app before it opens the port (preload)
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/auth/login", timeout=5).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start: " + (tmp_path / "server.log").read_text()[-2000:])
    yield base
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()
    if drop:
        drop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _attempt(base, email, password):
    """One login with a fresh cookie jar: GET the form for its CSRF token, POST; the status code."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(base + "/auth/login", timeout=120).read().decode()
    token = CSRF_RE.search(page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    try:
        with opener.open(base + "/auth/login", data=data, timeout=120) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_45_wrong_passwords_against_4_workers(server):
    """At most 10 of 45 concurrent wrong passwords are checked; another account logs in meanwhile."""
    with ThreadPoolExecutor(12) as pool:
        wrong = [pool.submit(_attempt, server, VICTIM[0], "wrong-password-x") for _ in range(45)]
        other_during = pool.submit(_attempt, server, OTHER[0], OTHER[1])
        statuses = [f.result() for f in wrong]
    checked = sum(1 for s in statuses if s == 200)  # 200: the form again with "邮箱或密码不正确"
    print(f"checked {checked} of 45, refused {statuses.count(429)}")
    assert checked <= 10 and checked + statuses.count(429) == 45
    assert other_during.result() == 302
    assert _attempt(server, OTHER[0], OTHER[1]) == 302  # after the storm too, from the same address
    assert _attempt(server, VICTIM[0], VICTIM[1]) == 429  # the attacked account waits out the window
