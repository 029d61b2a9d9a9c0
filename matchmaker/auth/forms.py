"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import ValidationError

from ..models import OrgKind, Role
from ..utils import once
from ..utils import validators as val
from ..utils.inputs import CodeSelect
from . import services
from .passwords import strong_password


def _password_field(label):
    return PasswordField(label, [val.required(f"请输入{label}"), strong_password])


class LoginForm(FlaskForm):
    email = StringField("邮箱", [val.required("请输入邮箱"), val.length(max=120, label="邮箱")])
    password = PasswordField("密码", [val.required("请输入密码")])
    remember = BooleanField("记住我（14 天内免登录）")


def _listed(field):
    """Empty, or one of the field's choices (the maintained list), in Chinese."""
    if field.data and field.data not in {value for value, _ in field.choices if value}:
        raise ValidationError("请从列表中选择")


class RegisterForm(FlaskForm):
    role = CodeSelect(
        "我是",
        choices=[
            (Role.ENTERPRISE.value, "企业用户（发布技术需求）"),
            (Role.RESEARCHER.value, "科研人员（发布科技成果）"),
        ],
        message="请选择注册身份：企业用户或科研人员",
    )
    name = StringField("姓名", [val.required("请填写姓名"), val.length(max=50, label="姓名")])
    email = StringField("邮箱", [val.required("请填写邮箱"), val.length(max=120, label="邮箱"), val.email()])
    phone = StringField("手机", [val.optional(), val.phone_any_layout])
    password = _password_field("密码")
    password2 = PasswordField("确认密码", [val.required("请再次输入密码"), val.equal_to("password")])
    org_name = StringField("单位名称", [val.required("请填写单位名称"), val.length(2, 100, "单位名称")])
    org_kind = CodeSelect(
        "单位类型",
        choices=[(k.value, k.label) for k in (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)],
    )
    uscc = StringField("统一社会信用代码", [val.optional(), val.uscc])
    # Optional; a value not on the list (a tampered form) was stored on the new organisation whatever its
    # length: junk in the admin's lists, and a 500 on PostgreSQL past 50 characters.
    town = SelectField("所在镇街", choices=[], validate_choice=False)
    industry = SelectField("所属行业", choices=[], validate_choice=False)

    def validate_town(self, field):
        _listed(field)

    def validate_industry(self, field):
        _listed(field)

    def validate(self, extra_validators=None):
        """Cross-field rules: the organisation kind must suit the role; enterprises need a USCC."""
        ok = super().validate(extra_validators)
        if self.role.data == Role.ENTERPRISE.value:
            if self.org_kind.data != OrgKind.ENTERPRISE.value:
                self.org_kind.errors.append("企业用户的单位类型应为“企业”")
                ok = False
            if not (self.uscc.data or "").strip():
                self.uscc.errors.append("企业须填写统一社会信用代码")
                ok = False
        elif self.org_kind.data == OrgKind.ENTERPRISE.value:
            self.org_kind.errors.append("科研人员的单位类型应为高校或科研院所")
            ok = False
        if ok:
            ok = self._check_existing_org()
        return ok

    def _check_existing_org(self):
        """The organisation named must not clash with one on the platform (the rules the confirmation
        applies again: services.existing_org), so no link is mailed that cannot be confirmed."""
        try:
            services.registration_org(self.org_name.data, self.org_kind.data, self.uscc.data)
        except services.AccountError as exc:
            getattr(self, exc.field or "org_name").errors.append(str(exc))
            return False
        return True


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", [val.required("请输入当前密码")])
    password = _password_field("新密码")
    password2 = PasswordField("确认新密码", [val.required("请再次输入新密码"), val.equal_to("password")])


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "注册邮箱", [val.required("请输入注册时使用的邮箱"), val.length(max=120, label="邮箱"), val.email()]
    )


class ResetPasswordForm(FlaskForm):
    """A new password set through a mailed reset link (the link's token travels in the query string)."""

    password = _password_field("新密码")
    password2 = PasswordField("确认新密码", [val.required("请再次输入新密码"), val.equal_to("password")])
    submission_key = once.key_field()


class ProfileForm(FlaskForm):
    """One's own name and phone (个人资料); e-mail, role and organisation are the admin's to change."""

    name = StringField("姓名", [val.required("请填写姓名"), val.length(max=50, label="姓名")])
    # As stored before extensions were kept apart (a run-on landline) is taken back unchanged, so the name can be saved.
    phone = StringField("手机", [val.optional(), val.phone_any_layout_or_as_stored])
    version = HiddenField()  # what the page was loaded from (profile.profile_version)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        val.phones_for_reading(self)  # the stored 13800138000 shown as 138 0013 8000


class OrganizationContactsForm(FlaskForm):
    """An organisation's contact details, kept by its enterprise users (Organization.can_edit_contacts); the
    limits are the admin's form's (admin.forms.OrganizationForm), the columns'."""

    address = StringField("地址", [val.optional(), val.length(max=200, label="地址")])
    contact_name = StringField("联系人", [val.optional(), val.length(max=50, label="联系人")])
    contact_phone = StringField("联系电话", [val.optional(), val.phone_any_layout_or_as_stored])
    contact_email = StringField("联系邮箱", [val.optional(), val.email(), val.length(max=120, label="邮箱")])
    version = HiddenField()  # what the page was loaded from (profile.contacts_version)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        val.phones_for_reading(self)
