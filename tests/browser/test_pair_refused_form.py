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
