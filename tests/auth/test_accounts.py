"""Registration, login, logout, remember me, password change, deactivation."""

import re
from urllib.parse import unquote

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, User

from ..factories import make_org, make_user, valid_uscc

GOOD = {
    "role": "enterprise",
    "name": "张三",
    "email": "zhang@example.cn",
    "phone": "13800001111",
    "password": "s3cret-pass",
    "password2": "s3cret-pass",
    "org_name": "示例智能科技有限公司",
    "org_kind": "enterprise",
    "uscc": valid_uscc(987654),
    "town": "",
    "industry": "",
}


LINK_RE = re.compile(r"http://localhost(/auth/register/confirm\?token=[\w%=-]+)")


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def outbox(monkeypatch):
    """Mail sent by registration, as (to, subject, body)."""
    sent = []
    monkeypatch.setattr("matchmaker.auth.registration.send_mail", lambda *mail: sent.append(mail))
    return sent


def register(client, outbox, data, **kw):
    """Fill the form, open the mailed link, confirm; the confirming response."""
    resp = client.post("/auth/register", data=data)
    assert resp.status_code == 200 and "请查收邮件" in resp.get_data(as_text=True)
    link = LINK_RE.search(outbox[-1][2]).group(1)
    assert data["name"] in client.get(link).get_data(as_text=True)
    token = unquote(link.split("token=", 1)[1])
    return client.post("/auth/register/confirm", data={"token": token}, **kw)


def test_register_enterprise_creates_user_and_org_and_logs_in(client, outbox):
    """A new enterprise user confirms the mailed link and gets an account, an organisation, and a session."""
    resp = client.post("/auth/register", data=GOOD)
    assert count(User) == 0  # nothing is stored before the address is confirmed
    resp = register(client, outbox, GOOD)
    assert resp.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="zhang@example.cn"))
    assert user.role == "enterprise"
    assert user.organization.name == "示例智能科技有限公司"
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    assert "张三" in client.get("/dashboard").get_data(as_text=True)


def test_registration_does_not_tell_whether_an_address_exists(client, outbox):
    """A known address gets the same page as a new one; its owner is mailed a reminder to log in."""
    new = client.post("/auth/register", data=dict(GOOD, email="new@example.cn")).get_data(as_text=True)
    make_user(email="zhang@example.cn")
    known = client.post("/auth/register", data=GOOD).get_data(as_text=True)
    assert "已注册" not in known
    assert new.replace("new@example.cn", "X") == known.replace("zhang@example.cn", "X")
    assert outbox[-1][0] == "zhang@example.cn" and "已有平台账号" in outbox[-1][2]
    assert count(User) == 1


def test_confirm_link_is_tamper_proof_and_expires(app, client, outbox):
    client.post("/auth/register", data=GOOD)
    link = LINK_RE.search(outbox[-1][2]).group(1)
    token = unquote(link.split("token=", 1)[1])
    assert client.post("/auth/register/confirm", data={"token": token[:-4] + "AAAA"}).status_code == 400
    app.config["REGISTRATION_LINK_HOURS"] = -1
    assert "已过期" in client.get(link).get_data(as_text=True)
    assert count(User) == 0


def test_confirming_twice_creates_one_account(app, client, outbox):
    register(client, outbox, GOOD)
    token = unquote(LINK_RE.search(outbox[-1][2]).group(1).split("token=", 1)[1])
    other = app.test_client()
    resp = other.post("/auth/register/confirm", data={"token": token})
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert count(User) == 1


def test_a_used_confirm_link_opened_again_says_so_instead_of_asking_again(app, client, outbox):
    """The mailed link opened again (or Back after confirming) showed 确认注册 and 确认后即创建账号 once more;
    pressing it said 该邮箱已完成注册 only then. Now the page says the link is used, logged in or not."""
    register(client, outbox, GOOD)
    link = LINK_RE.search(outbox[-1][2]).group(1)
    for c in (client, app.test_client()):
        body = c.get(link).get_data(as_text=True)
        assert "该链接已使用：邮箱 zhang@example.cn 已完成注册" in body and 'name="token"' not in body
    assert count(User) == 1


def test_register_researcher_asks_to_join_existing_university(client, outbox):
    """A researcher naming an existing university asks to join it (no duplicate); an admin approves first."""
    uni = make_org("university", name="南方理工大学")
    data = dict(GOOD, role="researcher", org_kind="university", org_name="南方理工大学", uscc="", email="r@example.cn")
    welcome = register(client, outbox, data, follow_redirects=True).get_data(as_text=True)
    assert "核实后您即可代表该单位发布和管理科技成果" in welcome  # it said 需求或成果 to a researcher
    user = db.session.scalar(db.select(User).filter_by(email="r@example.cn"))
    assert user.organization_id is None and user.requested_organization_id == uni.id
    assert count(Organization) == 1
    # it said 您的账号未关联单位……请联系管理员, as if the request to join had not been made
    refused = client.get("/results/new", follow_redirects=True).get_data(as_text=True)
    assert "您申请加入「南方理工大学」尚待平台管理员核实，核实后即可发布成果" in refused and "未关联单位" not in refused


def test_register_researcher_with_a_new_institute_joins_it_at_once(client, outbox):
    data = dict(GOOD, role="researcher", org_kind="institute", org_name="新建研究院", uscc="", email="n@example.cn")
    assert register(client, outbox, data).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="n@example.cn"))
    assert user.organization.name == "新建研究院" and user.requested_organization_id is None


def _rejected(client, data, message):
    before = (count(User), count(Organization))
    resp = client.post("/auth/register", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert message in body
    assert (count(User), count(Organization)) == before
    return body


def test_short_password_rejected(client):
    _rejected(client, dict(GOOD, password="short-pw1", password2="short-pw1"), "密码长度应为 10–128 个字符")


def test_common_passwords_rejected(client, auth):
    """Passwords from the list of the 10,000 commonest are refused at registration and on change."""
    for common in ("password123", "1234567890", "qwertyuiop", "aaaaaaaaaaaa"):
        _rejected(client, dict(GOOD, password=common, password2=common), "该密码过于常见或简单")
    auth.login("enterprise")
    resp = client.post(
        "/auth/password", data={"current": "password123", "password": "1q2w3e4r5t", "password2": "1q2w3e4r5t"}
    )
    assert "该密码过于常见或简单" in resp.get_data(as_text=True)


def test_wrong_uscc_check_character_rejected(client):
    code = valid_uscc(987654)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    _rejected(client, dict(GOOD, uscc=wrong), "统一社会信用代码校验位错误")


def test_too_long_org_name_rejected_and_input_kept(client):
    body = _rejected(client, dict(GOOD, org_name="长" * 200), "单位名称长度应为 2–100 个字符")
    assert "zhang@example.cn" in body  # what the user typed is still in the form
    assert "s3cret-pass" not in body  # but passwords are never echoed back


def test_missing_fields_rejected(client):
    _rejected(client, {"role": "enterprise", "org_kind": "enterprise"}, "请填写姓名")


def test_enterprise_without_uscc_rejected(client):
    _rejected(client, dict(GOOD, uscc=""), "企业须填写统一社会信用代码")


def test_login_logout(client):
    """Logging in opens the dashboard; logging out closes it again."""
    user = make_user(role="researcher")
    resp = client.post("/auth/login", data={"email": user.email, "password": "password123"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    client.post("/auth/logout")
    assert client.get("/dashboard").status_code == 302


def test_login_and_logout_start_a_new_session(client):
    """Nothing a browser's session held before a login carries into it (a CSRF secret planted or seen by someone
    else: session fixation), and nothing of a login is left after its logout; the remember-me cookie still goes."""
    user = make_user(role="researcher")
    with client.session_transaction() as s:
        s["csrf_token"], s["planted"] = "known-to-someone-else", "x"
    client.post("/auth/login", data={"email": user.email, "password": "password123", "remember": "y"})
    with client.session_transaction() as s:
        assert s.get("_user_id") and "planted" not in s and s.get("csrf_token") != "known-to-someone-else"
        s["left_by_the_login"] = "x"
    assert client.get_cookie("remember_token") is not None
    resp = client.post("/auth/logout")
    assert "remember_token=;" in " ".join(resp.headers.getlist("Set-Cookie"))  # deleted
    with client.session_transaction() as s:
        assert "_user_id" not in s and "left_by_the_login" not in s and "_password_at" not in s
    assert client.get("/dashboard").status_code == 302


def test_login_wrong_password_message(client):
    user = make_user()
    resp = client.post("/auth/login", data={"email": user.email, "password": "nope-nope"})
    assert "邮箱或密码不正确" in resp.get_data(as_text=True)


def test_login_next_is_not_an_open_redirect(client):
    user = make_user()
    resp = client.post("/auth/login?next=https://evil.example/x", data={"email": user.email, "password": "password123"})
    assert resp.headers["Location"].endswith("/dashboard")


def test_a_line_break_in_login_next_is_ignored_not_an_error(client):
    """A ``next`` with a line break in it (a header injection attempt, or a mangled link) was a 500 (服务器错误)
    after a correct password: it cannot be a redirect's address. The user now lands on the dashboard."""
    user = make_user()
    resp = client.post(
        "/auth/login?next=/needs/%0d%0aSet-Cookie:x=1", data={"email": user.email, "password": "password123"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    assert "欢迎回来" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_remember_me_sets_cookie(client):
    user = make_user()
    client.post("/auth/login", data={"email": user.email, "password": "password123", "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_without_remember_no_cookie(client):
    user = make_user()
    client.post("/auth/login", data={"email": user.email, "password": "password123"})
    assert client.get_cookie("remember_token") is None


def test_remember_cookie_restores_session(app):
    """With only the remember-me cookie, a new session is logged in again."""
    user = make_user()
    c1 = app.test_client()
    c1.post("/auth/login", data={"email": user.email, "password": "password123", "remember": "y"})
    token = c1.get_cookie("remember_token").value
    c2 = app.test_client()
    c2.set_cookie("remember_token", token)
    assert c2.get("/dashboard").status_code == 200


def test_password_change_ends_other_sessions(app, auth, client):
    user = auth.login("enterprise")
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": "password123"})
    assert other.get("/dashboard").status_code == 200
    resp = client.post(
        "/auth/password", data={"current": "password123", "password": "new-pass-123", "password2": "new-pass-123"}
    )
    assert resp.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session goes on
    assert other.get("/dashboard").status_code == 302  # the other one is over
    db.session.refresh(user)
    assert user.check_password("new-pass-123")


def test_password_change_wrong_current(auth, client):
    auth.login("enterprise")
    resp = client.post(
        "/auth/password", data={"current": "wrong", "password": "new-pass-123", "password2": "new-pass-123"}
    )
    assert "当前密码不正确" in resp.get_data(as_text=True)


def test_an_empty_new_password_is_named_as_the_form_names_it(auth, client):
    """The 新密码 box left empty said 请输入密码 beside 请输入当前密码 and 请再次输入新密码: which one?"""
    auth.login("enterprise")
    body = client.post("/auth/password", data={"current": "", "password": "", "password2": ""}).get_data(as_text=True)
    assert "请输入当前密码" in body and "请输入新密码" in body and "请再次输入新密码" in body


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, auth, client):
    admin = make_user(role="admin")
    victim = make_user(role="enterprise")
    victim_client = app.test_client()
    victim_client.post("/auth/login", data={"email": victim.email, "password": "password123"})
    auth.login(admin)
    assert client.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    assert victim_client.get("/dashboard").status_code == 302
    resp = app.test_client().post("/auth/login", data={"email": victim.email, "password": "password123"})
    assert "该账号已被停用" in resp.get_data(as_text=True)


def test_eleventh_failed_login_is_refused(client):
    """Ten failures are allowed; the eleventh attempt is refused, even with the right password."""
    user = make_user()
    for _ in range(10):
        resp = client.post("/auth/login", data={"email": user.email, "password": "wrong-password"})
        assert resp.status_code == 200
    resp = client.post("/auth/login", data={"email": user.email, "password": "password123"})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)


def test_admin_creates_broker(auth, client):
    auth.login("admin")
    org = make_org("agency")
    data = {
        "role": "broker",
        "name": "经纪人甲",
        "email": "b@example.cn",
        "password": "broker-pass-1",
        "organization": org.name,
    }
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert db.session.scalar(db.select(User.role).filter_by(email="b@example.cn")) == "broker"


def test_self_registration_cannot_create_broker(client):
    before = count(User)
    resp = client.post("/auth/register", data=dict(GOOD, role="broker"))
    assert resp.status_code == 400
    assert count(User) == before


def test_csrf_required_when_enabled(make_app):
    """With CSRF on, a POST without a token is refused with a Chinese message and changes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        resp = app.test_client().post("/auth/register", data=GOOD)
        assert resp.status_code == 400
        assert "表单已失效" in resp.get_data(as_text=True)
        assert count(User) == 0


def test_joining_an_existing_enterprise_waits_for_admin_approval(app, client, outbox):
    """A stranger naming an enterprise on the platform gets no access to it until an admin approves."""
    from matchmaker.models import Notification

    from ..factories import make_need

    member = make_user("enterprise")
    org = member.organization
    draft = make_need(user=member, status="draft", title="尚未发布的机密需求")
    admin = make_user("admin")
    data = dict(GOOD, org_name=org.name, uscc=org.uscc, email="stranger@example.cn")
    resp = register(client, outbox, data, follow_redirects=True)
    assert "平台管理员核实后" in resp.get_data(as_text=True)
    stranger = db.session.scalar(db.select(User).filter_by(email="stranger@example.cn"))
    assert stranger.organization_id is None and stranger.requested_organization_id == org.id
    assert client.get(f"/needs/{draft.id}").status_code == 404
    assert client.get(f"/needs/{draft.id}/edit").status_code == 403
    assert db.session.scalar(db.select(Notification.id).filter_by(user_id=admin.id, kind="membership"))
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"email": admin.email, "password": "password123"})
    assert "stranger@example.cn" in admin_client.get("/admin/users?pending=1").get_data(as_text=True)
    resp = admin_client.post(f"/admin/users/{stranger.id}/membership", data={"decision": "approve"})
    assert resp.status_code == 302
    db.session.refresh(stranger)
    assert stranger.organization_id == org.id and stranger.requested_organization_id is None
    assert client.get(f"/needs/{draft.id}/edit").status_code == 200


def _asking_to_join():
    """An enterprise user (the member) and a user without an organisation asking to join the member's."""
    member = make_user("enterprise")
    stranger = make_user("enterprise", org=None)
    stranger.organization = None
    stranger.requested_organization = member.organization
    db.session.commit()
    return member, stranger


def test_refused_membership_leaves_the_user_without_organisation(auth, client):
    _, stranger = _asking_to_join()
    auth.login("admin")
    client.post(f"/admin/users/{stranger.id}/membership", data={"decision": "refuse"})
    db.session.refresh(stranger)
    assert stranger.organization_id is None and stranger.requested_organization_id is None
    resp = client.post(f"/admin/users/{stranger.id}/membership", data={"decision": "approve"}, follow_redirects=True)
    assert "没有待审核的加入申请" in resp.get_data(as_text=True)


def test_registration_naming_an_organisation_of_another_kind_is_refused_by_the_form(client, outbox):
    """Attack 2026-12: a researcher naming an enterprise (or an institute naming a university) was mailed a
    link whose confirmation then said 「该邮箱已完成注册」 with no account made; the form refuses it now."""
    ent = make_org("enterprise", name="已登记科技有限公司")
    make_org("university", name="已登记大学")
    researcher = dict(GOOD, role="researcher", org_kind="university", uscc="", email="r2@example.cn")
    body = _rejected(client, dict(researcher, org_name=ent.name), "同名单位已存在且类型不同")
    assert "r2@example.cn" in body  # what was typed is kept
    _rejected(client, dict(researcher, org_kind="institute", org_name="已登记大学"), "同名单位已存在且类型不同")
    assert outbox == []


def test_registration_naming_an_enterprise_with_another_code_is_refused_by_the_form(client, outbox):
    ent = make_org("enterprise", name="已登记制造有限公司")
    assert ent.uscc != GOOD["uscc"]
    _rejected(client, dict(GOOD, org_name=ent.name), "该单位已登记了不同的统一社会信用代码")
    _rejected(client, dict(GOOD, org_name="另一个名称有限公司", uscc=ent.uscc), "已登记为其他单位名称")
    assert outbox == []


def test_confirming_after_a_clashing_organisation_appeared_tells_the_real_reason(client, outbox):
    """The form passed, then someone registered the name as another kind: the confirm page says why it
    cannot go on, does not claim the address is registered, and writes nothing."""
    data = dict(GOOD, role="researcher", org_kind="institute", org_name="后来登记的单位", uscc="", email="x@example.cn")
    client.post("/auth/register", data=data)
    token = unquote(LINK_RE.search(outbox[-1][2]).group(1).split("token=", 1)[1])
    make_org("enterprise", name="后来登记的单位")
    resp = client.post("/auth/register/confirm", data={"token": token}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "同名单位已存在且类型不同" in body
    assert "已完成注册" not in body
    assert db.session.scalar(db.select(User.id).filter_by(email="x@example.cn")) is None


def test_a_mail_server_failure_neither_slows_nor_loses_the_registration(client, monkeypatch):
    """SMTP down while registering: the form answers at once as usual (the mail is a job, not part of
    the request); the job is kept and, the server back, its retry mails the link, which works."""
    from datetime import timedelta

    from matchmaker import jobs
    from matchmaker.models import PendingJob
    from matchmaker.models.base import utcnow

    def refuse(*mail):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("matchmaker.auth.registration.send_mail", refuse)
    resp = client.post("/auth/register", data=GOOD)
    assert resp.status_code == 200 and "请查收邮件" in resp.get_data(as_text=True)
    assert count(User) == 0
    assert db.session.scalar(db.select(PendingJob.task)).endswith("send_registration_mail")
    sent = []
    monkeypatch.setattr("matchmaker.auth.registration.send_mail", lambda *mail: sent.append(mail))
    assert jobs.run_due(now=utcnow() + timedelta(hours=1))["ran"] == 1
    assert [m[0] for m in sent] == ["zhang@example.cn"]
    token = unquote(LINK_RE.search(sent[0][2]).group(1).split("token=", 1)[1])
    client.post("/auth/register/confirm", data={"token": token})
    assert db.session.scalar(db.select(User.id).filter_by(email="zhang@example.cn"))


def test_the_registration_mail_links_to_the_configured_site_not_the_requests_host(app, client, outbox):
    """A forged Host header cannot make the confirmation link point at another site."""
    app.config["SITE_URL"] = "https://kjcg.example.gov.cn"
    try:
        client.post("/auth/register", data=GOOD, headers={"Host": "evil.example.com"})
    finally:
        app.config["SITE_URL"] = ""
    assert "https://kjcg.example.gov.cn/auth/register/confirm?token=" in outbox[-1][2]
    assert "evil" not in outbox[-1][2]


def test_a_registration_naming_a_university_with_other_brackets_asks_to_join_it(client, outbox):
    """南方理工大学(深圳研究院) typed for 南方理工大学（深圳研究院）: a new look-alike organisation was made and its
    registrant became a member at once, posting results under a name no one could tell from the real one, with no
    admin's approval; now the registrant asks to join the university and an admin approves first."""
    uni = make_org("institute", name="南方理工大学（深圳研究院）")
    data = dict(GOOD, role="researcher", org_kind="institute", org_name="南方理工大学(深圳研究院)", uscc="",
                email="look@example.cn")  # fmt: skip
    assert register(client, outbox, data).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="look@example.cn"))
    assert user.organization_id is None and user.requested_organization_id == uni.id
    assert count(Organization) == 1
    refused = client.get("/results/new", follow_redirects=True).get_data(as_text=True)
    assert "尚待平台管理员核实，核实后即可发布成果" in refused  # no result posted before the admin approves


def test_deactivating_returns_to_the_filtered_list_and_never_off_site(auth, client):
    """停用 goes back to the account list it was pressed on (its filter kept); a Referer naming another site, or
    this site outside the admin pages, sends the admin to the account list instead."""
    auth.login(make_user(role="admin"))
    for referer, expected in [
        ("http://localhost/admin/users?q=ent&page=2", "/admin/users?q=ent&page=2"),
        ("https://evil.example/admin/users", "/admin/users"),
        ("http://localhost/needs/", "/admin/users"),
    ]:
        victim = make_user(role="enterprise")
        resp = client.post(f"/admin/users/{victim.id}/active", data={"active": "0"}, headers={"Referer": referer})
        assert resp.status_code == 302 and resp.headers["Location"] == expected, referer


@pytest.mark.parametrize("decision", [None, "", "approved", "批准"])
def test_a_membership_decision_neither_approve_nor_refuse_decides_nothing(auth, client, decision):
    """A decision missing or unknown (a tampered form, a script) was taken as 拒绝: the request was gone and the
    user told 未获批准. Now nothing is decided, the request stays pending and the admin is asked to choose."""
    member, stranger = _asking_to_join()
    auth.login("admin")
    data = {} if decision is None else {"decision": decision}
    resp = client.post(f"/admin/users/{stranger.id}/membership", data=data, follow_redirects=True)
    assert "请选择批准或拒绝该加入申请" in resp.get_data(as_text=True)
    db.session.refresh(stranger)
    assert stranger.organization_id is None and stranger.requested_organization_id == member.organization_id
    from matchmaker.models import Notification

    assert db.session.scalar(db.select(Notification.id).filter_by(user_id=stranger.id)) is None


@pytest.mark.parametrize("active", [None, "", "停用", "false"])
def test_an_account_switch_neither_on_nor_off_changes_nothing(auth, client, active):
    """停用/启用 posted without active=0 or 1 (a tampered form, a script) deactivated the account: its sessions
    ended and its API tokens revoked for good. Now nothing changes and the admin is asked to choose."""
    user = make_user("enterprise")
    auth.login("admin")
    data = {} if active is None else {"active": active}
    resp = client.post(f"/admin/users/{user.id}/active", data=data, follow_redirects=True)
    assert "请选择停用或启用该账号" in resp.get_data(as_text=True)
    db.session.refresh(user)
    assert user.active
