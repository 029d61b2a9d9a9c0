"""Two edit pages of one record open at once (two tabs, two users): the shared steps of the stale-edit tests."""

import html
import re

VERSION = re.compile(r'name="version" type="hidden" value="([^"]*)"')
ROW = re.compile(r'<tr><th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>', re.S)


def version(page) -> str:
    """The record fingerprint an edit page (a response or its text) carries in its hidden ``version`` field."""
    body = page if isinstance(page, str) else page.get_data(as_text=True)
    found = VERSION.search(body)
    return found.group(1) if found else ""


def second_tab_refused(client, url, first, second, typed):
    """Load the edit page at ``url`` twice; save ``first`` from the first page (it saves), then ``second`` from the
    second page: refused with 409 and the warning, what was typed (``typed``) kept on the page. Returns the
    version the warned page carries (posting ``second`` with it saves: the user checked and decided) and the
    warned page's text."""
    tab_a, tab_b = version(client.get(url)), version(client.get(url))
    assert tab_a and tab_a == tab_b
    resp = client.post(url, data=dict(first, version=tab_a))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    resp = client.post(url, data=dict(second, version=tab_b))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被修改并保存" in body and typed in body, body[:2000]
    return version(body), body


def differences(page) -> dict:
    """{field label: (saved, typed)} of the table a refused stale save shows (empty when it shows none)."""
    start = page.find('id="stale-differences"')
    if start < 0:
        return {}
    table = page[start : page.index("</table>", start)]
    return {html.unescape(a): (html.unescape(b), html.unescape(c)) for a, b, c in ROW.findall(table)}
