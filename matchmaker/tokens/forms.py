"""Forms for creating API tokens."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import ValidationError

from ..extensions import db
from ..models import User
from ..utils import once
from ..utils import validators as val
from ..utils.inputs import CodeSelect
from .services import EXPIRY_DAYS


class TokenForm(FlaskForm):
    """A personal token: a name, read or read+write, an expiry."""

    name = StringField("令牌名称", [val.required("请填写令牌名称"), val.length(max=100, label="令牌名称")])
    write = BooleanField("同时授予“写入”权限（如通过接口登记合同；仅经纪人和管理员可用）")
    days = CodeSelect("有效期", coerce=int, choices=[(d, f"{d} 天") for d in EXPIRY_DAYS], default=90,
                      message="请从列表中选择有效期")  # fmt: skip
    submission_key = once.key_field()
    # Asked only when the session's password is not recent (auth/recent.py); checked by the view, not here.
    password = PasswordField("当前密码")
    ask_password = False

    @property
    def scopes(self):
        return ["read", "write"] if self.write.data else ["read"]


class ServiceTokenForm(TokenForm):
    """A service token for another system, acting as an account an admin names by e-mail."""

    email = StringField("代表的账号（邮箱）", [val.required("请填写账号邮箱"), val.length(max=120, label="邮箱")])

    def validate_email(self, field):
        user = db.session.scalar(db.select(User).filter_by(email=field.data.strip().lower()))
        if user is None:
            raise ValidationError("找不到该账号")
        if not user.active:
            raise ValidationError("该账号已停用")
        self.user = user
