"""Self-service password reset (忘记密码): a signed link, mailed to the account's address, that works once.

The request form answers the same for every address (no enumeration, same time): the mail is sent
by a job, which looks the address up and writes to active accounts only, at most one mail per
PASSWORD_RESET_GAP_MINUTES. The link carries the account's id and a stamp of its password hash,
signed with SECRET_KEY (itsdangerous, valid PASSWORD_RESET_HOURS): setting any password changes
the hash, so a link is spent by its own use and by every other password change. Its address is
SITE_URL when set (a forged Host header cannot point the mail elsewhere), else the host the form
was sent to.
"""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import jobs
from ..extensions import db
from ..models import AuditLog, User
from ..models.base import utcnow
from ..notifications.services import send_mail

_SALT = "password-reset"
MAILED = "reset_mailed"  # the audit action of a mailed link


class LinkError(ValueError):
    """The reset link is damaged, expired or spent; the message says which, in Chinese."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _stamp(user) -> str:
    return hashlib.sha256(("reset:" + (user.password_hash or "")).encode()).hexdigest()[:20]


def make_token(user) -> str:
    """A reset link's token for the account as it is now."""
    return _serializer().dumps({"u": user.id, "s": _stamp(user)})


def read(token):
    """The active account a link may reset; LinkError otherwise."""
    ttl = int(current_app.config["PASSWORD_RESET_HOURS"] * 3600)
    try:
        data = _serializer().loads(token or "", max_age=ttl)
    except SignatureExpired:
        raise LinkError("重置链接已过期，请重新申请") from None
    except BadSignature:
        raise LinkError("重置链接无效，请核对邮件中的完整链接，或重新申请") from None
    uid = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active or not hmac.compare_digest(_stamp(user), str(data.get("s", ""))):
        raise LinkError("重置链接已使用或已失效（密码已更改），请重新申请")
    return user


def account_id(token):
    """The account id a link names, expired or spent or not (None when damaged): the row its form acts on."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    uid = data.get("u") if isinstance(data, dict) else None
    return uid if isinstance(uid, int) else None


def request_reset(email: str, host_url: str) -> None:
    """Queue the reset mail for an address, whether or not it has an account (the job looks)."""
    jobs.enqueue(send_reset_mail, (email or "").strip().lower()[:120], host_url)


@jobs.task(retries=3)
def send_reset_mail(email: str, host_url: str):
    """Mail a reset link to the active account with this address, unless one went out in the last
    PASSWORD_RESET_GAP_MINUTES; an unknown or deactivated address gets nothing."""
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None or not user.is_active:
        return False
    cfg = current_app.config
    since = utcnow() - timedelta(minutes=cfg["PASSWORD_RESET_GAP_MINUTES"])
    recent = db.select(AuditLog.id).filter_by(entity="user", entity_id=user.id, action=MAILED)
    if db.session.scalar(recent.where(AuditLog.at >= since).limit(1)):
        return False
    base = (cfg.get("SITE_URL") or host_url or "").rstrip("/")
    with current_app.test_request_context(base_url=base or None):
        link = url_for("auth.reset_password", token=make_token(user), _external=True)
    hours = cfg["PASSWORD_RESET_HOURS"]
    body = (
        f"{user.name}，您好：\n\n有人（可能是您本人）申请重置您在科技成果转化对接平台的登录密码。"
        f"请在 {hours} 小时内打开以下链接设置新密码（链接只能使用一次）：\n{link}\n\n"
        "如非本人操作，请忽略此邮件，您的密码不会改变。"
    )
    send_mail(user.email, "重置平台登录密码", body)  # a failure raises: the job is retried
    db.session.add(AuditLog(actor_id=None, entity="user", entity_id=user.id, action=MAILED))
    db.session.commit()
    return True
