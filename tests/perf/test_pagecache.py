"""Anonymous list, search and detail pages are shared for a few seconds; nothing personal ever is."""

import pytest
from flask import g, request_started
from sqlalchemy import event

from matchmaker import pagecache
from matchmaker.extensions import db
from tests.factories import make_need, make_user


@pytest.fixture
def cached_app(make_app):
    app = make_app(CACHE_IN_TESTS=True)

    def fresh_g(sender, **extra):  # as in a server, where every request has its own g
        for name in ("csrf_token", "_cache_checked", "page_key", "page_generation", "one_time_key_issued"):
            g.pop(name, None)

    request_started.connect(fresh_g, app, weak=False)
    with app.app_context():
        yield app


def statements(app, client, path, **kw):
    """(response, number of SQL statements) for one request."""
    seen = []

    def note(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        resp = client.get(path, **kw)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return resp, len(seen)


def test_an_anonymous_list_page_is_shared_until_a_listing_changes(cached_app):
    """The second visitor's page needs no SQL; a committed new need shows at the next request."""
    make_need(title="第一条整页缓存需求")
    first, n1 = statements(cached_app, cached_app.test_client(), "/needs/")
    second, n2 = statements(cached_app, cached_app.test_client(), "/needs/")
    assert n1 > 0 and n2 == 0 and first.data == second.data
    need = make_need(title="第二条整页缓存需求")
    third, n3 = statements(cached_app, cached_app.test_client(), "/needs/")
    assert n3 > 0 and "第二条整页缓存需求" in third.get_data(as_text=True)
    statements(cached_app, cached_app.test_client(), f"/needs/{need.id}")
    need.title = "改过的整页缓存需求"
    db.session.commit()
    detail, _ = statements(cached_app, cached_app.test_client(), f"/needs/{need.id}")
    assert "改过的整页缓存需求" in detail.get_data(as_text=True)


def test_anonymous_pages_carry_no_token_and_set_no_cookie(cached_app):
    """Nothing on a shared page comes from a session: no CSRF token, no Set-Cookie."""
    need = make_need()
    for path in ("/needs/", "/results/", "/needs/?q=传感器", f"/needs/{need.id}"):
        for _ in range(2):
            resp = cached_app.test_client().get(path)
            assert resp.status_code == 200
            assert "csrf_token" not in resp.get_data(as_text=True), path
            assert "Set-Cookie" not in resp.headers, path


def test_logged_in_pages_are_neither_served_from_nor_kept_in_the_shared_cache(cached_app):
    """A logged-in visitor sees their own header; the next anonymous visitor never sees it."""
    make_need()
    anonymous = cached_app.test_client()
    statements(cached_app, anonymous, "/needs/")  # kept
    user = make_user(role="enterprise", name="缓存测试用户甲")
    client = cached_app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": "password123"})
    mine, n = statements(cached_app, client, "/needs/")
    body = mine.get_data(as_text=True)
    assert n > 0 and "缓存测试用户甲" in body and "退出登录" in body
    assert mine.headers["Cache-Control"] == "no-store"
    for _ in range(2):  # nor is the logged-in page kept for anyone
        other = anonymous.get("/needs/").get_data(as_text=True)
        assert "缓存测试用户甲" not in other and "退出登录" not in other and "csrf_token" not in other


def test_flashed_messages_reach_only_their_visitor(cached_app):
    """A visitor with a message waiting gets a page made for them, and it is not kept for others."""
    make_need()
    statements(cached_app, cached_app.test_client(), "/needs/")  # kept
    client = cached_app.test_client()
    with client.session_transaction() as s:
        s["_flashes"] = [("info", "只给这位访客的消息")]
    resp, n = statements(cached_app, client, "/needs/")
    assert n > 0 and "只给这位访客的消息" in resp.get_data(as_text=True)
    assert "只给这位访客的消息" not in client.get("/needs/").get_data(as_text=True)  # shown once
    assert "只给这位访客的消息" not in cached_app.test_client().get("/needs/").get_data(as_text=True)


def test_a_page_that_flashed_is_not_kept(cached_app):
    """Invalid filters flash a warning on the page: that page is made again for the next visitor."""
    make_need()
    url = "/needs/?min=abc"
    first, n1 = statements(cached_app, cached_app.test_client(), url)
    second, n2 = statements(cached_app, cached_app.test_client(), url)
    assert n1 > 0 and n2 > 0 and "最低金额应为不小于 0 的数字" in second.get_data(as_text=True)


def test_remember_me_and_bearer_visitors_are_not_served_shared_pages(cached_app):
    """A remember-me cookie or an Authorization header may log the visitor in: never a shared page."""
    make_need()
    statements(cached_app, cached_app.test_client(), "/needs/")  # kept
    client = cached_app.test_client()
    client.set_cookie("remember_token", "1|whatever")
    assert statements(cached_app, client, "/needs/")[1] > 0
    assert statements(cached_app, cached_app.test_client(), "/needs/", headers={"Authorization": "Bearer x"})[1] > 0


def test_elder_mode_has_its_own_shared_page(cached_app):
    """适老化模式 is part of the key: the large-text page and the plain one are kept apart."""
    make_need()
    plain = cached_app.test_client()
    statements(cached_app, plain, "/needs/")
    elder = cached_app.test_client()
    elder.set_cookie("mm_elder", "1")
    assert 'class="mm-elder"' in elder.get("/needs/").get_data(as_text=True)
    assert 'class="mm-elder"' in elder.get("/needs/").get_data(as_text=True)
    assert 'class="mm-elder"' not in plain.get("/needs/").get_data(as_text=True)


def test_a_page_that_made_a_csrf_token_is_not_kept(cached_app, monkeypatch):
    """Should a shared page ever carry a form, its token makes it personal: it is not kept."""
    from flask import render_template_string

    @cached_app.route("/pagecache-probe")
    def probe():
        return render_template_string("<p>{{ csrf_token() }}</p>")

    monkeypatch.setattr(pagecache, "SHARED", pagecache.SHARED | {"probe": pagecache.LISTING_TABLES})
    one = cached_app.test_client().get("/pagecache-probe").data
    two = cached_app.test_client().get("/pagecache-probe").data
    assert one != two


def test_a_write_while_the_page_was_made_keeps_it_out(cached_app):
    """A page read before another worker's write is not kept (the generation moved meanwhile)."""
    from matchmaker import cache

    make_need()
    with cached_app.test_request_context("/needs/"):
        made_in = cache.stamp()
        cache.invalidate({"tech_need"})  # as another worker's commit would
        cache.store(("page", "x"), pagecache.LISTING_TABLES, (b"old", 200, []), made_in=made_in)
        assert cache.cached_value(("page", "x")) is None


def test_the_elder_switch_refuses_other_sites_without_a_session_token(make_app):
    """With CSRF on, the switch works from our own pages (Origin) and refuses other sites' forms."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    data = {"on": "1", "next": "/needs/"}
    assert client.post("/display/elder", data=data).status_code == 400
    assert client.post("/display/elder", data=data, headers={"Origin": "https://evil.example"}).status_code == 400
    assert client.post("/display/elder", data=data, headers={"Origin": "null"}).status_code == 400
    assert client.post("/display/elder", data=data, headers={"Sec-Fetch-Site": "cross-site",
                                                             "Origin": "http://localhost"}).status_code == 400  # fmt: skip
    resp = client.post("/display/elder", data=data, headers={"Origin": "http://localhost"})
    assert resp.status_code == 303 and "mm_elder=1" in resp.headers["Set-Cookie"]
    resp = client.post("/display/elder", data=data, headers={"Referer": "http://localhost/needs/"})
    assert resp.status_code == 303
    resp = client.post("/display/elder", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 303


def login(app, user):
    """A client logged in as user, with its session's CSRF secret made (the first page makes it)."""
    client = app.test_client()
    resp = client.post("/auth/login", data={"email": user.email, "password": "password123"})
    assert resp.status_code == 302
    client.get("/dashboard")
    return client


def test_a_brokers_queue_is_kept_for_that_login_session_only(cached_app):
    """The same session's second visit is served as made (the user is still loaded and checked); another
    broker, or the same broker's other session, gets a page of its own."""
    from tests.factories import make_suggestion

    broker, other = make_user(role="broker", name="缓存经纪人甲"), make_user(role="broker", name="缓存经纪人乙")
    make_suggestion(need=make_need(title="队列缓存需求一"))
    mine = login(cached_app, broker)
    first, n1 = statements(cached_app, mine, "/broker/")
    second, n2 = statements(cached_app, mine, "/broker/")
    assert first.data == second.data and "队列缓存需求一" in first.get_data(as_text=True)
    assert n2 <= 2 < n1  # the user and the unread count
    assert second.headers["Cache-Control"] == "no-store"
    theirs, n3 = statements(cached_app, login(cached_app, other), "/broker/")
    body = theirs.get_data(as_text=True)
    assert n3 > 2 and "缓存经纪人乙" in body and "缓存经纪人甲" not in body
    again, n4 = statements(cached_app, login(cached_app, broker), "/broker/")
    assert n4 > 2 and again.data != first.data  # its forms carry the other session's tokens


def test_a_kept_queue_follows_pairs_notifications_and_logout(cached_app):
    """A new pair, a notification or a logout is seen at the next request."""
    from matchmaker.models import Notification
    from tests.factories import make_suggestion

    broker = make_user(role="broker")
    client = login(cached_app, broker)
    statements(cached_app, client, "/broker/")
    make_suggestion(need=make_need(title="队列缓存新需求"))
    assert "队列缓存新需求" in client.get("/broker/").get_data(as_text=True)
    db.session.add(Notification(user_id=broker.id, kind="system", text="队列缓存通知"))
    db.session.commit()
    assert 'id="unread-count">1<' in client.get("/broker/").get_data(as_text=True)
    client.post("/auth/logout")
    assert client.get("/broker/").status_code == 302


def test_a_page_with_a_one_time_key_is_not_kept(cached_app, monkeypatch):
    """A form's one-time submission key must not be shown twice: such a page is made again."""
    from flask import render_template_string

    @cached_app.route("/pagecache-key-probe")
    def key_probe():
        return render_template_string("<p>{{ submission_key() }}</p>")

    monkeypatch.setattr(pagecache, "SHARED", pagecache.SHARED | {"key_probe": pagecache.LISTING_TABLES})
    one = cached_app.test_client().get("/pagecache-key-probe").data
    two = cached_app.test_client().get("/pagecache-key-probe").data
    assert one != two


def test_a_kept_queue_is_served_without_a_transaction_on_postgresql(cached_app):
    """On PostgreSQL a kept queue is served after one query outside any transaction (no BEGIN, no
    ROLLBACK); a deactivated user or a changed session token is still refused at once."""
    from tests.factories import make_suggestion

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite begins no transaction to read")
    broker = make_user(role="broker", name="快速经纪人")
    make_suggestion(need=make_need(title="免事务队列需求"))
    client = login(cached_app, broker)
    first, _ = statements(cached_app, client, "/broker/")
    in_transaction = []

    def note(conn, cursor, *args):  # psycopg begins a transaction before a statement unless autocommit
        in_transaction.append(not cursor.connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        second, n = statements(cached_app, client, "/broker/")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert second.data == first.data and n == 1 and in_transaction == [False], (n, in_transaction)
    broker.session_token = "0" * 32  # signed out everywhere (a password change)
    db.session.commit()
    assert client.get("/broker/").status_code == 302
    other = make_user(role="broker")
    client = login(cached_app, other)
    assert client.get("/broker/").status_code == client.get("/broker/").status_code == 200
    other.active = False
    db.session.commit()
    assert client.get("/broker/").status_code == 302
