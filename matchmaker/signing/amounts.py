"""Money in figures and in Chinese capitals (人民币大写), as contracts and bank forms write it.

The rules are those of the People's Bank's 《正确填写票据和结算凭证的基本规定》:

- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups of four places closed by 万 and 亿 (壹万贰仟亿 for
  1.2 万亿), then 元 角 分;
- a leading ten is written 壹拾 (壹拾陆元整, never 拾陆元整);
- one 零 stands for any run of zeros between two non-zero digits, across 万/亿 and across 元
  (1,409.50 → 壹仟肆佰零玖元伍角整; 1,680.32 → 壹仟陆佰捌拾元零叁角贰分; 100,010,000 → 壹亿零壹万元整).
  Where the rules let the 零 at the 万 or 元 place be written or left out, it is always written;
- 角 zero and 分 not zero: 零 before the 分 (325.04 → 叁佰贰拾伍元零肆分);
- 整 after 元 or 角 when there are no 分; never after 分.
"""

from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
LIMIT = Decimal(10) ** 16  # 万亿 is the largest group: amounts below 10 quadrillion yuan
CENT = Decimal("0.01")


def _exact_cents(amount) -> Decimal:
    """The amount as a Decimal of whole cents; ValueError for floats, fractions of a cent or negatives."""
    if isinstance(amount, float):
        raise TypeError("money must be a Decimal or a string, never a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise ValueError(f"an amount has at most two decimals: {amount!r}")
    if value < 0:
        raise ValueError("an amount cannot be negative")
    if value >= LIMIT:
        raise ValueError("amount too large for Chinese capitals (below 10^16 yuan)")
    return value.quantize(CENT)


def rmb_upper(amount) -> str:
    """The amount in yuan as 人民币大写, e.g. Decimal('1234567.89') → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分."""
    cents = int(_exact_cents(amount) * 100)
    if cents == 0:
        return "零元整"
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = []
    pending_zero = False  # zeros seen since the last non-zero digit: one 零 before the next
    group_has_digit = above_yi = False
    digits = str(yuan) if yuan else ""
    for i, ch in enumerate(digits):
        power = len(digits) - 1 - i
        if ch != "0":
            out.append(("零" if pending_zero else "") + DIGITS[int(ch)] + PLACES[power % 4])
            pending_zero = False
            group_has_digit = True
            above_yi = above_yi or power >= 8
        elif out:
            pending_zero = True
        if power % 4 == 0:  # the end of a group of four places: 万, 亿, 万 (of 亿), or 元
            group = power // 4
            if group == 2 and above_yi:
                out.append("亿")  # 亿 closes the hundred-millions even when its own four places are zero
            elif group in (1, 3) and group_has_digit:
                out.append("万")
            group_has_digit = False
    if yuan:
        out.append("元")
    for digit, unit in ((jiao, "角"), (fen, "分")):
        if digit:
            out.append(("零" if pending_zero else "") + DIGITS[digit] + unit)
            pending_zero = False
        elif out:
            pending_zero = True
    if not fen:
        out.append("整")
    return "".join(out)


def yuan_figures(amount) -> str:
    """The amount in figures with thousands separators and two decimals: ¥1,234,567.89."""
    return f"¥{_exact_cents(amount):,.2f}"


def wan_figures(amount) -> str:
    """The amount in 万元, exact (no rounding: a contract states what was agreed): 123.456789 万元."""
    wan = _exact_cents(amount) / Decimal(10000)
    text = f"{wan:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} 万元"
