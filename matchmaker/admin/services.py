"""Admin queries and use cases for accounts and organisations."""

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Organization, OrgKind, Taxonomy, User, Visit
from ..utils import once
from ..utils.search import contains_any
from ..utils.text import FULL_TO_HALF_BRACKETS, HALF_TO_FULL_BRACKETS, clean_text, has_visible, name_key, zone_key
from ..utils.uscc import normalize_uscc
from ..utils.versions import fingerprint, unless_stale


def user_query(role=None, q=None, active=None, pending=None):
    """Users filtered by role, active flag, pending membership and a name/e-mail fragment, newest first."""
    stmt = db.select(User).order_by(User.id.desc())
    if pending == "1":
        stmt = stmt.where(User.requested_organization_id.is_not(None))
    if role:
        stmt = stmt.where(User.role == role)
    if active in ("1", "0"):
        stmt = stmt.where(User.active.is_(active == "1"))
    if q:
        stmt = stmt.where(contains_any(q.strip(), User.name, User.email))
    return stmt


def org_query(kind=None, q=None):
    """Organisations filtered by kind and a name fragment, by name."""
    stmt = db.select(Organization).order_by(Organization.id.desc())
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if q:
        stmt = stmt.where(contains_any(q.strip(), Organization.name))
    return stmt


class OrganizationTaken(Exception):
    """Another request saved an organisation of this name (or one differing only in the width of its brackets)
    or USCC first (a double submit, two tabs, a registration at the same moment); ``field`` is the form
    field it is about."""

    def __init__(self, message, field="name"):
        super().__init__(message)
        self.field = field


ORG_FIELDS = ("name", "kind", "town", "industry", "address", "contact_name", "contact_phone", "contact_email",
              "description")  # fmt: skip


def organization_version(org):
    """A fingerprint of what the edit form shows of the organisation as stored."""
    return fingerprint([getattr(org, key) for key in ORG_FIELDS] + [org.uscc, org.verified])


class OrganizationKindClash(Exception):
    """The new kind does not fit the organisation's accounts (enterprise users, researchers)."""


def _check_kind_fits_members(org, kind):
    """An organisation with enterprise users stays an enterprise, one with researchers never becomes one
    (the rule accounts are created by): switched, its people would post for the wrong kind of organisation."""
    if org.id is None or not kind or kind == org.kind:
        return
    member = or_(User.organization_id == org.id, User.requested_organization_id == org.id)
    roles = set(db.session.scalars(db.select(User.role).where(member).distinct()))
    if "enterprise" in roles and kind != OrgKind.ENTERPRISE:
        raise OrganizationKindClash("该单位有企业用户账号，单位类型须为“企业”")
    if "researcher" in roles and kind == OrgKind.ENTERPRISE:
        raise OrganizationKindClash("该单位有科研人员账号，单位类型不能改为“企业”")
    if org.kind == OrgKind.ENTERPRISE and kind != OrgKind.ENTERPRISE:
        # Visits are of enterprises: switched, its visits could no longer be edited (登记走访 takes enterprises).
        visited = db.session.scalar(db.select(Visit.id).where(Visit.organization_id == org.id).limit(1))
        if visited is not None:
            raise OrganizationKindClash("该单位有走访记录（走访须针对企业），单位类型须为“企业”")


def save_organization(org, data, version=None, key=None, actor=None):
    """Apply form data to an organisation (new or existing); commits.

    ``version``: the organization_version the edit page showed; an organisation changed since then is not
    overwritten (EditConflict); a kind its accounts do not fit is refused (OrganizationKindClash).
    Raises OrganizationTaken (rolled back) when the name or USCC was taken by a simultaneous save. ``key``: the
    create form's one-time key; a repeated create raises ``once.Repeat`` with the first organisation's id."""
    claimed = once.claim(key, "organization", actor) if org.id is None else None
    with unless_stale(org, version, organization_version, "单位"):
        _check_kind_fits_members(org, data.get("kind"))
        for key in ORG_FIELDS:
            value = data.get(key)
            setattr(org, key, value.strip() if isinstance(value, str) else value)
        org.uscc = normalize_uscc(data.get("uscc")) or None
        org.verified = bool(data.get("verified"))
    db.session.add(org)
    own_id, name, uscc = org.id, org.name, org.uscc
    try:
        db.session.flush()
        once.bind(claimed, org.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _taken(own_id, name, uscc) from None
    return org


def _taken(own_id, name, uscc):
    """The refusal of a save that met another organisation's name, look-alike name or USCC in the database:
    in the words the form gives when that organisation was already there."""
    other = organization_named(name, any_brackets=True)
    if other is not None and other.id != own_id:
        return OrganizationTaken("已有同名单位" if other.name == name else f"已有同名单位“{other.name}”")
    holder = db.session.scalar(db.select(Organization.id).filter_by(uscc=uscc)) if uscc else None
    if holder is not None and holder != own_id:
        return OrganizationTaken("该统一社会信用代码已被其他单位使用", "uscc")
    return OrganizationTaken("已有同名单位或该统一社会信用代码已被其他单位使用")


LOOKUP_LIMIT = 20  # organisations suggested at a time while a name is typed


def org_lookup(q, role=None, limit=LOOKUP_LIMIT):
    """Organisations whose name contains ``q`` (names starting with it first, then the shortest), at most
    ``limit``, as dicts for the 所属单位 suggestions; ``role`` keeps to the kinds an account of it may join.

    Returns (rows, more): ``more`` is true when further organisations match (type more to narrow)."""
    spelt = _spellings(q)
    q = spelt[0] if spelt else ""
    stmt = db.select(Organization.id, Organization.name, Organization.kind)
    if q:
        stmt = stmt.where(or_(*(contains_any(s, Organization.name) for s in spelt)))
    # The rule itself is checked when the account is saved (auth.services); this only spares wrong offers.
    if role == "enterprise":
        stmt = stmt.where(Organization.kind == OrgKind.ENTERPRISE.value)
    elif role == "researcher":
        stmt = stmt.where(Organization.kind != OrgKind.ENTERPRISE.value)
    first = [or_(*(Organization.name.istartswith(s, autoescape=True) for s in spelt)).desc()] if q else []
    rows = db.session.execute(
        stmt.order_by(*first, func.length(Organization.name), Organization.name).limit(limit + 1)
    ).all()
    found = [{"id": i, "name": n, "kind": k, "kind_label": OrgKind.label_of(k)} for i, n, k in rows[:limit]]
    return found, len(rows) > limit


def _spellings(q):
    """What a typed fragment is looked up as: cleaned as form text is (a name was stored so: full-width letters
    and digits typed by a Chinese input method become ASCII), as typed, and with its brackets the other width.
    The cleaned spelling first; none for blank text."""
    typed = (q or "").strip()[:100]
    cleaned = clean_text(typed, multiline=False).strip()
    found = []
    for s in (cleaned, typed, cleaned.translate(HALF_TO_FULL_BRACKETS), cleaned.translate(FULL_TO_HALF_BRACKETS)):
        if s and s not in found:
            found.append(s)
    return found


def organization_named(name, any_brackets=False):
    """The organisation of exactly this name (names are unique), or None. ``any_brackets``: failing that, the one
    that is the same organisation by name_key (华星(深圳)有限公司 typed for 华星（深圳）有限公司, full-width letters for
    ASCII ones); the database keeps that one unique (organization.name_key)."""
    name = (name or "").strip()
    if not name:
        return None
    org = db.session.scalar(db.select(Organization).filter_by(name=name))
    if org is None and any_brackets:
        key = name_key(name)
        if key:
            org = db.session.scalar(db.select(Organization).filter_by(name_key=key))
    return org


def organizations_named(names, *where, chunk=500):
    """organization_named(name, any_brackets=True) for many names in a few queries: {name as given (stripped):
    (id, kind)} for those found, each by its exact name or else by name_key. ``where``: further conditions
    (only these kinds, say). For a spreadsheet's or a form's list of names, where one typed 华星(深圳)有限公司
    or pasted a full-width letter must find the organisation as the single-name form does."""
    wanted = {n.strip() for n in names if n and n.strip()}
    keys = {n: name_key(n) for n in wanted}
    by_name, by_key = {}, {}
    wanted_list = sorted(wanted)
    for i in range(0, len(wanted_list), chunk):
        part = wanted_list[i : i + chunk]
        part_keys = {keys[n] for n in part} - {None}
        stmt = db.select(Organization.id, Organization.name, Organization.name_key, Organization.kind).where(
            or_(Organization.name.in_(part), Organization.name_key.in_(part_keys)), *where
        )
        for org_id, name, key, kind in db.session.execute(stmt):
            by_name[name] = (org_id, kind)
            if key:
                by_key[key] = (org_id, kind)
    found = {n: by_name.get(n) or by_key.get(keys[n]) for n in wanted}
    return {n: v for n, v in found.items() if v}


# The maintained lists (industries, technical fields, towns) -----------------------------------------------

TAXONOMY_KINDS = {"industry": "行业", "field": "技术领域", "town": "镇街"}


def clean_term_name(name):
    """The name as stored: NFKC, without control or format (zero-width, bidi) characters, trimmed."""
    return clean_text(name or "", multiline=False).strip()


def add_term(kind, name):
    """Add an industry, technical field or town list entry (or re-activate it); returns an error message or None. Commits.

    The same entry added by two requests at the same moment (a double-clicked 添加) is answered
    「已存在」 by the one that loses on the unique (kind, name), not a 500; two look-alikes (智能家电 and 智能 家电)
    added at the same moment are kept apart by the unique (kind, name_key): the loser is told as the page's
    check tells it (中已有…只差空格、全角半角或大小写)."""
    raw, name = name, clean_term_name(name)
    if kind not in TAXONOMY_KINDS:
        return "请选择列表类型"
    if not name:
        return "名称不能只含空白或不可见字符" if (raw or "").strip() else "请填写名称"
    if not has_visible(name):
        return "名称不能只含空白或不可见字符"
    if len(name) > 50:
        return "名称不能超过 50 个字符"
    existing = db.session.scalar(db.select(Taxonomy).filter_by(kind=kind, name=name))
    if existing is None and (twin := term_lookalike(kind, name)) is not None:
        return _lookalike_refusal(kind, name, twin)
    if existing:
        if existing.active:
            return f"{TAXONOMY_KINDS[kind]}“{name}”已存在"
        existing.active = True
    else:
        top = db.session.scalar(db.select(func.max(Taxonomy.sort_order)).filter_by(kind=kind)) or 0
        db.session.add(Taxonomy(kind=kind, name=name, sort_order=top + 1))
    try:
        db.session.commit()
    except IntegrityError:  # the same entry, or a look-alike (unique kind, name_key), added by another request
        db.session.rollback()
        twin = term_lookalike(kind, name)
        return _lookalike_refusal(kind, name, twin) if twin else f"{TAXONOMY_KINDS[kind]}“{name}”已存在"
    return None


def _lookalike_refusal(kind, name, twin):
    state = "（已停用，可在下方列表中启用）" if not twin.active else ""
    return f"{TAXONOMY_KINDS[kind]}中已有“{twin.name}”{state}，“{name}”与它只差空格、全角半角或大小写，请勿重复添加"


def term_lookalike(kind, name):
    """Another entry of the list that reads as the same word: equal but for spaces (inner ones too), full-width
    letters or case (智能 家电 for 智能家电, ＡＩ芯片 or ai芯片 for AI芯片), by the zones' look-alike rule (zone_key)."""
    key = zone_key(name)
    rows = db.session.scalars(db.select(Taxonomy).filter_by(kind=kind).order_by(Taxonomy.id))
    return next((t for t in rows if t.name != name and zone_key(t.name) == key), None)


def set_term_active(term, active):
    """Hide a list entry from new choices (stored listings keep it) or show it again; commits."""
    term.active = bool(active)
    db.session.commit()
