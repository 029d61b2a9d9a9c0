"""Live-class pages as their users met them in the browser (2026-12-06)."""

from .test_classes import make_session


def test_my_registrations_is_offered_to_those_who_can_register_and_its_empty_page_points_on(client, auth):
    """A broker's schedule offered 我的报名, always empty (brokers do not register); it is now offered to
    enterprise users and researchers only. Their empty list points to the sessions about to start."""
    make_session()
    auth.login("broker")
    assert "/classes/mine" not in client.get("/classes/").get_data(as_text=True)
    auth.logout()
    auth.login("researcher")
    assert 'href="/classes/mine">我的报名</a>' in client.get("/classes/").get_data(as_text=True)
    page = client.get("/classes/mine").get_data(as_text=True)
    assert '暂无报名，<a href="/classes/?when=upcoming">查看即将开始的场次</a>' in page
