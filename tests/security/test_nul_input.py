"""NUL characters in query strings answer 400 on every route, never a database error (PostgreSQL refuses
NUL in text: /needs/?industry=%00 was a 500 there). Form fields are cleaned instead (test_text_cleaning.py)."""

import pytest

URLS = ["/needs/?q=%00", "/needs/?industry=%00", "/results/?town=a%00b", "/zones/?x=%00", "/training/verify?number=%00",
        "/?%00=1", "/api/v1/needs?q=%00"]  # fmt: skip


@pytest.mark.parametrize("url", URLS)
def test_nul_in_the_query_is_400_saying_why(client, url):
    """400, and why: the page said only 请求格式不正确, the API's answer nothing at all."""
    resp = client.get(url)
    assert resp.status_code == 400
    if url.startswith("/api/"):
        assert "网址中含有空字符（NUL）" in resp.get_json()["detail"]
    else:
        assert "网址中含有空字符（NUL），无法处理" in resp.get_data(as_text=True)


def test_only_a_reason_of_ours_replaces_the_generic_page():
    """An abort(400) that gives no reason keeps the generic Chinese page (None here), never werkzeug's English."""
    from werkzeug.exceptions import BadRequest, Forbidden

    from matchmaker.utils.reasons import own_description

    assert own_description(BadRequest()) is None and own_description(Forbidden()) is None
    assert own_description(BadRequest(description="网址有误")) == "网址有误"
    assert own_description(BadRequest(description="10 per 1 minute")) is None  # Flask-Limiter's, English
