"""Making an API token needs the password entered lately ("sudo mode", auth/recent.py): a stolen session
cookie older than PASSWORD_CONFIRM_MINUTES, or one whose owner never re-entered the password, mints no
token (a service token outlives the owner's new password)."""

import time

import pytest

from matchmaker.auth import recent
from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditLog, LoginAttempt

from ..factories import make_user

SERVICE = {"email": None, "name": "统计局季度报表", "days": "180"}


@pytest.fixture
def clock(monkeypatch):
    """``clock(minutes)`` moves the recent-authentication clock on (only that clock)."""
    offset = [0.0]
    monkeypatch.setattr(recent, "_now", lambda: time.time() + offset[0])

    def move(minutes):
        offset[0] += minutes * 60

    return move


def _service_form(target, **extra):
    return {**SERVICE, "email": target.email, **extra}


def _tokens():
    return db.session.scalar(db.select(db.func.count(ApiToken.id)))


def _asks_password(html):
    return 'name="password"' in html and "请输入当前密码以确认身份" in html


def _created_audit():
    return db.session.scalars(
        db.select(AuditLog).filter_by(entity="api_token", action="create").order_by(AuditLog.id)
    ).all()


def test_past_the_window_a_service_token_needs_the_password(app, client, auth, clock):
    """11 minutes after login: the form asks for the password, refuses without it (keeping what was typed),
    makes the token with it, audits the re-entry, and the window is open again."""
    auth.login("admin")
    target = make_user("enterprise")
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    assert _asks_password(client.get("/tokens/manage").get_data(as_text=True))

    resp = client.post("/tokens/manage", data=_service_form(target))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and _tokens() == 0
    assert 'id="password-error"' in html and 'aria-describedby="password-help password-error"' in html
    assert target.email in html and "统计局季度报表" in html and 'selected value="180"' in html

    resp = client.post("/tokens/manage", data=_service_form(target, password="password123"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "离开本页后无法再次查看" in html and _tokens() == 1
    assert not _asks_password(html)
    assert db.session.scalar(db.select(ApiToken)).kind == "service"
    assert _created_audit()[0].after["password_reentered"] is True
    audit = client.get("/contracts/audit?entity=api_token").get_data(as_text=True)
    assert "重新输入密码" in audit

    # the window opened: the next token within it needs no password
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] - 1)
    assert client.post("/tokens/manage", data=_service_form(target, name="第二个")).status_code == 200
    assert _tokens() == 2 and _created_audit()[1].after["password_reentered"] is False


def test_a_wrong_password_is_refused_and_counted_as_a_failed_login(app, client, auth, clock):
    """A wrong password: 400 beside the field, what was typed kept, no token, one failed attempt in the login
    throttle; past LOGIN_MAX_FAILURES even the right one is refused (429), as the login form is."""
    admin = auth.login("admin")
    target = make_user("enterprise")
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    resp = client.post("/tokens/manage", data=_service_form(target, password="wrong-password"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "当前密码不正确" in html and _tokens() == 0
    assert target.email in html and "统计局季度报表" in html and "wrong-password" not in html
    attempts = db.select(db.func.count(LoginAttempt.id)).filter_by(account=admin.email)
    assert db.session.scalar(attempts) == 1

    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(2):
        assert client.post("/tokens/", data={"name": "脚本", "days": "30", "password": "nope"}).status_code == 400
    resp = client.post("/tokens/manage", data=_service_form(target, password="password123"))
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0 and _tokens() == 0
    assert "密码错误次数过多" in resp.get_data(as_text=True)
    other = app.test_client()  # the login form counts the same attempts
    assert other.post("/auth/login", data={"email": admin.email, "password": "password123"}).status_code == 429


def test_a_replayed_old_cookie_cannot_open_the_window(app, client, auth, clock):
    """A copy of the session cookie taken at login, used after the window, is refused even though its owner
    re-entered the password since (the window opened for the owner's browser, not for the copy)."""
    auth.login("admin")
    target = make_user("enterprise")
    stolen = client.get_cookie("session").value
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    assert client.post("/tokens/manage", data=_service_form(target, password="password123")).status_code == 200

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert _asks_password(thief.get("/tokens/manage").get_data(as_text=True))  # logged in, but not recent
    assert thief.post("/tokens/manage", data=_service_form(target, name="窃取")).status_code == 400
    assert thief.post("/tokens/", data={"name": "窃取", "days": "30"}).status_code == 400
    assert _tokens() == 1


def test_within_the_window_no_password_is_asked(app, client, auth):
    """Just after login both forms make tokens without the password; the audit says it was not re-entered."""
    auth.login("admin")
    target = make_user("enterprise")
    for url in ("/tokens/", "/tokens/manage"):
        assert not _asks_password(client.get(url).get_data(as_text=True))
    assert client.post("/tokens/", data={"name": "脚本", "days": "30"}).status_code == 200
    assert client.post("/tokens/manage", data=_service_form(target)).status_code == 200
    assert _tokens() == 2
    assert [a.after["password_reentered"] for a in _created_audit()] == [False, False]


def test_personal_tokens_need_it_too(app, client, auth, clock):
    """A personal token outlives a logout: past the window it needs the password as well."""
    user = auth.login("researcher")
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    resp = client.post("/tokens/", data={"name": "数据同步脚本", "days": "90"})
    assert resp.status_code == 400 and _asks_password(resp.get_data(as_text=True)) and _tokens() == 0
    assert "数据同步脚本" in resp.get_data(as_text=True)
    resp = client.post("/tokens/", data={"name": "数据同步脚本", "days": "90", "password": "password123"})
    assert resp.status_code == 200 and db.session.scalar(db.select(ApiToken)).user_id == user.id


def test_a_remembered_login_is_not_recent(app, client, auth):
    """A session restored from the remember-me cookie (no password typed in it) asks for the password."""
    user = make_user("admin")
    resp = client.post("/auth/login", data={"email": user.email, "password": "password123", "remember": "y"})
    assert resp.status_code == 302
    client.delete_cookie("session")
    html = client.get("/tokens/manage").get_data(as_text=True)
    assert "API 令牌管理" in html and _asks_password(html)


def test_a_password_change_opens_the_window(app, client, auth, clock):
    """Changing the password is entering it: the new session is recent."""
    auth.login("admin")
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    assert _asks_password(client.get("/tokens/").get_data(as_text=True))
    data = {"current": "password123", "password": "NewPassw0rd!2026", "password2": "NewPassw0rd!2026"}
    assert client.post("/auth/password", data=data).status_code == 302
    assert not _asks_password(client.get("/tokens/").get_data(as_text=True))


def test_a_stamp_counts_only_for_the_login_it_was_made_in(app):
    """Another account, or the same one after its session token changed (logout, new password): not recent."""
    from flask_login import login_user

    a, b = make_user("admin"), make_user("admin")
    with app.test_request_context():
        login_user(a)
        recent.stamp(a)
        assert recent.is_recent(a) and not recent.is_recent(b)
        a.end_sessions()
        assert not recent.is_recent(a)


def test_a_logout_elsewhere_while_the_password_is_checked_makes_no_token(app, client, auth, clock, monkeypatch):
    """The password check commits (the throttle's record), after which the account is read again: a logout or
    new password committed meanwhile by another request is still noticed, and no token is made."""
    user = auth.login("researcher")
    clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)
    admit = recent.throttle.admit

    def admit_while_logged_out_elsewhere(email, address):
        out = admit(email, address)
        db.session.execute(db.update(type(user)).where(type(user).id == user.id).values(session_token="x" * 32))
        db.session.commit()
        return out

    monkeypatch.setattr(recent.throttle, "admit", admit_while_logged_out_elsewhere)
    resp = client.post("/tokens/", data={"name": "脚本", "days": "30", "password": "password123"})
    assert resp.status_code == 400 and "您的登录已失效" in resp.get_data(as_text=True) and _tokens() == 0


def test_the_audit_page_labels_a_new_tokens_fields(app, client, auth):
    """A service token's audit row reads in Chinese: the account by name, 读取、写入, 服务令牌, 180 天."""
    auth.login("admin")
    target = make_user("broker", name="王经纪")
    data = _service_form(target, write="y")
    assert client.post("/tokens/manage", data=data).status_code == 200
    html = client.get("/contracts/audit?entity=api_token").get_data(as_text=True)
    for label, value in (("代表的账号", "王经纪"), ("令牌名称", "统计局季度报表"), ("权限", "读取、写入"),
                         ("令牌类型", "服务令牌"), ("有效期", "180 天")):  # fmt: skip
        assert f"<td>{label}</td>" in html and value in html
    for raw in ("user_id", "scopes", "days", "kind", "[&#39;read&#39;", "service"):
        assert f"<td>{raw}" not in html and raw not in html.split("<tbody>")[1]
