"""新建账号 with an organisation of the wrong kind, or none (attack, 2026-12-04): an enterprise user was
made in a university (and then posted needs for it), a researcher in an enterprise, and either with
（无）, an account that could never post anything; now refused under 所属单位, keeping what was typed.
Registration already required this."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, Role, Taxonomy, User

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
            "organization": org.name if org else ""}  # fmt: skip
    resp = client.post("/admin/users/new", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in body and "new.user@example.cn" in body
    assert 'id="organization-error"' in body  # shown under 所属单位
    assert db.session.scalar(db.select(User).filter_by(email="new.user@example.cn")) is None


@pytest.mark.parametrize("role, kind", [("enterprise", "enterprise"), ("researcher", "university"),
                                        ("researcher", "institute"), ("broker", None), ("admin", "government")])  # fmt: skip
def test_an_account_of_a_fitting_organisation_is_created(client, auth, role, kind):
    org = make_org(kind) if kind else None
    auth.login("admin")
    data = {"role": role, "name": "新用户", "email": "new.user@example.cn", "password": "Str0ng-pass-9x",
            "organization": org.name if org else ""}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert db.session.scalar(db.select(User.role).filter_by(email="new.user@example.cn")) == role


def _many_orgs(n=5000):
    """``n`` organisations, alternately enterprises and universities, inserted in one statement."""
    rows = [{"name": f"批量单位{i:04d}", "kind": "enterprise" if i % 2 else "university"} for i in range(n)]
    db.session.execute(db.insert(Organization), rows)
    db.session.commit()


def test_the_new_account_page_with_5000_organisations_lists_none_of_them(client, auth):
    """所属单位 is a text input with suggestions fetched as one types: the page carries no list of 5,000."""
    _many_orgs()
    auth.login("admin")
    resp = client.get("/admin/users/new")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "批量单位" not in body and body.count("<option") <= len(Role.choices()) + 1
    assert len(resp.data) < 30_000, len(resp.data)
    assert '<label class="form-label" for="organization">所属单位</label>' in body
    assert 'list="organization-options"' in body and 'aria-describedby="organization-help"' in body


def test_the_lookup_finds_up_to_20_organisations_by_name_fitting_the_role(client, auth):
    """?q= finds names containing the text (those starting with it first), 20 at most, of the role's kinds."""
    _many_orgs()
    make_org("university", name="甲批量单位0001分部")
    auth.login("admin")
    found = client.get("/admin/organizations/lookup.json?q=批量单位00").get_json()
    names = [o["name"] for o in found["items"]]
    assert len(names) == 20 and found["more"] and all("批量单位00" in n for n in names)
    one = client.get("/admin/organizations/lookup.json?q=批量单位0001").get_json()["items"]
    assert [o["name"] for o in one] == ["批量单位0001", "甲批量单位0001分部"]  # the name starting with it first
    assert one[0]["kind_label"] == "企业"
    researcher = client.get("/admin/organizations/lookup.json?q=批量单位000&role=researcher").get_json()["items"]
    assert researcher and all(o["kind"] != "enterprise" for o in researcher)
    assert client.get("/admin/organizations/lookup.json?q=%25").get_json() == {"items": [], "more": False}


def test_an_account_is_created_in_the_organisation_chosen_by_name(client, auth):
    """The name picked from the suggestions (one of 5,000) is stored as the account's organisation."""
    _many_orgs()
    auth.login("admin")
    data = {"role": "enterprise", "name": "新用户", "email": "new.user@example.cn", "password": "Str0ng-pass-9x",
            "organization": " 批量单位4321 "}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="new.user@example.cn"))
    assert user.organization.name == "批量单位4321"


def test_an_unknown_organisation_is_refused_under_its_field_keeping_what_was_typed(client, auth):
    """A name no organisation has: a Chinese error tied to 所属单位, every field kept, near names offered."""
    _many_orgs(50)
    auth.login("admin")
    data = {"role": "researcher", "name": "王研究员", "email": "wang@example.cn", "phone": "13800138000",
            "password": "Str0ng-pass-9x", "organization": "批量单位00不存在"}  # fmt: skip
    resp = client.post("/admin/users/new", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="organization-error"><div>没有名为“批量单位00不存在”的单位' in body
    assert 'aria-describedby="organization-help organization-error"' in body and 'aria-invalid="true"' in body
    for kept in ('value="王研究员"', 'value="wang@example.cn"', 'value="13800138000"', 'value="批量单位00不存在"',
                 '<option selected value="researcher">'):  # fmt: skip
        assert kept in body, kept
    assert db.session.scalar(db.select(User).filter_by(email="wang@example.cn")) is None


def test_the_lookup_finds_a_name_typed_in_full_width_letters_or_other_brackets(client, auth):
    """A Chinese input method in full-width mode types ＡＢＣ, and 某某（深圳）有限公司 is often typed with ( ): the
    lookup answered 没有名称含此文字的单位 for both, though the name exists (and ＡＢＣ科技有限公司, saved, is ABC's)."""
    make_org("enterprise", name="ABC科技有限公司")
    make_org("enterprise", name="华星（深圳）精密有限公司")
    auth.login("broker")

    def names(q):
        found = client.get("/admin/organizations/lookup.json", query_string={"q": q, "role": "enterprise"}).get_json()
        return [o["name"] for o in found["items"]]

    assert names("ＡＢＣ") == names("ａｂｃ科技") == names("abc") == ["ABC科技有限公司"]
    assert names("华星(深圳)") == names("华星（深圳") == ["华星（深圳）精密有限公司"]
    assert names("%") == names("Ｘ") == []


def test_a_new_organisation_named_with_the_other_brackets_is_refused_as_taken(client, auth):
    """新建单位 华星(深圳)精密有限公司 beside 华星（深圳）精密有限公司 made a second organisation no one could tell
    from the first (accounts and contracts then split between them); refused naming the one there, typed text kept.
    Correcting an organisation's own brackets still saves."""
    org = make_org("enterprise", name="华星（深圳）精密有限公司")
    db.session.add(Taxonomy(kind="town", name="保留的镇街"))
    db.session.commit()
    auth.login("admin")
    orgs = db.session.scalar(db.select(db.func.count(Organization.id)))
    data = {"name": "华星(深圳)精密有限公司", "kind": "enterprise", "town": "保留的镇街"}
    resp = client.post("/admin/organizations/new", data=data)
    body = resp.get_data(as_text=True)
    assert "已有同名单位“华星（深圳）精密有限公司”" in body and 'value="保留的镇街"' in body
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == orgs
    edit = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', edit).group(1)
    saved = client.post(f"/admin/organizations/{org.id}/edit", data=dict(data, version=version, uscc=org.uscc))
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "华星(深圳)精密有限公司"


def test_an_account_is_created_in_the_organisation_typed_with_other_brackets(client, auth):
    """所属单位 typed 华星(深圳)精密有限公司 is the enterprise saved as 华星（深圳）精密有限公司 (it was refused as unknown)."""
    org = make_org("enterprise", name="华星（深圳）精密有限公司")
    auth.login("admin")
    data = {"role": "enterprise", "name": "新用户", "email": "hx@example.cn", "password": "Str0ng-pass-9x",
            "organization": "华星(深圳)精密有限公司"}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert db.session.scalar(db.select(User).filter_by(email="hx@example.cn")).organization_id == org.id


def test_a_refused_organisation_edit_answers_400(client, auth):
    org = make_org("enterprise", name="华星精密有限公司")
    auth.login("admin")
    resp = client.post(f"/admin/organizations/{org.id}/edit", data={"name": "华", "kind": "enterprise"})
    assert resp.status_code == 400 and "单位名称长度应为 2–100 个字符" in resp.get_data(as_text=True)
