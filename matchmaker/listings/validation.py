"""Field rules shared by the need/result forms and the bulk import (Chinese messages).

Every ``clean_*`` function returns the cleaned value or raises ``ValueError`` with the
message shown to the user.
"""

import re
import unicodedata
from datetime import date, datetime

from ..models.enums import IPType
from ..utils import clock
from ..utils.text import has_visible

TITLE_MIN, TITLE_MAX = 5, 100
MAX_LEN = {
    "summary": 300,
    "problem": 5000,
    "indicators": 3000,
    "conditions": 3000,
    "abstract": 2000,
    "detail": 10000,
    "advantages": 3000,
    "team": 200,
    "keywords": 200,
    "patent_numbers": 500,
    "contact_name": 50,
    "contact_phone": 30,
    "contact_email": 120,
}


def clean_title(text, label="标题"):
    """Title of 5–100 characters; ``label``: what the messages call it (an import's column: 需求名称, 成果名称)."""
    text = (text or "").strip()
    if not has_visible(text):  # ㅤㅤㅤㅤㅤ is five characters that show as nothing
        raise ValueError(f"请填写{label}")
    if not TITLE_MIN <= len(text) <= TITLE_MAX:
        raise ValueError(f"{label}长度应为 {TITLE_MIN}–{TITLE_MAX} 个字符（当前 {len(text)} 个）")
    return text


def clean_text(text, name, label, required=False):
    """Trimmed text no longer than its maximum."""
    text = (text or "").strip()
    if required and not has_visible(text):
        raise ValueError(f"请填写{label}")
    limit = MAX_LEN.get(name)
    if limit and len(text) > limit:
        raise ValueError(f"{label}不能超过 {limit} 个字符（当前 {len(text)} 个）")
    return text


def parse_date(value):
    """A date from a date/datetime or a YYYY-MM-DD (or YYYY/MM/DD, YYYY年M月D日, YYYYMMDD) string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value or "").strip()
    # Full-width separators too (2027－01－01, as a Chinese input method in full-width mode types it): text keeps
    # full-width punctuation, and the date was refused as not YYYY-MM-DD while it looked just like one.
    m = re.fullmatch(r"(\d{4})[-/.年－／．](\d{1,2})[-/.月－／．](\d{1,2})日?", s)
    # 20271231, as dates are often typed in Chinese offices (or an Excel number cell): eight digits, nothing else.
    m = m or re.fullmatch(r"((?:19|20)\d\d)(\d\d)(\d\d)", s)
    if not m:
        raise ValueError("日期格式应为 YYYY-MM-DD，例如 2026-12-31")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError("日期不存在，请核对") from None


def clean_valid_until(value, today=None):
    """A validity end date, not in the past."""
    if value in (None, ""):
        raise ValueError("请填写有效期截止日期")
    d = parse_date(value)
    today = today or clock.today()
    if d < today:
        raise ValueError("有效期截止日期不能早于今天")
    if d.year > today.year + 10:
        raise ValueError("有效期最长 10 年")
    return d


def split_keywords(text, max_count=10, max_len=20):
    """Split on commas/spaces (full or half width), trim, de-duplicate, keep order."""
    seen, out = set(), []
    for part in re.split(r"[,，、;；\s]+", text or ""):
        part = part.strip()
        if part and part.lower() not in seen:
            seen.add(part.lower())
            out.append(part[:max_len])
    return out if max_count is None else out[:max_count]


KEYWORDS_MAX, KEYWORD_MAX_LEN = 10, 20


def clean_keywords(text):
    """Comma-separated keywords, trimmed and de-duplicated, as stored ("a,b,c"). Too many or too long
    ones are refused, never cut short without a word (the 11th keyword and a 21st character were dropped)."""
    words = split_keywords(text, max_count=None, max_len=None)
    if len(words) > KEYWORDS_MAX:
        raise ValueError(f"关键词最多 {KEYWORDS_MAX} 个，现有 {len(words)} 个，请删去一些")
    long = [w for w in words if len(w) > KEYWORD_MAX_LEN]
    if long:
        shown = long[0] if len(long[0]) <= 30 else long[0][:30] + "…"
        raise ValueError(f"每个关键词不超过 {KEYWORD_MAX_LEN} 个字，“{shown}”有 {len(long[0])} 个字")
    joined = ",".join(words)
    if len(joined) > MAX_LEN["keywords"]:
        raise ValueError("关键词总长度不能超过 200 个字符")
    return joined


# Patent / application numbers -------------------------------------------------

_PATENT_RE = re.compile(r"^(?:ZL|CN)?(\d{12}|\d{8})\.?([0-9X])$", re.ASCII)


def patent_check_digit(digits):
    """CN application-number check character: weights 2..9 (8 digits) or 2..9,2..5 (12 digits), mod 11."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5][: len(digits)]
    r = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    return "X" if r == 10 else str(r)


def normalize_patent(text):
    """Half-width (NFKC: a number typed in an input method's full-width mode, ＺＬ２０１７…．３, is the same number;
    form text keeps full-width punctuation, so its ． reached here), upper-case, without spaces;
    e.g. 'zl 2017 1 0601862.3' -> 'ZL201710601862.3'."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\u3000]+", "", text).upper().replace("。", ".")


_QUOTED = 30  # characters of a wrong patent number quoted back in its message


def patent_error(text):
    """None if a Chinese application/patent number is well formed with a correct check digit."""
    s = normalize_patent(text)
    m = _PATENT_RE.match(s)
    shown = text.strip()
    if len(shown) > _QUOTED:  # a pasted paragraph is not echoed whole: the field keeps it
        shown = shown[:_QUOTED] + "…"
    if not m:
        return f"专利号“{shown}”格式不正确（应如 ZL 2017 1 0601862.3 或 ZL 95 1 15608.X）"
    digits, check = m[1], m[2]
    kind = digits[4] if len(digits) == 12 else digits[2]
    if kind not in "12389":
        return f"专利号“{shown}”的类型位应为 1、2、3、8 或 9"
    expected = patent_check_digit(digits)
    if check != expected:
        return f"专利号“{shown}”校验位错误（按前 {len(digits)} 位计算应为 {expected}）"
    return None


def clean_patents(text):
    """Patent numbers separated by commas, semicolons or new lines; each checked; stored normalised."""
    out = []
    for part in re.split(r"[,，;；、\n]+", text or ""):
        if not part.strip():
            continue
        err = patent_error(part)
        if err:
            raise ValueError(err)
        s = normalize_patent(part)
        s = s if s.startswith(("ZL", "CN")) else "ZL" + s
        if "." not in s:
            s = s[:-1] + "." + s[-1]
        if s not in out:
            out.append(s)
    joined = ", ".join(out)
    if len(joined) > MAX_LEN["patent_numbers"]:
        raise ValueError("专利号总长度不能超过 500 个字符")
    return joined


# The type digit of an application number (the 5th of 12 digits, the 3rd of the 8 before 2003) and the kinds of IP
# (models.IPType) each fits: 8 and 9 are PCT applications entering the national phase as an invention / a utility model.
PATENT_TYPES = {"1": "发明", "2": "实用新型", "3": "外观设计", "8": "PCT 进入中国国家阶段的发明",
                "9": "PCT 进入中国国家阶段的实用新型"}  # fmt: skip
TYPE_DIGITS = {"invention": "18", "utility": "29", "design": "3"}
NOT_PATENTS = ("none", "software", "knowhow")  # kinds of IP with no patent number


def patent_type_digit(text):
    """The type digit of a well-formed patent number, or None."""
    m = _PATENT_RE.match(normalize_patent(text))
    if not m:
        return None
    return m[1][4] if len(m[1]) == 12 else m[1][2]


def patent_type_error(text, ip_type):
    """None when the patent numbers fit the chosen kind of IP (知识产权类型), else the message of the first that does
    not: none for 无 / 软件著作权 / 技术秘密; for 发明 / 实用新型 / 外观设计 numbers whose type digit says so. Numbers
    of a wrong format are left to patent_error; other kinds (其他, none chosen) take any."""
    parts = [p for p in re.split(r"[,，;；、\n]+", text or "") if p.strip()]
    if parts and ip_type in NOT_PATENTS:
        return f"知识产权类型为“{IPType.label_of(ip_type)}”时不填写专利号：有专利请改选专利类型，否则请清空专利号"
    wanted = TYPE_DIGITS.get(ip_type or "")
    for part in parts if wanted else ():
        digit = patent_type_digit(part)
        if digit is not None and digit not in wanted:
            label = IPType.label_of(ip_type)
            fits = "、".join(f"{d}（{PATENT_TYPES[d]}）" for d in wanted)
            return (f"专利号“{normalize_patent(part)[:_QUOTED]}”的类型位是 {digit}（{PATENT_TYPES[digit]}），"
                    f"与知识产权类型“{label}”不符：{label}的类型位应为 {fits}")  # fmt: skip
    return None


def clean_choice(value, choices, label, required=False):
    """A value from a list of (value, label) pairs; the label is accepted too (imports)."""
    s = str(value or "").strip()
    if not s:
        if required:
            raise ValueError(f"请选择{label}")
        return None
    for v, lab in choices:
        if s in (v, lab):
            return v
    names = "、".join(lab for _, lab in choices)
    raise ValueError(f"{label}“{s}”不在可选范围内（{names}）")
