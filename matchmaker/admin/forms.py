"""Admin forms for accounts and organisations."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..auth.passwords import strong_password
from ..extensions import db
from ..listings.forms import ChoiceField, taxonomy_choices
from ..models import Organization, OrgKind, Role, User
from ..utils import once
from ..utils import validators as val
from ..utils.inputs import CodeSelect
from ..utils.uscc import normalize_uscc
from . import services


class StaffUserForm(FlaskForm):
    """Create any account; brokers and admins can only be created here."""

    role = CodeSelect("角色", choices=Role.choices())
    name = StringField("姓名", [val.required("请填写姓名"), val.length(max=50, label="姓名")])
    email = StringField("邮箱", [val.required("请填写邮箱"), val.length(max=120, label="邮箱"), val.email()])
    phone = StringField("手机", [val.optional(), val.phone_any_layout])
    # A name typed with suggestions (thousands of organisations make a select unusable), resolved exactly.
    organization = StringField("所属单位", [val.optional(), val.length(max=100, label="所属单位")])
    password = PasswordField("初始密码", [val.required("请设置初始密码"), strong_password])
    # The admin's own password, asked for a broker or admin when the session's is not recent (auth/recent.py)
    current_password = PasswordField("您的当前密码")
    reentry_field = "current_password"
    ask_password = False
    password_reentered = None  # not asked (an enterprise or researcher account)
    submission_key = once.key_field()  # an account is made once per form shown (a double click)

    org = None  # the organisation named in 所属单位, once validated

    def validate_email(self, field):
        if db.session.scalar(db.select(User.id).filter_by(email=field.data.strip().lower())):
            raise ValidationError("该邮箱已注册")

    def validate_organization(self, field):
        name = (field.data or "").strip()
        self.org = services.organization_named(name, any_brackets=True)
        if name and self.org is None:
            raise ValidationError(f"没有名为“{name}”的单位：请输入名称中的文字，从建议列表中选择已有单位"
                                  "（新单位请先在“单位管理”中添加）")  # fmt: skip


class ResetPasswordForm(FlaskForm):
    """An admin sets a new password for another account."""

    password = PasswordField("新密码", [val.required("请设置新密码"), strong_password])
    password2 = PasswordField("确认新密码", [val.required("请再次输入新密码"), val.equal_to("password")])
    submission_key = once.key_field()
    # The admin's own password, when the session's is not recent (auth/recent.py); checked by the view
    current_password = PasswordField("您的当前密码")
    reentry_field = "current_password"
    ask_password = False


class ActivateForm(FlaskForm):
    """Reactivate an account: the admin's own password when the session's is not recent (auth/recent.py)."""

    password = PasswordField("您的当前密码")
    ask_password = False


class OrganizationForm(FlaskForm):
    """Create or edit an organisation."""

    name = StringField("单位名称", [val.required("请填写单位名称"), val.length(2, 100, "单位名称")])
    kind = CodeSelect("单位类型", choices=OrgKind.choices())
    uscc = StringField("统一社会信用代码", [val.optional(), val.uscc])
    # The maintained lists, as registration and bulk import take them: a town typed 东城 beside 东城街道 became
    # a second town in the contract report (a contract without a need takes its buyer's town and industry).
    town = ChoiceField("所在镇街")
    industry = ChoiceField("所属行业")
    address = StringField("地址", [val.optional(), val.length(max=200, label="地址")])
    contact_name = StringField("联系人", [val.optional(), val.length(max=50, label="联系人")])
    contact_phone = StringField("联系电话", [val.optional(), val.phone_any_layout_or_as_stored])
    contact_email = StringField("联系邮箱", [val.optional(), val.email(), val.length(max=120, label="邮箱")])
    description = TextAreaField("简介", [val.optional(), val.length(max=2000, label="简介")])
    verified = BooleanField("已核实")
    version = HiddenField()  # what the edit page was loaded from (services.organization_version)
    submission_key = once.key_field()  # a new organisation is made once per form shown (a double click)

    def __init__(self, *args, org_id=None, **kw):
        super().__init__(*args, **kw)
        self._org_id = org_id
        self.town.choices = taxonomy_choices("town", "请选择镇街")
        self.industry.choices = taxonomy_choices("industry", "请选择行业")
        obj = kw.get("obj")
        for f in (self.town, self.industry):  # a name stored before, since retired or off the list, stays
            stored = getattr(obj, f.name, None)
            if stored and stored not in {v for v, _ in f.choices}:
                f.choices.append((stored, stored))
        val.phones_for_reading(self)  # the edit page shows the stored contact phone laid out, not its digits

    def validate_name(self, field):
        # Brackets of the other width are the same name (华星(深圳) beside 华星（深圳）: a second organisation).
        other = services.organization_named(field.data, any_brackets=True)
        if other is not None and other.id != self._org_id:
            raise ValidationError("已有同名单位" if other.name == field.data.strip() else f"已有同名单位“{other.name}”")

    def validate_uscc(self, field):
        if field.data:
            other = db.session.scalar(db.select(Organization.id).filter_by(uscc=normalize_uscc(field.data)))
            if other and other != self._org_id:
                raise ValidationError("该统一社会信用代码已被其他单位使用")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.kind.data == OrgKind.ENTERPRISE.value and not (self.uscc.data or "").strip():
            self.uscc.errors.append("企业须填写统一社会信用代码")
            ok = False
        return ok
