"""Cookies, headers, error pages, CSRF on every state-changing route, injection strings."""

import pytest
from werkzeug.security import check_password_hash

from matchmaker.extensions import db

from ..conftest import DB_URL, _truncate_all, build_app
from ..core.test_access import ROUTES
from ..factories import make_user

SQLI = ["' OR '1'='1", "1; DROP TABLE user;--", '" OR ""="', "%' AND 1=0 UNION SELECT NULL--", "\\x00", "1e309"]
PARAMS = ["q", "page", "sort", "industry", "field", "town", "status", "state", "zone", "maturity", "transfer_mode",
          "coop_mode", "min_budget", "max_budget", "min_price", "max_price", "role", "kind", "active", "from", "to",
          "type", "broker", "score", "age", "assigned", "channel", "format", "per_page"]  # fmt: skip


def login_session(client, user):
    """Log in without a form (for CSRF-enabled apps): put the session id in place."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def test_session_cookie_flags(client):
    user = make_user()
    resp = client.post("/auth/login", data={"email": user.email, "password": "password123", "remember": "y"})
    cookies = resp.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for c in (session, remember):
        assert "HttpOnly" in c and "SameSite=Lax" in c
        assert "Secure" not in c


def test_cookies_secure_when_configured_for_https(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    with app.app_context():
        user = make_user()
        resp = app.test_client().post(
            "/auth/login", data={"email": user.email, "password": "password123", "remember": "y"}
        )
    assert all("Secure" in c for c in resp.headers.getlist("Set-Cookie"))


def test_password_hash_parameters():
    """scrypt with N=2**15, r=8, p=1; the clear password is nowhere in the hash."""
    from matchmaker.models import User

    u = User(email="x@example.cn", name="x", role="enterprise")
    u.set_password("correct horse battery")
    assert u.password_hash.startswith("scrypt:32768:8:1$")
    assert "correct horse" not in u.password_hash
    assert check_password_hash(u.password_hash, "correct horse battery")


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page"])
def test_security_headers_everywhere(client, path):
    resp = client.get(path)
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_scripts_in_pages(client, auth):
    """Pages carry no inline <script> code and no on* handler attributes (the CSP would block them)."""
    import re

    auth.login("admin")
    for path in ["/", "/dashboard", "/admin/", "/admin/users", "/auth/password"]:
        body = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", body), path


def test_500_page_hides_the_trace_and_secrets(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret-internal-detail")

    boom.access = "public"
    resp = app.test_client().get("/boom")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "服务器错误" in body
    assert "Traceback" not in body and "secret-internal-detail" not in body
    assert app.config["SECRET_KEY"] not in body


# /api/v1 is exempt from CSRF by design: only a bearer token authenticates it, never a cookie, so a
# forged cross-site request carries nothing to act with (tested below: a session gets 401 there).
STATE_CHANGING = [r for r in ROUTES if r[2] in ("POST", "PUT", "PATCH", "DELETE") and not r[1].startswith("/api/")]
API_STATE_CHANGING = [r for r in ROUTES if r[2] in ("POST", "PUT", "PATCH", "DELETE") and r[1].startswith("/api/")]


@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    """One app with CSRF on for the route cases below (each case only sends a request that is refused)."""
    app = build_app(tmp_path_factory.mktemp("csrf"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        if DB_URL:
            _truncate_all()
            db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("route", API_STATE_CHANGING, ids=[f"{r[2]} {r[0]}" for r in API_STATE_CHANGING])
def test_api_writes_ignore_session_cookies(csrf_app, route):
    """A logged-in browser session (what CSRF would ride on) does not authenticate an API write: 401."""
    endpoint, url, method, access, _ = route
    client = csrf_app.test_client()
    login_session(client, make_user(role="admin"))
    resp = client.open(url, method=method, data={"x": "1"})
    assert resp.status_code == 401 and resp.get_json()["code"] == "token_missing"
    db.session.rollback()


@pytest.mark.parametrize("route", STATE_CHANGING, ids=[f"{r[2]} {r[0]}" for r in STATE_CHANGING])
def test_csrf_enforced_on_every_state_changing_route(csrf_app, route):
    """With CSRF on, every POST without a token is refused (400), logged in as a role allowed there."""
    endpoint, url, method, access, _ = route
    client = csrf_app.test_client()
    if access not in ("public",):
        role = "admin" if access == "login" or "admin" in access else access[0]
        login_session(client, make_user(role=role))
    resp = client.open(url, method=method, data={"x": "1"})
    assert resp.status_code == 400, f"{method} {url}: {resp.status_code}"
    db.session.rollback()


GETS = [r for r in ROUTES if r[2] == "GET" and "999999" not in r[1] and r[1].count("/x") == 0]


@pytest.mark.parametrize("route", GETS, ids=[f"GET {r[0]}" for r in GETS])
def test_injection_strings_in_query_args_give_normal_pages(client, auth, route):
    endpoint, url, method, access, _ = route
    if access != "public":
        auth.login("admin" if access == "login" or "admin" in access else access[0])
    for payload in SQLI:
        resp = client.get(url, query_string={p: payload for p in PARAMS})
        assert resp.status_code < 500, f"{url} with {payload!r}: {resp.status_code}"


def test_500_after_a_failed_statement_is_the_chinese_page_for_a_logged_in_user(make_app):
    """A failed INSERT leaves the session unusable; the error page's own queries (the header's unread
    count) used to fail too, and the user got Werkzeug's bare English page."""
    from matchmaker.extensions import db
    from matchmaker.models import User

    from ..factories import make_user

    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False, WTF_CSRF_ENABLED=False)
    with app.app_context():
        make_user("enterprise", email="twice@example.cn", password="password123")
        db.session.commit()

    @app.route("/dup")
    def dup():
        db.session.add(User(email="twice@example.cn", name="重复", role="enterprise", password_hash="x"))
        db.session.flush()  # IntegrityError: the session must be rolled back before it is used again
        return "unreachable"

    dup.access = "public"
    client = app.test_client()
    login = client.post("/auth/login", data={"email": "twice@example.cn", "password": "password123"})
    assert login.status_code in (302, 303)
    resp = client.get("/dup")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "服务器错误" in body and "退出" in body  # the site's page, with the logged-in header
