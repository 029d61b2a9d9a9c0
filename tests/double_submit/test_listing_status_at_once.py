"""A listing's status buttons (关闭, 标记已解决, 续期) double-clicked: the two submits arrive at the same moment. The
listing moves once, one audit row tells it, and the twin is answered in Chinese (the state it found), nothing
done twice."""

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog, TechNeed
from matchmaker.utils import clock

from ..factories import make_need, make_user
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _need(app, **kw):
    with app.app_context():
        ent = make_user("enterprise")
        n = make_need(user=ent, title="双击状态按钮的需求", **kw)
        ids = n.id, ent.email, n.valid_until
        db.session.remove()
    return ids


def _after(app, nid):
    with app.app_context():
        n = db.session.get(TechNeed, nid)
        rows = db.session.scalars(db.select(AuditLog).filter_by(entity="tech_need", entity_id=nid, action="status"))
        got = n.status, n.valid_until, [r.after["action"] for r in rows]
        db.session.remove()
    return got


@pytest.mark.parametrize(("action", "status"), [("close", "closed"), ("solve", "solved")])
def test_a_status_button_clicked_twice_at_once_moves_the_listing_once(file_app, action, status):
    nid, email, _ = _need(file_app)
    clients = [_client(file_app, email) for _ in range(2)]
    answers = posts_at_once(clients, f"/needs/{nid}/status", {"action": action})
    assert [a.status_code for a in answers] == [302, 302]
    assert _after(file_app, nid)[0] == status and _after(file_app, nid)[2] == [action]
    told = [c.get(f"/needs/{nid}").get_data(as_text=True) for c in clients]
    assert sum("状态已更新为" in t for t in told) == 1, told
    assert sum("本次操作未执行" in t or "不能" in t for t in told) == 1


def test_renew_clicked_twice_at_once_renews_once(file_app):
    today = clock.today()
    nid, email, until = _need(file_app, valid_until=today + timedelta(days=10))
    clients = [_client(file_app, email) for _ in range(2)]
    answers = posts_at_once(clients, f"/needs/{nid}/status", {"action": "renew", "renew_from": until.isoformat()})
    assert [a.status_code for a in answers] == [302, 302]
    status, valid_until, actions = _after(file_app, nid)
    assert status == "published" and valid_until > until
    assert actions == ["renew"], actions  # one 续期, one audit row
