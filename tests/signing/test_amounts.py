"""人民币大写: the bank-form rules for 零, 整, 壹拾 and the groups, checked by example and by reading back."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchmaker.signing.amounts import rmb_upper, wan_figures, yuan_figures

# The People's Bank's examples (《正确填写票据和结算凭证的基本规定》), and edge cases around 零.
EXAMPLES = {
    "1234567.89": "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
    "1409.50": "壹仟肆佰零玖元伍角整",  # a zero between digits: 零
    "6007.14": "陆仟零柒元壹角肆分",  # a run of zeros: one 零
    "1680.32": "壹仟陆佰捌拾元零叁角贰分",  # 元 place zero, 角 not: 零 after 元
    "107000.53": "壹拾万零柒仟元零伍角叁分",  # 万 place zero: 零 written (the rules allow either)
    "325.04": "叁佰贰拾伍元零肆分",  # 角 zero, 分 not: 零 before 分
    "16.00": "壹拾陆元整",  # a leading ten is 壹拾
    "10": "壹拾元整",
    "100000": "壹拾万元整",
    "100010000": "壹亿零壹万元整",  # a zero 万 group inside: one 零
    "100001000": "壹亿零壹仟元整",
    "100000000": "壹亿元整",
    "1000000000000": "壹万亿元整",
    "1234500000000": "壹万贰仟叁佰肆拾伍亿元整",  # above 亿, 万 groups the 亿
    "1000000010000": "壹万亿零壹万元整",
    "5132900": "伍佰壹拾叁万贰仟玖佰元整",
    "20000.05": "贰万元零伍分",
    "0.50": "伍角整",  # no 零元 before 角
    "0.05": "伍分",  # no 零 at the start
    "0.10": "壹角整",
    "0.01": "壹分",
    "1": "壹元整",
    "1.01": "壹元零壹分",
    "0": "零元整",
    "0.00": "零元整",
    "9999999999999999.99": "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
}


@pytest.mark.parametrize("amount, expected", sorted(EXAMPLES.items()))
def test_bank_form_examples(amount, expected):
    """Each example reads as a bank teller writes it."""
    assert rmb_upper(Decimal(amount)) == expected
    assert rmb_upper(amount) == expected  # a string is as good as a Decimal


@pytest.mark.parametrize("bad", ["1.234", "-1", "NaN", "Infinity", "abc", "10000000000000000", ""])
def test_refuses_what_is_not_an_amount_in_cents(bad):
    """Fractions of a cent, negatives, non-numbers and amounts past 万亿 are refused, not rounded."""
    with pytest.raises(ValueError):
        rmb_upper(bad)


def test_refuses_floats():
    """A float is never money."""
    with pytest.raises(TypeError):
        rmb_upper(0.1)


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}


def read_back(text):
    """Parse 大写 back into cents: an independent reading that catches a misplaced unit."""
    body = text.removesuffix("整")
    yuan_text, _, cents_text = body.rpartition("元") if "元" in body else ("", "", body)
    cents = 0
    for m in re.finditer(r"([壹贰叁肆伍陆柒捌玖])([角分])", cents_text):
        cents += DIGIT[m.group(1)] * (10 if m.group(2) == "角" else 1)

    def small(s):  # up to 9999
        total = 0
        for m in re.finditer(r"([壹贰叁肆伍陆柒捌玖])([拾佰仟]?)", s):
            total += DIGIT[m.group(1)] * PLACE.get(m.group(2), 1)
        return total

    def below_yi(s):  # up to 9999,9999
        if "万" in s:
            hi, _, lo = s.partition("万")
            return small(hi) * 10000 + small(lo)
        return small(s)

    if "亿" in yuan_text:
        hi, _, lo = yuan_text.partition("亿")
        yuan = below_yi(hi) * 10**8 + below_yi(lo)
    else:
        yuan = below_yi(yuan_text)
    return yuan * 100 + cents


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_every_amount_reads_back_and_follows_the_zero_rules(cents):
    """Any amount up to 万亿 reads back to itself; 零 never doubles, never ends, never precedes a unit."""
    amount = Decimal(cents) / 100
    text = rmb_upper(amount)
    assert read_back(text) == cents or cents == 0
    assert "零零" not in text
    assert not re.search(r"零[拾佰仟万亿元角分整]", text) or text == "零元整"
    assert text.endswith("分") != text.endswith("整")  # 整 exactly when there are no 分
    assert (cents % 10 == 0) == text.endswith("整")
    assert not text.startswith("拾") and not text.startswith("零") or text == "零元整"


def test_figures():
    """Figures with separators in yuan, and exact 万元 without rounding."""
    assert yuan_figures(Decimal("1234567.8")) == "¥1,234,567.80"
    assert wan_figures(Decimal("5132900.00")) == "513.29 万元"
    assert wan_figures(Decimal("1234567.89")) == "123.456789 万元"
    assert wan_figures(Decimal("10000")) == "1 万元"
