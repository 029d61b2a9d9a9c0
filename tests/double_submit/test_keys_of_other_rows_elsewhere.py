"""The forms acting on an existing row outside the pair and financing pages (an urgent request's review, an admin's
password reset, a contract's 发起网上签约) took a one-time key used on one row as a repeat on any other: row A's key
sent with row B's form was answered "…未重复处理" (or sent to where A's submit went) and B was left as it was. A key
is a repeat only on the row it was first used for; on another row the submit is carried out as a fresh one."""

import re

from matchmaker.extensions import db
from matchmaker.models import ContractDocument, UrgentRequest, User
from matchmaker.urgent import services as urgent

from ..factories import make_contract, make_need, make_user


def _key(page):
    found = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    assert found, page[-2000:]
    return found.group(1)


def test_a_review_key_sent_for_another_request_decides_that_request(client, auth):
    """通过 on request A, then A's review form (its key) sent for request B: B is approved, not told
    "该申请已由您的上一次提交处理（待审核），未重复处理"."""
    ent = make_user("enterprise")
    a, b = (
        urgent.mark_existing(make_need(user=ent, title=t), ent, "order", "订单交期紧迫，急需") for t in ("甲", "乙")
    )
    auth.login("broker")
    data = {"decision": "approve", "note": "", "submission_key": _key(client.get(f"/urgent/{a.id}").get_data(True))}
    assert client.post(f"/urgent/{a.id}/review", data=data).status_code == 302
    resp = client.post(f"/urgent/{b.id}/review", data=data, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "未重复处理" not in page and "已通过并发布" in page, page[-2000:]
    db.session.expire_all()
    assert db.session.get(UrgentRequest, b.id).status == "approved"

