"""Self-service password reset: 忘记密码 mails a link that works once and ends every session."""

import re

import pytest

from matchmaker.auth import throttle
from matchmaker.extensions import db
from matchmaker.models import AuditLog, LoginAttempt, Notification, User

from ..factories import make_user

NEW = "Zq8-reset-by-mail"


@pytest.fixture
def mails(monkeypatch):
    sent = []
    monkeypatch.setattr("matchmaker.auth.reset.send_mail", lambda *mail: sent.append(mail))
    return sent


def _link(mail):
    return re.search(r"(http\S+/auth/reset\?token=\S+)", mail[2]).group(1)


def _path(link):
    return link.split("localhost", 1)[1] if "localhost" in link else link


def _key(page):
    return re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)


def _ask(client, email):
    return client.post("/auth/forgot", data={"email": email})


def _set(client, link, password=NEW, password2=None):
    page = client.get(_path(link)).get_data(as_text=True)
    data = {"password": password, "password2": password2 or password, "submission_key": _key(page)}
    return client.post(_path(link), data=data)


def _login(app, email, password):
    c = app.test_client()
    return c, c.post("/auth/login", data={"email": email, "password": password})


def test_the_login_page_offers_the_reset_and_the_form_answers_alike_for_every_address(client, mails):
    assert 'href="/auth/forgot"' in client.get("/auth/login").get_data(as_text=True)
    user = make_user("researcher")
    known, unknown = _ask(client, user.email.upper()), _ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    texts = [r.get_data(as_text=True) for r in (known, unknown)]
    assert all("请查收邮件" in t for t in texts)
    assert texts[1].replace("nobody@example.com", user.email) == texts[0]
    assert len(mails) == 1 and mails[0][0] == user.email and "/auth/reset?token=" in mails[0][2]


def test_a_mailed_link_sets_the_password_ends_sessions_and_is_spent(app, client, mails):
    user = make_user("enterprise")
    device, _ = _login(app, user.email, "password123")
    assert device.get("/dashboard").status_code == 200
    _ask(client, user.email)
    link = _link(mails[0])
    page = client.get(_path(link)).get_data(as_text=True)
    assert user.email in page and "设置新密码" in page
    resp = _set(client, link)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/login")
    assert "密码已重置" in client.get("/auth/login").get_data(as_text=True)
    assert device.get("/dashboard").status_code == 302  # the session open before the reset is over
    assert _login(app, user.email, "password123")[1].status_code == 200  # the old password fails
    fresh, resp = _login(app, user.email, NEW)
    assert resp.status_code == 302 and fresh.get("/dashboard").status_code == 200
    again = client.get(_path(link))
    assert again.status_code == 400 and "已使用或已失效" in again.get_data(as_text=True)
    actions = db.session.scalars(db.select(AuditLog.action).filter_by(entity="user", entity_id=user.id)).all()
    assert sorted(actions) == ["reset_mailed", "reset_self"]
    assert db.session.scalar(db.select(Notification.text).filter_by(user_id=user.id)).startswith("您的登录密码已通过")


def test_the_same_submit_twice_sets_the_password_once(app, client, mails):
    user = make_user("researcher")
    _ask(client, user.email)
    link = _link(mails[0])
    page = client.get(_path(link)).get_data(as_text=True)
    data = {"password": NEW, "password2": NEW, "submission_key": _key(page)}
    assert client.post(_path(link), data=data).status_code == 302
    token = db.session.scalar(db.select(User.session_token).filter_by(id=user.id))
    assert client.post(_path(link), data=data).status_code == 303  # to the login page, not an error
    assert db.session.scalar(db.select(User.session_token).filter_by(id=user.id)) == token
    assert db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(action="reset_self")) == 1


def test_a_weak_password_is_refused_in_chinese_and_the_link_still_works(client, mails):
    user = make_user("enterprise")
    _ask(client, user.email)
    link = _link(mails[0])
    resp = _set(client, link, password="short-1")
    assert resp.status_code == 400 and "密码长度应为 10–128 个字符" in resp.get_data(as_text=True)
    resp = _set(client, link, password=NEW, password2=NEW + "x")
    assert resp.status_code == 400 and "两次输入的密码不一致" in resp.get_data(as_text=True)
    assert _set(client, link).status_code == 302


def test_damaged_expired_and_other_accounts_links_are_refused(app, client, mails, monkeypatch):
    user, other = make_user("enterprise"), make_user("researcher")
    _ask(client, user.email)
    link = _link(mails[0])
    bad = client.get(_path(link)[:-3] + "xyz")
    assert bad.status_code == 400 and "重置链接无效" in bad.get_data(as_text=True)
    assert client.post(_path(link)[:-3] + "xyz", data={"password": NEW, "password2": NEW}).status_code == 400
    other.set_password("Another-pass-123")  # a password change spends every link mailed before it
    user.set_password("Changed-by-owner-1")
    db.session.commit()
    assert "已使用或已失效" in client.get(_path(link)).get_data(as_text=True)
    app.config["PASSWORD_RESET_HOURS"] = 0
    app.config["PASSWORD_RESET_GAP_MINUTES"] = 0
    _ask(client, other.email)
    import time

    time.sleep(1.1)
    old = client.get(_path(_link(mails[-1])))
    assert old.status_code == 400 and "已过期" in old.get_data(as_text=True)


def test_no_mail_for_deactivated_accounts_and_one_per_gap(client, mails):
    user, gone = make_user("enterprise"), make_user("researcher")
    gone.active = False
    db.session.commit()
    for _ in range(3):
        _ask(client, user.email)
    _ask(client, gone.email)
    assert [m[0] for m in mails] == [user.email]


def test_the_link_uses_site_url_not_the_host_the_form_was_sent_to(app, client, mails):
    app.config["SITE_URL"] = "https://kjcg.example.gov.cn/"
    user = make_user("enterprise")
    client.post("/auth/forgot", data={"email": user.email}, headers={"Host": "evil.example.com"})
    assert _link(mails[0]).startswith("https://kjcg.example.gov.cn/auth/reset?token=")


def test_a_reset_ends_a_lock_out_by_someone_elses_guesses(app, client, mails):
    user = make_user("researcher")
    for i in range(app.config["LOGIN_ACCOUNT_MAX_FAILURES"]):
        with app.test_request_context(environ_base={"REMOTE_ADDR": f"10.0.{i // 10}.1"}):
            throttle.admit(user.email, f"10.0.{i // 10}.1")
    _, resp = _login(app, user.email, "password123")
    assert resp.status_code == 429  # locked out by guesses from elsewhere
    _ask(client, user.email)
    assert _set(client, _link(mails[0])).status_code == 302
    assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) == 0
    assert _login(app, user.email, NEW)[1].status_code == 302


def test_a_reset_that_fails_while_forgetting_the_lock_out_changes_nothing(app, client, mails, monkeypatch):
    """Forgetting the account's failed log-ins is part of the reset's transaction: when it fails, the password
    is not changed and the link is not spent (it was committed first, then the page said 服务器错误)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the user's 500 page, not the test's exception
    user = make_user("researcher")
    _ask(client, user.email)
    link = _link(mails[0])

    def fails(email):
        raise OSError("database is locked")

    monkeypatch.setattr(throttle, "forget", fails)
    assert _set(client, link).status_code == 500
    db.session.expire_all()
    assert _login(app, user.email, "password123")[1].status_code == 302  # the old password still works
    assert db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(action="reset_self")) == 0
    monkeypatch.undo()
    page = client.get(_path(link))
    assert page.status_code == 200 and "设置新密码" in page.get_data(as_text=True)  # the link can be used again


def test_a_reset_is_kept_and_said_when_redis_cannot_forget_the_lock_out(app, client, mails, monkeypatch):
    """With the login throttle in Redis, its records are forgotten after the reset commits (a job, retried):
    Redis failing there leaves the new password set and the page saying so."""
    import redis

    class FailingRedis:
        def admit(self, account, address):
            raise redis.ConnectionError("down")  # log-ins are counted in the database meanwhile

        succeeded = admit

        def forget(self, account):
            raise OSError("Redis socket closed")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(throttle, "_RedisStore", FailingRedis)
    user = make_user("enterprise")
    _ask(client, user.email)
    resp = _set(client, _link(mails[0]))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/auth/login")
    assert "密码已重置" in client.get("/auth/login").get_data(as_text=True)
    assert _login(app, user.email, NEW)[1].status_code == 302
