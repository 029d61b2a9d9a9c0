"""Forms of the training area."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import OrgKind
from ..models.enums import TRAINEE_ORG_KINDS, CourseStatus, TrainingModuleKind
from ..utils import once
from ..utils import validators as val
from ..utils.clock import today
from ..utils.inputs import CodeSelect, DateInput, DateTimeInput, IntInput, filled

YEARS_AHEAD = 5  # as the course's dates (validators.within_years)

TRAINEE_KINDS = [(k, OrgKind.label_of(k)) for k in TRAINEE_ORG_KINDS]


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes; unknown values refused in Chinese."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(v) for v, _ in self.choices or []}
        if any(str(d) not in allowed for d in self.data or []):
            raise ValidationError("请从列表中选择")


class CourseForm(FlaskForm):
    """Create or edit a training course."""

    submission_key = once.key_field()
    version = HiddenField()  # what the edit page was loaded from (services.course_version)

    title = StringField("课程名称", [val.required("请填写课程名称"), val.length(2, 100, "课程名称")])
    year = IntInput("年度", [filled("请填写年度")], low=2000, high=2100)
    status = CodeSelect("状态", choices=CourseStatus.choices(), default=CourseStatus.DRAFT.value)
    starts_on = DateInput("开始日期", [val.optional(), val.within_years("开始日期")])
    ends_on = DateInput("结束日期", [val.optional(), val.within_years("结束日期")])
    place = StringField("地点", [val.optional(), val.length(max=200, label="地点")])
    capacity = IntInput("名额（人）", [val.optional()], low=1, high=100000, description="不填为不限")
    certificate_years = IntInput("证书有效期（年）", [filled("请填写证书有效期")], low=1, high=10, default=3)
    modules = CheckboxesField(
        "课程模块", choices=TrainingModuleKind.choices(), default=[k.value for k in TrainingModuleKind]
    )
    description = TextAreaField("课程介绍", [val.optional(), val.length(max=5000, label="课程介绍")])

    def validate_modules(self, field):
        if not field.data:
            raise ValidationError("请至少选择一个课程模块")

    def validate_year(self, field):
        """A year past the dates' reach (2100) or apart from the start date (2062 typed for 2026) is a slip: the
        course would lead the list, newest year first, for decades."""
        if field.data is None:
            return
        latest = today().year + YEARS_AHEAD
        if field.data > latest:
            raise ValidationError(f"年度不能晚于 {latest} 年（最多提前 {YEARS_AHEAD} 年安排），请核对")
        start = self.starts_on.data
        if start is not None and abs(field.data - start.year) > 1:
            raise ValidationError(f"年度与开始日期（{start.year} 年）不符，请核对")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("结束日期不能早于开始日期")


class SessionForm(FlaskForm):
    """Add a session (one lecture) to a course."""

    submission_key = once.key_field()

    title = StringField("课次主题", [val.required("请填写课次主题"), val.length(2, 100, "课次主题")])
    module_kind = CodeSelect("所属模块", choices=[("", "（不限）")] + TrainingModuleKind.choices())
    lecturer = StringField("授课人", [val.optional(), val.length(max=100, label="授课人")])
    starts_at = DateTimeInput("上课时间", [filled("请填写上课时间"), val.within_years("上课时间")])
    place = StringField("地点或直播链接", [val.optional(), val.length(max=200, label="地点")])


class EnrolPersonForm(FlaskForm):
    """An admin enrols a person, with or without a platform account."""

    submission_key = once.key_field()

    name = StringField("姓名", [val.required("请填写姓名"), val.length(max=50, label="姓名")])
    org_name = StringField("单位名称", [val.required("请填写单位名称"), val.length(2, 100, "单位名称")])
    # Unselected until chosen: defaulting to the first kind (高校) saved an enterprise's trainee as 高校 unnoticed.
    org_kind = CodeSelect("单位类型", [val.required("请选择单位类型")], choices=[("", "请选择")] + TRAINEE_KINDS,
                          default="", message="请选择单位类型")  # fmt: skip
    phone = StringField("联系电话", [val.optional(), val.phone_any_layout])
    email = StringField("邮箱", [val.optional(), val.email(), val.length(max=120, label="邮箱")],
                        description="如为平台用户的登录邮箱，证书将显示在其账号上")  # fmt: skip


class SelfEnrolForm(FlaskForm):
    """A logged-in user enrols (a phone number for the organisers is optional)."""

    phone = StringField("联系电话（选填）", [val.optional(), val.phone_any_layout])


class AssessmentForm(FlaskForm):
    """Record an assessment score."""

    # The trainee list's hand-written score form has no confirmation box: full-width digits are refused there.
    score = IntInput("考核成绩", [filled("请填写考核成绩")], low=0, high=100, full_width=False)


class RevokeForm(FlaskForm):
    """Revoke a certificate."""

    reason = StringField("撤销原因", [val.required("请填写撤销原因"), val.length(max=200, label="撤销原因")])
