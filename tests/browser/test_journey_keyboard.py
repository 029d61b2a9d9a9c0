"""Keyboard only: on the demo, an enterprise user logs in, posts a need and reads the results
matched to it without touching the mouse (Tab, Enter, arrow keys and typing). Every control used
shows a visible focus outline; the skip link, the user menu (a dropdown) and the need form's
selects and date field work from the keyboard. Pages are checked by axe-core (Journey.audit).

Between posting and reading, an admin (in a browser of their own, with the mouse) accepts the
suggested pair, as a broker would between the two (owners see the platform's pairs before review too).
"""

import re
import time
from datetime import timedelta

from matchmaker.utils import clock

from .conftest import Journey

ENTERPRISE = ("ent1@demo.cn", "demo12345")
ADMIN = ("admin@demo.cn", "demo12345")
NEED_TITLE = "呼吸道病毒多联抗原胶体金快速检测试剂开发"
RESULT_TITLE = "呼吸道病毒多联抗原快速检测胶体金试剂"

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), value: e.value ?? null,
          href: e.getAttribute('href'), text: (e.innerText || '').trim().slice(0, 80),
          outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0, shadow: s.boxShadow,
          navbar: !!e.closest('.navbar')};
}"""


def focused(page):
    """What has the keyboard focus now (tag, id, name, href, text, outline width)."""
    return page.evaluate(_FOCUSED)


def tab_to(page, check, what, limit=150):
    """Press Tab until check(focused element) holds; the element must show a focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = focused(page)
        if f and check(f):
            # On the dark navbar only an outline shows (Bootstrap's faint blue shadow there is all but invisible).
            shown = f["outline"] >= 2 or (f["shadow"] != "none" and not f["navbar"])
            assert shown, f"no visible focus on {what}: {f}"
            return f
    raise AssertionError(f"Tab never reached {what}")


def by_id(ident):
    return lambda f: f["id"] == ident


def by_href(pattern):
    return lambda f: bool(f["href"]) and re.fullmatch(pattern, f["href"]) is not None


def type_into(page, ident, text):
    tab_to(page, by_id(ident), f"#{ident}")
    page.keyboard.type(text)


def choose(page, ident, value):
    """A <select> moved with the arrow keys to the option whose value is `value`."""
    tab_to(page, by_id(ident), f"#{ident}")
    for _ in range(80):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"#{ident}: option {value!r} not reached with the arrow keys")


def type_date(page, ident, day):
    """Type a date segment by segment, in the order of the browser's locale (tried in turn).
    Month and day move on by themselves after two digits; the year (up to six digits) by ArrowRight."""
    tab_to(page, by_id(ident), f"#{ident}")
    for order in (("%Y", "%m", "%d"), ("%m", "%d", "%Y"), ("%d", "%m", "%Y")):
        for part in order:
            page.keyboard.type(day.strftime(part))
            if part == "%Y":
                page.keyboard.press("ArrowRight")
        if page.input_value(f"#{ident}") == day.isoformat():
            return
        while focused(page)["id"] == ident:  # Tab moves between the segments: leave, then come back
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
    raise AssertionError(f"#{ident}: could not type {day}")


def press_enter_and_wait(j, url_pattern):
    j.page.keyboard.press("Enter")
    j.page.wait_for_url(url_pattern)


def test_enterprise_posts_a_need_and_reads_its_matches_by_keyboard(browser, demo_server):
    """Log in, post, read the matched result and log out with the keyboard alone."""
    base = demo_server["url"]
    j = Journey(browser, base, "keyboard-enterprise")
    try:
        p = j.page
        j.go("/")
        # The first Tab reaches the skip link; Enter moves focus to the main content.
        p.keyboard.press("Tab")
        assert focused(p)["text"] == "跳到主要内容"
        p.keyboard.press("Enter")
        assert focused(p)["id"] == "content"

        tab_to(p, by_href("/auth/login"), "the 登录 link")
        press_enter_and_wait(j, "**/auth/login")
        type_into(p, "email", ENTERPRISE[0])
        p.keyboard.press("Tab")
        assert focused(p)["id"] == "password"
        p.keyboard.type(ENTERPRISE[1])
        press_enter_and_wait(j, "**/dashboard")

        tab_to(p, by_href("/needs/new"), "发布技术需求")
        press_enter_and_wait(j, "**/needs/new")
        type_into(p, "title", NEED_TITLE)
        type_into(p, "summary", "寻求呼吸道病毒多联抗原胶体金快速检测试剂技术，新冠、甲流、乙流一次检测。")
        type_into(
            p, "problem", "需要高亲和力单克隆抗体对和胶体金免疫层析工艺，建立多联抗原快速检测试剂并完成注册检验。"
        )
        type_into(p, "keywords", "抗原检测，胶体金，快速检测，单克隆抗体")
        choose(p, "industry", "健康医药")
        choose(p, "field", "生物医药")
        choose(p, "coop_mode", "development")
        type_into(p, "budget", "60")
        type_date(p, "valid_until", clock.today() + timedelta(days=200))
        tab_to(p, lambda f: f["tag"] == "button" and f["name"] == "action" and f["value"] == "publish", "发布")
        press_enter_and_wait(j, re.compile(r"/needs/\d+$"))
        assert "需求已发布" in p.inner_text("body")
        need_id = int(p.url.rsplit("/", 1)[1])

        accept_suggestion(browser, base)

        tab_to(p, by_href("/needs/mine"), "我的需求 in the navigation")
        press_enter_and_wait(j, "**/needs/mine")
        tab_to(p, by_href(f"/needs/{need_id}"), "the new need in 我的需求")
        press_enter_and_wait(j, f"**/needs/{need_id}")
        section = p.inner_text("#owner-suggestions")
        assert RESULT_TITLE in section, section
        f = tab_to(p, lambda f: f["text"] == RESULT_TITLE, "the matched result's link")
        press_enter_and_wait(j, re.compile(rf"{re.escape(f['href'])}$"))
        assert RESULT_TITLE in p.inner_text("h1")

        # The user menu is a dropdown: Enter opens it, the arrow keys reach 退出登录.
        tab_to(p, lambda f: "（企业用户）" in f["text"], "the user menu")
        p.keyboard.press("Enter")
        for _ in range(9):  # 我的工作台, 个人资料, 本单位信息, 修改密码, API 访问令牌, 退出登录
            p.keyboard.press("ArrowDown")
            if focused(p)["text"] == "退出登录":
                break
        assert focused(p)["text"] == "退出登录"
        p.keyboard.press("Enter")
        p.wait_for_url(re.compile(r"/(auth/login)?$"))
        assert "登录" in p.inner_text("nav")
    finally:
        j.close()


def accept_suggestion(browser, base, seconds=60):
    """An admin accepts the suggested pair of the new need and the demo result (mouse allowed)."""
    a = Journey(browser, base, "keyboard-admin-accepts")
    try:
        a.login(*ADMIN)
        deadline = time.monotonic() + seconds
        while True:
            a.go(f"/broker/?q={NEED_TITLE}&assigned=all")
            row = a.page.locator(".pair-row", has_text=NEED_TITLE).filter(has_text=RESULT_TITLE)
            if row.count() or time.monotonic() > deadline:
                break
            a.page.wait_for_timeout(1000)
        assert row.count() == 1, a.page.inner_text("main")
        row.locator("a", has_text="详情").click()
        a.page.wait_for_url(re.compile(r"/broker/suggestions/\d+$"))
        a.page.click("main button:has-text('采纳推荐')")
        a.page.wait_for_selector("text=已采纳该推荐")
    finally:
        a.close()


def test_broker_filters_the_queue_and_opens_menus_by_keyboard(browser, demo_server):
    """The queue's filters and the navigation's 服务 dropdown work with Tab, arrows, Enter and Escape."""
    j = Journey(browser, demo_server["url"], "keyboard-broker")
    try:
        j.login("broker1@demo.cn", "demo12345")
        p = j.page
        tab_to(p, lambda f: f["text"].endswith("服务") and f["href"] == "#", "the 服务 menu")
        p.keyboard.press("Enter")
        p.keyboard.press("ArrowDown")
        first = focused(p)
        assert first["href"] and first["href"] != "#", first  # inside the open menu
        p.keyboard.press("Escape")
        assert focused(p)["text"].endswith("服务")  # closed, focus back on its button

        tab_to(p, by_href("/broker/"), "审核队列")
        press_enter_and_wait(j, "**/broker/")
        type_into(p, "f-q", "检测")
        tab_to(p, lambda f: f["name"] == "industry", "the industry filter")
        for _ in range(30):
            if p.evaluate("() => document.activeElement.value") == "健康医药":
                break
            p.keyboard.press("ArrowDown")
        tab_to(p, lambda f: f["tag"] == "button" and "筛选" in f["text"], "筛选")
        press_enter_and_wait(j, re.compile(r"/broker/\?.*industry=%E5%81%A5"))
        assert p.input_value("#f-q") == "检测"
    finally:
        j.close()
