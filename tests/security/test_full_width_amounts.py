"""Issue 13: full-width digits in amounts are accepted only as what they are, with the parsed value shown
before saving. The first submit saves nothing and asks (将按 … 万元 保存，请确认); a second submit with that
value confirmed saves exactly it; plain ASCII saves at once; a full-width text that is no number is an error."""

import re
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, TechNeed
from matchmaker.utils.money import typed_differently

from ..contracts.test_contracts import GOOD
from ..needs.helpers import NEED_FORM


@pytest.fixture
def enterprise(auth):
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()
    return auth.login("enterprise")


def count(model):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_what_counts_as_typed_differently():
    assert typed_differently("１２３．４５") and typed_differently("５０万") and typed_differently("1，200")
    assert typed_differently("12\u3000") is False  # surrounding (ideographic) space is only trimmed
    assert not typed_differently("123.45") and not typed_differently(" 80.50 ") and not typed_differently("面议")


def test_full_width_budget_is_not_saved_but_shown_as_read(client, enterprise):
    resp = client.post("/needs/new", data=dict(NEED_FORM, budget="１２３．４５"))
    page = resp.get_data(as_text=True)
    assert count(TechNeed) == 0
    assert "将按 123.45 万元 保存，请确认" in page
    assert 'value="１２３．４５"' in page  # what was typed stays in the input
    box = re.search(r'<input[^>]*name="budget_confirm"[^>]*>', page)
    assert box and 'type="checkbox"' in box.group() and 'value="123.45 万元"' in box.group()
    # Tied to the input for screen readers, focusable (app.js focuses it), not announced as an error.
    field = re.search(r'<input[^>]*id="budget"[^>]*>', page).group()
    assert "budget-confirm-text" in field and 'aria-invalid="true"' not in field
    assert 'id="budget-confirm" tabindex="-1" data-amount-confirm' in page
    assert "尚未保存：预算（万元）中含全角数字或符号，请核对系统读取的数值" in page and "提交的内容有误" not in page


def test_confirmed_full_width_budget_saves_exactly_that_value(client, enterprise):
    data = dict(NEED_FORM, budget="１２３．４５", budget_confirm="123.45 万元")
    resp = client.post("/needs/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert db.session.scalar(db.select(TechNeed.budget_wan)) == Decimal("123.45")


def test_a_changed_amount_after_the_question_asks_again(client, enterprise):
    """The tick confirmed 123.45; the user then typed ２００: that value is asked about, nothing saved."""
    resp = client.post("/needs/new", data=dict(NEED_FORM, budget="２００", budget_confirm="123.45 万元"))
    assert count(TechNeed) == 0
    assert "将按 200.00 万元 保存，请确认" in resp.get_data(as_text=True)


def test_ascii_budget_saves_at_once(client, enterprise):
    assert client.post("/needs/new", data=dict(NEED_FORM, budget="123.45")).status_code == 302
    assert db.session.scalar(db.select(TechNeed.budget_wan)) == Decimal("123.45")


@pytest.mark.parametrize("raw, odd", [("５０万", "万"), ("１２３ａ", "a"), ("１２．３４．５", None)])
def test_full_width_text_that_is_no_number_is_a_clear_error(client, enterprise, raw, odd):
    page = client.post("/needs/new", data=dict(NEED_FORM, budget=raw)).get_data(as_text=True)
    assert count(TechNeed) == 0
    assert f"预算：金额必须是数字：“{raw}”按半角读作" in page
    if odd:
        assert f"其中“{odd}”不是数字" in page
    assert "budget_confirm" not in page and "提交的内容有误" in page
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="budget"[^>]*>', page).group()


def test_full_width_contract_amounts_are_confirmed_before_saving(client, auth):
    auth.login("broker")
    data = dict(GOOD, amount="５１３．２９", transaction_amount="５００")
    page = client.post("/contracts/new", data=data).get_data(as_text=True)
    assert count(Contract) == 0
    assert "将按 513.29 万元 保存，请确认" in page and "将按 500.00 万元 保存，请确认" in page
    assert 'value="５１３．２９"' in page and 'value="５００"' in page
    # Confirming only one of them is not enough.
    client.post("/contracts/new", data=dict(data, amount_confirm="513.29 万元"))
    assert count(Contract) == 0
    resp = client.post("/contracts/new",
                       data=dict(data, amount_confirm="513.29 万元", transaction_amount_confirm="500.00 万元"))  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    c = db.session.scalar(db.select(Contract))
    assert (c.amount, c.transaction_amount) == (Decimal("5132900.00"), Decimal("5000000.00"))


def test_contract_confirmation_names_the_unit(client, auth):
    """In 元 the question says 元; a tick given for 万元 does not confirm the same digits in 元."""
    auth.login("broker")
    data = dict(GOOD, unit="yuan", amount="１２０００", transaction_amount="10000", amount_confirm="12000.00 万元")
    page = client.post("/contracts/new", data=data).get_data(as_text=True)
    assert count(Contract) == 0 and "将按 12000.00 元 保存，请确认" in page
    assert client.post("/contracts/new", data=dict(data, amount_confirm="12000.00 元")).status_code == 302
    assert db.session.scalar(db.select(Contract.amount)) == Decimal("12000.00")


def test_ascii_contract_saves_at_once(client, auth):
    auth.login("broker")
    assert client.post("/contracts/new", data=GOOD).status_code == 302
    assert count(Contract) == 1


def test_financing_amount_is_confirmed_too(client, auth):
    from matchmaker.models import FinancingCase

    from ..financing.test_financing import _valid_patent

    auth.login("enterprise")
    data = {"patents": _valid_patent(), "amount_wanted": "５００", "term_months": "12", "purpose": "购买检测设备"}
    page = client.post("/financing/new", data=data).get_data(as_text=True)
    assert count(FinancingCase) == 0 and "将按 500.00 万元 保存，请确认" in page
    resp = client.post("/financing/new", data=dict(data, amount_wanted_confirm="500.00 万元"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert db.session.scalar(db.select(FinancingCase.amount_wanted)) == Decimal("5000000.00")
