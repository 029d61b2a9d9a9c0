"""API tokens: issue (shown once, stored hashed), revoke, and authenticate a bearer token."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from ..extensions import db
from ..models import ApiToken, AuditLog, User
from ..models.base import utcnow
from ..models.enums import ApiScope, ApiTokenKind
from ..utils import clock, once
from ..utils.text import zone_key

TOKEN_PREFIX = "mm_"  # noqa: S105 -- a token marker, not a secret
EXPIRY_DAYS = (30, 90, 180, 365)
MAX_TOKENS_PER_USER = 20  # active ones; keeps a leaked session from minting tokens without end
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


class TokenError(ValueError):
    """A token that cannot be issued or revoked; the message is shown to the user."""


class NameTaken(TokenError):
    """The account has a live token of that name; the message belongs beside the name field."""


def hash_token(raw: str) -> str:
    """SHA-256 hex of a token: enough for 256 random bits (no salt or slow hash needed)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def issue(
    actor, user, name, scopes, days, kind=ApiTokenKind.PERSONAL.value, key=None, password_reentered=None,
    session_seen=None,
):  # fmt: skip
    """Create a token for ``user``; returns (row, the token text, shown only this once). Commits.

    At most MAX_TOKENS_PER_USER active tokens, even for simultaneous requests: the token is written first
    and the account's active tokens counted after it, in the same transaction (on SQLite the write waits
    for any other token's commit, so the count sees it; on PostgreSQL the account's row is locked first);
    over the limit, the token is rolled back.

    ``key``: the form's one-time key; a repeated submit (a reload of the page that showed the token, a
    double click without JavaScript) raises ``once.Repeat`` with the first token's id and makes none.

    ``password_reentered``: the pages say whether the actor typed the password for this token (True) or had
    entered it within the window (False, auth/recent.py); the audit row records it. ``session_seen``: the
    actor's session token as the request authenticated it, when the request committed before (the password
    check counts an attempt), so a logout or new password since is still noticed."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError("请填写令牌名称（不超过 100 字）")
    scopes = sorted({str(s) for s in scopes} & {s.value for s in ApiScope})
    if ApiScope.READ.value not in scopes:
        raise TokenError("令牌至少需要“读取”权限")
    if days not in EXPIRY_DAYS:
        raise TokenError("请选择有效期")
    if not user.active:
        raise TokenError("该账号已停用，不能签发令牌")
    if kind == ApiTokenKind.SERVICE.value and not actor.is_admin:
        raise TokenError("只有管理员可以签发服务令牌")
    if actor.id != user.id and not actor.is_admin:
        raise TokenError("只能为自己的账号创建令牌")
    if ApiScope.WRITE.value in scopes and not user.is_staff:
        raise TokenError("“写入”权限仅限经纪人和管理员账号，请只选择“读取”")
    now = utcnow()
    session_seen = session_seen or actor.session_token  # the actor's login as this request authenticated it
    claimed = once.claim(key, "api_token", actor)
    db.session.execute(db.select(User.id).where(User.id == user.id).with_for_update())
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, kind=kind, token_hash=hash_token(raw), prefix=raw[:11], scopes=" ".join(scopes),
        created_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=days),
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    _name_free(row, now)
    live = db.session.scalar(
        db.select(db.func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
        )
    )
    if live > MAX_TOKENS_PER_USER:
        db.session.rollback()
        raise TokenError(f"每个账号最多 {MAX_TOKENS_PER_USER} 个有效令牌，请先撤销不用的令牌")
    _still_allowed(actor, user, session_seen)
    once.bind(claimed, row.id)
    after = {"user_id": user.id, "name": name, "scopes": scopes, "days": days, "kind": kind}
    if password_reentered is not None:
        after["password_reentered"] = bool(password_reentered)
    db.session.add(AuditLog(actor_id=actor.id, entity="api_token", entity_id=row.id, action="create", after=after))
    db.session.commit()
    return row, raw


def _name_free(row, now):
    """Refuse (rolled back) a second live token of one name for one account: the list could not tell the two apart
    when one is to be revoked, and a form sent again (Back, then 创建令牌) made a twin. Names are compared as the
    taxonomy's are (``zone_key``: case, letter width and spaces aside), so Sync beside sync or ＳＹＮＣ is the same
    name. Asked after the write, as the limit is (the account's row held), so two simultaneous creations of one
    name make one token."""
    key = zone_key(row.name)
    live = db.session.execute(  # at most MAX_TOKENS_PER_USER
        db.select(ApiToken.name, ApiToken.created_at).where(
            ApiToken.user_id == row.user_id, ApiToken.id != row.id,
            ApiToken.revoked_at.is_(None), ApiToken.expires_at > now,
        ).order_by(ApiToken.id)
    ).all()  # fmt: skip
    twin = next((t for t in live if zone_key(t.name) == key), None)
    if twin is not None:
        db.session.rollback()
        same = "" if twin.name == row.name else f"（与您填写的“{row.name}”仅大小写、全半角或空格不同）"
        raise NameTaken(f"已有名为“{twin.name}”的有效令牌{same}（{clock.to_local(twin.created_at):%Y-%m-%d %H:%M} "
                        "创建），请换一个名称，或先撤销原令牌")  # fmt: skip


def _still_allowed(actor, user, session_seen):
    """Read the two accounts again, as committed now (after this transaction's write, which waited for any
    other writer of them): a deactivation, a new password or a logout written while this token was being made
    revoked the account's tokens without seeing this one, which would outlive it (and a reactivation would
    revive it). Such a token is rolled back."""
    rows = {
        uid: active
        for uid, active in db.session.execute(db.select(User.id, User.active).where(User.id.in_({actor.id, user.id})))
    }
    current = db.session.scalar(db.select(User.session_token).where(User.id == actor.id))
    if not rows.get(user.id):
        db.session.rollback()
        raise TokenError("该账号已停用，不能签发令牌")
    if not rows.get(actor.id) or current != session_seen:
        db.session.rollback()
        raise TokenError("您的登录已失效（密码已修改、账号已停用或已在别处退出），请重新登录后再创建令牌")


def revoke(actor, token):
    """Revoke a token (its owner or an admin); revoking twice changes nothing. Commits.

    A conditional update (only while not yet revoked): of simultaneous revocations one changes the row
    and is audited; the others find it already revoked and write nothing."""
    if not token.can_manage(actor):
        raise TokenError("无权撤销该令牌")
    done = db.session.execute(
        db.update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:
        db.session.add(AuditLog(actor_id=actor.id, entity="api_token", entity_id=token.id, action="revoke"))
    db.session.commit()
    db.session.refresh(token)
    return token


def revoke_all(user, actor, reason, kinds=None):
    """Revoke every active (unrevoked, unexpired) token of ``user`` (of ``kinds`` only, when given) in the caller's transaction, no
    commit; returns how many. Called where the account's other logins end (a new password, deactivation):
    a token minted with a stolen session would otherwise outlive them, and one kept through a deactivation
    would work again when the account is reactivated. Each revocation is audited with ``reason``."""
    stmt = db.select(ApiToken.id).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow()
    )  # an expired token works no more: it is neither counted nor stamped
    if kinds is not None:
        stmt = stmt.where(ApiToken.kind.in_(list(kinds)))
    ids = list(db.session.scalars(stmt))
    if not ids:
        return 0
    done = db.session.execute(
        db.update(ApiToken)
        .where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    )
    for token_id in ids:
        db.session.add(AuditLog(actor_id=getattr(actor, "id", None), entity="api_token", entity_id=token_id,
                                action="revoke", after={"reason": reason}))  # fmt: skip
    return done.rowcount


def tokens_of(user):
    """A user's tokens, newest first."""
    return db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())


def all_tokens(state=None):
    """Every token (admin list), newest first, optionally only active ones."""
    stmt = db.select(ApiToken).options(db.joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if state == "active":
        stmt = stmt.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
    return stmt


@dataclass(frozen=True)
class Authenticated:
    token: ApiToken
    user: User


# Why a bearer token was refused: (code, Chinese title) for the API's error body.
REFUSALS = {
    "token_missing": "缺少访问令牌",
    "token_invalid": "访问令牌无效",
    "token_revoked": "访问令牌已撤销",
    "token_expired": "访问令牌已过期",
    "account_inactive": "令牌所属账号已停用",
}


def authenticate(raw):
    """The token and its user for a presented token text, or the refusal code (a key of REFUSALS)."""
    raw = (raw or "").strip()
    if not raw:
        return "token_missing"
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return "token_invalid"
    digest = hash_token(raw)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return "token_invalid"
    now = utcnow()
    state = token.state(now)
    if state != "active":
        return f"token_{state}"
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return "account_inactive"
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return Authenticated(token, user)
