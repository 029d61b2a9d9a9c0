"""The import templates' columns and the per-row validation (every message in Chinese)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..listings import validation as rules
from ..models import Confidentiality, CoopMode, IPType, Maturity, TransferMode
from ..utils import money
from ..utils.validators import PHONE_MESSAGE, is_phone, normalize_phone
from .reader import LongNumber, digits_lost

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    required: bool = False
    example: str = ""


NEED_COLUMNS = (
    Column("外部编号", "external_ref", True, "VISIT-2025-0001"),
    Column("需求名称", "title", True, "注塑件表面缩痕与熔接线缺陷检测"),
    Column("需求单位", "organization", True, "美居智能家电有限公司"),
    Column("需求摘要", "summary", True, "希望引入机器视觉在线检测注塑外观件缺陷"),
    Column("拟解决的技术难题", "problem", True, "人工目检漏检率高，需要在线自动检测缩痕、熔接线和黑点"),
    Column("技术指标", "indicators", False, "检测节拍不超过 2 秒/件，漏检率低于 0.5%"),
    Column("现有基础", "conditions", False, "已有 12 条注塑产线和 MES 系统"),
    Column("关键词", "keywords", False, "机器视觉,缺陷检测,注塑"),
    Column("所属行业", "industry", True, "智能家电"),
    Column("技术领域", "field", False, "人工智能"),
    Column("合作方式", "coop_mode", True, "技术开发"),
    Column("预算（万元）", "budget", True, "80"),
    Column("有效期至", "valid_until", True, "2026-12-31"),
    Column("所在镇街", "town", False, "翠湖镇"),
    Column("保密要求", "confidentiality", False, "完全公开"),
    Column("专区", "zones", False, ""),
    Column("联系人", "contact_name", False, "王工"),
    Column("联系电话", "contact_phone", False, "13800000000"),
    Column("联系邮箱", "contact_email", False, ""),
)

RESULT_COLUMNS = (
    Column("外部编号", "external_ref", True, "UNI-2025-0001"),
    Column("成果名称", "title", True, "基于深度学习的表面缺陷视觉检测系统"),
    Column("完成单位", "organization", True, "南方理工大学"),
    Column("成果简介", "abstract", True, "面向注塑、冲压件外观缺陷的在线视觉检测系统"),
    Column("详细介绍", "detail", False, ""),
    Column("技术优势", "advantages", False, "小样本训练，检测节拍 1 秒/件"),
    Column("关键词", "keywords", False, "机器视觉,缺陷检测,深度学习"),
    Column("技术领域", "field", True, "人工智能"),
    Column("应用行业", "industry", False, "智能家电"),
    Column("研发团队", "team", False, "张教授团队"),
    Column("成熟度", "maturity", True, "中试"),
    Column("知识产权类型", "ip_type", False, "发明专利"),
    Column("专利号", "patent_numbers", False, "ZL 2017 1 0601862.3"),
    Column("转化方式", "transfer_mode", True, "普通许可"),
    Column("价格（万元）", "price", True, "面议"),
    Column("有效期至", "valid_until", True, "2027-06-30"),
    Column("所在镇街", "town", False, "高新区"),
    Column("专区", "zones", False, ""),
    Column("负责人邮箱", "owner_email", False, ""),
    Column("联系人", "contact_name", False, ""),
    Column("联系电话", "contact_phone", False, ""),
    Column("联系邮箱", "contact_email", False, ""),
)

COLUMNS = {"need": NEED_COLUMNS, "result": RESULT_COLUMNS}
KIND_LABELS = {"need": "技术需求", "result": "科技成果"}


def normalize_header(h):
    """Headers compare without spaces, an asterisk, or full/half-width bracket differences."""
    return str(h).strip().rstrip("*＊").strip().replace("(", "（").replace(")", "）").replace(" ", "")


def check_header(kind, header):
    """Return {column name: index}, or raise ValueError explaining what is wrong."""
    wanted = {normalize_header(c.header): c for c in COLUMNS[kind]}
    got = [normalize_header(h) for h in header]
    unknown = list(dict.fromkeys(h for h in got if h and h not in wanted))
    missing = [c.header for key, c in wanted.items() if c.required and key not in got]
    dupes = sorted({h for h in got if h and got.count(h) > 1})
    if missing or unknown or dupes:
        parts = []
        if missing:
            parts.append("缺少必填列：" + "、".join(missing))
        if unknown:
            parts.append("无法识别的列：" + _some(unknown))
        if dupes:
            parts.append("重复的列：" + _some(dupes))
        raise ValueError(f"表头不正确（{'；'.join(parts)}）。请下载{KIND_LABELS[kind]}导入模板，按模板第一行的列名填写")
    return {wanted[h].name: i for i, h in enumerate(got) if h}


COLUMNS_NAMED = 8  # unknown or repeated columns named in the header's message, each cut short; the rest counted


def _some(names):
    """The first COLUMNS_NAMED of `names`, each cut to 20 characters, and how many there are past them: the message is
    kept on the batch in 500 characters, and a file of 60 columns of another system's was told as a list of them cut
    off mid-name, the repeated columns and what to do lost."""
    named = "、".join(money.short(n, 20) for n in names[:COLUMNS_NAMED])
    return named + (f" 等 {len(names)} 列" if len(names) > COLUMNS_NAMED else "")


class Lookups:
    """Names the rows refer to, resolved once per file: organisations, zones, lists, users."""

    def __init__(self, orgs, zones, taxonomy, users):
        self.orgs, self.zones, self.taxonomy, self.users = orgs, zones, taxonomy, users


def _choice(value, enum_cls, label, required=False):
    return rules.clean_choice(value, enum_cls.choices(), label, required)


def _taxonomy(value, kind, label, lookups, required=False):
    s = str(value or "").strip()
    if not s:
        if required:
            raise ValueError(f"请填写{label}")
        return None
    if s not in lookups.taxonomy.get(kind, ()):
        raise ValueError(f"{label}“{s}”不在平台维护的列表中")
    return s


def _contact(data, errors):
    phone = data.get("contact_phone")
    if phone and not is_phone(phone):
        errors.append(("联系电话", digits_lost(phone) or PHONE_MESSAGE))
    email = str(data.get("contact_email") or "").strip()
    if email and (len(email) > 120 or not EMAIL_RE.match(email)):
        errors.append(("联系邮箱", "邮箱格式不正确"))


def _amount(value, label, notes, positive=False):
    """(万元, False) or (None, True) for 面议, read from the cell as typed. An amount whose characters NFKC
    changes (full-width digits or point: １２３．５) is read as what they are, as the forms read it, and
    noted: a form asks to confirm the value read before saving it (inputs.ConfirmTyped), an import shows
    it in the report, to check before confirming the import."""
    typed = getattr(value, "typed", None) or value  # the reader's cleaning made full-width digits ASCII
    amount, negotiable = money.clean_money(typed, label, positive)
    if amount is not None and money.typed_differently(typed):
        notes.append(
            f"“{money.short(str(typed).strip())}”含全角或特殊字符，读作 {amount:.2f} 万元"
        )  # true before and after the import
    return amount, negotiable


def clean_row(kind, raw, lookups, today=None, warnings=None):
    """Return (cleaned dict, [(column header, reason)]) for one row's raw cells by column name.

    Values read but worth a look (an amount typed in full-width digits) are added to `warnings` as
    (column header, note); the row is still good."""
    headers = {c.name: c.header for c in COLUMNS[kind]}
    out, errors = {}, []

    def amount(name, label, positive=False):
        notes = []
        take(name, lambda v: _amount(v, label, notes, positive))
        if warnings is not None:
            warnings.extend((headers[name], note) for note in notes)

    def take(name, fn):
        try:
            out[name] = fn(raw.get(name, ""))
        except ValueError as exc:
            errors.append((headers[name], str(exc)))

    take("external_ref", _external_ref)
    take("title", lambda v: rules.clean_title(str(v or ""), headers["title"]))  # a number or date cell too
    take("organization", lambda v: _organization(v, kind, lookups))
    take("keywords", lambda v: rules.clean_keywords(str(v or "")))
    take("field", lambda v: _taxonomy(v, "field", "技术领域", lookups, required=kind == "result"))
    take("industry", lambda v: _taxonomy(v, "industry", "行业", lookups, required=kind == "need"))
    take("town", lambda v: _taxonomy(v, "town", "镇街", lookups))
    take("valid_until", lambda v: _valid_until(v, today))
    take("zones", lambda v: _zones(v, lookups))
    for name in ("contact_name",):
        take(name, lambda v, n=name: rules.clean_text(str(v or ""), n, "联系人") or None)
    try:
        out["contact_phone"] = str(_as_text(raw.get("contact_phone"), "联系电话") or "").strip() or None
    except ValueError as exc:
        errors.append(("联系电话", str(exc)))
        out["contact_phone"] = None
    out["contact_email"] = str(raw.get("contact_email") or "").strip() or None
    _contact(out, errors)
    # Any layout the forms take (0571-8888 6666, +86 138 0013 8000, full-width digits), stored normalised
    out["contact_phone"] = normalize_phone(out["contact_phone"])
    if kind == "need":
        for name, label, req in (("summary", "需求摘要", True), ("problem", "拟解决的技术难题", True),
                                 ("indicators", "技术指标", False), ("conditions", "现有基础", False)):  # fmt: skip
            take(name, lambda v, n=name, lab=label, r=req: rules.clean_text(str(v or ""), n, lab, r))
        take("coop_mode", lambda v: _choice(v, CoopMode, "合作方式", True))
        amount("budget", "预算", positive=True)
        take("confidentiality", lambda v: _choice(v, Confidentiality, "保密要求") or "public")
    else:
        for name, label, req in (("abstract", "成果简介", True), ("detail", "详细介绍", False),
                                 ("advantages", "技术优势", False), ("team", "研发团队", False)):  # fmt: skip
            take(name, lambda v, n=name, lab=label, r=req: rules.clean_text(str(v or ""), n, lab, r))
        take("maturity", lambda v: _choice(v, Maturity, "成熟度", True))
        take("ip_type", lambda v: _choice(v, IPType, "知识产权类型"))
        take("patent_numbers", lambda v: rules.clean_patents(str(v or "")) or None)
        if "ip_type" in out and "patent_numbers" in out:  # the two as the form asks them together
            if err := rules.patent_type_error(out["patent_numbers"], out["ip_type"]):
                errors.append((headers["patent_numbers"], err))
        take("transfer_mode", lambda v: _choice(v, TransferMode, "转化方式", True))
        amount("price", "价格")
        take("owner_email", lambda v: _owner(v, lookups))
    return out, errors


EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date serials (from 1 March 1900 on)


def _valid_until(value, today):
    """The validity date; a number in its place (an Excel date serial, the cell's date format lost or pasted as
    values) is refused naming the date it stands for, not only "日期格式应为 YYYY-MM-DD"."""
    try:
        return rules.clean_valid_until(value, today)
    except ValueError:
        text = str(value).strip()
        if not re.fullmatch(r"\d{3,7}(\.0+)?", text) or not 61 <= float(text) <= 2_958_465:
            raise
        meant = EXCEL_EPOCH + timedelta(days=int(float(text)))
        raise ValueError(
            f"日期格式应为 YYYY-MM-DD：“{int(float(text))}”是数字，可能是 Excel 的日期序号（即 {meant.isoformat()}）："
            "请把单元格格式设为日期，或填写 YYYY-MM-DD"
        ) from None


def _as_text(value, label):
    """A code's cell as text, or a ValueError for a date, a time or a logical value: Excel turned what was typed into
    one (1-5 or 2024/1/5 into a date, TRUE into a logical value), and its Python text ("2024-01-05 00:00:00", "True")
    was stored as the code, or refused as a phone, as if typed. A number of 16 digits or more (LongNumber) has lost
    its last digits to Excel: stored as typed, 123456789012345678 was the code 123456789012345000."""
    if isinstance(value, LongNumber):
        raise ValueError(
            f"{label}“{money.short(value)}”是超过 15 位的数字：Excel 只保存数字的前 15 位，其后的数字已变成 0，"
            "原来的内容无法读出；请把该列的单元格格式设为文本后重新填写原内容，再上传"
        )
    if isinstance(value, bool):
        kind, shown = "逻辑值", "TRUE" if value else "FALSE"
    elif isinstance(value, datetime):
        kind, shown = "日期", value.strftime("%Y-%m-%d %H:%M" if value.time() != time() else "%Y-%m-%d")
    elif isinstance(value, date):
        kind, shown = "日期", value.isoformat()
    elif isinstance(value, (time, timedelta)):
        kind, shown = "时间", str(value)
    else:
        return value
    raise ValueError(
        f"{label}应为文本，该单元格是{kind}（{shown}）：Excel 把填写的内容当作{kind}保存了，"
        "请把该列的单元格格式设为文本后重新填写原内容"
    )


def _external_ref(value):
    s = str(_as_text(value, "外部编号") or "").strip()
    if not s:
        raise ValueError("请填写外部编号（用于防止重复导入）")
    if len(s) > 100:
        raise ValueError("外部编号不能超过 100 个字符")
    if lost := digits_lost(s):  # 2.025E+11 for 202500010001: rows of other codes taken as one, or as imported
        raise ValueError("外部编号" + lost)
    return s


def _organization(value, kind, lookups):
    s = str(value or "").strip()
    if not s:
        raise ValueError("请填写单位名称")
    org = lookups.orgs.get(s)
    if org is None:
        raise ValueError(f"单位“{s}”在平台上不存在，请先在“单位管理”中创建")
    org_id, org_kind = org
    if kind == "need" and org_kind != "enterprise":
        raise ValueError(f"“{s}”不是企业，技术需求只能属于企业")
    if kind == "result" and org_kind not in ("university", "institute", "enterprise"):
        raise ValueError(f"“{s}”不是高校、科研院所或企业")
    return org_id


def _zones(value, lookups):
    ids = []
    for name in re.split(r"[,，、;；\n]+", str(value or "")):
        name = name.strip()
        if not name:
            continue
        if name not in lookups.zones:
            raise ValueError(f"专区“{name}”不存在")
        ids.append(lookups.zones[name])
    return ids


def _owner(value, lookups):
    s = str(value or "").strip().lower()
    if not s:
        return None
    if s not in lookups.users:
        raise ValueError(f"负责人邮箱“{s}”不是平台上的科研人员账号")
    return lookups.users[s]
