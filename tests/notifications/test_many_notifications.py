"""100,000 notifications for one user (attack, 2026-12-04): every page of /notifications/ sorted all of them
(0.5 s a page; the unread list too), as only (user_id, read_at) was indexed; now both lists read an index
in their own order, twenty rows at a time."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, text

from matchmaker.extensions import db
from matchmaker.models import Notification
from matchmaker.notifications.services import user_notifications

from ..factories import make_user


def _seed(user, n):
    start = datetime(2026, 1, 1)
    rows = [dict(user_id=user.id, kind="test", text=f"第 {i} 条通知", link="/needs/",
                 read_at=start if i % 3 else None, created_at=start + timedelta(minutes=i)) for i in range(n)]  # fmt: skip
    db.session.execute(insert(Notification), rows)
    db.session.commit()


@pytest.mark.parametrize("unread_only", [False, True])
def test_a_page_of_notifications_is_read_in_index_order_not_sorted(app, unread_only):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL chooses by its statistics")
    user = make_user("enterprise")
    _seed(user, 2000)
    stmt = user_notifications(user, unread_only).limit(20).offset(0)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "TEMP B-TREE" not in plan, plan


def test_the_pages_of_many_notifications(client, auth):
    """The list is paginated newest first; a page far past the end is empty, not an error."""
    user = auth.login("enterprise")
    _seed(user, 2000)
    body = client.get("/notifications/").get_data(as_text=True)
    assert "第 1999 条通知" in body and "第 1979 条通知" not in body
    body = client.get("/notifications/?page=100").get_data(as_text=True)
    assert "第 0 条通知" in body and "第 20 条通知" not in body
    assert client.get("/notifications/?page=99999999999999999999").status_code == 200
    body = client.get("/notifications/?unread=1").get_data(as_text=True)
    assert "第 1998 条通知" in body and "第 1999 条通知" not in body
