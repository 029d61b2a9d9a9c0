"""On the demo, a broker's refused 跟进: the form comes back with what was typed, the address bar shows the pair's
page (not …/follow-ups), and a refresh reloads the pair without sending the form again."""

import re

from .conftest import Journey

BROKER = ("broker1@demo.cn", "demo12345")


def _pair_with_follow_up_form(j):
    j.go("/broker/pipeline")
    hrefs = j.page.eval_on_selector_all(
        "a[href^='/broker/suggestions/']", "links => links.map(a => a.getAttribute('href'))"
    )
    for href in dict.fromkeys(h for h in hrefs if re.fullmatch(r"/broker/suggestions/\d+", h)):
        j.go(href)
        if j.page.locator("form[action$='/follow-ups']").count():
            return href
    raise AssertionError("no pair of broker1's offers 跟进")


def test_a_refused_follow_up_keeps_the_text_and_a_refresh_does_not_post_it_again(browser, demo_server):
    """A date after today is refused in place; the URL is the pair's; a reload shows the pair afresh."""
    j = Journey(browser, demo_server["url"], "refused-follow-up")
    try:
        j.login(*BROKER)
        pair = _pair_with_follow_up_form(j)
        p = j.page
        entries = p.locator(".timeline > div").count()
        posts = []
        p.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        form = p.locator("form[action$='/follow-ups']")
        form.locator("[name=happened_on]").fill("2099-01-01")
        form.locator("[name=note]").fill("电话沟通需求细节，约下周走访")
        form.locator("button[type=submit]").click()
        p.wait_for_load_state("load")
        assert "跟进日期不能晚于今天" in p.inner_text("main")
        assert p.locator("form[action$='/follow-ups'] [name=note]").input_value() == "电话沟通需求细节，约下周走访"
        assert p.url == demo_server["url"] + pair and len(posts) == 1
        p.reload()
        p.wait_for_load_state()
        assert p.url == demo_server["url"] + pair and len(posts) == 1  # a GET of the pair, nothing sent again
        assert "跟进日期不能晚于今天" not in p.inner_text("main")
        assert p.locator(".timeline > div").count() == entries
    finally:
        j.close()


def test_a_refused_accept_moves_the_focus_to_its_message(browser, demo_server):
    """A pending pair accepted (采纳) from one tab and then from its page loaded before in another: the second is refused
    in place (409, 该推荐已是「已采纳」状态) with no field to fix, and the focus stayed on the page's body, so a keyboard or
    screen-reader user heard nothing; it is on the message now."""
    j = Journey(browser, demo_server["url"], "refused-accept")
    try:
        j.login(*BROKER)
        j.go("/broker/")
        hrefs = j.page.eval_on_selector_all(
            "a[href^='/broker/suggestions/']", "links => links.map(a => a.getAttribute('href'))"
        )
        pair = [h for h in hrefs if re.fullmatch(r"/broker/suggestions/\d+", h)][-1]  # the queue's last on its page
        other = j.context.new_page()
        other.goto(j.base + pair)
        j.go(pair)
        other.click("main form[action$='/accept'] button[type=submit]")
        other.wait_for_load_state()
        other.close()
        p = j.page
        p.click("main form[action$='/accept'] button[type=submit]")
        p.wait_for_load_state("load")
        focused = p.evaluate(
            "() => { const e = document.activeElement; return [e.tagName, e.getAttribute('role'), e.textContent]; }"
        )
        assert focused[0] != "BODY" and focused[1] == "alert" and "已采纳" in focused[2], focused
    finally:
        j.close()
