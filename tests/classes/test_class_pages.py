"""Live-class pages as their users met them in the browser (2026-12-06)."""

import re
from datetime import datetime, timedelta

from matchmaker.classes import services
from matchmaker.extensions import db

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


def test_an_ended_session_offers_its_replay_not_a_registration_that_would_be_refused(client, auth):
    """Three hours after its start a session takes no more registration, yet its page still offered 报名参加 to
    enterprise users and researchers and 登录后报名 to visitors, each ending in 该场次已结束，可观看回放. Its page
    now says so in place of the button, with the replay when there is one; a session started two hours ago
    still takes registration."""
    now = services.beijing_now().replace(second=0, microsecond=0)
    ended = make_session(
        title="已结束的场次", starts_at=now - timedelta(hours=4), replay_link="https://live.example.cn/replay/1"
    )
    no_replay = make_session(title="无回放的场次", starts_at=now - timedelta(hours=4))
    late = make_session(title="开播两小时的场次", starts_at=now - timedelta(hours=2))
    page = client.get(f"/classes/{ended.id}").get_data(as_text=True)
    assert "登录后报名" not in page
    assert '该场次已结束，可<a href="https://live.example.cn/replay/1"' in page
    assert "登录后报名" in client.get(f"/classes/{late.id}").get_data(as_text=True)
    for role in ("researcher", "enterprise"):
        auth.login(role)
        page = client.get(f"/classes/{ended.id}").get_data(as_text=True)
        assert "报名参加" not in page and f"/classes/{ended.id}/register" not in page
        assert '该场次已结束，可<a href="https://live.example.cn/replay/1"' in page
        page = client.get(f"/classes/{no_replay.id}").get_data(as_text=True)
        assert "报名参加" not in page and "该场次已结束，不再接受报名" in page
        assert "报名参加" in client.get(f"/classes/{late.id}").get_data(as_text=True)
        auth.logout()
    user = auth.login("researcher")
    client.post(f"/classes/{ended.id}/register")
    client.post(f"/classes/{late.id}/register")
    db.session.expire_all()
    assert services.registration_of(ended, user) is None and services.registration_of(late, user) is not None


def test_someone_registered_for_an_ended_session_is_offered_its_replay_not_the_live_room(client, auth):
    """Someone registered for a session that ended (three hours after its start) still got 进入直播间 on its page,
    a room long closed, and no word of the replay. Their page now says 该场次已结束 with the replay when there is
    one, in place of the live room's button; a session that started two hours ago still leads into the room."""
    now = services.beijing_now().replace(second=0, microsecond=0)
    user = auth.login("researcher")
    sessions = {}
    for title, replay in (
        ("有回放的场次", "https://live.example.cn/replay/1"),
        ("无回放的场次", None),
        ("进行中的场次", None),
    ):
        s = make_session(title=title, starts_at=now + timedelta(days=1), replay_link=replay)
        assert client.post(f"/classes/{s.id}/register").status_code == 302
        sessions[title] = s
    for title in ("有回放的场次", "无回放的场次"):  # held since: four hours ago
        sessions[title].starts_at = now - timedelta(hours=4)
    sessions["进行中的场次"].starts_at = now - timedelta(hours=2)
    db.session.commit()
    assert all(services.registration_of(s, user) for s in sessions.values())

    page = client.get(f"/classes/{sessions['有回放的场次'].id}").get_data(as_text=True)
    assert "您已报名" in page and "进入直播间" not in page and "https://live.example.cn/room/1" not in page
    assert '该场次已结束，可<a href="https://live.example.cn/replay/1"' in page
    page = client.get(f"/classes/{sessions['无回放的场次'].id}").get_data(as_text=True)
    assert "进入直播间" not in page and "直播链接将在开播前公布" not in page and "该场次已结束" in page
    page = client.get(f"/classes/{sessions['进行中的场次'].id}").get_data(as_text=True)
    assert "进入直播间" in page and "该场次已结束" not in page


def test_registration_closes_three_hours_after_the_start(app):
    """The one cut-off the page and register() share."""
    s = make_session(starts_at=datetime(2026, 12, 6, 9, 0))
    assert services.registration_open(s, now=datetime(2026, 12, 6, 12, 0))
    assert not services.registration_open(s, now=datetime(2026, 12, 6, 12, 1))


def test_a_session_page_has_a_breadcrumb_back_to_the_schedule(client, auth):
    """A session's page had no way back to the schedule but the browser's; like the other detail pages it now
    opens with a breadcrumb to 直播课堂与线上对接, for visitors, registrants and staff alike."""
    s = make_session(title="高校成果转化路演")
    for role in (None, "researcher", "broker"):
        if role:
            auth.login(role)
        page = client.get(f"/classes/{s.id}").get_data(as_text=True)
        crumb = re.search(r'<nav aria-label="当前位置">(.*?)</nav>', page, re.S).group(1)
        assert '<a href="/classes/">直播课堂与线上对接</a>' in crumb
        assert 'aria-current="page">高校成果转化路演</li>' in crumb
        assert page.index(crumb) < page.index("<h1")
        if role:
            auth.logout()


def test_staff_see_an_ended_session_marked_over_beside_its_live_link(client, auth):
    """Brokers and admins keep seeing the live link a session had (it is theirs to manage), but an ended session's
    card now says 该场次已结束 (with the replay) and marks the link 已结束, as a current one is not."""
    now = services.beijing_now().replace(second=0, microsecond=0)
    ended = make_session(title="已结束的场次", starts_at=now - timedelta(hours=4),
                         live_link="https://live.example.cn/room/9", replay_link="https://live.example.cn/replay/9")  # fmt: skip
    coming = make_session(
        title="明天的场次", starts_at=now + timedelta(days=1), live_link="https://live.example.cn/room/8"
    )
    for role in ("broker", "admin"):
        auth.login(role)
        page = client.get(f"/classes/{ended.id}").get_data(as_text=True)
        assert '该场次已结束，可<a href="https://live.example.cn/replay/9"' in page
        assert "直播链接（已结束）：" in page and "https://live.example.cn/room/9" in page
        page = client.get(f"/classes/{coming.id}").get_data(as_text=True)
        assert "该场次已结束" not in page and "直播链接：" in page and "https://live.example.cn/room/8" in page
        auth.logout()


def test_the_corrected_file_box_comes_before_the_import_button(client, auth):
    """更正后的文件 changes what an upload does, yet it stood after 导入: a keyboard reached the button first and a
    phone showed the box below it. It is now read, and tabbed to, before the button."""
    broker = auth.login("broker")
    s = make_session(broker)
    form = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True).split('enctype="multipart/form-data"')[1]
    form = form.split("</form>", 1)[0]
    assert form.index('name="file"') < form.index('name="min_minutes"') < form.index('name="replace_guests"')
    assert form.index('name="replace_guests"') < form.index(">导入</button>")


def _row(page, title):
    return re.search(rf"<tr><td[^>]*>[^<]*</td>\s*<td><a [^>]*>{title}</a>.*?</tr>", page, re.S).group(0)


def test_the_schedule_marks_ended_and_started_sessions_in_words_and_its_filters_still_apply(client):
    """The schedule listed a class held months ago as one to come; each row now says 已结束 (with 可观看回放 when
    there is a replay) or 已开始, as the session's own page does, and the 往期回放 / 即将开始 filters keep their rows."""
    now = services.beijing_now().replace(second=0, microsecond=0)
    make_session(title="往期课程", starts_at=now - timedelta(days=30), replay_link="https://live.example.cn/replay/2")
    make_session(title="无回放往期", starts_at=now - timedelta(hours=4))
    make_session(title="开播中课程", starts_at=now - timedelta(hours=1))
    make_session(title="下周课程", starts_at=now + timedelta(days=7))
    page = client.get("/classes/").get_data(as_text=True)
    assert '已结束</span> <span class="small text-muted">可观看回放' in _row(page, "往期课程")
    assert "已结束" in _row(page, "无回放往期") and "可观看回放" not in _row(page, "无回放往期")
    assert "已开始" in _row(page, "开播中课程") and "已结束" not in _row(page, "开播中课程")
    assert "已结束" not in _row(page, "下周课程") and "已开始" not in _row(page, "下周课程")
    past = client.get("/classes/?when=past").get_data(as_text=True)
    assert "往期课程" in past and "无回放往期" in past and "下周课程" not in past
    upcoming = client.get("/classes/?when=upcoming&q=课程").get_data(as_text=True)
    assert "下周课程" in upcoming and "开播中课程" in upcoming and "往期课程" not in upcoming
    assert "已结束" not in upcoming
