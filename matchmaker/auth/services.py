"""Account use cases: register, authenticate, change password, manage staff."""

import logging
import math
import secrets

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from ..admin.services import organization_named
from ..extensions import db
from ..models import AuditLog, Organization, OrgKind, User
from ..models.accounts import PASSWORD_METHOD
from ..models.base import utcnow
from ..models.enums import ApiTokenKind
from ..notifications.services import notify
from ..suggestions import pipeline
from ..tokens import services as tokens
from ..utils import once
from ..utils.tx import rolls_back_on
from ..utils.uscc import normalize_uscc
from . import throttle

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A use-case failure with a message for the user (in Chinese); ``field``, when set, names the
    registration form field it is about."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class LoginRefused(AccountError):
    """A login that did not happen: the reason beside the form's ``field``, the answer's ``status``, and
    ``retry_after`` seconds when the throttle refused it."""

    def __init__(self, message, field, status=200, retry_after=None):
        super().__init__(message, field)
        self.status, self.retry_after = status, retry_after


class EmailTaken(AccountError):
    """The address already has an account."""


class _NewOrganisationRace(AccountError):
    """The registration's new organisation met one a simultaneous request saved first (its name, a look-alike
    of it, or its code): registering again finds that organisation."""


def _commit_new(user, audit=None):
    """Commit a new account (with ``audit(user)``'s row, once it has an id); the same address (or a new
    organisation's name or code) written by a request running at the same moment, a double-clicked submit,
    is refused in words, not a 500."""
    email = user.email
    try:
        if audit is not None:
            db.session.flush()
            db.session.add(audit(user))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.scalar(db.select(User.id).filter_by(email=email)):
            raise EmailTaken("该邮箱已注册", "email") from None
        raise _NewOrganisationRace("该单位刚刚已被登记，请重新提交") from None
    return user


def existing_org(name, kind, uscc=None):
    """The organisation on the platform that a registration names (by code for enterprises, else by
    name), or None for a new one; AccountError when the name, kind and code clash with what is stored.
    The registration form checks with this before mailing a link, the confirmation again."""
    name = name.strip()
    code = normalize_uscc(uscc) if uscc else None
    org = db.session.scalar(db.select(Organization).filter_by(uscc=code)) if code else None
    if org is not None and org.name != name:
        raise AccountError("该统一社会信用代码已登记为其他单位名称，请核对", "uscc")
    if org is None:
        # Brackets of the other width name the same organisation: 南方理工大学(深圳研究院) beside 南方理工大学（深圳研究院）
        # was a new look-alike organisation, its registrant a member at once, with no admin's approval.
        org = organization_named(name, any_brackets=True)
        if org is not None and code and org.uscc and org.uscc != code:
            raise AccountError("该单位已登记了不同的统一社会信用代码，请核对", "uscc")
    if org is not None and org.kind != kind:
        raise AccountError("同名单位已存在且类型不同，请核对单位名称", "org_name")
    return org


def _registration_code(org_kind, uscc):
    """Only an enterprise registers with its credit code."""
    return uscc if org_kind == OrgKind.ENTERPRISE else None


def registration_org(org_name, org_kind, uscc=None):
    """existing_org for what a registration form names."""
    return existing_org(org_name, org_kind, _registration_code(org_kind, uscc))


def find_or_create_org(name, kind, uscc=None, town=None, industry=None):
    """Join an organisation by code (enterprises) or name, or create it (see existing_org)."""
    org = existing_org(name, kind, uscc)
    if org is None:
        code = normalize_uscc(uscc) if uscc else None
        org = Organization(name=name.strip(), kind=kind, uscc=code, town=town or None, industry=industry or None)
        db.session.add(org)
    return org


def register_user(
    *, role, name, email, password=None, password_hash=None, phone=None, org_name, org_kind, uscc=None, town=None,
    industry=None,
):  # fmt: skip
    """Self-registration of an enterprise user or a researcher (password, or its hash from a
    confirmed link: auth/registration.py); commits.

    A new organisation met in the database by one a simultaneous request saved first (the same name, brackets
    of the other width, the same code) is rolled back and the registration made again: it then asks to join
    that organisation (or is refused as the sequential case is: another kind, another code)."""
    args = dict(role=role, name=name, email=email, password=password, password_hash=password_hash, phone=phone,
                org_name=org_name, org_kind=org_kind, uscc=uscc, town=town, industry=industry)  # fmt: skip
    try:
        return _register_user(**args)
    except _NewOrganisationRace:
        pass
    return _register_user(**args)  # finds the organisation now


def _register_user(*, role, name, email, password, password_hash, phone, org_name, org_kind, uscc, town, industry):
    email = email.strip().lower()
    if db.session.scalar(db.select(User.id).filter_by(email=email)):
        raise EmailTaken("该邮箱已注册", "email")
    org = find_or_create_org(org_name, org_kind, _registration_code(org_kind, uscc), town, industry)
    user = User(email=email, name=name.strip(), phone=phone, role=role)
    if org.id is not None:
        # Joining an organisation already on the platform gives access to its listings and
        # drafts, and lets one speak for it: an admin approves it first, for an enterprise (a
        # credit code is public information) and a university or institute alike (issue 13).
        user.requested_organization = org
        for admin in db.session.scalars(db.select(User).filter_by(role="admin", active=True)):
            notify(
                admin,
                "membership",
                f"{user.name}（{email}）申请加入单位「{org.name}」，请核实",
                "/admin/users?pending=1",
            )
    else:
        user.organization = org
    if password_hash:
        user.password_hash = password_hash
    else:
        user.set_password(password)
    db.session.add(user)
    return _commit_new(user)


def _check_organization_kind(role, organization):
    """An enterprise user speaks for an enterprise, a researcher for a university, institute or the like (as
    registration requires): an account made the other way round posted needs for a university, and one
    made without an organisation could never post anything (no page gives it one later)."""
    kind = getattr(organization, "kind", None)
    if role == "enterprise" and kind != OrgKind.ENTERPRISE:
        raise AccountError("企业用户须属于一家企业：请选择单位类型为“企业”的所属单位", "organization")
    if role == "researcher" and kind in (None, OrgKind.ENTERPRISE):
        raise AccountError("科研人员须属于高校、科研院所等单位：请选择所属单位（不能是企业）", "organization")


def create_user(
    *, role, name, email, password, organization=None, phone=None, actor=None, password_reentered=None, key=None
):
    """Create any account (admins create brokers and admins this way); commits. Made by an ``actor`` (an admin's
    page, not the command line), it is audited, with whether the actor re-entered the password for it. ``key``:
    the admin form's one-time key; a repeated create raises ``once.Repeat`` with the first account's id."""
    email = email.strip().lower()
    _check_organization_kind(str(role), organization)
    if db.session.scalar(db.select(User.id).filter_by(email=email)):
        raise EmailTaken("该邮箱已注册", "email")
    claimed = once.claim(key, "user", actor) if key else None  # after the checks: a refusal leaves no key behind
    user = User(email=email, name=name.strip(), role=role, organization=organization, phone=phone)
    user.set_password(password)
    db.session.add(user)
    if actor is None:
        return _commit_new(user)
    after = _reentered({"role": str(role), "email": email}, password_reentered)

    def audit(u):
        once.bind(claimed, u.id)
        return AuditLog(actor_id=actor.id, entity="user", entity_id=u.id, action="create", after=after)

    return _commit_new(user, audit)


def _reentered(after, password_reentered):
    """An audit row's ``after`` with whether the actor typed the password for this action (auth/recent.py)."""
    if password_reentered is not None:
        after["password_reentered"] = bool(password_reentered)
    return after


_dummy_hash = []


def _check_dummy(password):
    """Spend the time of one password check, so an unknown address answers as slowly as a known one."""
    if not _dummy_hash:
        _dummy_hash.append(generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD))
    check_password_hash(_dummy_hash[0], password)


def authenticate(email, password):
    """The user with these credentials, or None; takes as long for an unknown address as for a known one."""
    user = db.session.scalar(db.select(User).filter_by(email=(email or "").strip().lower()))
    if user is None:
        _check_dummy(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user


def log_in(email, password, address):
    """The user with these credentials, the login recorded in one commit: last_login_at, and the throttle's
    failures of the account from ``address`` forgotten. LoginRefused otherwise (the throttle's refusal, wrong
    credentials, a deactivated account), with nothing committed but the throttle's record of the attempt,
    which it commits before the password is checked (auth/throttle.py). A commit that fails is LoginRefused
    too: the caller logs the browser in only once this returns, so a failure is never half a login."""
    admitted, wait = throttle.admit(email, address)
    if not admitted:
        raise LoginRefused(f"登录失败次数过多，请 {math.ceil(wait / 60)} 分钟后再试", "email", 429, wait)
    user = authenticate(email, password)
    if user is None:
        raise LoginRefused("邮箱或密码不正确", "password")
    if not user.is_active:  # the attempt stays counted, as a wrong password's does
        raise LoginRefused("该账号已被停用，请联系平台管理员", "email")
    throttle.succeeded(email, address, commit=False)
    user.last_login_at, user_id = utcnow(), user.id
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("login of user %s not saved", user_id)  # read before: the rollback expired the user
        raise LoginRefused("登录未完成：服务器暂时无法保存，您尚未登录，请稍后重新登录", "password", 503) from None
    return user


def logout(user):
    """End the user's sessions server-side: a copied session or remember-me cookie stops working."""
    user.end_sessions()
    db.session.commit()


PERSONAL_TOKENS = (ApiTokenKind.PERSONAL.value,)  # a new password revokes these; service tokens are admins' to revoke


def _replace_password(user, new, refusal):
    """Set a new password on ``user`` unless another request replaced the one it was read with: of two tabs
    (two admins, one reset link opened twice) saving at the same moment one sets it, the other is refused with
    ``refusal`` (both were told the password was set, and one of the two passwords did not work). The
    conditional write holds the row: a PostgreSQL twin waits for this commit, a SQLite one for the write lock,
    and then finds the password changed."""
    read_with = user.password_hash
    taken = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == read_with)
        .values(password_hash=read_with)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise AccountError(refusal)
    user.set_password(new)


@rolls_back_on(AccountError)
def change_password(user, current, new):
    """Check the current password and set a new one; ends other sessions and revokes the account's personal
    API tokens (one minted with a stolen session would outlive the password otherwise); commits.
    Returns how many tokens were revoked."""
    if not user.check_password(current):
        raise AccountError("当前密码不正确")
    if current == new:
        raise AccountError("新密码不能与当前密码相同")
    _replace_password(user, new, "密码刚刚已在其他页面修改，本次修改未保存；请用新密码重新登录")
    revoked = tokens.revoke_all(user, user, "修改密码时一并撤销", PERSONAL_TOKENS)
    db.session.commit()
    return revoked


@rolls_back_on(AccountError)
def reset_password(user, new, actor, key=None, password_reentered=None):
    """An admin sets a new password for another account (for a user who forgot theirs): every session
    of the account ends, the reset is audited (not the password; whether the admin re-entered their own)
    and the user is notified; commits. Admins change their own password with change_password.
    once.Repeat for a repeated submit."""
    if user.id == actor.id:
        raise AccountError("不能在此修改自己的密码，请在「修改密码」页面修改")
    claimed = once.claim(key, "user_password", actor, target=user.id)  # another account's form's key is not a repeat
    # ends the account's sessions and remember-me cookies
    _replace_password(user, new, "该账号的密码刚刚已被重置（可能是其他管理员），本次设置未保存，请刷新后确认")
    tokens.revoke_all(user, actor, "重置密码时一并撤销", PERSONAL_TOKENS)
    db.session.add(AuditLog(actor_id=actor.id, entity="user", entity_id=user.id, action="reset_password",
                            after=_reentered({}, password_reentered) or None))  # fmt: skip
    notify(
        user, "account", "平台管理员已为您重置登录密码，请登录后在「修改密码」页面设置自己的新密码", "/auth/password"
    )
    once.bind(claimed, user.id)
    db.session.commit()


@rolls_back_on(AccountError)
def reset_own_password(user, new, key=None):
    """Set the password of the account a mailed reset link names (auth/reset.py): the link is spent,
    every session of the account ends, its failed log-ins are forgotten, the reset is audited and the user
    notified; commits. once.Repeat for a repeated submit."""
    claimed = once.claim(key, "user_password", user, target=user.id)
    # a new hash: this link and any other mailed before are spent, also for a twin submit of another tab
    _replace_password(user, new, "重置链接已使用或已失效（密码已更改），请重新申请")
    tokens.revoke_all(user, user, "重置密码时一并撤销", PERSONAL_TOKENS)
    throttle.forget(user.email)  # a lock-out by someone else's guesses ends with the reset (Redis's after it)
    db.session.add(AuditLog(actor_id=user.id, entity="user", entity_id=user.id, action="reset_self"))
    notify(user, "account", "您的登录密码已通过邮件中的重置链接修改。如非本人操作，请立即联系平台管理员")
    once.bind(claimed, user.id)
    db.session.commit()


def decide_membership(user, approve):
    """Approve (join) or refuse a pending request to join an organisation; commits.

    The request is taken by one conditional write: of two decisions at the same moment (two admins, two
    tabs, a double click) one applies and the other is refused, never approved and refused both."""
    org = user.requested_organization
    if org is None:
        raise AccountError("该账号没有待审核的加入申请")
    values = {"requested_organization_id": None}
    if approve:
        values["organization_id"] = org.id
    taken = db.session.execute(
        update(User).where(User.id == user.id, User.requested_organization_id == org.id).values(**values)
    )
    if taken.rowcount != 1:  # decided by another request since this one read it
        db.session.rollback()
        raise AccountError("该账号没有待审核的加入申请（可能刚由其他管理员处理）")
    if approve:
        what = "需求" if org.kind == OrgKind.ENTERPRISE else "成果"
        notify(user, "membership", f"您已加入单位「{org.name}」，现在可以代表该单位发布{what}", "/dashboard")
    else:
        notify(user, "membership", f"您加入单位「{org.name}」的申请未获批准，如有疑问请联系平台管理员", "/dashboard")
    db.session.commit()
    return org


def set_active(user, active, actor=None, password_reentered=None):
    """Activate or deactivate an account; deactivation ends its sessions and revokes every API token acting
    as it for good (reactivating does not revive them). The last active admin is never deactivated, not
    even by two admins deactivating each other at the same moment. A broker's open pairs go back to no broker,
    for the others to take (suggestions.pipeline.release_pairs). Audited (with whether the actor re-entered the
    password for it) when the account changes; commits. Returns how many pairs were released."""
    if not active and user.role == "broker":
        # PostgreSQL: the broker's row before anything else is written, so that a pair being given to them at this
        # moment (suggestions.pipeline.hold_broker, FOR SHARE) either commits first and is released below, or
        # waits for this commit and is refused.
        db.session.execute(db.select(User.id).where(User.id == user.id).with_for_update())
    if bool(user.active) != bool(active):
        db.session.add(AuditLog(actor_id=getattr(actor, "id", None), entity="user", entity_id=user.id,
                                action="activate" if active else "deactivate",
                                after=_reentered({"active": bool(active)}, password_reentered)))  # fmt: skip
    if active:
        user.active = True
        db.session.commit()
        return 0
    is_admin = user.role == "admin"
    if is_admin:  # PostgreSQL: the second of two such requests waits here for the first's commit
        db.session.execute(db.select(User.id).filter_by(role="admin", active=True).with_for_update())
    user.deactivate()
    tokens.revoke_all(user, actor, "停用账号时一并撤销")
    released = pipeline.release_pairs(user.id) if user.role == "broker" else 0
    db.session.flush()  # SQLite: this write waits for any other writer's commit, so the count below is current
    if is_admin and not db.session.scalar(
        db.select(db.func.count(User.id)).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    ):
        db.session.rollback()
        raise AccountError("不能停用最后一位在用的管理员账号：平台须至少保留一位管理员")
    db.session.commit()
    return released
