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
        assert resp.status_code == 400, raw
        assert "合同金额必须是数字" in body or "合同金额超出允许范围" in body, raw


@pytest.mark.parametrize("raw", ["0,5", "1,5", "12,34", ",,,5", "1,00", "1，5", "1, 234", "1,2345", "1 5"])
def test_a_comma_that_groups_no_thousands_is_refused_not_dropped(raw):
    """A decimal comma ("0,5") once saved as 5 万元: a separator is read only where it groups thousands."""
    with pytest.raises(ValueError, match="千位分隔"):
        parse_amount(raw, "wan", "合同金额")
    with pytest.raises(ValueError, match="千位分隔"):
        clean_money(raw, "预算")


@pytest.mark.parametrize(
    ("raw", "yuan"), [("1,234.5", "12345000.00"), ("12 345", "123450000.00"), ("1,234,567.25", "12345672500.00")]
)
def test_thousands_separators_are_read(raw, yuan):
    assert parse_amount(raw, "wan", "合同金额") == Decimal(yuan)


def test_the_largest_amount_accepted_is_the_one_the_message_names():
    """99,999,999.99 万元 is the limit the message gives; 999,999,999,999 元 used to pass and show as 100,000,000.00."""
    assert parse_amount("99999999.99", "wan", "合同金额") == Decimal("999999999900.00")
    assert parse_amount("999999999900.00", "yuan", "合同金额") == Decimal("999999999900.00")
    # The limit in the unit typed: the API (and the form's 元 choice) said 万元 to an amount in yuan.
    for raw, unit, limit in (("999999999999", "yuan", "最大 999999999900.00 元）"),
                             ("99999999.999999", "wan", "最大 99999999.99 万元）")):  # fmt: skip
        with pytest.raises(ValueError, match=limit):
            parse_amount(raw, unit, "合同金额")


def test_need_form_refuses_a_decimal_comma_and_keeps_it(client, auth):
    auth.login("enterprise")
    resp = client.post("/needs/new", data={"title": "逗号预算的需求", "budget": "0,5"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "千位分隔" in body and 'value="0,5"' in body


def test_listing_amount_error_has_one_pair_of_brackets():
    """The budget's message read "…最多 15 位整数）（或填写“面议”）": two brackets in a row."""
    with pytest.raises(ValueError) as exc:
        clean_money("abc", "预算")
    assert str(exc.value) == "预算：金额必须是数字（只能填写阿拉伯数字和小数点，最多 15 位整数，或填写“面议”）"
    with pytest.raises(ValueError) as exc:
        clean_money("-5", "预算")
    assert str(exc.value) == "预算：金额不能为负数（或填写“面议”）"


@pytest.mark.parametrize("raw", ["-0", "-0.00", "－０", "-0,000"])
def test_a_minus_zero_is_zero_not_a_negative_amount(raw):
    """-0 (a spreadsheet's rounding of a tiny negative, or typed) was "不能为负数": it is 0, told as 0 is."""
    assert clean_money(raw, "价格") == (Decimal("0"), False)
    with pytest.raises(ValueError, match="预算须大于 0"):
        clean_money(raw, "预算", positive=True)
    assert parse_amount(raw, "yuan", "合同金额") == Decimal("0.00")
    with pytest.raises(ValueError, match="金额不能为负数"):
        clean_money("-0.01", "预算")


@pytest.mark.parametrize("raw", ["1,234.5万", "1234.5万元", "80 万", "1,000元", "3亿"])
def test_an_amount_typed_with_its_unit_is_told_to_leave_the_unit_out(raw):
    """ "1,234.5万" blamed its comma ("逗号或空格只能用作千位分隔"), "80万" was only "必须是数字": the message names
    the unit typed and asks for the number alone (the field's unit is beside it)."""
    with pytest.raises(ValueError) as exc:
        clean_money(raw, "预算")
    assert "不要填写单位" in str(exc.value) and "逗号" not in str(exc.value), str(exc.value)
    with pytest.raises(ValueError) as exc:
        parse_amount(raw, "wan", "合同金额")
    assert "合同金额" in str(exc.value) and "不要填写单位" in str(exc.value)


def test_a_listing_amount_past_the_largest_names_the_largest():
    """A budget of 999999999999.99 万元 was "预算超出允许范围" without the bound: the largest accepted is named, and
    that one saves."""
    with pytest.raises(ValueError, match=r"^预算超出允许范围（最大 999,999,999,999 万元）$"):
        clean_money("999999999999.99", "预算")
    assert clean_money("999,999,999,999", "预算") == (Decimal("999999999999"), False)
