"""The contract form: exact amounts in 万元 or 元, Chinese messages for every bad input."""

import unicodedata
from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from ..extensions import db
from ..main.services import choice_list
from ..models import Channel, Contract, ContractType, OrgKind, RegistrationStatus
from ..models.base import today
from ..utils import once
from ..utils import validators as val
from ..utils.bounds import id_or_none
from ..utils.inputs import AmountText
from ..utils.money import parse_amount, wan_input

UNITS = [("wan", "万元"), ("yuan", "元")]
# No technology contract of the platform's records predates the registration of technology contracts (1985):
# an earlier date is a typing slip (0001-01-01 was accepted, and counted in year 1's report).
EARLIEST = date(1985, 1, 1)
CHANNEL_MISSING = "请选择签订渠道：线上签订的选“线上”，线下签订后录入的选“线下”，在对接活动上签订的选“对接活动”"


def opt_int(value):
    """'' or None to None, digits to int (ValueError otherwise)."""
    if value in ("", None):
        return None
    return int(value)


class Choice(SelectField):
    """A select whose invalid or tampered value gets a Chinese message."""

    def __init__(self, label=None, validators=None, message=None, **kw):
        super().__init__(label, validators, **kw)
        self.message = message or f"请选择有效的{label}"
        self.type = "SelectField"  # rendered as a select (form-select) by the shared field macro

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.message) from None


def checked_later(form, field):
    """Marks a field required; the check itself is in ContractForm.validate (it needs the unit)."""


checked_later.field_flags = {"required": True}


def filled(message):
    """Required on what was typed (DataRequired would hide a format error behind 'required')."""

    def check(form, field):
        if not (getattr(field, "raw", None) or "").strip() and field.data is None:
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check


class DateText(StringField):
    """A date typed as YYYY-MM-DD (a date picker in browsers), Chinese errors."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, **kw)

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            try:
                self.data = date.fromisoformat(self.raw)
            except ValueError:
                raise ValueError("日期格式不正确，请按 年-月-日 填写，如 2020-06-30") from None

    def process_data(self, value):
        self.data = value
        self.raw = value.isoformat() if value else ""

    def _value(self):
        return self.raw


def registration_key(text):
    """A registration number as stored: half-width, upper case, no spaces, so that "reg-1", "REG-1" and
    "ＲＥＧ－１" are one number (the unique constraint then sees them alike)."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


class ContractForm(FlaskForm):
    """Record or edit a technology contract."""

    version = HiddenField()
    suggestion_id = HiddenField()
    submission_key = once.key_field()
    contract_no = StringField("合同编号", [val.required("请填写合同编号"), val.length(max=50, label="合同编号")])
    registration_no = StringField("登记编号", [val.optional(), val.length(max=50, label="登记编号")])
    type = Choice("合同类型", choices=ContractType.choices(), message="请选择有效的合同类型")
    title = StringField("合同名称", [val.required("请填写合同名称"), val.length(max=200, label="合同名称")])
    buyer_name = StringField("买方（委托方/受让方）", [val.required("请填写买方单位"), val.length(2, 100, "单位名称")])
    buyer_kind = Choice("买方单位类型", choices=OrgKind.choices(), default=OrgKind.ENTERPRISE.value)
    seller_name = StringField("卖方（受托方/让与方）", [val.required("请填写卖方单位"), val.length(2, 100, "单位名称")])
    seller_kind = Choice("卖方单位类型", choices=OrgKind.choices(), default=OrgKind.UNIVERSITY.value)
    unit = Choice("金额单位", choices=UNITS, default="wan")
    amount = AmountText("合同金额", [checked_later])
    transaction_amount = AmountText("技术交易额", [checked_later])
    signed_on = DateText("签订日期", [filled("请填写签订日期")])
    registration_status = Choice("登记状态", choices=RegistrationStatus.choices(), default="unsubmitted")
    registered_on = DateText("登记日期", [val.optional()])
    # No default: a broker leaving a preselected 线上 alone added an offline-signed contract to the headline
    # "平台线上签订…"; the channel is chosen each time (an edit shows the stored one; the API keeps its own default).
    channel = Choice(
        "签订渠道", [val.required(CHANNEL_MISSING)], choices=[("", "（请选择）")] + Channel.choices(),
        message="请选择有效的签订渠道",
    )  # fmt: skip
    event_id = Choice("对接活动", coerce=opt_int, choices=[])
    need_id = StringField("关联需求编号", [val.optional()])
    result_id = StringField("关联成果编号", [val.optional()])
    broker_id = Choice("经纪人", coerce=opt_int, choices=[])
    zone_id = Choice("专区", coerce=opt_int, choices=[])
    # The maintained lists, as needs and organisations take them: the report groups contracts by these names,
    # and a typed 东城 beside 东城街道 was a second town there.
    industry = Choice("行业", choices=[], message="请从列表中选择", default="")
    town = Choice("镇街", choices=[], message="请从列表中选择", default="")
    note = TextAreaField("备注", [val.optional(), val.length(max=2000, label="备注")])

    def __init__(self, *args, contract_id=None, stored=None, **kw):
        super().__init__(*args, **kw)
        self._contract_id = contract_id
        self.cleaned = {}
        for f in (self.industry, self.town):
            f.choices = [("", "（留空）")] + [(n, n) for n in choice_list(f.name)]
            kept = getattr(stored, f.name, None)  # a name the contract holds from before stays selectable
            if kept and kept not in {v for v, _ in f.choices}:
                f.choices.append((kept, kept))

    def validate_registration_no(self, field):
        value = registration_key(field.data)
        if value:
            other = db.session.scalar(db.select(Contract.id).filter_by(registration_no=value))
            if other and other != self._contract_id:
                raise ValidationError("该登记编号已被其他合同使用")

    def _linked_id(self, field, model, label):
        text = (field.data or "").strip().lstrip("#")
        if not text:
            return None
        if id_or_none(text) is None or db.session.get(model, id_or_none(text)) is None:
            field.errors.append(f"找不到编号为 {text} 的{label}")
            return False
        return id_or_none(text)

    def validate(self, extra_validators=None):
        from ..models import Result, TechNeed

        ok = super().validate(extra_validators)
        unit = self.unit.data if self.unit.data in ("wan", "yuan") else "wan"
        amounts = {}
        for name, label in (("amount", "合同金额"), ("transaction_amount", "技术交易额")):
            field = getattr(self, name)
            try:
                amounts[name] = parse_amount(field.data, unit, label)
            except ValueError as exc:
                field.errors.append(str(exc))
                ok = False
            else:  # full-width digits: saved once the value read is confirmed (issue 13)
                shown = f"{wan_input(amounts[name])} 万元" if unit == "wan" else f"{amounts[name]:.2f} 元"
                ok = not field.ask_confirmation(shown) and ok
        if amounts.get("amount") == 0:
            self.amount.errors.append("合同金额须大于 0")
            ok = False
        if len(amounts) == 2 and amounts["transaction_amount"] > amounts["amount"]:
            self.transaction_amount.errors.append("技术交易额不能大于合同金额")
            ok = False
        signed, registered = self.signed_on.data, self.registered_on.data
        for f in (self.signed_on, self.registered_on):  # 0001-01-01 was taken and counted in a year's report
            if f.data and f.data < EARLIEST:
                f.errors.append(f"{f.label.text}不能早于 {EARLIEST:%Y-%m-%d}，请核对")
                ok = False
        if signed and signed > today():
            self.signed_on.errors.append("签订日期不能晚于今天")
            ok = False
        if registered and registered > today():
            self.registered_on.errors.append("登记日期不能晚于今天")
            ok = False
        if registered and signed and registered < signed:
            self.registered_on.errors.append("登记日期不能早于签订日期")
            ok = False
        if self.registration_status.data == "registered" and not registered and not self.registered_on.errors:
            self.registered_on.errors.append("已登记的合同请填写登记日期")
            ok = False
        if self.channel.data == "event" and not self.event_id.data and not self.event_id.errors:
            self.event_id.errors.append("签订渠道为对接活动时，请选择活动")
            ok = False
        ok = self._event_not_after(signed) and ok
        if (self.buyer_name.data or "").strip() and (self.buyer_name.data or "").strip() == (
            self.seller_name.data or ""
        ).strip():
            self.seller_name.errors.append("买方和卖方不能是同一单位")
            ok = False
        need_id = self._linked_id(self.need_id, TechNeed, "技术需求")
        result_id = self._linked_id(self.result_id, Result, "科技成果")
        if need_id is False or result_id is False:
            ok = False
        if ok:
            self.cleaned = self._clean(amounts, need_id, result_id)
        return ok

    def _event_not_after(self, signed):
        """A contract is credited to an event (按对接活动统计) only if the event took place by its signing date:
        one signed 2026-12-01 was taken with an event of 2026-12-17 and counted for it."""
        from ..models import Event

        event = db.session.get(Event, self.event_id.data) if self.event_id.data and not self.event_id.errors else None
        if event is None or signed is None or event.starts_at.date() <= signed:
            return True
        self.event_id.errors.append(
            f"对接活动「{event.title}」于 {event.starts_at:%Y-%m-%d} 举行，晚于合同签订日期 {signed:%Y-%m-%d}："
            "合同不能计入签订之后才举行的活动，请核对签订日期或对接活动"
        )
        return False

    def _clean(self, amounts, need_id, result_id):
        strip = lambda f: (f.data or "").strip()  # noqa: E731
        return {
            "contract_no": strip(self.contract_no),
            "registration_no": registration_key(self.registration_no.data) or None,
            "type": self.type.data,
            "title": strip(self.title),
            "buyer_name": strip(self.buyer_name),
            "buyer_kind": self.buyer_kind.data,
            "seller_name": strip(self.seller_name),
            "seller_kind": self.seller_kind.data,
            "amount": amounts["amount"],
            "transaction_amount": amounts["transaction_amount"],
            "signed_on": self.signed_on.data,
            "registration_status": self.registration_status.data,
            "registered_on": self.registered_on.data,
            "channel": self.channel.data,
            "event_id": self.event_id.data,
            "need_id": need_id,
            "result_id": result_id,
            "broker_id": self.broker_id.data,
            "zone_id": self.zone_id.data,
            "industry": strip(self.industry) or None,
            "town": strip(self.town) or None,
            "note": strip(self.note),
        }


class VoidForm(FlaskForm):
    """Void a contract: a reason is required; the version guards against stale pages."""

    version = HiddenField()
    reason = TextAreaField("作废原因", [val.required("请填写作废原因"), val.length(2, 500, "作废原因")])
