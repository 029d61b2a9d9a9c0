"""Brokers' forms: decisions, follow-ups, manual pairs, events, assignments, the sides' responses."""

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from ..models import DeclineReason, FollowUpKind, RejectReason, ResponseKind
from ..utils import clock, once
from ..utils import validators as val
from ..utils.bounds import id_or_none


class CodeField(SelectField):
    """A select whose unknown values get a Chinese error."""

    def __init__(self, label=None, validators=None, message="请选择有效的选项", **kw):
        super().__init__(label, validators, **kw)
        self.message = message
        self.type = "SelectField"  # rendered as a select (form-select) by the shared field macro

    def pre_validate(self, form):
        if (self.data or "") not in {str(v) for v, _ in self.choices}:
            raise ValidationError(self.message)


class IdField(SelectField):
    """A select of ids; '' or 0 means none; junk gets a Chinese error."""

    def __init__(self, label=None, validators=None, message="请选择有效的选项", **kw):
        super().__init__(label, validators, coerce=str, **kw)
        self.message = message
        self.type = "SelectField"  # rendered as a select (form-select) by the shared field macro

    def pre_validate(self, form):
        if (self.data or "") not in {str(v) for v, _ in self.choices}:
            raise ValidationError(self.message)

    @property
    def id_value(self):
        return id_or_none(self.data)  # "²".isdigit() is true, and int("²") raised: a 500 for a tampered select


class TextDateField(StringField):
    """A date typed as YYYY-MM-DD (the browser's date input); Chinese errors."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw, self.data = raw, None
        if raw:
            try:
                self.data = date.fromisoformat(raw)
            except ValueError:
                self.process_errors.append("日期格式不正确，应为 年-月-日")

    def _value(self):
        return getattr(self, "raw", "") or (self.data.isoformat() if self.data else "")


class TextDateTimeField(StringField):
    """A date and time from a datetime-local input; Chinese errors."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw, self.data = raw, None
        if raw:
            try:
                value = datetime.fromisoformat(raw.replace(" ", "T")).replace(second=0, microsecond=0)
            except ValueError:
                self.process_errors.append("时间格式不正确，应为 年-月-日 时:分")
                return
            if value.tzinfo is not None:  # "Z", "+08:00" were dropped silently: times are Beijing time
                self.process_errors.append("时间请按北京时间填写，不要带时区（如 Z、+08:00），如 2020-06-30 14:30")
            elif not 2000 <= value.year <= 2099:  # 0001-01-01 and 9999-12-31 were saved as events
                self.process_errors.append("时间应在 2000 年至 2099 年之间，请核对")
            else:
                self.data = value

    def _value(self):
        return getattr(self, "raw", "") or (self.data.strftime("%Y-%m-%dT%H:%M") if self.data else "")


EARLIEST = date(2000, 1, 1)  # a follow-up before this is a typing slip (0001-01-01 was saved)


def not_future(form, field):
    if field.data and field.data > clock.today():
        raise ValidationError("跟进日期不能晚于今天")
    if field.data and field.data < EARLIEST:
        raise ValidationError("跟进日期不能早于 2000 年，请核对")


class RejectForm(FlaskForm):
    """Reject a suggestion with a coded reason."""

    expected = HiddenField()
    reason = CodeField("驳回原因", choices=[("", "请选择…")] + RejectReason.choices(), message="请选择有效的驳回原因")
    # Its own id: the pair page also shows the follow-up form's 记录 (note), whose label focused this box.
    note = TextAreaField("说明", [val.optional(), val.length(max=500, label="说明")], id="reject-note")

    def validate_reason(self, field):
        if not field.data:
            raise ValidationError("请选择驳回原因")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.reason.data == RejectReason.OTHER and not (self.note.data or "").strip():
            self.note.errors.append("驳回原因为「其他」时请填写说明")
            ok = False
        return ok


class FollowUpForm(FlaskForm):
    """A call, visit, meeting or event on the timeline."""

    submission_key = once.key_field()
    kind = CodeField("跟进方式", choices=FollowUpKind.choices(), message="请选择有效的跟进方式")
    # Most follow-ups are written the day they happen: an empty form starts at today (a required field left
    # empty made the broker pick today every time).
    happened_on = TextDateField("日期", [InputRequired("请填写跟进日期"), not_future], default=clock.today)
    note = TextAreaField("记录", [val.required("请填写跟进记录"), val.length(max=2000, label="跟进记录")])
    event_id = IdField("相关活动", message="请选择有效的对接活动")


class ManualPairForm(FlaskForm):
    """A pair the matcher did not suggest."""

    submission_key = once.key_field()
    note = TextAreaField("配对说明", [val.optional(), val.length(max=500, label="说明")])


class RespondForm(FlaskForm):
    """A side's answer to a pair."""

    submission_key = once.key_field()
    expected = HiddenField()
    response = CodeField("意向", choices=ResponseKind.choices(), message="请选择有意向或暂不考虑")
    reason = CodeField("原因", choices=[("", "请选择…")] + DeclineReason.choices(), message="请选择有效的不考虑原因")
    # Its own id: the pair page also shows the follow-up form's 记录 (note), whose label focused this box.
    note = TextAreaField("说明", [val.optional(), val.length(max=500, label="说明")], id="reject-note")

    def validate_reason(self, field):
        if self.response.data == ResponseKind.DECLINED and not field.data:
            raise ValidationError("请选择不考虑的原因")


class EventForm(FlaskForm):
    """Create or edit a matchmaking event."""

    submission_key = once.key_field()
    version = HiddenField()  # what the edit page was loaded from (events.event_version)
    title = StringField("活动名称", [val.required("请填写活动名称"), val.length(2, 100, "活动名称")])
    mode = CodeField("形式", choices=[("offline", "线下"), ("online", "线上")], message="请选择线上或线下")
    starts_at = TextDateTimeField("开始时间", [InputRequired("请填写开始时间")])
    place = StringField("地点", [val.optional(), val.length(max=200, label="地点")])
    link = StringField("线上链接", [val.optional(), val.length(max=300, label="链接")])
    zone_id = IdField("所属专区", message="请选择有效的专区")
    description = TextAreaField("活动介绍", [val.optional(), val.length(max=5000, label="活动介绍")])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        link = (self.link.data or "").strip()
        if self.mode.data == "offline" and not (self.place.data or "").strip():
            self.place.errors.append("线下活动请填写地点")
            ok = False
        if self.mode.data == "online" and not link:
            self.link.errors.append("线上活动请填写链接")
            ok = False
        if link and not link.startswith(("https://", "http://")):
            self.link.errors.append("链接应以 http:// 或 https:// 开头")
            ok = False
        return ok


class AssignmentForm(FlaskForm):
    """Route an industry or zone to a broker."""

    broker_id = IdField("技术经纪人", message="请选择一位技术经纪人")
    industry = CodeField("行业", message="请选择有效的行业")
    zone_id = IdField("专区", message="请选择有效的专区")

    def validate_broker_id(self, field):
        if not field.id_value:
            raise ValidationError("请选择一位技术经纪人")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not self.industry.data and not self.zone_id.id_value:
            self.industry.errors.append("请选择行业或专区（至少一项）")
            return False
        return ok
