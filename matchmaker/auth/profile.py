"""One's own account and organisation: 个人资料 (name, phone) and 本单位信息 (the organisation's contact details).

E-mail, role and organisation stay the admin's to change (the e-mail is the login; the role and organisation decide
what the account may see and post), as do an organisation's name, kind, credit code, town and industry."""

from ..extensions import db
from ..models import AuditLog, Role, User
from ..utils.versions import fingerprint, unless_stale

PROFILE_FIELDS = ("name", "phone")
CONTACT_FIELDS = ("address", "contact_name", "contact_phone", "contact_email")


def profile_version(user):
    """A fingerprint of what the 个人资料 form shows of the account as stored."""
    return fingerprint([getattr(user, key) for key in PROFILE_FIELDS])


def contacts_version(org):
    """A fingerprint of what the 本单位信息 form shows of the organisation as stored."""
    return fingerprint([getattr(org, key) for key in CONTACT_FIELDS])


def _apply(record, fields, data):
    """Set ``fields`` of ``record`` from the form's ``data`` (trimmed, blank as NULL; the models normalise phones);
    returns (before, after) of the fields whose stored value changed."""
    before = {key: getattr(record, key) for key in fields}
    for key in fields:
        value = data.get(key)
        value = value.strip() if isinstance(value, str) else value
        setattr(record, key, value or None)
    after = {key: getattr(record, key) for key in fields}
    changed = [key for key in fields if before[key] != after[key]]
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


def save_profile(user, data, version=None, actor=None):
    """The account's name and phone, from its own 个人资料 form or, ``actor`` an admin, from the admin's 编辑账号
    page; audited (who did it: the account itself, or the admin) when something changed; commits.

    ``version``: the profile_version the page showed; a profile saved since (from another tab or device, by the
    user or an admin) is not overwritten (EditConflict), unless this save changes nothing (the second submit of a
    double click)."""
    actor = actor or user
    by_admin = actor.id != user.id
    who = "本人或其他管理员" if by_admin else "您在其他设备上的登录或平台管理员"
    with unless_stale(user, version, profile_version, "账号的姓名和手机" if by_admin else "个人资料", who=who):
        before, after = _apply(user, PROFILE_FIELDS, data)
    row = _as_committed(actor)
    if row is None or not row.active or (by_admin and row.role != Role.ADMIN):
        db.session.rollback()
        raise NoLongerActive(
            f"您的账号已被停用{'或已不再是平台管理员' if by_admin else ''}，本次修改未保存；如有疑问，请联系平台管理员"
        )
    if after:
        db.session.add(AuditLog(actor_id=actor.id, entity="user", entity_id=user.id,
                                action="admin_update_profile" if by_admin else "update_profile",
                                before=before, after=after))  # fmt: skip
    db.session.commit()
    return user


def save_contacts(org, data, actor, version=None):
    """The organisation's contact details from the 本单位信息 form of a user who keeps them
    (Organization.can_edit_contacts); audited when something changed; commits.

    ``version``: the contacts_version the page showed; details saved since by another member or an admin are not
    overwritten (EditConflict), unless this save changes nothing (the second submit of a double click)."""
    if not org.can_edit_contacts(actor):
        raise PermissionError("not a keeper of this organisation's contact details")
    with unless_stale(org, version, contacts_version, "单位联系方式", who="本单位其他成员或平台管理员"):
        before, after = _apply(org, CONTACT_FIELDS, data)
    _still_keeper(org, actor)
    if after:
        db.session.add(AuditLog(actor_id=actor.id, entity="organization", entity_id=org.id, action="update_contacts",
                                before=before, after=after))  # fmt: skip
    db.session.commit()
    return org


class NoLongerActive(PermissionError):
    """The account saving (its own 个人资料, or as an admin another's) was deactivated, or an admin no longer one, while
    the save was in flight: nothing saved; the message says so."""


class NoLongerKeeper(NoLongerActive):
    """The account saving its organisation's contact details was deactivated, or left the organisation, while the
    save was in flight: nothing saved; the message says so."""


def _still_keeper(org, actor):
    """Raise NoLongerKeeper (rolled back) unless ``actor`` is, as committed now, still an active enterprise member of
    ``org``, keeping it so until this save commits. The request checked it when it began, from the account as then
    loaded: an account deactivated (or moved to another organisation) by an admin meanwhile still had that one save
    committed, audited as its own. PostgreSQL: the account's row under a share lock (a deactivation, which updates
    it, either committed first and is seen here, or waits for this commit); SQLite: the flush before it takes the
    one write lock, so the read is current (as suggestions.pipeline.hold_broker)."""
    row = _as_committed(actor)
    if row is None or not row.active or row.role != Role.ENTERPRISE or row.organization_id != org.id:
        db.session.rollback()
        raise NoLongerKeeper("您的账号已被停用或已不再是该单位的成员，本次修改未保存；如有疑问，请联系平台管理员")


def _as_committed(actor):
    """The account's (active, role, organization_id) as committed now, kept so until this transaction commits (see
    _still_keeper): a request checks its user when it begins, from the account as then loaded."""
    db.session.flush()
    return db.session.execute(
        db.select(User.active, User.role, User.organization_id).where(User.id == actor.id).with_for_update(read=True)
    ).first()
