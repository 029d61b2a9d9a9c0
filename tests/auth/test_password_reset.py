"""An admin sets a new password for an account (a registration reminder mail tells users to ask for one)."""

import re

from matchmaker.extensions import db
from matchmaker.models import AuditLog, User

from ..factories import make_user

NEW = "Zq8-reset-by-admin"


def _key(page):
    return re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)


def _reset(client, user, password=NEW, password2=None):
    page = client.get(f"/admin/users/{user.id}/password").get_data(as_text=True)
    data = {"password": password, "password2": password2 or password, "submission_key": _key(page)}
    return client.post(f"/admin/users/{user.id}/password", data=data)


def _login(app, email, password):
    c = app.test_client()
    return c, c.post("/auth/login", data={"email": email, "password": password})


def test_admin_sets_a_new_password_and_old_sessions_end(app, auth, client):
    user = make_user("researcher")
    device, resp = _login(app, user.email, "password123")
    assert device.get("/dashboard").status_code == 200
    admin = auth.login("admin")
    assert "重置密码" in client.get("/admin/users").get_data(as_text=True)
    resp = _reset(client, user)
    assert resp.status_code == 302
    assert "已为" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert device.get("/dashboard").status_code == 302  # the session open before the reset is over
    _, resp = _login(app, user.email, "password123")
    assert "邮箱或密码不正确" in resp.get_data(as_text=True)
    fresh, resp = _login(app, user.email, NEW)
    assert resp.status_code == 302 and fresh.get("/dashboard").status_code == 200
    log = db.session.scalar(db.select(AuditLog).filter_by(entity="user", entity_id=user.id))
    assert log.actor_id == admin.id and log.action == "reset_password"
    assert NEW not in str(log.before) + str(log.after)


def test_the_same_submit_twice_resets_once(auth, client):
    user = make_user("enterprise")
    auth.login("admin")
    page = client.get(f"/admin/users/{user.id}/password").get_data(as_text=True)
    data = {"password": NEW, "password2": NEW, "submission_key": _key(page)}
    assert client.post(f"/admin/users/{user.id}/password", data=data).status_code == 302
    token = db.session.scalar(db.select(User.session_token).filter_by(id=user.id))
    assert client.post(f"/admin/users/{user.id}/password", data=data).status_code == 303
    assert db.session.scalar(db.select(User.session_token).filter_by(id=user.id)) == token
    assert db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(entity="user")) == 1


def test_a_short_password_is_refused_in_chinese_and_nothing_changes(auth, client):
    user = make_user("enterprise")
    auth.login("admin")
    before = db.session.scalar(db.select(User.password_hash).filter_by(id=user.id))
    resp = _reset(client, user, password="short-1")
    assert resp.status_code == 400 and "密码长度应为 10–128 个字符" in resp.get_data(as_text=True)
    resp = _reset(client, user, password=NEW, password2=NEW + "x")
    assert resp.status_code == 400 and "两次输入的密码不一致" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before
    assert db.session.scalar(db.select(db.func.count(AuditLog.id))) == 0


def test_an_admin_cannot_reset_their_own_password_here(auth, client):
    admin = auth.login("admin")
    resp = client.get(f"/admin/users/{admin.id}/password", follow_redirects=True)
    assert "/auth/password" in resp.request.path and "请在「修改密码」页面修改" in resp.get_data(as_text=True)
    before = admin.password_hash
    resp = client.post(f"/admin/users/{admin.id}/password", data={"password": NEW, "password2": NEW})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).password_hash == before


def test_non_admins_get_403(app, auth, client):
    user = make_user("enterprise")
    for role in ("enterprise", "researcher", "broker"):
        c = app.test_client()
        other = make_user(role)
        c.post("/auth/login", data={"email": other.email, "password": "password123"})
        assert c.get(f"/admin/users/{user.id}/password").status_code == 403
        resp = c.post(f"/admin/users/{user.id}/password", data={"password": NEW, "password2": NEW})
        assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("password123")
