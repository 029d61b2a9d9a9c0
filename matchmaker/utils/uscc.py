"""Unified social credit code (统一社会信用代码) check, GB 32100-2015."""

import re
import unicodedata

# The 31 characters of the code, in value order (no I, O, S, V, Z).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")  # ASCII digits: \d takes ３ too


def check_character(first17: str) -> str:
    """The check character for the first 17 characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(code: str) -> str:
    """Half-width (NFKC: a code typed in an input method's full-width mode is the same code), upper-case, without
    spaces, as users often type them."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", code or "")).upper()


def uscc_error(code: str) -> str | None:
    """None if the code is valid, otherwise a Chinese explanation."""
    code = normalize_uscc(code)
    if len(code) != 18:
        return "统一社会信用代码应为 18 位"
    if not _SHAPE.match(code):
        return "统一社会信用代码含有无效字符（不使用 I、O、S、V、Z）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误，请核对（按前 17 位计算，第 18 位应为 {expected}）"
    return None
