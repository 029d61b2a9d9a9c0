"""Forms of the visits area."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..admin.services import organization_named
from ..models.enums import OrgKind, VisitKind
from ..needs.forms import NeedForm
from ..utils import clock, once
from ..utils import validators as val
from ..utils.inputs import CodeSelect, DateInput, filled
from . import services


class VisitForm(FlaskForm):
    """Record or edit a visit."""

    submission_key = once.key_field()
    version = HiddenField()  # what the edit page was loaded from (services.visit_version)

    # A name typed with suggestions (thousands of enterprises make a select unusable), resolved exactly.
    enterprise = StringField("企业", [val.required("请填写被走访的企业"), val.length(max=100, label="企业")])
    kind = CodeSelect("服务方式", choices=VisitKind.choices(), default=VisitKind.VISIT.value, message="请选择服务方式")
    visited_on = DateInput("日期", [filled("请填写走访日期")])
    topic = StringField("主题", [val.required("请填写走访主题"), val.length(2, 200, "走访主题")])
    people = StringField("参与人员", [val.required("请填写参与人员"), val.length(max=300, label="参与人员")],
                         description="平台经纪人、科技局等参与人员，用顿号分隔")  # fmt: skip
    hosts = StringField("企业接待人员", [val.optional(), val.length(max=200, label="企业接待人员")])
    experts = TextAreaField(
        "随行专家",
        description="每行一位：姓名，单位，职称（职称可省略），如：李明，南方理工大学，教授；"
        "同一单位、职称的几位专家可写在一行，姓名用顿号分隔，如：李明、王芳，南方理工大学，教授",
    )
    summary = TextAreaField("走访纪要", [val.optional(), val.length(max=5000, label="走访纪要")])

    org = None  # the enterprise named in 企业, once validated

    def validate_enterprise(self, field):
        named = organization_named(field.data, any_brackets=True)
        self.org = named if named is not None and named.kind == OrgKind.ENTERPRISE else None
        if named is not None and self.org is None:  # a university's exact name: not "no such name"
            raise ValidationError(
                f"“{named.name}”是{OrgKind.label_of(named.kind)}，不是企业：走访记录须选择被走访的企业"
            )
        if self.org is None:
            raise ValidationError(
                f"没有名为“{field.data.strip()[:100]}”的企业：请输入企业名称中的文字，从建议列表中选择"
            )

    def validate_experts(self, field):
        try:
            experts = services.parse_experts(field.data)
        except services.VisitError as exc:
            raise ValidationError(str(exc)) from None
        if self.kind.data == VisitKind.EXPERT and not experts:
            raise ValidationError("专家进企业须登记至少一位随行专家")

    def validate_visited_on(self, field):
        from datetime import date

        if field.data and field.data > clock.today():
            raise ValidationError("走访日期不能晚于今天")
        if field.data and field.data < date(2000, 1, 1):
            raise ValidationError("走访日期不能早于 2000 年，请核对")


class CollectedNeedForm(NeedForm):
    """A need collected during a visit (its source is always 走访收集)."""

    source = None
