"""新建账号 with an organisation of the wrong kind, or none (attack, 2026-12-04): an enterprise user was
made in a university (and then posted needs for it), a researcher in an enterprise, and either with
（无）, an account that could never post anything; now refused under 所属单位, keeping what was typed.
Registration already required this."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_org


@pytest.mark.parametrize("role, kind, message", [
    ("enterprise", "university", "企业用户须属于一家企业"),
    ("enterprise", None, "企业用户须属于一家企业"),
    ("researcher", "enterprise", "科研人员须属于高校、科研院所等单位"),
    ("researcher", None, "科研人员须属于高校、科研院所等单位"),
])  # fmt: skip
def test_an_account_of_the_wrong_kind_of_organisation_is_refused(client, auth, role, kind, message):
    org = make_org(kind) if kind else None
    auth.login("admin")
    data = {"role": role, "name": "新用户", "email": "new.user@example.cn", "password": "Str0ng-pass-9x",
            "organization_id": org.id if org else 0}  # fmt: skip
    resp = client.post("/admin/users/new", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in body and "new.user@example.cn" in body
    assert 'id="organization_id-error"' in body  # shown under 所属单位
    assert db.session.scalar(db.select(User).filter_by(email="new.user@example.cn")) is None


@pytest.mark.parametrize("role, kind", [("enterprise", "enterprise"), ("researcher", "university"),
                                        ("researcher", "institute"), ("broker", None), ("admin", "government")])  # fmt: skip
def test_an_account_of_a_fitting_organisation_is_created(client, auth, role, kind):
    org = make_org(kind) if kind else None
    auth.login("admin")
    data = {"role": role, "name": "新用户", "email": "new.user@example.cn", "password": "Str0ng-pass-9x",
            "organization_id": org.id if org else 0}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert db.session.scalar(db.select(User.role).filter_by(email="new.user@example.cn")) == role
