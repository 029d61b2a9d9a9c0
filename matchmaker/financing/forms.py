"""Forms of the financing area."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..listings.validation import clean_patents
from ..models.enums import SubsidyKind
from ..utils import money, once
from ..utils import validators as val
from ..utils.inputs import CodeSelect, DateInput, IntInput, PercentInput, WanInput, filled
from .workflow import NOTE_MAX, REASON_MAX

CONFIRM_FROM_YUAN = 10**9  # 10 亿元 (100,000 万元): far beyond an enterprise's IP-pledge loan


class ApplyForm(FlaskForm):
    """An enterprise's application."""

    submission_key = once.key_field()

    patents = TextAreaField("拟质押专利号", [val.required("请填写拟质押的专利号")],
                            description="每行或用逗号分隔一个专利号，如 ZL201710601862.3（校验位将被核验）")  # fmt: skip
    amount_wanted = WanInput("拟融资金额（万元）", [filled("请填写拟融资金额")])
    term_months = IntInput("拟融资期限（月）", [filled("请填写拟融资期限")], low=1, high=120)
    purpose = TextAreaField("资金用途", [val.optional(), val.length(max=2000, label="资金用途")])

    def validate_patents(self, field):
        try:
            clean_patents(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate_amount_wanted(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError("拟融资金额须大于 0")
        # Yuan typed into this 万元 field (5000000 for 500 万元) reads as 500 亿元: asked once, as a question.
        shown = f"{money.wan_input(field.data)} 万元" if field.data is not None else None
        if shown and field.data >= CONFIRM_FROM_YUAN and field.confirmed != shown:
            field.confirm_value = shown
            field.confirm_message = (
                f"拟融资金额的单位是万元：{money.format_wan(field.data)} 万元即 {field.data / 10**8:,.2f} 亿元；"
                f"如您填写的是元，请改为 {money.wan_input(field.data / money.WAN)}（万元）。确认按 {shown} 保存？"
            )
            raise ValidationError(field.confirm_message)


def _int_or_none(value):
    return int(value) if str(value).isdigit() else None


def _one_newline(value):
    """A browser sends a text area's line break as CRLF but its maxlength counts it once: kept as one, the text the
    page took fits the column."""
    return value.replace("\r\n", "\n") if value else value


class StepForm(FlaskForm):
    """One move of a case; which fields count depends on the action (checked by the workflow)."""

    # 说明: its label and most characters, as saved (trimmed); a subclass with another 说明 sets its own.
    note_label, note_max = "说明", NOTE_MAX

    action = HiddenField()
    expected = HiddenField()
    submission_key = once.key_field()  # a double click records the step once (services.move)
    partner_id = CodeSelect("合作机构", coerce=_int_or_none, message="请从列表中选择合作机构")
    appraised_value = WanInput("评估价值（万元）", [val.optional()])
    loan_amount = WanInput("审批金额（万元）", [val.optional()])
    loan_rate = PercentInput("年利率（%）", [val.optional()])
    loan_term_months = IntInput("贷款期限（月）", [val.optional()], low=1, high=120)
    premium = WanInput("保费（万元）", [val.optional()])
    cover = WanInput("保险金额（万元）", [val.optional()])
    loan_date = DateInput("放款日期", [val.optional()])
    subsidy_kind = CodeSelect(
        "政府支持方式", choices=[("", "请选择")] + SubsidyKind.choices(), message="请选择补偿或贴息"
    )
    subsidy_amount = WanInput("补偿/贴息金额（万元）", [val.optional()])
    note = StringField(note_label, [val.optional()])

    def __init__(self, *args, partners=(), **kw):
        super().__init__(*args, **kw)
        self.partner_id.choices = [("", "请选择")] + list(partners)
        self.note.flags.maxlength = self.note_max  # the page's limit, the one the server holds to

    def validate_note(self, field):
        # Counted as saved (trimmed), so the workflow never meets a note longer than its column.
        typed = (field.data or "").strip()
        if len(typed) > self.note_max:
            raise ValidationError(f"{self.note_label}不能超过 {self.note_max} 个字符（现 {len(typed)} 个）")


class RefusalForm(StepForm):
    """登记未通过: its 说明 is the reason told to the enterprise (required, up to the case's column), a text area
    whose line breaks are kept (a one-line field's text loses them)."""

    # Kept whole in the case's column (refused_reason), shorter than a step's 说明.
    note_label, note_max = "未通过原因", REASON_MAX
    note = TextAreaField(note_label, [val.optional()], filters=[_one_newline])

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.note.flags.required = True  # the workflow refuses a missing reason, beside this field


class WithdrawalForm(StepForm):
    """撤回申请: its optional 说明 (why the enterprise withdraws) is a text area, like the refusal's reason, whose
    line breaks are kept; the step's 说明 limit and label."""

    note = TextAreaField(StepForm.note_label, [val.optional()], filters=[_one_newline])


def step_form(action, **kw):
    """The form of one move: the refusal's and the withdrawal's own, every other move's StepForm."""
    return {"refuse": RefusalForm, "withdraw": WithdrawalForm}.get(action, StepForm)(**kw)
