"""Admin actions that hand an account over need the admin's password entered lately ("sudo mode",
auth/recent.py): resetting another user's password, reactivating an account, creating a broker or admin.
A stolen admin session past PASSWORD_CONFIRM_MINUTES does none of them silently; deactivating asks nothing."""

import time

import pytest

from matchmaker.auth import recent
from matchmaker.extensions import db
from matchmaker.models import AuditLog, LoginAttempt, User

from ..factories import make_org, make_user

NEW = {"password": "Kx9!mountain-river", "password2": "Kx9!mountain-river"}


@pytest.fixture
def clock(monkeypatch):
    """``clock(minutes)`` moves the recent-authentication clock on (only that clock)."""
    offset = [0.0]
    monkeypatch.setattr(recent, "_now", lambda: time.time() + offset[0])
    return lambda minutes: offset.__setitem__(0, offset[0] + minutes * 60)


@pytest.fixture
def stale(app, clock):
    """Past the window: the admin's password was entered longer than PASSWORD_CONFIRM_MINUTES ago."""
    return lambda: clock(app.config["PASSWORD_CONFIRM_MINUTES"] + 1)


def _asks(html, field="current_password"):
    return f'name="{field}"' in html and "请输入当前密码以确认身份" in html


def _audit(action):
    return db.session.scalars(db.select(AuditLog).filter_by(entity="user", action=action)).all()


def _fails(user):
    return db.session.scalar(db.select(db.func.count(LoginAttempt.id)).filter_by(account=user.email))


def test_resetting_a_password_past_the_window_needs_the_admins(app, client, auth, stale):
    """Refused without it (400, beside the field) and with a wrong one (a failed login); done with the right one,
    audited as re-entered. The user's password is unchanged until then."""
    admin = auth.login("admin")
    target = make_user("enterprise")
    stale()
    url = f"/admin/users/{target.id}/password"
    assert _asks(client.get(url).get_data(as_text=True))
    resp = client.post(url, data=NEW)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'aria-describedby="current_password-help current_password-error"' in html
    assert 'id="current_password-error"' in html and target.check_password("password123")
    resp = client.post(url, data={**NEW, "current_password": "wrong-password"})
    assert resp.status_code == 400 and "当前密码不正确" in resp.get_data(as_text=True) and _fails(admin) == 1
    assert target.check_password("password123") and _audit("reset_password") == []

    assert client.post(url, data={**NEW, "current_password": "password123"}).status_code == 302
    db.session.refresh(target)
    assert target.check_password(NEW["password"]) and _fails(admin) == 0
    assert _audit("reset_password")[0].after == {"password_reentered": True}
    assert "重新输入密码" in client.get("/contracts/audit?entity=user").get_data(as_text=True)


def test_within_the_window_a_reset_asks_nothing(app, client, auth):
    """Just after login the reset needs no password; the audit says it was not re-entered."""
    auth.login("admin")
    target = make_user("enterprise")
    url = f"/admin/users/{target.id}/password"
    assert not _asks(client.get(url).get_data(as_text=True))
    assert client.post(url, data=NEW).status_code == 302
    assert _audit("reset_password")[0].after == {"password_reentered": False}


def test_a_locked_out_admin_cannot_reset(app, client, auth, stale):
    """Past LOGIN_MAX_FAILURES wrong passwords (here or at the login form) even the right one is refused: 429."""
    admin = auth.login("admin")
    target = make_user("enterprise")
    stale()
    app.config["LOGIN_MAX_FAILURES"] = 2
    other = app.test_client()
    assert other.post("/auth/login", data={"email": admin.email, "password": "nope"}).status_code == 200
    url = f"/admin/users/{target.id}/password"
    assert client.post(url, data={**NEW, "current_password": "nope"}).status_code == 400
    resp = client.post(url, data={**NEW, "current_password": "password123"})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "密码错误次数过多" in resp.get_data(as_text=True) and target.check_password("password123")


def test_creating_an_admin_or_broker_needs_it_not_an_enterprise_user(app, client, auth, stale):
    """Past the window: a new admin (or broker) is refused without the password, what was typed kept; an
    enterprise account is made without it. Both audited, with whether the password was re-entered."""
    auth.login("admin")
    stale()
    assert _asks(client.get("/admin/users/new").get_data(as_text=True))
    data = {"role": "admin", "name": "新管理员", "email": "new-admin@example.cn", "password": "Kx9!mountain-river"}
    resp = client.post("/admin/users/new", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请输入当前密码" in html and 'id="current_password-error"' in html
    assert "新管理员" in html and "new-admin@example.cn" in html
    assert db.session.scalar(db.select(User).filter_by(email="new-admin@example.cn")) is None
    for role in ("broker", "admin"):
        data = {**data, "role": role, "email": f"new-{role}@example.cn"}
        assert client.post("/admin/users/new", data=data).status_code == 400
        assert client.post("/admin/users/new", data={**data, "current_password": "password123"}).status_code == 302
        # the window is open again: the next one needs nothing (and is audited so)
        stale()
    org = make_org("enterprise")
    ent = {"role": "enterprise", "name": "企业用户", "email": "ent@example.cn", "password": "Kx9!mountain-river",
           "organization": org.name}  # fmt: skip
    assert client.post("/admin/users/new", data=ent).status_code == 302
    rows = {r.after["email"]: r.after for r in _audit("create")}
    assert rows["new-broker@example.cn"] == {"role": "broker", "email": "new-broker@example.cn",
                                             "password_reentered": True}  # fmt: skip
    assert rows["new-admin@example.cn"]["password_reentered"] is True
    assert "password_reentered" not in rows["ent@example.cn"]  # not asked


def test_reactivating_needs_it_deactivating_does_not(app, client, auth, stale):
    """Deactivating is taken at once (audited); reactivating past the window goes through a page asking for
    the password: refused without it, done with it, audited as re-entered."""
    auth.login("admin")
    target = make_user("researcher")
    stale()
    url = f"/admin/users/{target.id}/active"
    assert client.post(url, data={"active": "0"}).status_code == 302
    db.session.refresh(target)
    assert not target.active and _audit("deactivate")[0].after == {"active": False}

    users = client.get("/admin/users").get_data(as_text=True)
    assert f'href="{url}"' in users  # 启用 leads to the page asking for the password
    assert _asks(client.get(url).get_data(as_text=True), "password")
    resp = client.post(url, data={"active": "1"})
    assert resp.status_code == 400 and 'id="password-error"' in resp.get_data(as_text=True)
    db.session.refresh(target)
    assert not target.active and _audit("activate") == []
    assert client.post(url, data={"active": "1", "password": "password123"}).status_code == 302
    db.session.refresh(target)
    assert target.active and _audit("activate")[0].after == {"active": True, "password_reentered": True}
    audit = client.get("/contracts/audit?entity=user").get_data(as_text=True)
    assert "启用账号" in audit and "停用账号" in audit and "账号状态" in audit


def test_a_replayed_old_cookie_cannot_hand_an_account_over(app, client, auth, stale):
    """A copy of the admin's session cookie used past the window resets no password and reactivates nothing,
    even though the admin re-entered the password since in their own browser."""
    auth.login("admin")
    target, off = make_user("enterprise"), make_user("enterprise", active=False)
    stolen = client.get_cookie("session").value
    stale()
    reset = {**NEW, "current_password": "password123"}
    assert client.post(f"/admin/users/{target.id}/password", data=reset).status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    other = make_user("enterprise")
    assert thief.post(f"/admin/users/{other.id}/password", data=NEW).status_code == 400
    assert thief.post(f"/admin/users/{off.id}/active", data={"active": "1"}).status_code == 400
    db.session.refresh(other), db.session.refresh(off)
    assert other.check_password("password123") and not off.active
