"""Tampered selects on the account and organisation forms (attack, 2026-12-04): a role, organisation or
kind not offered (role=admin on the public registration form, an organisation id past the database's
range, a kind that does not exist) was refused in English ("Not a valid choice.", "Invalid Choice: could
not coerce."); now in Chinese, with nothing written and what was typed kept."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, User

from ..auth.test_accounts import GOOD

ENGLISH = ("Not a valid", "Invalid Choice", "could not coerce")


def _refused_in_chinese(resp, message, kept):
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400, resp.status_code
    assert message in body and kept in body, body[-3000:]
    assert not any(e in body for e in ENGLISH)


@pytest.mark.parametrize("data, message", [
    (dict(GOOD, role="admin"), "请选择注册身份：企业用户或科研人员"),
    (dict(GOOD, role="researcher", org_kind="government", uscc=""), "请选择有效的单位类型"),
])  # fmt: skip
def test_registration_with_a_tampered_role_or_kind(client, data, message):
    _refused_in_chinese(client.post("/auth/register", data=data), message, GOOD["org_name"])


@pytest.mark.parametrize("role, org, message", [
    ("superuser", "", "请选择有效的角色"),
    ("broker", "99999999999999999999", "没有名为“99999999999999999999”的单位"),
    ("broker", "abc", "没有名为“abc”的单位"),
])  # fmt: skip
def test_admin_creating_an_account_with_a_tampered_role_or_organisation(client, auth, role, org, message):
    auth.login("admin")
    data = {"role": role, "name": "新经纪人", "email": "new.broker@example.cn", "password": "Str0ng-pass-9x",
            "organization": org}  # fmt: skip
    _refused_in_chinese(client.post("/admin/users/new", data=data), message, "new.broker@example.cn")
    assert db.session.scalar(db.select(User).filter_by(email="new.broker@example.cn")) is None


def test_admin_saving_an_organisation_of_a_tampered_kind(client, auth):
    auth.login("admin")
    resp = client.post("/admin/organizations/new", data={"name": "篡改类型的单位", "kind": "alien"})
    _refused_in_chinese(resp, "请选择有效的单位类型", "篡改类型的单位")
    assert db.session.scalar(db.select(Organization).filter_by(name="篡改类型的单位")) is None
