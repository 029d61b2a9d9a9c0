"""发起网上签约 double-clicked (attack, 2026-12-07): both submits of one prepare page passed the state check while
their PDFs were laid out; one sent the text (303), the other was refused with 400 "合同刚刚被其他人修改或已发起网上签约"
though it was the same broker's same form, and the browser showed whichever answer came last. Now the form's
one-time key makes the twin answer like the first: 303 to the signing page, one document, signers told once."""

import re

from matchmaker.extensions import db
from matchmaker.models import ContractDocument, Notification

from ..contracts.test_signing import form, setup_parties
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _count(app, model, **where):
    with app.app_context():
        try:
            return db.session.scalar(db.select(db.func.count(model.id)).filter_by(**where))
        finally:
            db.session.remove()


def test_one_prepare_page_submitted_twice_at_once_sends_one_text(file_app):
    with file_app.app_context():
        s = setup_parties()
        email, cid, signer, data = s.broker.email, s.contract.id, s.ent.id, form(s)
        db.session.remove()
    clients = [_client(file_app, email) for _ in range(2)]
    url = f"/contracts/{cid}/signing/prepare"
    page = clients[0].get(url).get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    data.update(submission_key=key.group(1) if key else "")
    answers = posts_at_once(clients, url, data)
    assert [a.status_code for a in answers] == [303, 303], [a.get_data(as_text=True)[-3000:] for a in answers]
    assert {a.headers["Location"] for a in answers} == {f"/contracts/{cid}/signing"}
    assert _count(file_app, ContractDocument, contract_id=cid) == 1
    assert _count(file_app, Notification, user_id=signer, kind="signing") == 1

    again = clients[1].post(url, data=data, follow_redirects=True)  # the same page sent once more, later
    assert "未重复生成合同文本" in again.get_data(as_text=True) and "不能重复发起" not in again.get_data(as_text=True)
    assert _count(file_app, ContractDocument, contract_id=cid) == 1
