"""后退 after a create form was sent: the browser shows the form again with what was typed; sending it again
answers with the row the first submit made, not a second one."""

import re

from .conftest import Journey

BROKER = ("broker1@demo.cn", "demo12345")


def test_an_event_sent_again_after_going_back_is_made_once(browser, demo_server):
    """对接活动 › 新建, 保存, 后退, 保存 again: one event, and the second 保存 lands on it."""
    j = Journey(browser, demo_server["url"], "back-after-create")
    try:
        j.login(*BROKER)
        p = j.page
        title = "后退重复提交检查活动"
        j.go("/broker/events/new")
        p.fill("#title", title)
        p.select_option("#mode", "online")
        p.fill("#starts_at", "2030-05-20T14:00")
        p.fill("#link", "https://meeting.example.cn/back")
        p.click("main form button[type=submit]")
        p.wait_for_url(re.compile(r".*/broker/events/\d+$"))
        first = p.url
        p.go_back()
        p.wait_for_load_state()
        assert p.url.endswith("/broker/events/new") and p.input_value("#title") == title  # the browser put it back
        p.click("main form button[type=submit]")
        p.wait_for_url(re.compile(r".*/broker/events/\d+$"))
        assert p.url == first
        j.go("/broker/events")
        assert p.inner_text("main").count(title) == 1
    finally:
        j.close()


def test_an_event_changed_after_going_back_is_told_not_dropped(browser, demo_server):
    """对接活动 › 新建, 保存, 后退, change the title, 保存: the form says it was sent once, keeps the new title, and
    保存 again makes the second event (it landed on the first one without a word, the change lost)."""
    j = Journey(browser, demo_server["url"], "back-after-create-changed")
    try:
        j.login(*BROKER)
        p = j.page
        title, other = "后退改动检查活动", "后退改动后的另一场活动"
        j.go("/broker/events/new")
        p.fill("#title", title)
        p.select_option("#mode", "online")
        p.fill("#starts_at", "2030-05-21T14:00")
        p.fill("#link", "https://meeting.example.cn/back2")
        p.click("main form button[type=submit]")
        p.wait_for_url(re.compile(r".*/broker/events/\d+$"))
        first = p.url
        p.go_back()
        p.wait_for_load_state()
        p.fill("#title", other)
        p.click("main form button[type=submit]")
        p.wait_for_load_state()
        assert "此表单已提交过一次" in p.inner_text("main") and p.input_value("#title") == other
        p.click("main form button[type=submit]")
        p.wait_for_url(re.compile(r".*/broker/events/\d+$"))
        assert p.url != first
        j.go("/broker/events")
        text = p.inner_text("main")
        assert text.count(title) == 1 and text.count(other) == 1
    finally:
        j.close()
