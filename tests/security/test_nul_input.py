"""NUL characters in query strings answer 400 on every route, never a database error (PostgreSQL refuses
NUL in text: /needs/?industry=%00 was a 500 there). Form fields are cleaned instead (test_text_cleaning.py)."""

import pytest

URLS = ["/needs/?q=%00", "/needs/?industry=%00", "/results/?town=a%00b", "/zones/?x=%00", "/training/verify?number=%00",
        "/?%00=1", "/api/v1/needs?q=%00"]  # fmt: skip


@pytest.mark.parametrize("url", URLS)
def test_nul_in_the_query_is_400(client, url):
    assert client.get(url).status_code == 400
