"""Self-registration confirmed by e-mail, so the form never tells whether an address has an account.

The form's answer is the same page for a new and a known address, in the same time: the request
hashes the password, seals the registration (Fernet, keyed from SECRET_KEY, valid
REGISTRATION_LINK_HOURS) and queues the mail, whatever the address. The job looks the address up:
a new one is mailed the link carrying the registration, a known one a reminder to log in instead.
Nothing is stored until the owner of the mailbox confirms. A slow or failing mail server neither
slows the form nor loses it: the job is retried.
"""

import base64
import hashlib
import json
import logging

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, url_for
from werkzeug.security import generate_password_hash

from .. import jobs
from ..extensions import db
from ..models import User
from ..models.accounts import PASSWORD_METHOD
from ..notifications.services import send_mail
from . import services

log = logging.getLogger(__name__)

FIELDS = ("role", "name", "email", "phone", "org_name", "org_kind", "uscc", "town", "industry")


class LinkError(ValueError):
    """The confirmation link is damaged or has expired."""


def _fernet():
    key = hashlib.sha256(("registration:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def start(data, password, host_url=""):
    """Queue the confirmation mail (a new address) or the reminder (a known one); no row is written.
    The same work for both: the job, after the answer, tells them apart."""
    email = data["email"].strip().lower()
    payload = {k: (data.get(k) or "") for k in FIELDS}
    payload.update(email=email, password_hash=generate_password_hash(password, method=PASSWORD_METHOD))
    token = _fernet().encrypt(json.dumps(payload, ensure_ascii=False).encode()).decode()
    jobs.enqueue(send_registration_mail, email, token, host_url)


@jobs.task(retries=3)
def send_registration_mail(email: str, token: str, host_url: str):
    """Mail the link that confirms a registration, or, to an address that has an account, a reminder
    to log in. Links point at SITE_URL (else the host the form was sent to). A failure raises: retried."""
    cfg = current_app.config
    base = (cfg.get("SITE_URL") or host_url or "").rstrip("/")
    known = db.session.scalar(db.select(User.id).filter_by(email=email))
    try:
        name = read(token)["name"]
    except LinkError:  # retried past the link's life: a dead link helps nobody
        log.warning("registration mail to %s dropped: its link has expired", email)
        return False
    with current_app.test_request_context(base_url=base or None):
        if known:
            subject = "平台账号提醒"
            body = (
                f"您好：\n\n有人（可能是您本人）使用此邮箱 {email} 申请注册平台账号。该邮箱已有平台账号，"
                f"请直接登录：{url_for('auth.login', _external=True)}\n"
                f"如忘记密码，请在此申请重置：{url_for('auth.forgot_password', _external=True)}\n"
                "如非本人操作，请忽略此邮件。"
            )
        else:
            subject = "请确认注册平台账号"
            body = (
                f"您好，{name}：\n\n请在 {cfg['REGISTRATION_LINK_HOURS']} 小时内打开以下链接，确认后即完成注册：\n"
                f"{url_for('auth.register_confirm', token=token, _external=True)}\n\n如非本人操作，请忽略此邮件。"
            )
    send_mail(email, subject, body)
    return True


def read(token):
    """The registration a link carries; LinkError when it is damaged or expired."""
    ttl = int(current_app.config["REGISTRATION_LINK_HOURS"] * 3600)
    try:
        return json.loads(_fernet().decrypt((token or "").encode(), ttl=ttl))
    except (InvalidToken, ValueError) as exc:
        raise LinkError("链接无效或已过期，请重新注册") from exc


def registered(data):
    """The address a link carries has an account already (the link was used, or the address registered since)."""
    return db.session.scalar(db.select(User.id).filter_by(email=data.get("email", ""))) is not None


def finish(token):
    """Create the account a link carries; AccountError when the address has meanwhile registered."""
    data = read(token)
    data = dict(data)
    password_hash = data.pop("password_hash")
    return services.register_user(**data, password_hash=password_hash)
