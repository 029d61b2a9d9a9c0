"""Notifications: one function every area calls to tell a user something; the digest."""

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, update

from ..extensions import db
from ..jobs import queue
from ..models import Notification, User
from ..models.base import utcnow
from ..utils import clock

log = logging.getLogger(__name__)


def notify(user_or_id, kind, text, link=None, commit=False):
    """Queue an in-app notification (e-mail, when configured, goes out with the digest)."""
    user_id = getattr(user_or_id, "id", user_or_id)
    if user_id is None:
        return None
    note = Notification(user_id=user_id, kind=kind, text=text[:500], link=link)
    db.session.add(note)
    if commit:
        db.session.commit()
    return note


def user_notifications(user, unread_only=False):
    """A select of the user's notifications, newest first."""
    stmt = db.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(user, note_id):
    """Mark one of the user's notifications read; returns it, or None if not theirs; commits."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != user.id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return note


def mark_all_read(user):
    """Mark every unread notification of the user read; returns how many; commits."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def send_mail(to, subject, body, message_id=None):
    """Send one e-mail through MAIL_SERVER, or write it to the log when none is configured. ``message_id``: the
    Message-ID header, the same for every sending of one message (else the server makes one up)."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        log.info("邮件（未配置 MAIL_SERVER，仅记录）收件人 %s 主题 %s\n%s", to, subject, body)
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg["MAIL_SENDER"], to, subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25), timeout=30) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)
    return True


def digest_body(user, notes, base_url=""):
    """The text of one user's digest e-mail."""
    lines = [f"{user.name}，您好：", "", f"您在科技成果转化对接平台有 {len(notes)} 条新通知：", ""]
    for n in notes:
        link = f"  {base_url}{n.link}" if n.link else ""
        lines.append(f"· [{clock.to_local(n.created_at):%m-%d %H:%M}] {n.text}{link}")
    lines += ["", "登录平台查看详情。此邮件由系统自动发送，请勿回复。"]
    return "\n".join(lines)


def digest_message_id(user, notes):
    """The Message-ID of the digest of these notes: the same for each sending of it. A run stopped after the mail
    went out but before its notes were marked (a killed worker) sends it again on the next run, SMTP having no way
    to ask whether a message was sent; with the same id, mail stores and readers that dedupe by Message-ID show it
    once. (Marking first would lose the mail instead, when the worker dies before sending.)"""
    sender = current_app.config.get("MAIL_SENDER") or ""
    domain = sender.rpartition("@")[2].strip(" >") or "matchmaker.invalid"
    ids = ",".join(str(n.id) for n in sorted(notes, key=lambda n: n.id))
    return f"<digest-{user.id}-{hashlib.sha256(ids.encode()).hexdigest()[:20]}@{domain}>"


@dataclass
class DigestRun:
    """What one digest run did: users and notes digested (mailed, logged, or skipped for an inactive
    account), and users whose mail could not be sent, with their notes (left for the next run)."""

    users: int = 0
    notes: int = 0
    failed_users: int = 0
    failed_notes: int = 0


GIVE_UP_AFTER = 3  # consecutive connection failures: the mail server is down, the rest wait for the next run
CLAIM_LEASE = 15 * 60  # seconds: a user's digest claimed longer ago by a run on another machine is taken over


def send_digest(base_url="", batch=500):
    """Collect every not-yet-digested notification into one e-mail per user; returns a ``DigestRun``.

    Each user's digest is claimed (a marker in the queue's storage) before their notes are read and the mail goes:
    two runs at once (``flask send-digest`` beside the daily job) mail each user once, and a run that read a user
    before another mailed them finds nothing left. A note is marked digested only when its user's mail went out (or
    was logged, with no MAIL_SERVER, or the account is inactive), then the claim is given back: a mail that failed
    leaves its notes to be sent by the next run. A run killed between the mail and the mark leaves the claim, which
    the next run takes over (its process gone, or after ``CLAIM_LEASE``) and sends again, with the same Message-ID.
    After ``GIVE_UP_AFTER`` connection failures in a row the server is taken to be down and no more are tried."""
    run, after, down, refused = DigestRun(), 0, False, 0
    while True:
        # Users with pending notes, a batch at a time, after the last one seen (a failed user's notes stay pending).
        ids = db.session.scalars(
            db.select(Notification.user_id)
            .where(Notification.digested_at.is_(None), Notification.user_id > after)
            .group_by(Notification.user_id)
            .order_by(Notification.user_id)
            .limit(batch)
        ).all()
        db.session.commit()
        if not ids:
            break
        after = ids[-1]
        for user_id in ids:
            key = f"digest:{user_id}"
            if not queue.hold(key, CLAIM_LEASE):
                continue  # another run is mailing this user
            try:
                down, refused = _digest_one(run, user_id, base_url, down, refused)
            finally:
                queue.release(key)
    if run.failed_users:
        log.warning("摘要邮件：%d 位用户的邮件发送失败（%d 条通知），留待下次发送", run.failed_users, run.failed_notes)
    return run


def _digest_one(run, user_id, base_url, down, refused):
    """Mail one claimed user their pending notes, read after the claim; returns (down, refused) for the next."""
    rows = db.session.execute(
        db.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.user_id == user_id, Notification.digested_at.is_(None))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    for obj in {o for row in rows for o in row}:  # kept readable across the commits below
        db.session.expunge(obj)
    db.session.commit()  # no transaction held while the mail goes
    if not rows:
        return down, refused  # another run mailed them since they were counted
    user, notes = rows[0][1], [r[0] for r in rows]
    sent = failed = False
    if user.active and down:
        failed = True
    elif user.active:
        try:
            subject, body = f"平台通知摘要（{len(notes)} 条）", digest_body(user, notes, base_url)
            sent = send_mail(user.email, subject, body, message_id=digest_message_id(user, notes))
            refused = 0
        except smtplib.SMTPException as exc:  # this message refused (recipient, size...): the server is up
            log.warning("摘要邮件发送失败 %s: %s", user.email, exc)
            failed, refused = True, 0
        except OSError as exc:  # no connection
            log.warning("摘要邮件发送失败 %s: %s", user.email, exc)
            failed, refused = True, refused + 1
            down = refused >= GIVE_UP_AFTER
    if failed:
        run.failed_users += 1
        run.failed_notes += len(notes)
        return down, refused
    # Marked before the claim is given back: a run stopped after this mail (a killed worker) must not send it again.
    now = utcnow()
    done = dict(digested_at=now, emailed_at=now) if sent else dict(digested_at=now)
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_([n.id for n in notes]))
        .values(**done)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    run.users += 1
    run.notes += len(notes)
    return down, refused


def run_digest(base_url="", batch=500):
    """``send_digest`` as (users, notes) digested; failures are logged and left for the next run."""
    run = send_digest(base_url, batch)
    return run.users, run.notes


def unread_count(user):
    """How many unread notifications the user has."""
    return db.session.scalar(
        db.select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
