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
