"""What every visitor sees the same is cached per process and dropped when its tables change."""

import pytest

from matchmaker import cache
from matchmaker.extensions import db
from matchmaker.models import Taxonomy, TechNeed
from tests.factories import make_need


@pytest.fixture
def cached_app(make_app):
    app = make_app(CACHE_IN_TESTS=True)
    with app.app_context():
        yield app


def count_queries(app, path):
    """(body, number of SELECTs on tech_need counting rows) for one request."""
    from sqlalchemy import event

    seen = []

    def note(conn, cursor, statement, *args):
        if "count(" in statement.lower():
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        body = app.test_client().get(path).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return body, len(seen)


def test_list_count_is_cached_and_dropped_when_a_need_is_added(cached_app):
    """The unfiltered list's count is read once; a committed new need drops it."""
    make_need(title="第一条缓存测试需求")
    _, first = count_queries(cached_app, "/needs/")
    _, second = count_queries(cached_app, "/needs/")
    assert first == 1 and second == 0
    make_need(title="第二条缓存测试需求")
    body, third = count_queries(cached_app, "/needs/")
    assert third == 1 and "第二条缓存测试需求" in body
    _, filtered = count_queries(cached_app, "/needs/?industry=新能源")
    assert filtered == 1  # filtered counts are not shared


def test_bulk_updates_drop_the_count_too(cached_app):
    """An UPDATE statement through the session (like expire-listings) invalidates as an ORM change does."""
    need = make_need(title="批量更新缓存测试需求")
    count_queries(cached_app, "/needs/")
    db.session.execute(db.update(TechNeed).where(TechNeed.id == need.id).values(status="closed"))
    db.session.commit()
    assert count_queries(cached_app, "/needs/")[1] == 1


def test_choice_lists_follow_taxonomy_edits(cached_app):
    """A new industry shows in the list page's filter at the next request."""
    client = cached_app.test_client()
    assert "缓存测试行业" not in client.get("/needs/").get_data(as_text=True)
    db.session.add(Taxonomy(kind="industry", name="缓存测试行业", active=True, sort_order=99))
    db.session.commit()
    assert "缓存测试行业" in client.get("/needs/").get_data(as_text=True)


def test_writes_elsewhere_leave_the_cache_alone(cached_app):
    """A commit touching no cached table keeps the entries."""
    make_need()
    count_queries(cached_app, "/needs/")
    from tests.factories import make_user

    make_user(role="broker")
    assert count_queries(cached_app, "/needs/")[1] == 0
    assert "user" not in cache.WATCHED


def test_a_write_moves_the_stamp_every_worker_checks(cached_app):
    """The generation file, written in place, still moves its modification time: other workers drop their entries."""
    import time

    cache.invalidate({"tech_need"})
    before = cache._stamp_now()
    time.sleep(0.05)  # file times move by the kernel's tick
    cache.invalidate({"tech_need"})
    assert cache._stamp_now() > before
