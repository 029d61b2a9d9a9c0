"""Journeys through a stale edit form: two tabs of one record, the later save refused with a table of differences."""

from .conftest import ADMIN


def test_a_phone_shows_both_columns_of_the_differences_beside_a_long_link(journey):
    """One tab saves a zone's description as a long link, the other (on a phone, 375 px) saves a new name from the
    page it loaded before: refused, the table lists both fields, and 您填写的 is on the screen. The link's cell
    stretched the table: 您填写的 was off to the right, the caption cut off, reachable only by scrolling sideways."""
    admin = journey("stale")
    admin.login(*ADMIN)
    p = admin.page
    admin.go("/zones/manage")
    p.fill("#name", "旅程改名专区")
    p.click("main form button[type=submit]")
    p.wait_for_selector("text=已创建专区“旅程改名专区”")
    edit = p.get_attribute('main a[href$="/edit"]', "href")  # the newest zone is listed first
    other = admin.context.new_page()
    other.goto(admin.base + edit)
    admin.go(edit)
    other.fill("#description", "资料：https://files.example.cn/" + "a" * 150)
    other.click("main form button[type=submit]")
    other.wait_for_url("**/zones/manage")
    other.close()
    p.set_viewport_size({"width": 375, "height": 800})
    p.fill("#name", "第二个标签页的专区名")
    p.click("main form button[type=submit]")
    p.wait_for_selector("#stale-differences")
    assert "已被修改并保存" in p.inner_text("main")
    table = p.locator("#stale-differences table")
    assert table.locator("tbody th").all_inner_texts() == ["专区名称", "专区介绍"]
    typed = table.locator("tbody tr >> nth=0 >> td >> nth=1")
    assert typed.inner_text() == "第二个标签页的专区名"
    right = p.evaluate("el => el.getBoundingClientRect().right", typed.element_handle())
    assert right <= 375, right  # on the screen, not beside the link
    box = p.locator("#stale-differences .table-responsive")
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1")


def test_a_refused_stale_save_moves_the_focus_to_its_message(journey):
    """A zone saved from a page loaded before another tab's save is refused (409) with what was typed: no field is
    wrong, and the focus stayed on the page's body, so a keyboard or screen-reader user heard nothing. It is on the
    message now (said by a screen reader, outlined), and Tab goes on from there, not from the top of the page."""
    admin = journey("stale-focus")
    admin.login(*ADMIN)
    p = admin.page
    admin.go("/zones/manage")
    p.fill("#name", "焦点测试专区")
    p.click("main form button[type=submit]")
    p.wait_for_selector("text=已创建专区“焦点测试专区”")
    edit = p.get_attribute('main a[href$="/edit"]', "href")
    other = admin.context.new_page()
    other.goto(admin.base + edit)
    admin.go(edit)
    other.fill("#description", "另一个标签页先保存的介绍")
    other.click("main form button[type=submit]")
    other.wait_for_url("**/zones/manage")
    other.close()
    p.fill("#name", "焦点测试专区改名")
    p.click("main form button[type=submit]")
    p.wait_for_selector("#stale-differences")
    focused = p.evaluate(
        "() => { const e = document.activeElement, s = getComputedStyle(e);"
        " return {tag: e.tagName, role: e.getAttribute('role'), text: e.textContent,"
        " outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0}; }"
    )
    assert focused["tag"] != "BODY" and focused["role"] == "alert", focused
    assert "已被修改并保存" in focused["text"] and focused["outline"] >= 2, focused
    assert p.input_value("#name") == "焦点测试专区改名"
