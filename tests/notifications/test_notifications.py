"""The bell, the list, mark read, mark all read, the digest by log or SMTP."""

import logging
import re

import pytest
from huey.storage import MemoryStorage

from matchmaker.extensions import db
from matchmaker.jobs import queue
from matchmaker.models import Notification
from matchmaker.notifications.services import notify, send_digest

from ..factories import make_user


@pytest.fixture(autouse=True)
def _fresh_markers(monkeypatch):
    """Each test a queue storage of its own: send-digest takes the day's marker of the brokers' reminders."""
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("notifications-tests"))


def unread(user):
    return db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(user_id=user.id).where(Notification.read_at.is_(None))
    )


def test_bell_list_and_mark_read(client, auth):
    """The unread count shows on every page; reading one or all clears it; links are followed."""
    user = auth.login("enterprise")
    first = notify(user, "test", "您的需求有新的推荐", "/broker/mine")
    notify(user, "test", "需求即将到期", None, commit=True)
    body = client.get("/notifications/").get_data(as_text=True)
    assert 'id="unread-count">2<' in body and "您的需求有新的推荐" in body
    resp = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/broker/mine")
    assert unread(user) == 1
    assert "需求即将到期" in client.get("/notifications/?unread=1").get_data(as_text=True)
    resp = client.post("/notifications/read-all", follow_redirects=True)
    assert "已将 1 条通知标记为已读" in resp.get_data(as_text=True) and unread(user) == 0
    assert "没有未读通知" in client.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)


def test_others_notifications_are_untouchable(client, auth):
    """Marking someone else's notification read changes nothing; external links are never followed."""
    other = make_user("researcher")
    theirs = notify(other, "test", "别人的通知", "/", commit=True)
    user = auth.login("enterprise")
    resp = client.post(f"/notifications/{theirs.id}/read")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True) and unread(other) == 1
    assert "别人的通知" not in client.get("/notifications/").get_data(as_text=True)
    evil = notify(user, "test", "外链", "//evil.example/x", commit=True)
    resp = client.post(f"/notifications/{evil.id}/read", data={"open": "1"})
    assert "evil" not in resp.headers["Location"]


def test_digest_logs_without_smtp(app, runner, caplog):
    """Without MAIL_SERVER the digest goes to the log, once per user, and is not sent twice."""
    a, b = make_user("enterprise", name="甲"), make_user("researcher", name="乙")
    notify(a, "x", "第一条", "/a")
    notify(a, "x", "第二条")
    notify(b, "x", "第三条", commit=True)
    with caplog.at_level(logging.INFO, logger="matchmaker.notifications.services"):
        out = runner.invoke(args=["send-digest", "--base-url", "https://kj.example.cn"])
    assert out.exit_code == 0 and "2 位用户，3 条通知" in out.output
    logged = caplog.text
    assert "第一条" in logged and "https://kj.example.cn/a" in logged and a.email in logged
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.digested_at.is_(None))) == 0
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.emailed_at.is_not(None))) == 0
    assert "0 位用户" in runner.invoke(args=["send-digest"]).output


def test_digest_sends_through_smtp_when_configured(app, runner, monkeypatch):
    """With MAIL_SERVER set, one message per user goes through smtplib."""
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("tls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, msg):
            sent.append(("send", msg["To"], msg["Subject"], msg.get_content()))

    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.cn", MAIL_PORT=587, MAIL_USE_TLS=True, MAIL_USERNAME="bot")
    user = make_user("enterprise")
    notify(user, "x", "已为您引荐", commit=True)
    assert runner.invoke(args=["send-digest"]).exit_code == 0
    sends = [s for s in sent if s[0] == "send"]
    assert len(sends) == 1 and sends[0][1] == user.email and "已为您引荐" in sends[0][3]
    assert ("tls",) in sent and ("login", "bot") in sent
    assert db.session.scalar(db.select(Notification.emailed_at)) is not None


def test_digest_reminds_brokers_of_stale_pairs(app, runner):
    """The digest adds a reminder for brokers whose pairs went untouched past STALE_SUGGESTION_DAYS."""
    from datetime import timedelta

    from matchmaker.models.base import utcnow

    from ..factories import make_suggestion

    broker = make_user("broker")
    s = make_suggestion(broker=broker)
    s.last_activity_at = utcnow() - timedelta(days=30)
    db.session.commit()
    runner.invoke(args=["send-digest"])
    texts = list(db.session.scalars(db.select(Notification.text).filter_by(user_id=broker.id)))
    assert texts == ["您有 1 条对接超过期限未跟进，请及时处理"]


def test_the_flask_command_line_reaches_the_e_mail_digest(tmp_path):
    """Through `flask` itself (plugin commands first), not only app.cli: `flask digest` is Flask-Static-Digest's."""
    import subprocess
    import sys

    env = {**__import__("os").environ, "MATCHMAKER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "matchmaker", "send-digest", "--help"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "--base-url" in out.stdout and "e-mail" in out.stdout


def _smtp(send):
    """A stand-in for smtplib.SMTP whose send_message calls ``send(msg)``."""

    class Server:
        def __init__(self, host, port, timeout=None):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, msg):
            send(msg)

    return Server


def _pending_notes():
    return db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.digested_at.is_(None)))


def test_a_digest_whose_mail_failed_is_sent_by_the_next_run(app, runner, monkeypatch):
    """The mail server unreachable: the command says how many users' mails failed (and exits non-zero), and
    their notes stay to be sent; once the server is back the next run sends them."""
    a, b = make_user("enterprise", name="甲"), make_user("researcher", name="乙")
    notify(a, "x", "第一条", "/a")
    notify(a, "x", "第二条")
    notify(b, "x", "第三条", commit=True)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens on port 1: connection refused
    out = runner.invoke(args=["send-digest"])
    assert out.exit_code == 1
    assert "通知摘要：0 位用户，0 条通知" in out.output and "2 位用户的邮件发送失败（3 条通知）" in out.output
    assert _pending_notes() == 3
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.emailed_at.is_not(None))) == 0
    sent = []

    BackUp = _smtp(lambda msg: sent.append((msg["To"], msg.get_content())))
    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", BackUp)
    out = runner.invoke(args=["send-digest"])
    assert out.exit_code == 0 and "2 位用户，3 条通知" in out.output and "失败" not in out.output
    assert sorted(to for to, _ in sent) == sorted([a.email, b.email])
    assert any("第一条" in body and "第二条" in body for _, body in sent)
    assert _pending_notes() == 0
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.emailed_at.is_(None))) == 0


def test_a_refused_recipient_does_not_hold_back_the_others(app, runner, monkeypatch):
    """One recipient refused by the server: only that user's notes wait; a server down stops trying after a few."""
    import smtplib

    users = [make_user("enterprise") for _ in range(5)]
    for u in users:
        notify(u, "x", "新通知")
    db.session.commit()
    tried = []

    def picky(msg):
        tried.append(msg["To"])
        if msg["To"] == users[1].email:
            raise smtplib.SMTPRecipientsRefused({msg["To"]: (550, b"no such user")})

    Picky = _smtp(picky)
    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", Picky)
    app.config.update(MAIL_SERVER="smtp.example.cn")
    out = runner.invoke(args=["send-digest"])
    assert out.exit_code == 1 and "4 位用户，4 条通知" in out.output and "1 位用户的邮件发送失败" in out.output
    assert len(tried) == 5 and _pending_notes() == 1

    class Down(Picky):
        def __init__(self, host, port, timeout=None):
            tried.append(host)
            raise ConnectionRefusedError(111, "Connection refused")

    for u in users:
        notify(u, "x", "又一条")
    db.session.commit()
    tried.clear()
    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", Down)
    out = runner.invoke(args=["send-digest"])
    assert out.exit_code == 1 and "5 位用户的邮件发送失败（6 条通知）" in out.output
    assert len(tried) == 3 and _pending_notes() == 6  # given up after three refused connections


def test_a_digest_stopped_half_way_mails_nobody_twice(app, runner, monkeypatch):
    """The worker dies after mailing the first user (kill -9, here an error the digest does not expect):
    the next run mails only the users not mailed yet."""
    users = [make_user("enterprise") for _ in range(3)]
    for u in users:
        notify(u, "x", "新通知")
    db.session.commit()
    sent = []

    def dies_at_the_second(msg):
        if len(sent) == 1:
            raise SystemExit("worker killed")
        sent.append(msg["To"])

    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", _smtp(dies_at_the_second))
    app.config.update(MAIL_SERVER="smtp.example.cn")
    runner.invoke(args=["send-digest"])
    db.session.rollback()
    assert sent == [users[0].email]
    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", _smtp(lambda msg: sent.append(msg["To"])))
    out = runner.invoke(args=["send-digest"])
    assert out.exit_code == 0 and "2 位用户，2 条通知" in out.output
    assert sorted(sent) == sorted(u.email for u in users)
    assert _pending_notes() == 0


def test_a_digest_sent_again_after_a_killed_run_is_the_same_message(app, runner, monkeypatch):
    """A worker killed after the digest went out but before its notes were marked: the next run sends it again
    (SMTP cannot say whether it went; marking first would lose it instead), as the same message: one Message-ID,
    which mail stores and readers that dedupe show once. Another user's, or a later digest, is another message."""
    a, b = make_user("enterprise", name="甲"), make_user("researcher", name="乙")
    notify(a, "x", "第一条")
    notify(b, "x", "第二条", commit=True)
    app.config.update(MAIL_SERVER="smtp.example.cn", MAIL_SENDER="平台 <noreply@kjcg.example.cn>")
    sent = []

    def killed_after_sending(msg):
        sent.append((msg["To"], msg["Message-ID"]))
        raise KeyboardInterrupt  # the worker gone between the send and the mark

    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", _smtp(killed_after_sending))
    with pytest.raises(KeyboardInterrupt):
        send_digest()
    db.session.rollback()
    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", _smtp(lambda msg: sent.append(
        (msg["To"], msg["Message-ID"]))))  # fmt: skip
    assert runner.invoke(args=["send-digest"]).exit_code == 0
    assert [to for to, _ in sent] == [a.email, a.email, b.email] and _pending_notes() == 0
    assert sent[0][1] == sent[1][1] != sent[2][1]
    assert re.fullmatch(r"<digest-\d+-[0-9a-f]{20}@kjcg\.example\.cn>", sent[0][1])
    notify(a, "x", "第三条", commit=True)
    runner.invoke(args=["send-digest"])
    assert sent[-1][0] == a.email and sent[-1][1] not in (sent[0][1], sent[2][1])
