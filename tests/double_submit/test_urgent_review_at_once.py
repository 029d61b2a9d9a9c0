"""A broker's 通过 on an urgent request double-clicked (attack, 2026-12-07): one submit decided it (302), the other
answered 400 "该申请已由其他经纪人处理", though no other broker had touched it. Now the review form's one-time key
makes the twin answer 303 to the request, decided once, the enterprise told once."""

import re

from matchmaker.extensions import db
from matchmaker.models import Notification, UrgentRequest
from matchmaker.urgent import services

from ..factories import make_need, make_user
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def test_one_review_page_submitted_twice_at_once_decides_once(file_app):
    with file_app.app_context():
        ent, broker = make_user("enterprise"), make_user("broker")
        req = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫，急需")
        rid, email, applicant = req.id, broker.email, ent.id
        db.session.remove()
    clients = [_client(file_app, email) for _ in range(2)]
    page = clients[0].get(f"/urgent/{rid}").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    data = {"decision": "approve", "note": "", "submission_key": key.group(1) if key else ""}
    answers = posts_at_once(clients, f"/urgent/{rid}/review", data)
    assert sorted(a.status_code for a in answers) == [302, 303], [a.get_data(as_text=True)[-2000:] for a in answers]
    with file_app.app_context():
        assert db.session.get(UrgentRequest, rid).status == "approved"
        told = db.session.scalars(db.select(Notification.text).filter_by(user_id=applicant, kind="urgent")).all()
        assert len([t for t in told if "已通过快速通道审核" in t]) == 1, told
        db.session.remove()
    again = clients[1].post(f"/urgent/{rid}/review", data=data, follow_redirects=True).get_data(as_text=True)
    assert "未重复处理" in again and "其他经纪人" not in again
