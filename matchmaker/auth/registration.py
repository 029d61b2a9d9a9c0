"""Self-registration confirmed by e-mail, so the form never tells whether an address has an account.

The form's answer is the same page for a new and a known address, in about the same time (both
hash the password). A new address is mailed a link carrying the registration, encrypted and
signed (Fernet, keyed from SECRET_KEY, valid REGISTRATION_LINK_HOURS); nothing is stored until
the owner of the mailbox confirms. A known address is mailed a reminder to log in instead.
"""

import base64
import hashlib
import json
import logging
import smtplib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, url_for
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import User
from ..models.accounts import PASSWORD_METHOD
from ..notifications.services import send_mail
from . import services

log = logging.getLogger(__name__)

FIELDS = ("role", "name", "email", "phone", "org_name", "org_kind", "uscc", "town", "industry")


class LinkError(ValueError):
    """The confirmation link is damaged or has expired."""


class MailError(RuntimeError):
    """The mail server could not take the message now; nothing was stored or sent."""


def _send(to, subject, body):
    try:
        send_mail(to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out
        log.exception("registration mail to %s failed", to)
        raise MailError("确认邮件暂时无法发送，请稍后再提交（您填写的内容已保留，密码需重新输入）") from exc


def _fernet():
    key = hashlib.sha256(("registration:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def start(data, password):
    """Mail a confirmation link (new address) or a reminder (known address); no row is written.
    MailError when the mail server cannot take it now (the form is shown again, as typed)."""
    email = data["email"].strip().lower()
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)  # in both cases: same time
    if db.session.scalar(db.select(User.id).filter_by(email=email)):
        body = (
            f"您好：\n\n有人（可能是您本人）使用此邮箱 {email} 申请注册平台账号。该邮箱已有平台账号，"
            f"请直接登录：{url_for('auth.login', _external=True)}\n"
            f"如忘记密码，请在此申请重置：{url_for('auth.forgot_password', _external=True)}\n"
            "如非本人操作，请忽略此邮件。"
        )
        _send(email, "平台账号提醒", body)
        return
    payload = {k: (data.get(k) or "") for k in FIELDS}
    payload.update(email=email, password_hash=password_hash)
    token = _fernet().encrypt(json.dumps(payload, ensure_ascii=False).encode()).decode()
    hours = current_app.config["REGISTRATION_LINK_HOURS"]
    body = (
        f"您好，{payload['name']}：\n\n请在 {hours} 小时内打开以下链接，确认后即完成注册：\n"
        f"{url_for('auth.register_confirm', token=token, _external=True)}\n\n如非本人操作，请忽略此邮件。"
    )
    _send(email, "请确认注册平台账号", body)


def read(token):
    """The registration a link carries; LinkError when it is damaged or expired."""
    ttl = int(current_app.config["REGISTRATION_LINK_HOURS"] * 3600)
    try:
        return json.loads(_fernet().decrypt((token or "").encode(), ttl=ttl))
    except (InvalidToken, ValueError) as exc:
        raise LinkError("链接无效或已过期，请重新注册") from exc


def finish(token):
    """Create the account a link carries; AccountError when the address has meanwhile registered."""
    data = read(token)
    data = dict(data)
    password_hash = data.pop("password_hash")
    return services.register_user(**data, password_hash=password_hash)
