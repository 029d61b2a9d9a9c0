"""Every page of the demo, as each role and anonymously, passes axe-core's WCAG 2.0/2.1 A and AA
rules (no serious or critical violation): GB/T 37668-2019 follows WCAG 2.x level AA.

The crawler follows links only (GET), one page of each URL shape (``/needs/<id>``, a list with
query arguments), so every template is visited without repeating the same page a hundred times.
"""

import re

import pytest
from playwright.sync_api import expect

from .a11y import crawl, describe, staff_pages, violations, with_axe
from .conftest import SHOTS

PASSWORD = "demo12345"
ROLES = {"anonymous": None, "enterprise": "ent1@demo.cn", "researcher": "res1@demo.cn",
         "broker": "broker1@demo.cn", "admin": "admin@demo.cn"}  # fmt: skip


def _log_in(page, base, email):
    """Log the page in as `email` (the demo password) and wait for its 我的工作台."""
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url("**/dashboard")


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
        # 个人资料 and 本单位信息 (the user menu's) first: a crawl reaching its limit still audits them
        start = ("/dashboard", "/auth/profile", "/auth/organization", "/", *staff_pages(page, base, role))
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
    staff = {p for p in start if p.startswith("/classes/")}

    def check(path, pg):
        found = violations(pg)
        if found:
            failures[path] = describe(found)
        if path in staff and not pg.locator("table caption").count():
            failures[path] = failures.get(path, "") + "no table of the class's imports: the demo's uploads are gone"

    try:
        visited = crawl(page, base, start=start, per_pattern=1, limit=150, on_page=check)
    finally:
        context.close()
    assert len(visited) >= (5 if role == "anonymous" else 10), visited
    assert staff <= set(visited), (staff, visited)
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
    assert {p for p in start if p.startswith("/classes/")} <= set(visited), (start, visited)  # the staff pages
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


def test_the_elder_switch_keeps_what_was_typed(browser, demo_server):
    """Switching 适老化模式 reloads the page; what the page's forms held comes back, on a page with a form
    (a need's title typed, not sent) and after a refused form whose address answers POST only (a financing
    step sent without its date: the switch goes back to the case's page, whose same form gets the 说明 back)."""
    base = demo_server["url"]
    context, page, _ = _open(browser, base, "enterprise")
    try:
        page.goto(base + "/needs/new")
        page.fill("#title", "适老化切换前输入的需求名称")
        page.click("#elder-toggle")
        page.wait_for_url("**/needs/new")
        assert "mm-elder" in (page.get_attribute("html", "class") or "")
        assert page.input_value("#title") == "适老化切换前输入的需求名称"
        page.goto(base + "/needs/new")  # a later visit starts empty
        assert page.input_value("#title") == ""
        page.click("#elder-toggle")  # off again
        page.wait_for_url("**/needs/new")
        # Typed on an edit page, saved meanwhile from another tab: after the switch, saving what was typed is
        # still refused as stale (the page's version came back with the typing), not an overwrite.
        page.goto(base + "/needs/mine")
        page.click("main table a[href^='/needs/']")
        edit = page.url.rstrip("/") + "/edit"
        page.goto(edit)
        original = page.input_value("#title")
        page.fill("#title", original + "（本页修改）")
        other = context.new_page()
        other.goto(edit)
        other.fill("#title", original + "（另一标签页）")
        other.click("main form button[type=submit] >> nth=-1")
        other.wait_for_url(lambda url: not url.endswith("/edit"))
        page.click("#elder-toggle")
        page.wait_for_url(edit)
        assert page.input_value("#title") == original + "（本页修改）"
        page.click("main form button[type=submit] >> nth=-1")
        assert "已被修改并保存" in page.inner_text("main")
        page.click("#elder-toggle")  # off again
    finally:
        context.close()
    context, page, _ = _open(browser, base, "admin")
    try:
        page.goto(base + "/financing/")
        page.click("tr:has-text('已投保') a[href^='/financing/']")
        case = page.url
        grant = page.locator("form:has(input[name=action][value=grant])")
        grant.locator("[name=note]").fill("放款前的说明，切换适老化模式后仍在")
        grant.locator("button[type=submit]").click()
        # The refused step's page (sent to …/move) shows the case's address (#page-url, app.js), so the address
        # bar reads the case's URL by the time the click returns or just after: wait for the refusal, not a URL.
        expect(page.locator("main")).to_contain_text("请填写放款日期")
        assert page.url == case
        page.click("#elder-toggle")
        expect(page.locator("html")).to_have_class(re.compile(r"\bmm-elder\b"))
        assert page.url == case
        grant = page.locator("form:has(input[name=action][value=grant])")
        expect(grant.locator("[name=note]")).to_have_value("放款前的说明，切换适老化模式后仍在")
        refusal = page.locator("form:has(input[name=action][value=refuse])")
        assert refusal.locator("[name=note]").input_value() == ""  # each form its own fields back
    finally:
        context.close()


# Each role's main lists (tables of needs, results, pairs, contracts, accounts, urgent requests, reports).
PHONE_LISTS = {
    "enterprise": ["/needs/", "/needs/mine", "/broker/mine", "/contracts/signing/mine", "/urgent/mine", "/financing/"],
    "researcher": ["/results/", "/results/mine", "/broker/mine", "/contracts/signing/mine", "/classes/"],
    "broker": ["/broker/", "/broker/pipeline", "/broker/events", "/broker/stats", "/contracts/", "/urgent/queue",
               "/visits/", "/training/"],
    "admin": ["/admin/users", "/admin/organizations", "/contracts/", "/contracts/audit", "/urgent/queue", "/reports/",
              "/reports/services", "/zones/manage", "/matches/admin/index", "/training/certificates"],
}  # fmt: skip
_WIDTHS = """() => ({page: document.documentElement.scrollWidth, room: document.documentElement.clientWidth,
  boxes: [...document.querySelectorAll('.table-responsive')].filter(b => b.scrollWidth > b.clientWidth + 1).length,
  labels: [...document.querySelectorAll('table.mm-stack tbody td[data-label]:not([data-label=""])')].slice(0, 5)
    .map(td => [td.getAttribute('data-label'), getComputedStyle(td, '::before').content]),
  roles: [...document.querySelectorAll('table.mm-stack')].map(t => t.getAttribute('role')),
  empties: [...document.querySelectorAll('table.mm-stack tbody td[data-label]:not([data-label=""])')]
    .filter(td => !td.textContent.trim() && !td.children.length).slice(0, 5)
    .map(td => getComputedStyle(td, '::after').content),
  captions: [...document.querySelectorAll('table.mm-stack > caption')]
    .filter(c => c.getBoundingClientRect().width < c.parentElement.getBoundingClientRect().width - 2)
    .map(c => [c.textContent.trim(), Math.round(c.getBoundingClientRect().width)])})"""


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("role", list(PHONE_LISTS))
def test_list_pages_fit_a_phone(browser, demo_server, role, elder):
    """On a 375 x 667 phone each list page fits the screen (no sideways panning, no table scrolling inside its
    box): a table's rows are cards whose lines carry their column's name, its caption spans the cards, and the
    table stays a table for screen readers (role="table", headers kept, named by its caption); axe still passes.
    For the staff, also a class's attendance page and list of imports (tables with captions)."""
    base = demo_server["url"]
    context = with_axe(
        browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 667}, reduced_motion="reduce")
    )
    context.set_default_timeout(30000)
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    failures = {}
    try:
        page = context.new_page()
        _log_in(page, base, ROLES[role])
        for path in PHONE_LISTS[role] + staff_pages(page, base, role):
            assert page.goto(base + path).status == 200, path
            w = page.evaluate(_WIDTHS)
            if w["page"] > w["room"] or w["boxes"]:
                failures[path] = f"page {w['page']} px in {w['room']} px, {w['boxes']} table(s) scrolling sideways"
            if any(not content.startswith(f'"{label}"') for label, content in w["labels"]):
                failures[path] = f"cells without their column's name shown: {w['labels']}"
            if any(not content.startswith('"—"') for content in w["empties"]):  # the label alone looked cut off
                failures[path] = f"empty cells without a dash after their column's name: {w['empties']}"
            if any(r != "table" for r in w["roles"]):
                failures[path] = f"a stacked table lost its table role: {w['roles']}"
            if w["captions"]:  # a table's caption squeezed into a column, a character or two a line
                failures[path] = f"captions narrower than their table: {w['captions']}"
            for caption in page.locator("table.mm-stack > caption").all_inner_texts():
                if not page.get_by_role("table", name=caption.strip()).count():
                    failures[path] = f"a stacked table is not named by its caption {caption!r}"
            found = violations(page)
            if found:
                failures[path] = failures.get(path, "") + describe(found)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-{role}-{'elder' if elder else 'normal'}.png"))
    finally:
        context.close()
    report = "\n".join(f"{path}: {text}" for path, text in failures.items())
    assert not failures, f"{len(failures)} list pages do not fit a phone as {role}:\n{report}"


def test_the_queue_filters_fold_on_a_phone(browser, demo_server):
    """A broker's queue on a 375 x 667 phone: the filters after 关键词 fold behind 更多筛选条件 (eight filters
    filled the first screen), the button opens them by keyboard and says so, and a queue asked with a filter
    shows them open; at 1280 px every filter shows and there is no button."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["broker"])
        page.goto(base + "/broker/")
        toggle = page.locator("form.mm-filters .mm-more-toggle button")
        assert not page.is_visible("select[name=status]") and toggle.get_attribute("aria-expanded") == "false"
        end = page.evaluate("document.querySelector('form.mm-filters').getBoundingClientRect().bottom")
        assert end < 667 - 150, f"the folded filters end {end} px down a 667 px screen: no pair shows on it"
        toggle.focus()
        page.keyboard.press("Enter")
        assert page.is_visible("select[name=status]") and toggle.get_attribute("aria-expanded") == "true"
        assert toggle.inner_text() == "收起筛选条件"
        page.goto(base + "/broker/?status=all")
        assert page.is_visible("select[name=status]")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "/broker/")
        assert page.is_visible("select[name=status]") and not toggle.is_visible()
    finally:
        context.close()


def test_the_signature_check_command_wraps_on_a_phone(browser, demo_server):
    """/contracts/verify on a 375 px phone: the 用命令行自行验证 command wraps inside its box (it scrolled sideways)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        assert page.goto(demo_server["url"] + "/contracts/verify").status == 200
        page.click("summary")
        w = page.eval_on_selector(
            "details pre", "e => [e.scrollWidth, e.clientWidth, document.documentElement.scrollWidth]"
        )
        assert w[0] <= w[1] and w[2] <= 375, f"the command is {w[0]} px wide in a {w[1]} px box (page {w[2]} px)"
    finally:
        context.close()


def test_elder_mode_navbar_is_one_row_at_1280(browser, demo_server):
    """适老化模式 at 1280 px: each role's menu is one row (an admin's wrapped onto two, 128 px high); the
    role's entries, gathered in a dropdown, open and are walked from the keyboard with a visible focus."""
    base = demo_server["url"]
    for role, email in ROLES.items():
        if not email:
            continue
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
        try:
            page = context.new_page()
            _log_in(page, base, email)
            bar = page.eval_on_selector("nav.navbar", "e => e.getBoundingClientRect().height")
            assert bar < 90, f"the navigation bar takes {bar:.0f} px as {role} in 适老化模式 at 1280 px: it wrapped"
            if role == "admin":
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SHOTS / "elder-navbar-admin-1280.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 160}
                )
            toggle = page.locator("#nav-role > .dropdown-toggle")
            for _ in range(40):  # Tab from the top of the page to the dropdown
                page.keyboard.press("Tab")
                if toggle.evaluate("e => e === document.activeElement"):
                    break
            else:
                raise AssertionError(f"Tab never reached the role's menu as {role}")
            page.keyboard.press("Enter")
            assert toggle.get_attribute("aria-expanded") == "true"
            page.keyboard.press("ArrowDown")
            item = page.evaluate(
                "() => { const e = document.activeElement, s = getComputedStyle(e);"
                " return {cls: e.className, text: e.textContent.trim(), outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0}; }"
            )
            assert "dropdown-item" in item["cls"] and item["outline"] >= 2, item
            page.keyboard.press("Escape")
            assert toggle.get_attribute("aria-expanded") == "false"
        finally:
            context.close()


def test_elder_mode_account_roles_stay_on_one_line(browser, demo_server):
    """账号管理 in 适老化模式 at 1200 and 1280 px (a table still, not cards): 角色 is one line in every row (企业用户 and 科研人员
    read 企业 over 用户 at 992-1199 px, 技术经纪人 broke even at 1280 px on the list's second page)."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    broken = {}
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["admin"])
        for width in (1200, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            for query in ("", "?page=2"):
                page.goto(base + "/admin/users" + query)
                lines = page.evaluate(
                    """() => [...document.querySelectorAll('main table tbody tr > td:nth-child(3)')].map(td => {
                         const r = document.createRange(); r.selectNodeContents(td);
                         return [td.textContent.trim(), new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })"""
                )
                assert lines, query
                broken.update({f"{width} {query} {role}": n for role, n in lines if n > 1})
    finally:
        context.close()
    assert not broken, f"roles set on more than one line: {broken}"


def test_the_phone_menu_button_shows_its_focus_in_elder_mode(browser, demo_server):
    """On a 375 px phone in 适老化模式, Tab reaches the menu button (☰) with a visible outline inside the screen: Bootstrap's
    ring there was a box-shadow (outline: 0) that fades in and that Windows' high-contrast mode removes (checked here
    with forced colours on), so it showed no focus; and the button's lines show in that mode."""
    base = demo_server["url"]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 667}, reduced_motion="reduce", forced_colors="active"
    )
    context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["enterprise"])
        toggler = page.locator("nav .navbar-toggler")
        for _ in range(10):
            page.keyboard.press("Tab")
            if toggler.evaluate("e => e === document.activeElement"):
                break
        else:
            raise AssertionError("Tab never reached the menu button")
        ring = toggler.evaluate(
            """e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
                 const w = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth), o = parseFloat(s.outlineOffset) || 0;
                 return {width: w, left: r.left - o - w, right: r.right + o + w, room: document.documentElement.clientWidth}; }"""
        )
        assert ring["width"] >= 3, ring
        assert ring["left"] >= 0 and ring["right"] <= ring["room"], ring
        # Its three lines, a white background image, vanished on the white high-contrast mode gives the navbar: they are
        # painted in the system's text colour through a mask.
        lines = page.eval_on_selector(
            "nav .navbar-toggler-icon", "e => [getComputedStyle(e).maskImage, getComputedStyle(e).backgroundColor]"
        )
        assert lines[0].startswith("url(") and lines[1] not in ("transparent", "rgba(0, 0, 0, 0)"), lines
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SHOTS / "elder-phone-menu-focus.png"), clip={"x": 0, "y": 0, "width": 375, "height": 160}
        )
    finally:
        context.close()


# Cells (of tables, and their headers) of three characters or more set at two characters a line or fewer.
_SQUEEZED = """() => [...document.querySelectorAll('main td, main th')].filter(c => c.offsetParent).map(c => {
    const text = c.textContent.replace(/\\s+/g, ''), r = document.createRange(); r.selectNodeContents(c);
    const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size;
    return [text.slice(0, 12), lines, text.length];
  }).filter(([, lines, n]) => n >= 3 && lines >= 3 && n / lines <= 2.5).slice(0, 5)"""


def test_elder_mode_tables_are_readable_on_a_tablet(browser, demo_server):
    """适老化模式 (text a quarter larger) at 768 and 992 px, between the phone's cards and a desktop's table: 技术合同's 买方
    read one character a line at 992 px (康 over 宁 over 生 …), 账号管理's 单位 at 768, and the reports' figure tables
    beside their charts set a broker's name 孙 over 丽 over 华. A list's rows are cards there; no page scrolls sideways."""
    base = demo_server["url"]
    pages = {"broker": ["/contracts/", "/urgent/queue", "/training/"], "admin": ["/admin/users", "/reports/"]}
    failures = {}
    for role, paths in pages.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 992, "height": 900}, reduced_motion="reduce")
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
        try:
            page = context.new_page()
            _log_in(page, base, ROLES[role])
            for width in (768, 992):
                page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    assert page.goto(base + path).status == 200, path
                    squeezed = page.evaluate(_SQUEEZED)
                    wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
                    if squeezed or wide:
                        failures[f"{width} {path}"] = f"squeezed {squeezed}" + (", scrolls sideways" if wide else "")
        finally:
            context.close()
    assert not failures, f"tables squeezed in 适老化模式: {failures}"


# Selects of the page's filter bars whose chosen option is wider than the room inside them (cut off on the screen).
_CUT_SELECTS = """() => [...document.querySelectorAll('main form[method=get] select')].filter(e => e.offsetParent).map(e => {
    const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d'); c.font = s.font;
    const text = (e.options[e.selectedIndex] || {}).text || '';
    return [e.name, text, Math.round(c.measureText(text).width),
            Math.round(e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight))];
  }).filter(([, , need, room]) => need > room + 1)"""


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_filter_choices_are_not_cut_off(browser, demo_server, elder):
    """A broker's filter bars (审核队列, 技术合同, 技术需求, 走访) at 375, 768, 992 and 1280 px: every select shows its chosen
    option whole. The grid's fixed columns cut them: 推荐时间's 全部 left 2 px at 768 px, 排序 read 匹配度从高到, and in
    适老化模式 全部登记状态, 全部技术领域 … were cut at every width below 1280 px."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    cut = {}
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["broker"])
        for width in (375, 768, 992, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            for path in ("/broker/", "/broker/pipeline", "/contracts/", "/needs/", "/visits/", "/urgent/queue"):
                assert page.goto(base + path).status == 200, path
                if path == "/broker/" and width == 375:
                    page.click("form.mm-filters .mm-more-toggle button")  # the folded filters, opened
                if found := page.evaluate(_CUT_SELECTS):
                    cut[f"{width} {path}"] = found
    finally:
        context.close()
    assert not cut, f"filter choices cut off: {cut}"


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_the_elder_switch_focus_ring_is_whole(browser, demo_server, elder):
    """The 适老化模式 switch, the second Tab stop of every page, at 1280 and 375 px: its focus outline lies inside its strip.
    The strip had no room for it: cut off by the page's top edge, and below it drawn on the navbar in the navbar's blue."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    try:
        page = context.new_page()
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(base + "/")
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            ring = page.evaluate(
                """() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
                     const out = (s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth)) + (parseFloat(s.outlineOffset) || 0);
                     const strip = e.closest('.mm-topbar').getBoundingClientRect();
                     return {id: e.id, width: parseFloat(s.outlineWidth), top: r.top - out, bottom: r.bottom + out,
                             stripTop: strip.top, stripBottom: strip.bottom}; }"""
            )
            assert ring["id"] == "elder-toggle" and ring["width"] >= 3, ring
            assert ring["top"] >= ring["stripTop"] and ring["bottom"] <= ring["stripBottom"], (width, ring)
    finally:
        context.close()


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_the_footer_keeps_off_a_phone_s_edges(browser, demo_server, elder):
    """On a 375 px phone the footer's line (市协同创新网络 · 科技成果转化对接平台 · 合同签名验证) wraps with a margin, as the
    page's text above it does: it ran from one edge of the screen to the other (a character at x = 0)."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 667})
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    try:
        page = context.new_page()
        page.goto(base + "/")
        edges = page.eval_on_selector(
            "footer",
            """f => { const r = document.createRange(); r.selectNodeContents(f);
                 const boxes = [...r.getClientRects()].filter(x => x.width > 0);
                 return [Math.min(...boxes.map(x => x.left)), Math.max(...boxes.map(x => x.right))]; }""",
        )
        assert edges[0] >= 12 and edges[1] <= 375 - 12, edges
    finally:
        context.close()


# Date boxes with less room inside than a date takes (its digits and the calendar button): the year is cut off.
_CUT_DATES = """() => [...document.querySelectorAll('main input[type=date]')].filter(e => e.offsetParent).map(e => {
    const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d'); c.font = s.font;
    const need = c.measureText('mm/dd/yyyy').width + parseFloat(s.fontSize) * 1.6;
    return [e.name, Math.round(need), Math.round(e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight))];
  }).filter(([, need, room]) => need > room)"""


def test_elder_mode_date_boxes_show_the_whole_date(browser, demo_server):
    """适老化模式 at 1280 and 768 px: a date box shows the whole date and its calendar button. 登记走访's 日期 read mm/dd/yyy
    at 1280 px, 技术合同's 签订日期 and 登记日期 and the reports' period at 768 px were cut likewise."""
    base = demo_server["url"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    cut = {}
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["admin"])
        for width in (1280, 768):
            page.set_viewport_size({"width": width, "height": 900})
            for path in ("/visits/new", "/contracts/new", "/reports/", "/reports/services"):
                assert page.goto(base + path).status == 200, path
                if found := page.evaluate(_CUT_DATES):
                    cut[f"{width} {path}"] = found
    finally:
        context.close()
    assert not cut, f"date boxes too narrow for a date: {cut}"
