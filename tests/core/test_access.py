"""Every route × role × method of the URL map answers as tests/security/access_table.py says.

A view without a ``public`` / ``login_required`` / ``role_required`` marker fails
``test_every_view_declares_its_access``; a route missing from the table (or a table entry
without a route) fails ``test_table_covers_every_route``.
"""

import pytest

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.tokens.services import issue

from ..conftest import DB_URL, AuthActions, _config, _truncate_all, build_app
from ..factories import make_user
from ..security.access_table import ACCESS, allowed

ROLES = [None, "enterprise", "researcher", "broker", "admin"]


def _routes():
    import tempfile
    from pathlib import Path

    app = create_app(_config(Path(tempfile.mkdtemp())))
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "999999").replace(f"<{arg}>", "x").replace(f"<path:{arg}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, url, method, getattr(view, "access", None), f"{method} {rule.rule}"))
    return out


ROUTES = _routes()


@pytest.mark.parametrize(("endpoint", "url", "method", "access", "key"), ROUTES, ids=[f"{r[2]} {r[0]}" for r in ROUTES])
def test_every_view_declares_its_access(endpoint, url, method, access, key):
    assert access is not None, f"{endpoint} has no access guard (use public/login_required/role_required)"


def test_table_covers_every_route():
    """Each route and method has exactly one entry in the access table, and no entry is stale."""
    keys = {r[4] for r in ROUTES}
    assert sorted(keys - ACCESS.keys()) == [], "routes missing from tests/security/access_table.py"
    assert sorted(ACCESS.keys() - keys) == [], "table entries without a route"


CASES = [(r, role) for r in ROUTES for role in ROLES]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """One app for the whole matrix: a user and a logged-in client per role (the cases change nothing
    another case reads: every object id is 999999, every form is empty)."""
    app = build_app(tmp_path_factory.mktemp("access"))
    with app.app_context():
        users = {role: make_user(role=role) for role in ROLES if role}
        clients = {None: app.test_client()}
        for role, user in users.items():
            clients[role] = app.test_client()
            AuthActions(clients[role]).login(user)
        # /api/v1 ignores sessions: each role calls it with a token of its own (read+write for staff)
        tokens = {role: issue(user, user, "matrix", ["read", "write"] if user.is_staff else ["read"], 30)[1]
                  for role, user in users.items()}  # fmt: skip
        yield app, users, clients, tokens
        db.session.remove()
        if DB_URL:
            _truncate_all()
            db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{r[2]} {r[0]} as {role or 'anonymous'}" for r, role in CASES])
def test_access_matrix(matrix, route, role):
    """Anonymous users go to login, the wrong role gets 403, the right role gets through."""
    app, users, clients, tokens = matrix
    endpoint, url, method, access, key = route
    client = clients[role]
    if endpoint == "auth.logout" and role:  # logging out ends every session of that user: use another one
        client = app.test_client()
        AuthActions(client).login(make_user(role=role))
    api = url.startswith("/api/")  # token instead of session; anonymous gets 401 JSON, not the login page
    headers = {"Authorization": f"Bearer {tokens[role]}"} if api and role else {}
    resp = (app.test_client() if api else client).open(url, method=method, headers=headers)
    if allowed(ACCESS.get(key, "?"), role):
        assert resp.status_code not in (401, 403), f"{method} {url} as {role}: {resp.status_code}"
        assert "/auth/login" not in resp.headers.get("Location", "") or endpoint.startswith("auth.")
    elif role is None and api:
        assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
    elif role is None:
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    else:
        assert resp.status_code == 403, f"{method} {url} as {role}: {resp.status_code}"
    assert resp.status_code < 500
    db.session.rollback()
