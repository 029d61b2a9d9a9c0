"""Amounts as typed: out of range or exotic notation is a form error in Chinese, never a 500 (issue 13)."""

from decimal import Decimal

import pytest

from matchmaker.utils.money import clean_money, parse_amount


@pytest.mark.parametrize(
    "raw", ["1e30", "1e999999", "1E+5", "9" * 40, "1_000", "١٢٣", "Infinity", "NaN", "0x10", "1.2.3"]
)
def test_exotic_or_huge_amounts_are_refused_in_chinese(raw):
    with pytest.raises(ValueError) as exc:
        parse_amount(raw, "wan", "合同金额")
    assert "合同金额" in str(exc.value)
    with pytest.raises(ValueError):
        clean_money(raw, "预算")


def test_full_width_digits_read_as_the_digits_they_are():
    assert parse_amount("１２３", "wan", "合同金额") == Decimal("1230000.00")
    assert parse_amount("1,234.5", "yuan", "合同金额") == Decimal("1234.50")


def test_contract_form_with_huge_amounts_answers_a_form_error(client, auth):
    """The contract form re-renders with an error for 1e30 and 1e999999 万元."""
    auth.login("broker")
    for raw in ("1e30", "1e999999", "99999999999999999999"):
        resp = client.post("/contracts/new", data={"amount": raw, "transaction_amount": raw, "unit": "wan"})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, raw
        assert "合同金额必须是数字" in body or "合同金额超出允许范围" in body, raw
