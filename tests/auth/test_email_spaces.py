"""An e-mail address pasted with spaces around it is taken as the address without them."""

from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_org


def test_admin_creates_an_account_from_an_address_pasted_with_spaces(client, auth):
    """管理后台 → 新建账号 with " new.user@example.cn ": the account is made under the trimmed address."""
    org = make_org("enterprise")
    auth.login("admin")
    data = {"role": "enterprise", "name": "新用户", "email": " New.User@example.cn ", "password": "Str0ng-pass-9x",
            "organization": org.name}  # fmt: skip
    resp = client.post("/admin/users/new", data=data)
    assert resp.status_code == 302
    assert db.session.scalar(db.select(User.role).filter_by(email="new.user@example.cn")) == "enterprise"


def test_a_wrong_address_with_spaces_is_refused_keeping_what_was_typed(client, auth):
    """A wrong address is still refused in Chinese, and the field shows it as typed."""
    auth.login("admin")
    data = {"role": "enterprise", "name": "新用户", "email": " new.user@ ", "password": "Str0ng-pass-9x"}
    body = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert "邮箱格式不正确" in body and 'value=" new.user@ "' in body
