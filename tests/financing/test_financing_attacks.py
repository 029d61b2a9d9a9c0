"""Attacks on financing (2026-12-04): yuan typed into the 万元 amount of an application."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.models import FinancingCase

from .test_financing import _valid_patent


def test_yuan_typed_as_wan_is_asked_about_before_it_is_saved(client, auth):
    """拟融资金额（万元） typed as 5000000 (the enterprise meant 500 万元 in yuan): the form asks, showing 500 亿元
    and the 万元 figure to type, keeps what was typed and saves nothing; ticked, it saves exactly that. It was
    saved at once as 5,000,000.00 万元."""
    auth.login("enterprise")
    data = {"patents": _valid_patent(), "amount_wanted": "5000000", "term_months": "12", "purpose": "购买设备"}
    resp = client.post("/financing/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "即 500.00 亿元" in page and "请改为 500.00（万元）" in page
    assert 'value="5000000"' in page and db.session.scalar(db.select(db.func.count(FinancingCase.id))) == 0
    resp = client.post("/financing/new", data=dict(data, amount_wanted_confirm="5000000.00 万元"))
    assert resp.status_code == 302
    assert db.session.scalar(db.select(FinancingCase.amount_wanted)) == Decimal("50000000000.00")
    assert client.post("/financing/new", data=dict(data, amount_wanted="500")).status_code == 302


def test_a_missing_or_inconsistent_figure_is_shown_beside_its_own_field(client, auth):
    """The bank's approval sent without a rate, or above the appraisal; the insurance with a premium above the cover:
    the message stood under 说明 while the figure's own field showed nothing wrong. Now it is shown beside that
    field, with the figures typed kept."""
    from decimal import Decimal as D

    from matchmaker.financing import services
    from matchmaker.models import User

    from ..factories import make_user
    from .test_financing import _partners

    p = _partners()
    ent = make_user("enterprise")
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": D(5_000_000), "term_months": 12})
    broker = auth.login("broker")
    services.move(case, "appraise", db.session.get(User, broker.id), {"partner_id": p["appraiser"].id,
                                                                       "appraised_value": D(8_000_000)})  # fmt: skip
    approve = {"action": "approve", "partner_id": p["bank"].id, "loan_amount": "400", "loan_rate": "",
               "loan_term_months": "12", "note": ""}  # fmt: skip
    cases = [(approve, "loan_rate", "请填写年利率"), (dict(approve, loan_rate="4.35", loan_term_months=""),
             "loan_term_months", "请填写贷款期限"), (dict(approve, loan_rate="4.35", loan_amount="900"), "loan_amount",
             "审批金额不能超过评估价值"), (dict(approve, partner_id=""), "partner_id", "请选择")]  # fmt: skip
    for data, name, message in cases:
        page = client.post(f"/financing/{case.id}/move", data=data).get_data(as_text=True)
        error = page.split(f'id="{data["action"]}-{name}-error"', 1)
        assert len(error) == 2 and message in error[1].split("</div></div>", 1)[0], (name, message)
        assert 'value="400"' in page or 'value="900"' in page
    assert db.session.get(FinancingCase, case.id).status == "appraised"
