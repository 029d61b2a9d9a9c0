"""个人资料: every logged-in user keeps their own name and phone up to date (no id in the address: the page edits the
account logged in), with what was typed kept on a refusal; the e-mail, role and organisation are shown, changed by
an admin only. 本单位信息: an enterprise's members keep its contact details; a researcher (whose university's details
stay the admin's), a broker and an admin see them read-only; registration details are the admin's."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog, Organization, User

from ..factories import make_org, make_user
from ..stale import differences, second_tab_refused, version
from .test_accounts import count


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def page_of(client, url):
    """The page at ``url`` and the version its form carries."""
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:1000]
    return resp.get_data(as_text=True), version(resp)


def audit_rows(entity, entity_id):
    return db.session.scalars(db.select(AuditLog).filter_by(entity=entity, entity_id=entity_id)).all()


# 个人资料 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["enterprise", "researcher", "broker", "admin"])
def test_every_role_has_the_profile_page_in_its_user_menu(client, auth, role):
    """The page shows the form filled from the account, the e-mail, role and organisation read-only with who
    changes them, a link to 修改密码; every page's user menu links to it."""
    user = auth.login(make_user(role, name="周明", phone="13800138000"))
    menu = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/auth/profile"' in menu
    assert re.search(r'<a class="card[^"]*tile" href="/auth/profile">.*?个人资料', menu, re.S)  # a tile beside 修改密码
    body, shown = page_of(client, "/auth/profile")
    assert shown and 'value="周明"' in body and 'value="138 0013 8000"' in body
    assert user.email in body and user.role_label in body and user.organization.name in body
    assert "由平台管理员修改" in body and 'href="/auth/password"' in body
    assert 'name="email"' not in body and 'name="role"' not in body  # nothing to change them with


def test_saving_changes_the_stored_account_and_the_page(client, auth):
    user = auth.login(make_user("enterprise", name="周明", phone="13800138000"))
    _, shown = page_of(client, "/auth/profile")
    resp = client.post("/auth/profile", data={"name": " 周明远 ", "phone": "139-0000-1111", "version": shown})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/profile")
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("周明远", "13900001111")  # trimmed, stored normalised as everywhere
    body = client.get("/auth/profile").get_data(as_text=True)
    assert "个人资料已保存" in body and 'value="周明远"' in body and 'value="139 0000 1111"' in body
    assert "周明远<span" in body  # the header's user menu names the account anew
    (audit,) = audit_rows("user", user.id)
    assert (audit.actor_id, audit.action) == (user.id, "update_profile")
    assert (audit.before, audit.after) == ({"name": "周明", "phone": "13800138000"},
                                           {"name": "周明远", "phone": "13900001111"})  # fmt: skip


def test_the_phone_can_be_cleared(client, auth):
    user = auth.login(make_user("researcher", name="李华", phone="13800138000"))
    _, shown = page_of(client, "/auth/profile")
    assert client.post("/auth/profile", data={"name": "李华", "phone": "  ", "version": shown}).status_code == 302
    assert stored(User, user.id).phone is None


@pytest.mark.parametrize("typed", ["138-0013-800", "+1 415 555 0100", "电话13800138000"])
def test_a_wrong_phone_is_refused_with_what_was_typed_kept(client, auth, typed):
    user = auth.login(make_user("enterprise", name="周明", phone="13800138000"))
    _, shown = page_of(client, "/auth/profile")
    resp = client.post("/auth/profile", data={"name": "周明远", "phone": typed, "version": shown})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in body
    assert f'value="{typed}"' in body and 'value="周明远"' in body
    assert 'aria-describedby="phone-help phone-error"' in body and 'aria-invalid="true"' in body
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("周明", "13800138000") and not audit_rows("user", user.id)


@pytest.mark.parametrize(("typed", "message"), [("张" * 51, "姓名不能超过 50 个字符"), ("   ", "请填写姓名")])
def test_a_name_too_long_or_blank_is_refused_with_what_was_typed_kept(client, auth, typed, message):
    user = auth.login(make_user("broker", name="周明"))
    _, shown = page_of(client, "/auth/profile")
    resp = client.post("/auth/profile", data={"name": typed, "phone": "139 0000 1111", "version": shown})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in body and 'value="139 0000 1111"' in body
    assert f'value="{typed}"' in body and 'aria-describedby="name-error"' in body
    assert stored(User, user.id).name == "周明"


def test_a_name_of_fifty_characters_is_saved(client, auth):
    user = auth.login(make_user("enterprise"))
    _, shown = page_of(client, "/auth/profile")
    assert client.post("/auth/profile", data={"name": "张" * 50, "version": shown}).status_code == 302
    assert stored(User, user.id).name == "张" * 50


def test_only_the_logged_in_account_changes_whatever_the_post_names(client, auth):
    """No id in the address, and ids, e-mail, role or organisation added to the post change nothing: the page edits
    the account logged in, its name and phone only."""
    other = make_user("enterprise", name="别人", phone="13700000000")
    user = auth.login(make_user("enterprise", name="周明"))
    own_org = user.organization_id
    _, shown = page_of(client, "/auth/profile")
    data = {"name": "周明远", "phone": "13900001111", "version": shown, "id": other.id, "user_id": other.id,
            "email": "taken.over@example.cn", "role": "admin", "organization_id": other.organization_id,
            "active": "0"}  # fmt: skip
    assert client.post("/auth/profile", data=data).status_code == 302
    assert client.post(f"/auth/profile/{other.id}", data=data).status_code == 404
    theirs = stored(User, other.id)
    assert (theirs.name, theirs.phone) == ("别人", "13700000000")
    mine = stored(User, user.id)
    assert (mine.name, mine.email, mine.role, mine.organization_id, mine.active) == (
        "周明远", user.email, "enterprise", own_org, True)  # fmt: skip


def test_a_double_submit_saves_once(client, auth):
    """The page posted twice (a double click): both answers go to the saved page, one audit row, no conflict."""
    user = auth.login(make_user("researcher", name="李华"))
    _, shown = page_of(client, "/auth/profile")
    data = {"name": "李华华", "phone": "0571-8888 6666", "version": shown}
    assert [client.post("/auth/profile", data=data).status_code for _ in range(2)] == [302, 302]
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("李华华", "057188886666") and len(audit_rows("user", user.id)) == 1


def test_a_save_from_an_older_tab_does_not_overwrite_the_newer_one(client, auth):
    """Two tabs of the page: the second's save, made after the first's, is refused with what it typed kept."""
    user = auth.login(make_user("enterprise", name="周明"))
    again, _ = second_tab_refused(
        client, "/auth/profile", {"name": "第一个标签页"}, {"name": "第二个标签页"}, "第二个标签页"
    )
    assert stored(User, user.id).name == "第一个标签页"
    assert client.post("/auth/profile", data={"name": "第二个标签页", "version": again}).status_code == 302
    assert stored(User, user.id).name == "第二个标签页"


def test_a_phone_stored_run_on_before_does_not_block_the_name(client, auth):
    """A landline stored with its extension run on (by the phone migration) is taken back unchanged."""
    user = make_user("enterprise", name="周明")
    db.session.execute(db.update(User).where(User.id == user.id).values(phone="057188886666123"))
    db.session.commit()
    auth.login(user)
    body, shown = page_of(client, "/auth/profile")
    assert 'value="057188886666123"' in body
    data = {"name": "周明远", "phone": "057188886666123", "version": shown}
    assert client.post("/auth/profile", data=data).status_code == 302
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("周明远", "057188886666123")


def test_the_audit_log_reads_the_change(client, auth):
    user = auth.login(make_user("enterprise", name="周明"))
    _, shown = page_of(client, "/auth/profile")
    client.post("/auth/profile", data={"name": "周明远", "phone": "13900001111", "version": shown})
    auth.logout()
    auth.login("admin")
    body = client.get("/contracts/audit", query_string={"entity": "user", "entity_id": user.id}).get_data(as_text=True)
    assert "修改个人资料" in body and "姓名" in body and "周明远" in body and "手机" in body


# 本单位信息 ---------------------------------------------------------------------------------------------------

CONTACTS = {"address": "东城街道科技路 8 号", "contact_name": "王经理", "contact_phone": "0769-2288 6666",
            "contact_email": "wang@huaxing.cn"}  # fmt: skip


def _enterprise(**kw):
    org = make_org(
        "enterprise", name="华星精密制造有限公司", contact_name="旧联系人", contact_phone="13800138000", **kw
    )
    return org, make_user("enterprise", org=org)


def test_a_member_of_an_enterprise_keeps_its_contact_details(client, auth):
    org, member = _enterprise()
    auth.login(member)
    assert 'href="/auth/organization"' in client.get("/auth/profile").get_data(as_text=True)
    body, shown = page_of(client, "/auth/organization")
    assert shown and 'value="旧联系人"' in body and 'value="138 0013 8000"' in body
    assert org.name in body and org.uscc in body and "登记信息由平台管理员维护" in body
    assert 'name="name"' not in body and 'name="uscc"' not in body  # registration details: the admin's
    resp = client.post("/auth/organization", data=dict(CONTACTS, version=shown))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/organization")
    row = stored(Organization, org.id)
    assert (row.address, row.contact_name, row.contact_phone, row.contact_email) == (
        "东城街道科技路 8 号", "王经理", "076922886666", "wang@huaxing.cn")  # fmt: skip
    body = client.get("/auth/organization").get_data(as_text=True)
    assert "本单位联系方式已保存" in body and 'value="王经理"' in body and 'value="0769-22886666"' in body
    (audit,) = audit_rows("organization", org.id)
    assert (audit.actor_id, audit.action) == (member.id, "update_contacts")
    assert audit.before["contact_name"] == "旧联系人" and audit.after["contact_name"] == "王经理"


def test_registration_details_posted_to_the_contacts_form_change_nothing(client, auth):
    org, member = _enterprise()
    uscc = org.uscc
    auth.login(member)
    _, shown = page_of(client, "/auth/organization")
    data = dict(CONTACTS, version=shown, name="改名公司", uscc="91440300MA5G0000XX", kind="university",
                verified="y", town="别处", id=make_org("enterprise").id)  # fmt: skip
    assert client.post("/auth/organization", data=data).status_code == 302
    row = stored(Organization, org.id)
    assert (row.name, row.uscc, row.kind, row.verified, row.town) == (
        "华星精密制造有限公司",
        uscc,
        "enterprise",
        False,
        None,
    )
    assert row.contact_name == "王经理"


def test_a_wrong_contact_phone_or_a_long_address_is_refused_with_what_was_typed_kept(client, auth):
    org, member = _enterprise()
    auth.login(member)
    _, shown = page_of(client, "/auth/organization")
    data = dict(CONTACTS, version=shown, contact_phone="0769-2288", address="路" * 201)
    resp = client.post("/auth/organization", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in body and "地址不能超过 200 个字符" in body
    assert 'value="0769-2288"' in body and 'value="王经理"' in body and "路" * 201 in body
    assert 'aria-describedby="contact_phone-error"' in body
    row = stored(Organization, org.id)
    assert (row.contact_name, row.address) == ("旧联系人", None) and not audit_rows("organization", org.id)


def test_a_member_changes_only_their_own_enterprise(client, auth):
    other = make_org("enterprise", contact_name="别家联系人")
    org, member = _enterprise()
    auth.login(member)
    _, shown = page_of(client, "/auth/organization")
    assert client.post("/auth/organization", data=dict(CONTACTS, version=shown, org_id=other.id)).status_code == 302
    assert client.post(f"/auth/organization/{other.id}", data=CONTACTS).status_code == 404
    assert stored(Organization, other.id).contact_name == "别家联系人"
    assert stored(Organization, org.id).contact_name == "王经理"


@pytest.mark.parametrize("role", ["researcher", "broker"])
def test_other_roles_see_their_organisation_read_only(client, auth, role):
    """A researcher's university (and a broker's agency) keeps its details by the admin: shown, not editable,
    and a post is refused."""
    org = make_org("university" if role == "researcher" else "agency", contact_name="科研处张老师",
                   contact_phone="02088886666")  # fmt: skip
    auth.login(make_user(role, org=org))
    body, shown = page_of(client, "/auth/organization")
    assert not shown and 'name="contact_name"' not in body
    assert "科研处张老师" in body and "020-88886666" in body and "联系方式由平台管理员维护" in body
    assert client.post("/auth/organization", data=CONTACTS).status_code == 403
    assert stored(Organization, org.id).contact_name == "科研处张老师"


@pytest.mark.parametrize("role", ["enterprise", "researcher"])
def test_a_pending_request_to_join_is_told_why_nothing_can_be_changed(client, auth, role):
    """A user whose request to join waits for the admin is no member yet: nothing of the organisation is shown or
    changed, and the page says so (the request waits for the admin's review; an enterprise user learns what approval
    will let them change), reached from the user menu and from 个人资料. It showed one line, "平台管理员核实后，这里将
    显示该单位的信息", with no word of why nothing could be edited, and the menu had no way to it."""
    org, _ = _enterprise()
    newcomer = make_user(role, org=make_org("enterprise" if role == "enterprise" else "university"))
    newcomer.organization, newcomer.requested_organization = None, org
    db.session.commit()
    auth.login(newcomer)
    profile = client.get("/auth/profile").get_data(as_text=True)
    assert profile.count('href="/auth/organization"') == 2  # the user menu's 本单位信息, the pending request's line
    body = client.get("/auth/organization").get_data(as_text=True)
    assert "您的加入申请待平台管理员审核" in body and f"您申请加入「{org.name}」" in body
    assert "审核通过前，您还不是该单位的成员，因此这里不显示该单位的登记信息和联系方式，您也不能修改" in body
    assert ("更新本单位的地址、联系人、联系电话和联系邮箱" in body) == (role == "enterprise")
    assert 'name="contact_name"' not in body and "旧联系人" not in body
    resp = client.post("/auth/organization", data=CONTACTS)
    if role == "enterprise":  # a tab left open: refused, with the page saying why
        assert resp.status_code == 403 and "您的加入申请待平台管理员审核" in resp.get_data(as_text=True)
    else:
        assert resp.status_code == 403
    assert stored(Organization, org.id).contact_name == "旧联系人" and not audit_rows("organization", org.id)


def test_an_account_of_no_organisation_is_told_to_ask_the_admin(client, auth):
    user = make_user("broker")
    user.organization = None
    db.session.commit()
    auth.login(user)
    assert 'href="/auth/organization"' not in client.get("/auth/profile").get_data(as_text=True)
    body = client.get("/auth/organization").get_data(as_text=True)
    assert "您的账号尚未关联单位" in body and "加入申请" not in body


def test_an_admin_sees_a_link_to_the_admin_edit_page(client, auth):
    org = make_org("agency")
    auth.login(make_user("admin", org=org))
    body = client.get("/auth/organization").get_data(as_text=True)
    assert f'href="/admin/organizations/{org.id}/edit"' in body and 'name="contact_name"' not in body


def test_the_contacts_double_submit_saves_once(client, auth):
    org, member = _enterprise()
    auth.login(member)
    _, shown = page_of(client, "/auth/organization")
    data = dict(CONTACTS, version=shown)
    assert [client.post("/auth/organization", data=data).status_code for _ in range(2)] == [302, 302]
    assert stored(Organization, org.id).contact_name == "王经理" and len(audit_rows("organization", org.id)) == 1


def test_an_admins_page_older_than_a_members_save_is_refused(client, auth):
    """The admin's edit page, loaded before a member corrected the contact details, does not put the old ones back."""
    org, member = _enterprise()
    admin = make_user("admin")
    auth.login(admin)
    admin_url = f"/admin/organizations/{org.id}/edit"
    admin_version = version(client.get(admin_url))
    auth.logout()
    auth.login(member)
    _, shown = page_of(client, "/auth/organization")
    assert client.post("/auth/organization", data=dict(CONTACTS, version=shown)).status_code == 302
    auth.logout()
    auth.login(admin)
    data = {"name": org.name, "kind": "enterprise", "uscc": org.uscc, "contact_name": "旧联系人",
            "contact_phone": "13800138000", "description": "管理员补充的简介", "version": admin_version}  # fmt: skip
    assert client.post(admin_url, data=data).status_code == 409
    assert stored(Organization, org.id).contact_name == "王经理"


# 管理后台 → 账号管理 → 编辑 ---------------------------------------------------------------------------------------


def test_an_admin_corrects_another_users_name_and_phone(client, auth):
    """From 账号管理 (a 编辑 link in the account's row): the stored row, the list and the user's own 个人资料 show the
    change; the audit row names the admin as the one who made it, readable on the audit page."""
    user = make_user("researcher", name="李华", phone="13800138000")
    admin = auth.login("admin")
    listing = client.get("/admin/users", query_string={"q": user.email}).get_data(as_text=True)
    url = f"/admin/users/{user.id}/edit"
    assert f'href="{url}"' in listing
    body, shown = page_of(client, url)
    assert shown and 'value="李华"' in body and 'value="138 0013 8000"' in body
    assert user.email in body and "科研人员" in body and user.organization.name in body
    assert 'name="email"' not in body and 'name="role"' not in body
    resp = client.post(url, data={"name": " 李华章 ", "phone": "0571-8888 6666", "version": shown})
    assert resp.status_code == 302 and "/admin/users" in resp.headers["Location"]
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("李华章", "057188886666")
    listing = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"已保存 {user.email} 的姓名和手机" in listing and ">李华章</td>" in listing
    (audit,) = audit_rows("user", user.id)
    assert (audit.actor_id, audit.action) == (admin.id, "admin_update_profile")
    assert (audit.before, audit.after) == ({"name": "李华", "phone": "13800138000"},
                                           {"name": "李华章", "phone": "057188886666"})  # fmt: skip
    log = client.get("/contracts/audit", query_string={"entity": "user", "entity_id": user.id}).get_data(as_text=True)
    assert "管理员修改姓名和手机" in log and admin.name in log and "李华章" in log
    auth.logout()
    auth.login(user)
    assert 'value="李华章"' in client.get("/auth/profile").get_data(as_text=True)


def test_an_admins_save_that_changes_nothing_writes_no_audit_row(client, auth):
    user = make_user("enterprise", name="周明", phone="13800138000")
    auth.login("admin")
    url = f"/admin/users/{user.id}/edit"
    _, shown = page_of(client, url)
    data = {"name": "周明", "phone": "138-0013-8000", "version": shown}
    assert [client.post(url, data=data).status_code for _ in range(2)] == [302, 302]
    assert not audit_rows("user", user.id)


@pytest.mark.parametrize("typed", ["138-0013-800", "电话13800138000"])
def test_the_admin_form_refuses_a_wrong_phone_with_what_was_typed_kept(client, auth, typed):
    user = make_user("enterprise", name="周明", phone="13800138000")
    auth.login("admin")
    url = f"/admin/users/{user.id}/edit"
    _, shown = page_of(client, url)
    resp = client.post(url, data={"name": "周明远", "phone": typed, "version": shown})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in body
    assert f'value="{typed}"' in body and 'value="周明远"' in body and 'aria-invalid="true"' in body
    row = stored(User, user.id)
    assert (row.name, row.phone) == ("周明", "13800138000") and not audit_rows("user", user.id)


@pytest.mark.parametrize("role", ["enterprise", "researcher", "broker"])
def test_only_an_admin_edits_another_account(client, auth, role):
    user = make_user("enterprise", name="周明")
    auth.login(role)
    url = f"/admin/users/{user.id}/edit"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"name": "被人改了", "phone": "13900001111"}).status_code == 403
    assert stored(User, user.id).name == "周明" and not audit_rows("user", user.id)


def test_an_admins_stale_tab_is_refused(client, auth):
    """The admin's page, loaded before the user (or another admin) saved, does not put the old name back: 409, what
    the admin typed kept, the differences listed; saving again from the warned page goes through."""
    user = make_user("enterprise", name="周明")
    admin = make_user("admin")
    auth.login(admin)
    url = f"/admin/users/{user.id}/edit"
    _, admin_version = page_of(client, url)
    auth.logout()
    auth.login(user)
    _, shown = page_of(client, "/auth/profile")
    assert client.post("/auth/profile", data={"name": "周明远", "version": shown}).status_code == 302
    auth.logout()
    auth.login(admin)
    resp = client.post(url, data={"name": "管理员改的", "phone": "13900001111", "version": admin_version})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已被修改并保存" in body and 'value="管理员改的"' in body
    assert differences(body)["姓名"] == ("周明远", "管理员改的")
    assert stored(User, user.id).name == "周明远"
    assert client.post(url, data={"name": "管理员改的", "version": version(body)}).status_code == 302
    assert stored(User, user.id).name == "管理员改的"


def test_an_unknown_account_is_404(client, auth):
    auth.login("admin")
    assert client.get("/admin/users/999999/edit").status_code == 404


# CSRF -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/auth/profile", "/auth/organization"])
def test_a_post_without_the_csrf_token_is_refused(make_app, url):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        org, member = _enterprise()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = member.get_id(), True
        data = dict(CONTACTS, name="周明远")
        resp = client.post(url, data=data)
        assert resp.status_code == 400 and "表单已失效" in resp.get_data(as_text=True)
        assert stored(User, member.id).name != "周明远" and stored(Organization, org.id).contact_name == "旧联系人"
        assert count(AuditLog) == 0
