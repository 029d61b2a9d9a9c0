"""Old forms sent again: a page left open over a logout and a new login carries a CSRF token of the ended
session. It is refused (400 表单已失效, nothing saved), and what was typed, lost with the page, is shown to copy
back; never for a post from another site, and never the password."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import TechNeed

from ..conftest import build_app
from ..factories import make_user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client, url):
    return TOKEN.search(client.get(url, follow_redirects=True).get_data(as_text=True)).group(1)


def _login(client, email):
    data = {"email": email, "password": "password123", "csrf_token": _token(client, "/auth/login")}
    assert client.post("/auth/login", data=data).status_code == 302


@pytest.fixture
def csrf_on(tmp_path):
    """An app with CSRF on; requests run outside the test's app context (Flask-WTF keeps a request's token in
    ``g``, which a pushed context would share between requests)."""
    app = build_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("enterprise", email="stale@example.cn", password="password123")
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _stale_need_form(app):
    """A client whose 发布需求 page was loaded before a logout and a login: the page's token."""
    client = app.test_client()
    _login(client, "stale@example.cn")
    old = _token(client, "/needs/new")
    assert client.post("/auth/logout", data={"csrf_token": _token(client, "/dashboard")}).status_code == 302
    _login(client, "stale@example.cn")
    return client, old


TYPED = {"title": "写了很久的需求标题", "problem": "第一段问题描述\n第二段：耐高温 300℃", "budget": "150"}


def test_an_old_form_after_logout_and_login_is_refused_and_shows_what_was_typed(csrf_on):
    client, old = _stale_need_form(csrf_on)
    headers = {"Origin": "http://localhost", "Referer": "http://localhost/needs/new"}
    choices = {"visibility": "public", "contact_visibility": "self"}  # a select's values: nothing the user typed
    resp = client.post(
        "/needs/new", data=dict(TYPED, **choices, csrf_token=old, password="secret-typed"), headers=headers
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "表单已失效" in body and "请刷新页面后重新提交" in body
    assert ">public<" not in body and ">self<" not in body and ">150<" in body
    assert "写了很久的需求标题" in body and "第二段：耐高温 300℃" in body and "本次填写的内容" in body
    assert 'href="/needs/new"' in body and "secret-typed" not in body and old not in body
    with csrf_on.app_context():
        assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_a_post_from_another_site_gets_the_bare_message(csrf_on):
    client, old = _stale_need_form(csrf_on)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        resp = client.post("/needs/new", data=dict(TYPED, csrf_token=old), headers=headers)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "表单已失效" in body, headers
        assert "写了很久的需求标题" not in body and "本次填写的内容" not in body, headers
