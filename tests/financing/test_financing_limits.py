"""Financing limits (2026-12-06): who may post a move, and a step's 说明 held to its column by the page, the
form and the workflow, never cut."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.financing import services
from matchmaker.models import FinancingCase

from ..factories import make_user
from .test_financing import _partners, _valid_patent


def _case():
    return services.apply_for(make_user("enterprise"), {"patents": _valid_patent(), "amount_wanted": Decimal(100),
                                                        "term_months": 6})  # fmt: skip


def _state(case):
    db.session.expire_all()
    stored = db.session.get(FinancingCase, case.id)
    return stored.status, [s.action for s in stored.steps]


def test_a_broker_posting_a_withdrawal_is_refused_for_permission_whatever_the_status(client, auth):
    """撤回申请 is the enterprise's (or an admin's for it); a broker posting it by hand was told 案件当前状态为…,
    as if only the moment were wrong. Now it is 403 无权访问 in every state, the case unchanged; an admin posting
    it too late still hears about the status."""
    p, broker = _partners(), make_user("broker")
    case, refused = _case(), _case()
    services.move(refused, "refuse", broker, {"note": "材料不全"})
    auth.login(broker)
    for status, step in (("applied", None), ("appraised", ("appraise", {"partner_id": p["appraiser"].id,
                         "appraised_value": Decimal(100)})), ("bank_approved", ("approve", {"partner_id": p["bank"].id,
                         "loan_amount": Decimal(80), "loan_rate": Decimal(4), "loan_term_months": 6}))):  # fmt: skip
        if step:
            services.move(db.session.get(FinancingCase, case.id), step[0], broker, step[1])
        before = _state(case)
        assert before[0] == status
        for data in ({"action": "withdraw", "expected": status}, {"action": "withdraw"}):
            resp = client.post(f"/financing/{case.id}/move", data=data)
            assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True), (status, data)
            assert "案件当前状态" not in resp.get_data(as_text=True)
            assert _state(case) == before
    resp = client.post(f"/financing/{refused.id}/move", data={"action": "withdraw"})
    assert resp.status_code == 403 and _state(refused) == ("refused", ["refuse"])
    auth.logout()
    auth.login("admin")
    resp = client.post(f"/financing/{case.id}/move", data={"action": "withdraw"}, follow_redirects=True)
    assert resp.status_code == 200 and "案件当前状态为“银行已审批”" in resp.get_data(as_text=True)
    assert _state(case)[0] == "bank_approved"
