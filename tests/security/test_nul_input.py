"""NUL characters in query strings and form fields answer 400 on every route, never a database error
(PostgreSQL refuses NUL in text: /needs/?industry=%00 was a 500 there)."""

import pytest

from ..factories import make_user

URLS = ["/needs/?q=%00", "/needs/?industry=%00", "/results/?town=a%00b", "/zones/?x=%00", "/training/verify?number=%00",
        "/?%00=1", "/api/v1/needs?q=%00"]  # fmt: skip


@pytest.mark.parametrize("url", URLS)
def test_nul_in_the_query_is_400(client, url):
    assert client.get(url).status_code == 400


def test_nul_in_a_form_is_400_and_changes_nothing(client, auth):
    user = make_user("enterprise")
    assert client.post("/auth/login", data={"email": user.email + "\x00", "password": "password123"}).status_code == 400
    auth.login(user)
    resp = client.post("/needs/new", data={"title": "标题\x00", "summary": "x", "action": "publish"})
    assert resp.status_code == 400
