"""Logout ends the session on the server: copied cookies stop working (issue 13)."""

from ..factories import make_user


def _login(app, user, remember=False):
    c = app.test_client()
    data = {"email": user.email, "password": "password123"}
    if remember:
        data["remember"] = "y"
    assert c.post("/auth/login", data=data).status_code == 302
    return c


def test_copied_session_cookie_is_dead_after_logout(app):
    """A session cookie copied before logout no longer opens the dashboard."""
    user = make_user("enterprise")
    victim = _login(app, user)
    stolen = victim.get_cookie("session").value
    assert victim.post("/auth/logout").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    resp = attacker.get("/dashboard")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_copied_remember_cookie_is_dead_after_logout(app):
    """A remember-me cookie copied before logout no longer logs in."""
    user = make_user("researcher")
    victim = _login(app, user, remember=True)
    token = victim.get_cookie("remember_token").value
    probe = app.test_client()
    probe.set_cookie("remember_token", token)
    assert probe.get("/dashboard").status_code == 200  # it worked before the logout
    victim.post("/auth/logout")
    attacker = app.test_client()
    attacker.set_cookie("remember_token", token)
    resp = attacker.get("/dashboard")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_copied_cookies_are_dead_after_password_change(app):
    """A password change ends sessions and remember-me cookies copied earlier."""
    user = make_user("enterprise")
    victim = _login(app, user, remember=True)
    session, token = victim.get_cookie("session").value, victim.get_cookie("remember_token").value
    new = "Zq8-unusual-pass"
    assert (
        victim.post("/auth/password", data={"current": "password123", "password": new, "password2": new}).status_code
        == 302
    )
    for name, value in (("session", session), ("remember_token", token)):
        attacker = app.test_client()
        attacker.set_cookie(name, value)
        assert attacker.get("/dashboard").status_code == 302, name
    assert victim.get("/dashboard").status_code == 200  # the session that changed it goes on


def test_logging_in_again_after_logout_works(app):
    """Rotation does not lock the user out: a fresh login opens a new session."""
    user = make_user("enterprise")
    c = _login(app, user)
    c.post("/auth/logout")
    c = _login(app, user)
    assert c.get("/dashboard").status_code == 200


def test_password_change_keeps_a_remembered_device_remembered(app):
    """Attack 2026-12: the device that changed the password kept its old remember-me cookie, so it was
    logged out when the browser restarted. Its new cookie logs in; a device not remembered gets none."""
    user = make_user("enterprise")
    device = _login(app, user, remember=True)
    old = device.get_cookie("remember_token").value
    new = "Zq8-unusual-pass"
    form = {"current": "password123", "password": new, "password2": new}
    assert device.post("/auth/password", data=form).status_code == 302
    fresh = device.get_cookie("remember_token").value
    assert fresh != old
    restarted = app.test_client()  # the browser restarted: only the remember-me cookie is left
    restarted.set_cookie("remember_token", fresh)
    assert restarted.get("/dashboard").status_code == 200
    plain = _login(app, make_user("researcher"))
    assert plain.post("/auth/password", data=form).status_code == 302
    assert plain.get_cookie("remember_token") is None


def test_a_login_without_remember_me_is_not_remembered_by_a_later_password_change(app):
    """Attack 2026-12-07: a browser kept a remember-me cookie that a logout on another device had killed; its user
    logged in again without 记住我 (a shared computer) and then changed the password there. The change took the dead
    cookie's presence for 记住我 and issued a fresh 14-day cookie: after the browser closed, the next person at
    that computer was logged in. A login without 记住我 now drops a remember-me cookie left in the browser."""
    from matchmaker.auth import services

    user = make_user("enterprise")
    shared = _login(app, user, remember=True)
    services.logout(user)  # 退出登录 on another device ends every session: this browser's cookie is dead
    shared.delete_cookie("session")
    assert shared.get("/dashboard").status_code == 302
    data = {"email": user.email, "password": "password123"}  # no 记住我 this time
    assert shared.post("/auth/login", data=data).status_code == 302
    assert shared.get_cookie("remember_token") is None
    new = "Zq8-unusual-pass"
    form = {"current": "password123", "password": new, "password2": new}
    assert shared.post("/auth/password", data=form).status_code == 302
    assert shared.get_cookie("remember_token") is None
    shared.delete_cookie("session")  # the browser closed
    resp = shared.get("/dashboard")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
