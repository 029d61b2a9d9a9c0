"""An admin switching an organisation's kind under its accounts (attack, 2026-12-04): a university with
researchers became an 企业 (its researchers then listed results as an enterprise, its contracts left the
report by institution), an enterprise with enterprise users a 高校; now refused under 单位类型, keeping
what was typed. An organisation with no such accounts changes kind freely."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_org, make_user, valid_uscc


@pytest.mark.parametrize("kind, role, new_kind, message", [
    ("university", "researcher", "enterprise", "该单位有科研人员账号，单位类型不能改为“企业”"),
    ("enterprise", "enterprise", "university", "该单位有企业用户账号，单位类型须为“企业”"),
])  # fmt: skip
def test_a_kind_its_accounts_do_not_fit_is_refused(client, auth, kind, role, new_kind, message):
    org = make_org(kind, name="被改类型的单位")
    make_user(role, org=org)
    auth.login("admin")
    data = {"name": "被改类型的单位", "kind": new_kind, "uscc": valid_uscc(424242), "address": "新填的地址"}
    resp = client.post(f"/admin/organizations/{org.id}/edit", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in body and "新填的地址" in body
    db.session.expire_all()
    assert org.kind == kind and org.address != "新填的地址"


def test_a_pending_request_to_join_counts(client, auth):
    org = make_org("university", name="有待审申请的大学")
    user = make_user("researcher")
    user.requested_organization = org
    db.session.commit()
    auth.login("admin")
    data = {"name": "有待审申请的大学", "kind": "enterprise", "uscc": valid_uscc(434343)}
    assert "单位类型不能改为“企业”" in client.post(f"/admin/organizations/{org.id}/edit", data=data).get_data(
        as_text=True
    )


def test_an_organisation_without_such_accounts_changes_kind(client, auth):
    org = make_org("university", name="登记错类型的研究院")
    make_user("broker", org=org)
    auth.login("admin")
    data = {"name": "登记错类型的研究院", "kind": "institute"}
    assert client.post(f"/admin/organizations/{org.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert org.kind == "institute" and db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_an_enterprise_with_visits_stays_an_enterprise(client, auth):
    """An enterprise with visits but no accounts switched to 高校: every edit of its visits was then refused
    (登记走访 takes enterprises only). Now the switch is refused under 单位类型, what was typed kept."""
    from datetime import date

    from matchmaker.models import Visit

    org = make_org("enterprise", name="被走访过的企业")
    db.session.add(Visit(organization_id=org.id, kind="visit", visited_on=date(2020, 5, 1), topic="走访", people="甲"))
    db.session.commit()
    auth.login("admin")
    data = {"name": "被走访过的企业", "kind": "university", "address": "新填的地址"}
    resp = client.post(f"/admin/organizations/{org.id}/edit", data=data)
    body = resp.get_data(as_text=True)
    assert (
        resp.status_code == 400
        and "该单位有走访记录（走访须针对企业），单位类型须为“企业”" in body
        and "新填的地址" in body
    )
    db.session.expire_all()
    assert org.kind == "enterprise"
