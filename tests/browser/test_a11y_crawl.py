"""Every page of the demo, as each role and anonymously, passes axe-core's WCAG 2.0/2.1 A and AA
rules (no serious or critical violation): GB/T 37668-2019 follows WCAG 2.x level AA.

The crawler follows links only (GET), one page of each URL shape (``/needs/<id>``, a list with
query arguments), so every template is visited without repeating the same page a hundred times.
"""

import pytest

from .a11y import crawl, describe, violations, with_axe
from .conftest import SHOTS

PASSWORD = "demo12345"
ROLES = {"anonymous": None, "enterprise": "ent1@demo.cn", "researcher": "res1@demo.cn",
         "broker": "broker1@demo.cn", "admin": "admin@demo.cn"}  # fmt: skip


def _open(browser, base, role, elder=False):
    """A logged-in page for the role (1280 px wide, or 640 px at 2x with 适老化模式 on); start paths."""
    size = {"width": 640, "height": 900} if elder else {"width": 1280, "height": 900}
    context = with_axe(
        browser.new_context(
            locale="zh-CN", viewport=size, device_scale_factor=2 if elder else 1, reduced_motion="reduce"
        )
    )
    context.set_default_timeout(30000)
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    page = context.new_page()
    start = ("/", "/auth/login", "/auth/register")
    if ROLES[role]:
        page.goto(base + "/auth/login")
        page.fill("#email", ROLES[role])
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/dashboard")
        start = ("/dashboard", "/")
    return context, page, start


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_demo_passes_axe(browser, demo_server, role):
    """Crawl the demo as this role; each page is checked once it has loaded."""
    base = demo_server["url"]
    context, page, start = _open(browser, base, role)
    # On the dashboard, at 1280 px (a common office screen), the menu fits on one row (an admin's wrapped).
    if ROLES[role]:
        bar = page.eval_on_selector("nav.navbar", "e => e.getBoundingClientRect().height")
        assert bar < 70, f"the navigation bar takes {bar:.0f} px as {role} at 1280 px: it wrapped onto a second row"
    failures = {}

    def check(path, pg):
        found = violations(pg)
        if found:
            failures[path] = describe(found)

    try:
        visited = crawl(page, base, start=start, per_pattern=1, limit=150, on_page=check)
    finally:
        context.close()
    assert len(visited) >= (5 if role == "anonymous" else 10), visited
    report = "\n".join(f"{path}\n{text}" for path, text in failures.items())
    assert not failures, f"{len(failures)} of {len(visited)} pages fail as {role}:\n{report}"


@pytest.mark.parametrize("role", list(ROLES))
def test_elder_mode_at_200_percent_zoom(browser, demo_server, role):
    """适老化模式 in a 640 px window at 2x (a 1280 px screen at 200 %): no page scrolls sideways
    (WCAG 1.4.10; wide tables scroll inside their own box), and axe still passes."""
    base = demo_server["url"]
    context, page, start = _open(browser, base, role, elder=True)
    failures = {}

    def check(path, pg):
        if "mm-elder" not in (pg.get_attribute("html", "class") or ""):
            failures[path] = "适老化模式 is not on"
        width, room = pg.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width > room:
            failures[path] = f"page is {width} px wide in a {room} px window"
        found = violations(pg)
        if found:
            failures[path] = failures.get(path, "") + describe(found)
        if len(shots) < 3:
            SHOTS.mkdir(parents=True, exist_ok=True)
            shots.append(SHOTS / f"elder-200-{role}-{len(shots)}.png")
            pg.screenshot(path=str(shots[-1]))

    shots = []
    try:
        visited = crawl(page, base, start=start, per_pattern=1, limit=30, on_page=check)
    finally:
        context.close()
    report = "\n".join(f"{path}\n{text}" for path, text in failures.items())
    assert not failures, f"{len(failures)} of {len(visited)} pages fail in 适老化模式 as {role}:\n{report}"


def test_the_elder_switch_works_from_a_shared_page(browser, demo_server):
    """The switch (no per-session token: the page is shared by every anonymous visitor) works in a browser,
    which names the page's origin; the mode then shows on the same, shared URL, and goes off again."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        for _ in range(2):  # the second visit is the kept page
            page.goto(base + "/needs/?page=1")
        assert "csrf_token" not in page.content()
        page.click("#elder-toggle")
        page.wait_for_url("**/needs/?page=1")
        assert "mm-elder" in (page.get_attribute("html", "class") or "")
        page.click("#elder-toggle")
        page.wait_for_url("**/needs/?page=1")
        assert "mm-elder" not in (page.get_attribute("html", "class") or "")
    finally:
        context.close()
