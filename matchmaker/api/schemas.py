"""Marshmallow schemas of the API: what each resource looks like, and the OpenAPI document's components.

Money is a decimal string in yuan with two decimals (``"5132900.00"``), never a number; dates are
ISO 8601 (``2026-12-02``), times ISO 8601 in UTC (``2026-12-02T08:30:00Z``).
"""

from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, validate

from ..models import (
    Channel,
    Confidentiality,
    ContractType,
    CoopMode,
    IPType,
    ListingStatus,
    Maturity,
    OrgKind,
    RegistrationStatus,
    Role,
    SuggestionStatus,
    TransferMode,
)
from ..models.enums import ApiScope
from ..utils.money import WAN
from .pagination import DEFAULT_LIMIT, MAX_LIMIT

CENT = Decimal("0.01")
MAX_ID = 2**31 - 1
MONEY_PATTERN = r"^-?\d+\.\d{2}$"
AMOUNT_MAX = 10**16  # yuan: past the largest listing amount (LISTING_MAX 万元, returned as 9999999999990000.00)


def rng(lo, hi):
    return validate.Range(lo, hi, error="应在 {min} 到 {max} 之间")


def one_of(choices):
    return validate.OneOf(choices, error="应为以下之一：{choices}")


def length(max_len):
    return validate.Length(max=max_len, error="不能超过 {max} 个字符")


# No NUL or other control characters (tab and line breaks allowed): PostgreSQL refuses NUL in text,
# and no filter or field needs the others. Documented as the string's pattern.
NO_CONTROL = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="不能包含控制字符")


def text_ok(max_len):
    """A string's validators: at most max_len characters, no control characters."""
    return [length(max_len), NO_CONTROL]


# Chinese messages for what a query argument can get wrong.
ARG_MESSAGES = {"invalid": "格式不正确", "required": "缺少此参数", "null": "不能为空", "too_large": "数值过大",
                "special": "应为有限的数字"}  # fmt: skip


def chinese_messages(schema_cls):
    """Give a query-argument schema's fields Chinese error messages (class decorator)."""
    for f in schema_cls._declared_fields.values():
        f.error_messages = {**f.error_messages, **{k: v for k, v in ARG_MESSAGES.items() if k in f.error_messages}}
        if isinstance(f, fields.Integer):
            f.error_messages["invalid"] = "应为整数"
        elif isinstance(f, fields.Date):
            f.error_messages["invalid"] = "应为 YYYY-MM-DD 格式的日期"
        elif isinstance(f, fields.Decimal):
            f.error_messages["invalid"] = "应为数字"
    return schema_cls


def values(enum):
    return [m.value for m in enum]


class Money(fields.String):
    """Yuan as a string with exactly two decimals."""

    def __init__(self, **kw):
        kw.setdefault("metadata", {})
        kw["metadata"] = {"pattern": MONEY_PATTERN, "example": "5132900.00", **kw["metadata"]}
        super().__init__(**kw)

    def _serialize(self, value, attr, obj, **kw):
        if value is None:
            return None
        return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


class WanAsYuan(Money):
    """A listing's 万元 amount, given in yuan like every other amount of the API."""

    def _serialize(self, value, attr, obj, **kw):
        return None if value is None else super()._serialize(Decimal(value) * WAN, attr, obj, **kw)


class UTCDateTime(fields.DateTime):
    """A stored naive-UTC time as ISO 8601 with ``Z``."""

    def _serialize(self, value, attr, obj, **kw):
        if value is None:
            return None
        return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z" if value.tzinfo is None else (
            value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z")  # fmt: skip


def Enum(enum, **kw):  # noqa: N802 -- reads like a field class
    desc = "；".join(f"{m.value}={m.label}" for m in enum)
    return fields.String(validate=one_of(values(enum)), metadata={"description": desc}, **kw)


class Problem(Schema):
    """An error (RFC 9457 problem details, ``application/problem+json``)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"description": "中文说明", "example": "访问令牌无效"})
    status = fields.Integer(required=True, metadata={"example": 401})
    code = fields.String(required=True, metadata={"description": "稳定的错误代码", "example": "token_invalid"})
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "参数校验错误：参数名 → 中文说明"})  # fmt: skip


# Query arguments ---------------------------------------------------------------------------------


@chinese_messages
class PageArgs(Schema):
    """Unknown arguments are refused (422): a misspelt filter must not silently return everything."""

    error_messages = {"unknown": "未知参数"}

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=rng(1, MAX_LIMIT),
                           metadata={"description": f"每页条数，1–{MAX_LIMIT}"})  # fmt: skip
    cursor = fields.String(validate=text_ok(500),
                           metadata={"description": "上一页响应中的 next_cursor；不带则从第一页开始"})  # fmt: skip


def _amount_in_range(value):
    if not 0 <= value <= AMOUNT_MAX:
        raise ValidationError(f"金额应在 0 到 {AMOUNT_MAX} 元之间")


class AmountArg(fields.Decimal):
    """An amount filter in yuan (bounds documented as plain numbers)."""

    def __init__(self, **kw):
        kw["metadata"] = {"minimum": 0, "maximum": AMOUNT_MAX, **kw.get("metadata", {})}
        super().__init__(
            allow_nan=False,
            validate=_amount_in_range,
            **{k: v for k, v in kw.items() if k != "metadata"},
            metadata=kw["metadata"],
        )


def _text(max_len, desc):
    return fields.String(validate=text_ok(max_len), metadata={"description": desc})


@chinese_messages
class ListingArgs(PageArgs):
    """The filters of the needs and results pages."""

    q = _text(100, "全文检索（与网页搜索相同）")
    industry = _text(50, "行业")
    field = _text(50, "技术领域")
    town = _text(50, "镇街")
    zone = fields.Integer(validate=rng(1, MAX_ID), metadata={"description": "专区 id"})
    min_amount = AmountArg(metadata={"description": "最低金额（元）"})
    max_amount = AmountArg(metadata={"description": "最高金额（元）"})
    status = fields.String(validate=one_of([s for s in values(ListingStatus) if s != "draft"]),
                           metadata={"description": "状态；非经纪人/管理员只能选 published、docking"})  # fmt: skip
    sort = fields.String(validate=one_of(["relevance", "new", "deadline", "amount_desc", "amount_asc"]),
                         metadata={"description": "排序，默认：有检索词时按相关度，否则最新发布"})  # fmt: skip


@chinese_messages
class NeedArgs(ListingArgs):
    coop_mode = Enum(CoopMode)


@chinese_messages
class ResultArgs(ListingArgs):
    maturity = Enum(Maturity)
    transfer_mode = Enum(TransferMode)


@chinese_messages
class ContractArgs(PageArgs):
    """The filters of the contracts page."""

    q = _text(100, "合同名称、合同编号或登记编号包含")
    type = Enum(ContractType)
    channel = Enum(Channel)
    registration_status = Enum(RegistrationStatus)
    state = fields.String(load_default="valid", validate=one_of(["valid", "voided", "all"]),
                          metadata={"description": "valid 有效（默认）；voided 已作废；all 全部"})  # fmt: skip
    signing = fields.String(validate=one_of(["recorded", "awaiting_signatures", "signed_online"]),
                            metadata={"description": "recorded 经纪人登记；awaiting_signatures 待签署；"
                                                     "signed_online 已网上签约"})  # fmt: skip
    signed_from = fields.Date(data_key="from", metadata={"description": "签订日期起（含）"})
    signed_to = fields.Date(data_key="to", metadata={"description": "签订日期止（含）"})
    broker = fields.Integer(validate=rng(1, MAX_ID), metadata={"description": "经纪人 id（仅管理员）"})


@chinese_messages
class OrganizationArgs(PageArgs):
    q = _text(100, "名称包含")
    kind = Enum(OrgKind)


@chinese_messages
class ReportArgs(Schema):
    error_messages = {"unknown": "未知参数"}

    start = fields.Date(data_key="from", metadata={"description": "统计区间起（含），默认同报表页"})
    end = fields.Date(data_key="to", metadata={"description": "统计区间止（含）"})


# Resources ---------------------------------------------------------------------------------------


class OrgRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ZoneRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(metadata={"description": "已关闭的专区只有管理员看得到（false）"})


# Contact phones are stored normalised (utils.validators.normalize_phone), whatever layout was typed.
PHONE_DOC = {
    "description": "电话号码，以数字存储：手机 13800138000，座机区号与号码相连 057188886666，分机号以短横线隔开 075588886666-123"
}


class Contacts(Schema):
    name = fields.String()
    phone = fields.String(metadata=PHONE_DOC)
    email = fields.String()


class ListingBase(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "网页地址"})
    title = fields.String(required=True)
    industry = fields.String(allow_none=True)
    restricted = fields.Boolean(required=True, metadata={
        "description": "true：仅公开摘要的需求，调用者无权查看其余字段，只返回 id、标题、行业和摘要"})  # fmt: skip
    field = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    keywords = fields.List(fields.String())
    status = Enum(ListingStatus)
    valid_until = fields.Date(allow_none=True)
    published_at = UTCDateTime(allow_none=True)
    updated_at = UTCDateTime()
    organization = fields.Nested(OrgRef)
    zones = fields.List(fields.Nested(ZoneRef), metadata={"description": "仅详情接口返回"})
    contacts = fields.Nested(Contacts, metadata={
        "description": "仅详情接口、且调用者可见联系方式时返回（经纪人查看计入审计日志）"})  # fmt: skip


class Need(ListingBase):
    summary = fields.String(required=True)
    confidentiality = Enum(Confidentiality, required=True)
    problem = fields.String()
    indicators = fields.String()
    conditions = fields.String()
    coop_mode = Enum(CoopMode, allow_none=True)
    budget = Money(allow_none=True, metadata={"description": "预算（元）；null 表示面议或未填"})
    budget_negotiable = fields.Boolean()


class Result(ListingBase):
    abstract = fields.String()
    detail = fields.String()
    advantages = fields.String()
    team = fields.String(allow_none=True)
    maturity = Enum(Maturity, allow_none=True)
    ip_type = Enum(IPType, allow_none=True)
    patent_numbers = fields.String(allow_none=True)
    transfer_mode = Enum(TransferMode, allow_none=True)
    price = Money(allow_none=True, metadata={"description": "价格（元）；null 表示面议或未填"})
    price_negotiable = fields.Boolean()


def page_of(item_schema, name):
    """A page schema: {"items": [...], "next_cursor": str|null}."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True,
                                     metadata={"description": "下一页的游标；null 且 truncated 为 false 表示没有更多"}),
        "truncated": fields.Boolean(required=True, metadata={
            "description": "true：列表已截断（超过 100 万条，不再分页），还有符合条件的记录未返回；请加筛选条件缩小范围"}),
        "__doc__": f"One page of {item_schema.__name__} items.",
    })  # fmt: skip


class Zone(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    active = fields.Boolean(required=True)
    needs = fields.Integer(required=True, metadata={"description": "专区内有效需求数"})
    results = fields.Integer(required=True, metadata={"description": "专区内有效成果数"})


class Contract(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    contract_no = fields.String(required=True)
    registration_no = fields.String(allow_none=True)
    type = Enum(ContractType, required=True)
    title = fields.String(required=True)
    buyer = fields.Nested(OrgRef, required=True, metadata={"description": "甲方（委托方/受让方）"})
    seller = fields.Nested(OrgRef, required=True, metadata={"description": "乙方（受托方/让与方）"})
    amount = Money(required=True, metadata={"description": "合同金额（元）"})
    transaction_amount = Money(required=True, metadata={"description": "技术交易额（元）"})
    signed_on = fields.Date(required=True)
    registration_status = Enum(RegistrationStatus, required=True)
    registered_on = fields.Date(allow_none=True)
    channel = Enum(Channel, required=True)
    signing = fields.String(required=True, validate=one_of(["recorded", "awaiting_signatures", "signed_online"]),
                            metadata={"description": "recorded 经纪人登记；awaiting_signatures 网上签约待签署（不计入统计）；"
                                                     "signed_online 已网上签约（电子签名）"})  # fmt: skip
    broker = fields.Nested(OrgRef, allow_none=True, metadata={"description": "经纪人 {id, name}"})
    need_id = fields.Integer(allow_none=True)
    result_id = fields.Integer(allow_none=True)
    suggestion_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    zone_id = fields.Integer(allow_none=True)
    industry = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    voided = fields.Boolean(required=True)
    void_reason = fields.String(allow_none=True)
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)
    version = fields.Integer(required=True)


class Organization(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = Enum(OrgKind, required=True)
    uscc = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    town = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata=PHONE_DOC)
    contact_email = fields.String(allow_none=True)
    verified = fields.Boolean(required=True)
    created_at = UTCDateTime(required=True)


class ReportColumn(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, validate=one_of(["text", "int", "wan", "pct"]),
                         metadata={"description": "wan：金额列（本接口以元给出）；pct：百分比"})  # fmt: skip


class ReportRow(Schema):
    name = fields.String(required=True)
    count = fields.Integer(required=True)
    amount = Money(metadata={"description": "合同金额（元）"})
    transaction_amount = Money(metadata={"description": "技术交易额（元）"})
    step_rate = fields.String(allow_none=True, metadata={"description": "较上一阶段转化率（%）"})
    overall_rate = fields.String(allow_none=True, metadata={"description": "较发布需求转化率（%）"})


class ReportTable(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    note = fields.String(required=True)
    columns = fields.List(fields.Nested(ReportColumn), required=True)
    rows = fields.List(fields.Nested(ReportRow), required=True)
    total = fields.Nested(ReportRow, allow_none=True)


class Headline(Schema):
    count = fields.Integer(required=True)
    amount = Money(required=True)
    transaction_amount = Money(required=True)
    text = fields.String(required=True)
    full = fields.String(required=True)


class Period(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    label = fields.String(required=True)


class Report(Schema):
    period = fields.Nested(Period, required=True)
    headline = fields.Nested(
        Headline, required=True, metadata={"description": "平台线上签订（网上签约 + 经纪人登记·线上）"}
    )
    headline_signed = fields.Nested(Headline, required=True, metadata={"description": "其中网上签约（电子签名）"})
    headline_all = fields.Nested(Headline, required=True, metadata={"description": "全部渠道"})
    tables = fields.List(fields.Nested(ReportTable), required=True)


class TokenInfo(Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True)
    scopes = fields.List(fields.String(validate=one_of(values(ApiScope))), required=True)
    expires_at = UTCDateTime(required=True)


class Me(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = Enum(Role, required=True)
    organization = fields.Nested(OrgRef, allow_none=True)
    token = fields.Nested(TokenInfo, required=True)


class WholeMatch(validate.Regexp):
    """A Regexp validator matching the whole value with the pattern as documented (an ECMA one, for OpenAPI):
    Python's ``$`` also matches before a final line break, so "5132900.00\\n" passed."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


# ASCII digits only: \d took full-width and Arabic-Indic digits, and such an amount was answered "将按 … 元 保存，请确认"
# (the page's confirmation of a full-width amount), which an API client can never give.
YUAN = WholeMatch(r"^[0-9]{1,12}(\.[0-9]{1,2})?$", error="应为以元为单位、最多两位小数的金额字符串")


class ContractCreate(Schema):
    """A contract to record (the contract form's fields; amounts in yuan as strings)."""

    contract_no = fields.String(required=True, validate=text_ok(50))
    registration_no = fields.String(validate=text_ok(50), metadata={"description": "登记编号"})
    type = Enum(ContractType, required=True)
    title = fields.String(required=True, validate=text_ok(200))
    buyer_name = fields.String(
        required=True, validate=text_ok(100), metadata={"description": "甲方（委托方/受让方）名称"}
    )
    buyer_kind = Enum(OrgKind)
    seller_name = fields.String(
        required=True, validate=text_ok(100), metadata={"description": "乙方（受托方/让与方）名称"}
    )
    seller_kind = Enum(OrgKind)
    amount = fields.String(required=True, validate=YUAN,
                           metadata={"description": "合同金额（元），字符串，如 \"5132900.00\"；最大 999999999900.00（99,999,999.99 万元）", "example": "5132900.00"})  # fmt: skip
    transaction_amount = fields.String(required=True, validate=YUAN,
                                       metadata={"description": "技术交易额（元），不大于合同金额", "example": "5000000.00"})  # fmt: skip
    signed_on = fields.Date(required=True)
    registration_status = Enum(RegistrationStatus)
    registered_on = fields.Date()
    channel = Enum(Channel)
    # strict: an id sent as 1.5 was recorded against id 1, and "1" read as 1 (JSON integers only)
    broker_id = fields.Integer(
        strict=True, validate=rng(1, MAX_ID), metadata={"description": "经纪人 id；经纪人调用时默认本人"}
    )
    event_id = fields.Integer(strict=True, validate=rng(1, MAX_ID))
    zone_id = fields.Integer(strict=True, validate=rng(1, MAX_ID))
    need_id = fields.Integer(strict=True, validate=rng(1, MAX_ID))
    result_id = fields.Integer(strict=True, validate=rng(1, MAX_ID))
    suggestion_id = fields.Integer(
        strict=True, validate=rng(1, MAX_ID), metadata={"description": "由推荐对登记：推荐对转为已签约"}
    )
    industry = fields.String(validate=text_ok(50))
    town = fields.String(validate=text_ok(50))
    note = fields.String(validate=text_ok(2000))


chinese_messages(ContractCreate)
ContractCreate.error_messages = {"unknown": "未知字段", "type": "请求体应为 JSON 对象"}


class IdempotencyHeader(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key", required=True, validate=validate.Regexp(r"^[\x21-\x7e]{1,100}$", error="应为 1–100 个可见 ASCII 字符"),
        metadata={"description": "客户端生成的唯一键（如 UUID）；同一键的重复请求返回第一次创建的合同，不会重复登记"},
    )  # fmt: skip


chinese_messages(IdempotencyHeader)


@chinese_messages
class SuggestionArgs(PageArgs):
    """The brokers' queue filters."""

    status = Enum(SuggestionStatus)
    assigned = fields.String(validate=one_of(["mine_or_free", "mine", "free", "all"]),
                             metadata={"description": "mine_or_free 我的和未分配（经纪人默认）；mine；free；all（管理员默认）"})  # fmt: skip
    industry = _text(50, "需求所属行业")
    zone = fields.Integer(validate=rng(1, MAX_ID), metadata={"description": "专区 id"})
    q = _text(50, "需求或成果标题包含")
    sort = fields.String(validate=one_of(["score", "newest", "oldest", "idle"]),
                         metadata={"description": "score 匹配度（默认）；newest；oldest；idle 最久未处理"})  # fmt: skip


class ListingRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class Reason(Schema):
    term = fields.String(required=True)
    weight = fields.Float(required=True)


class Suggestion(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    need = fields.Nested(ListingRef, required=True)
    result = fields.Nested(ListingRef, required=True)
    score = fields.Float(required=True, metadata={"description": "匹配度（相似度，0–1）"})
    reasons = fields.List(
        fields.Nested(Reason), required=True, metadata={"description": "匹配理由：共同的关键词及权重"}
    )
    status = Enum(SuggestionStatus, required=True)
    manual = fields.Boolean(required=True, metadata={"description": "经纪人手工配对"})
    assigned_broker = fields.Nested(OrgRef, allow_none=True, metadata={"description": "负责的经纪人 {id, name}"})
    need_response = fields.String(allow_none=True)
    result_response = fields.String(allow_none=True)
    created_at = UTCDateTime(required=True)
    introduced_at = UTCDateTime(allow_none=True)
    last_activity_at = UTCDateTime(required=True)
