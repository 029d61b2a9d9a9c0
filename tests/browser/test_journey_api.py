"""The bureau's systems and the API, end to end: an admin issues a service token in the browser, a
separate script holding only that token reads needs, results and the report over HTTP (cursor pages
included), the documentation page works under the real server's CSP, and revoking the token stops it."""

import json
import subprocess
import sys
import textwrap
import time

from .a11y import assert_accessible
from .conftest import ADMIN

SCRIPT = textwrap.dedent(
    """
    import json, sys, urllib.error, urllib.request
    base, token = sys.argv[1], sys.argv[2]
    def get(path):
        req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)
    out = {}
    for kind in ("needs", "results"):
        rows, path = [], f"/api/v1/{kind}?limit=1"
        while path:
            status, page = get(path)
            if status != 200:
                out[kind] = status
                break
            rows += page["items"]
            path = page["next_cursor"] and f"/api/v1/{kind}?limit=1&cursor=" + page["next_cursor"]
        else:
            out[kind] = len(rows)
    status, report = get("/api/v1/reports")
    out["report"] = report["headline"]["text"] if status == 200 else report
    print(json.dumps(out, ensure_ascii=False))
    """
)


def run_script(base, token):
    done = subprocess.run([sys.executable, "-c", SCRIPT, base, token], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _until(page, expression, timeout=30):
    """Wait for a page expression to be true (polled from here: the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.05)


def test_service_token_script_docs_and_revocation(journey, live_server):
    base = live_server["url"]
    admin = journey("admin")
    # The first page of a journey file run alone may wait for gunicorn's workers to boot.
    assert admin.page.goto(base + "/auth/login", timeout=120_000).status == 200
    admin.login(*ADMIN)
    admin.go("/tokens/manage")
    admin.page.fill("#email", ADMIN[0])
    admin.page.fill("#name", "统计局季度报表")
    admin.page.select_option("#days", "365")
    admin.page.click("main form button[type=submit]")
    token = admin.page.input_value("#new-token")
    assert token.startswith("mm_") and "离开本页后无法再次查看" in admin.page.inner_text("body")

    got = run_script(base, token)
    assert isinstance(got["needs"], int) and isinstance(got["results"], int), got
    admin.go("/reports/")
    assert got["report"].startswith("平台线上签订技术交易合同") and got["report"] in admin.page.inner_text("body")

    admin.go("/api/v1/docs")  # Swagger UI from the vendored files, under the server's CSP (problems collected)
    admin.page.wait_for_selector(".opblock", timeout=60000)
    assert admin.page.locator(".opblock").count() >= 12
    # Held to WCAG 2.1 AA like every page (static/js/api-docs.js and css/api-docs.css mend Swagger UI's gaps):
    # with every operation open, one in "Try it out", the authorisation dialog and the data models open.
    # Opened in one script, not one Playwright click each (each waited for the page to settle: 7 s in all).
    opened = admin.page.evaluate(
        "[...document.querySelectorAll('.opblock-summary-control')].map(b => b.click()).length"
    )
    _until(admin.page, f"document.querySelectorAll('.opblock.is-open').length >= {opened}")
    admin.page.locator(".try-out__btn").first.click()
    admin.page.locator("button.authorize").first.click()
    admin.page.wait_for_selector(".modal-ux")
    assert_accessible(admin.page, "/api/v1/docs with its authorisation dialog")
    admin.page.keyboard.press("Escape")  # the dialog closes by keyboard
    admin.page.wait_for_selector(".modal-ux", state="detached")
    models = admin.page.evaluate(
        "[...document.querySelectorAll('.models .model-box-control')].map(b => b.click()).length"
    )
    _until(
        admin.page, f"document.querySelectorAll('.models .model-box-control[aria-expanded=true]').length >= {models}"
    )
    assert_accessible(admin.page, "/api/v1/docs with operations and models open")

    admin.go("/tokens/manage")
    admin.page.locator("tr", has_text="统计局季度报表").locator("button", has_text="撤销").click()
    admin.page.wait_for_url("**/tokens/manage")
    revoked = run_script(base, token)
    assert revoked["needs"] == 401 and revoked["report"]["code"] == "token_revoked", revoked


def test_a_copied_session_makes_no_token_without_the_password(journey, live_server):
    """The admin's session cookie used from another browser (Flask-Login then deems it not fresh) is asked for
    the password before a token is made; a wrong one is refused beside the field, which has the focus, and
    the form works from the keyboard alone."""
    admin = journey("admin")
    assert admin.page.goto(live_server["url"] + "/auth/login", timeout=120_000).status == 200
    admin.login(*ADMIN)
    other = journey("copy")
    other.context.add_cookies(admin.context.cookies())
    other.context.set_extra_http_headers({"User-Agent": "Mozilla/5.0 (another browser)"})
    other.go("/tokens/manage")
    assert other.page.is_visible("#password")
    other.page.fill("#email", ADMIN[0])
    other.page.fill("#name", "城市数据平台")
    other.page.fill("#password", "not-the-password")
    other.page.click("main form button[type=submit]")
    other.page.wait_for_selector("#password-error")
    assert "当前密码不正确" in other.page.inner_text("#password-error")
    assert other.page.evaluate("document.activeElement.id") == "password"
    assert other.page.input_value("#name") == "城市数据平台" and not other.page.is_visible("#new-token")
    other.page.keyboard.type(ADMIN[1])
    other.page.keyboard.press("Enter")
    other.page.wait_for_selector("#new-token")
    assert other.page.input_value("#new-token").startswith("mm_") and not other.page.is_visible("#password")
