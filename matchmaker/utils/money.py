"""Money in one place: parsing typed amounts and showing 万元, for forms, pages, reports and exports.

Contracts store exact yuan (``Decimal``); needs and results store their budget or price in
万元 (``Numeric(14, 2)``). Amounts are never floats; rounding happens only when shown
(two decimals, ROUND_HALF_UP), and every page and file shows 万元 the same way:
``format_wan`` → ``1,694.69``.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

WAN = Decimal(10000)
CENT = Decimal("0.01")
NEGOTIABLE = "面议"
NEGOTIABLE_WORDS = (NEGOTIABLE, "面谈", "议价")
LISTING_MAX = 999_999_999_999  # Numeric(14, 2) of a listing's 万元 amount
# Largest contract amount accepted: 99,999,999.99 万元 (about one trillion yuan).
CONTRACT_MAX_YUAN = Decimal("999999999900.00")  # shown as 99,999,999.99 万元, never rounded up past it


# Plain decimal notation only: Decimal() alone would also read "1e30", "1_000", "Infinity" and
# Arabic-Indic or other non-ASCII digits. Full-width digits (１２３) become ASCII through NFKC.
_PLAIN = re.compile(r"[0-9]{1,15}(\.[0-9]{1,8})?")
# Thousands separators are read only where they group thousands ("1,234.5", "12 345"): "0,5" or "1,5"
# (a decimal comma in much of the world) must not become 5 or 15.
_SEPARATORS = re.compile(r"[, ]")
_UNIT = re.compile(r"\s*(?:[万亿]?元|[万亿])\s*$")  # a unit typed after the number
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?P<sep>[, ])[0-9]{3})(?:(?P=sep)[0-9]{3})*(\.[0-9]+)?")


def typed_differently(text) -> bool:
    """True when NFKC changes what was typed (full-width digits or point, ideographic space, ...): such an
    amount is read as what its characters are, but saved only once the user has confirmed the value
    it was read as (issue 13; ``inputs.ConfirmTyped``)."""
    s = str(text if text is not None else "").strip()
    return unicodedata.normalize("NFKC", s) != s


def short(text, limit=30):
    """Typed text quoted back in a message, cut short."""
    return text if len(text) <= limit else text[:limit] + "…"


def _number(text, messages):
    typed = str(text if text is not None else "").strip()
    s = unicodedata.normalize("NFKC", typed)
    s = s.strip().replace("，", ",")
    if not s:
        raise ValueError(messages["empty"])
    # 80万: it blamed the comma of 1,234.5万 (full-width text is told what it reads as, below: 不必填写单位 there)
    if (unit := _UNIT.search(s)) and _UNIT.sub("", s).strip() and not typed_differently(typed):
        raise ValueError(
            messages["nan"] + f"：“{short(typed)}”请不要填写单位“{unit[0].strip()}”，只填写数字（单位见栏目名称）"
        )
    if _SEPARATORS.search(s):
        digits = s[1:] if s.startswith("-") else s
        if not _GROUPED.fullmatch(digits):
            raise ValueError(
                messages["nan"] + f"：“{short(typed)}”中的逗号或空格只能用作千位分隔（如 1,234.5），小数请用小数点"
            )
        s = _SEPARATORS.sub("", s)
    if s.startswith("-") and _PLAIN.fullmatch(s[1:]):
        if Decimal(s[1:]) != 0:
            raise ValueError(messages["negative"])
        s = s[1:]  # -0 (a spreadsheet's rounding of a tiny negative) is 0, told as 0 is, not as a negative
    if not _PLAIN.fullmatch(s):
        if typed_differently(typed):  # say what the full-width text was read as, and what is not a number
            odd = "".join(dict.fromkeys(ch for ch in s if ch not in "0123456789.-"))
            raise ValueError(
                messages["nan"]
                + f"：“{short(typed)}”按半角读作“{short(s)}”"
                + (f"，其中“{odd}”不是数字" if odd else "")
                + "（只能填写阿拉伯数字和小数点，不必填写单位）"
            )
        raise ValueError(messages["nan"] + "（只能填写阿拉伯数字和小数点，最多 15 位整数）")
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueError(messages["nan"]) from None


def parse_decimal(text):
    """A non-negative amount with at most two decimals; ValueError in Chinese."""
    d = _number(text, {"empty": "请填写金额", "nan": "金额必须是数字", "negative": "金额不能为负数"})
    if d.as_tuple().exponent < -2:
        raise ValueError("金额最多保留两位小数")
    return d


def clean_money(text, label="金额", positive=False):
    """A listing's amount as typed: (万元 Decimal, False), or (None, True) for 面议; ValueError in Chinese.
    ``positive``: 0 is refused (a need's budget of 0 万元 was shown publicly as 0.00 万元, meaning nothing)."""
    s = str(text if text is not None else "").strip()
    if s in NEGOTIABLE_WORDS:
        return None, True
    if not s:
        raise ValueError(f"请填写{label}（万元），或填写“面议”")
    try:
        amount = parse_decimal(s)
    except ValueError as exc:
        text = str(exc)  # one pair of brackets: "…（只能填写…，最多 15 位整数，或填写“面议”）"
        hint = text[:-1] + "，或填写“面议”）" if text.endswith("）") else text + "（或填写“面议”）"
        raise ValueError(f"{label}：{hint}") from None
    if amount > LISTING_MAX:
        raise ValueError(f"{label}超出允许范围（最大 {LISTING_MAX:,} 万元）")
    if positive and amount == 0:
        raise ValueError(f"{label}须大于 0；暂不确定请填写“面议”")
    return amount, False


def parse_amount(raw, unit, label):
    """A contract amount typed in 万元 (``unit="wan"``) or 元 to exact yuan; ValueError in Chinese."""
    value = _number(raw, {"empty": f"请填写{label}", "nan": f"{label}必须是数字", "negative": f"{label}不能为负数"})
    places = -value.as_tuple().exponent
    if unit == "wan" and places > 6:
        raise ValueError(f"{label}以万元填写时最多保留六位小数（精确到分）")
    if unit != "wan" and places > 2:
        raise ValueError(f"{label}以元填写时最多保留两位小数（精确到分）")
    # The limit in the unit the amount was typed in (the API and the 元 choice of the form speak yuan).
    too_big = f"{label}超出允许范围（最大 " + ("99999999.99 万元）" if unit == "wan" else "999999999900.00 元）")
    if value > CONTRACT_MAX_YUAN:  # before any arithmetic: huge values would overflow the context
        raise ValueError(too_big)
    yuan = (value * WAN if unit == "wan" else value).quantize(CENT)
    if yuan > CONTRACT_MAX_YUAN:
        raise ValueError(too_big)
    return yuan


def to_wan(yuan):
    """Exact yuan to 万元 with two decimals, ROUND_HALF_UP (the only rounding, at display)."""
    return (Decimal(yuan or 0) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def format_wan(yuan):
    """Yuan shown as 万元: two decimals and thousands separators, e.g. ``1,694.69``."""
    return f"{to_wan(yuan):,.2f}"


def format_listing_amount(wan, negotiable=False):
    """A listing's budget or price (already in 万元) as shown: ``面议``, ``1,200.00 万元`` or ``—``."""
    if negotiable:
        return NEGOTIABLE
    if wan is None:
        return "—"
    return f"{Decimal(wan).quantize(CENT, rounding=ROUND_HALF_UP):,.2f} 万元"


def wan_input(yuan):
    """Yuan as an exact 万元 figure for a form field: at least two decimals, none lost."""
    if yuan is None:
        return ""
    text = f"{(Decimal(yuan) / WAN):.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def listing_input(wan, negotiable=False):
    """A listing's stored amount as its form field shows it: ``面议`` or ``12.50``."""
    return NEGOTIABLE if negotiable else ("" if wan is None else f"{wan:.2f}")
