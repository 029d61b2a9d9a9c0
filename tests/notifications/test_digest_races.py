"""`flask send-digest` run by hand beside the 07:30 daily job (attack, 2026-12-07). A run read the users' pending
notes, mailed each and only then marked them: a run that read them before the other marked them mailed every user
the same digest twice, and the command sent the brokers' stale-pair reminders again after the job had. Now each
user's digest is claimed before their notes are read and the mail goes, and the command takes the day's marker of
the reminders as the job does."""

import threading
from datetime import timedelta

import pytest
from huey.storage import MemoryStorage

from matchmaker.extensions import db
from matchmaker.jobs import periodic, queue
from matchmaker.models import Notification, User
from matchmaker.models.base import utcnow
from matchmaker.notifications import services
from matchmaker.notifications.services import notify

from ..factories import make_suggestion, make_user
from ..races import at_once, paused_after_read
from .test_notifications import _smtp


@pytest.fixture
def mails(monkeypatch):
    """The mails sent (recipients, in order), through a stand-in SMTP server; the queue's storage empty."""
    monkeypatch.setattr(queue.huey, "storage", MemoryStorage("digest-races"))
    sent, lock = [], threading.Lock()

    def send(msg):
        with lock:
            sent.append(msg["To"])

    monkeypatch.setattr("matchmaker.notifications.services.smtplib.SMTP", _smtp(send))
    return sent


def _setup(app, count=3):
    app.config.update(MAIL_SERVER="smtp.example.cn")
    with app.app_context():
        users = [make_user("enterprise") for _ in range(count)]
        for u in users:
            notify(u, "x", "新通知", commit=True)
        emails = sorted(u.email for u in users)
        db.session.remove()
    return emails


def test_a_run_that_read_the_notes_before_another_mailed_them_mails_nobody_twice(file_app, mails):
    """Run A reads the pending notes; run B, started meanwhile, mails and marks them; A goes on."""
    emails = _setup(file_app)
    paused_after_read(file_app, lambda sql: "JOIN" in sql and "digested_at" in sql, services.send_digest,
                      services.send_digest)  # fmt: skip
    assert sorted(mails) == emails
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(Notification.digested_at.is_(None))) == 0
        db.session.remove()


def test_two_runs_at_once_mail_each_user_once(file_app, mails):
    emails = _setup(file_app)
    assert at_once(file_app, [lambda: services.send_digest, lambda: services.send_digest]) == ["ok", "ok"]
    assert sorted(mails) == emails


def test_the_command_after_the_daily_job_does_not_remind_brokers_again(app, runner, mails):
    """The job at 07:30 reminds the broker of their stale pair; send-digest by hand that day, twice, does not."""
    broker = make_user("broker")
    make_suggestion(broker=broker, status="accepted", last_activity_at=utcnow() - timedelta(days=30))

    def reminders():
        return db.session.scalar(
            db.select(db.func.count()).select_from(Notification).filter_by(user_id=broker.id, kind="stale")
        )

    assert runner.invoke(args=["send-digest"]).exit_code == 0
    assert reminders() == 1
    out = runner.invoke(args=["send-digest"])
    assert reminders() == 1
    assert out.exit_code == 0 and "今日的经纪人逾期提醒已发送" in out.output
    periodic.digest.call_local()  # the job later that day
    assert reminders() == 1


def test_a_claim_left_by_a_killed_run_is_taken_over(app, mails):
    """A run killed (kill -9) while mailing a user leaves its claim: the next run takes it over, the process being
    gone, and mails them (the same Message-ID as the mail that may have gone); a live run's claim is left to it."""
    import subprocess
    import sys
    import time

    from matchmaker.jobs import backend

    _setup(app, count=2)
    users = sorted(db.session.scalars(db.select(Notification.user_id)))
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    queue.once_per(f"digest:{users[0]}", f"{backend.MACHINE}:{proc.pid} {int(time.time())}".encode())
    queue.once_per(f"digest:{users[1]}", queue.holder())  # a run of this process, going on
    run = services.send_digest()
    assert (run.users, mails) == (1, [db.session.get(User, users[0]).email])
    assert db.session.scalar(db.select(db.func.count()).where(Notification.digested_at.is_(None))) == 1
