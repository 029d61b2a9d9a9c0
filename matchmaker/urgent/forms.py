"""Forms of the fast channel."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..models.enums import UrgentReason
from ..needs.forms import NeedForm
from ..utils import once
from ..utils import validators as val
from ..utils.clock import today
from ..utils.inputs import CodeSelect, IntInput, filled
from . import clock

REASONS = [("", "请选择急需原因")] + UrgentReason.choices()


class ReasonMixin:
    """急需原因: a coded kind and the enterprise's own words."""

    reason_kind = CodeSelect("急需原因", [val.required("请选择急需原因")], choices=REASONS, message="请选择急需原因")
    reason = TextAreaField("情况说明", [val.required("请说明急需的具体情况"), val.length(4, 500, "情况说明")],
                           description="如：疫情防控物资生产急需、生产线停工待解决等")  # fmt: skip


class UrgentNeedForm(ReasonMixin, NeedForm):
    """A new need posted through the fast channel (the need form plus the reason)."""

    source = None  # always 快速通道


class MarkUrgentForm(ReasonMixin, FlaskForm):
    """Mark a need already posted as 急需."""

    submission_key = once.key_field()


class ReviewForm(FlaskForm):
    """A broker's decision on a request."""

    decision = CodeSelect("审核结果", choices=[("approve", "通过并发布、推送"), ("refuse", "退回企业")],
                          message="请选择审核结果")  # fmt: skip
    note = StringField("审核意见", [val.optional(), val.length(max=500, label="审核意见")],
                       description="退回时必填，企业将看到此说明")  # fmt: skip
    submission_key = once.key_field()  # a double click decides once (services.review)

    def validate_note(self, field):
        if self.decision.data == "refuse" and len((field.data or "").strip()) < 2:
            raise ValidationError("退回时请填写原因，便于企业修改后重新提交")


FIRST_YEAR, YEARS_AHEAD = 2000, 5  # a holiday outside these years is a typing slip (0202-10-01 for National Day)


def _dates(form, field):
    try:
        dates = clock.parse_dates(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    last = today().year + YEARS_AHEAD
    odd = sorted(d for d in dates if not FIRST_YEAR <= d.year <= last)
    if odd:
        raise ValidationError(f"日期“{odd[0].isoformat()}”应在 {FIRST_YEAR} 年至 {last} 年之间，请核对年份")


class SettingForm(FlaskForm):
    """The admin's service level and working time."""

    version = HiddenField()  # what the page was loaded from (services.setting_version)

    sla_hours = IntInput("审核时限（工作小时）", [filled("请填写审核时限")], low=1, high=720, default=24)
    day_start = IntInput("每日工作开始（点）", [filled("请填写开始时间")], low=0, high=23, default=0)
    day_end = IntInput("每日工作结束（点）", [filled("请填写结束时间")], low=1, high=24, default=24)
    holidays = TextAreaField("法定节假日（不计时）", [_dates], description="每行一个日期，如 2020-10-01")
    workdays = TextAreaField("调休上班日（计时）", [_dates], description="周末调休上班的日期，每行一个")

    def validate_day_end(self, field):
        if field.data is not None and self.day_start.data is not None and field.data <= self.day_start.data:
            raise ValidationError("结束时间须晚于开始时间")
