"""Zones: create, edit, and the live needs and results of a zone."""

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..listings.lifecycle import live_clause
from ..models import Result, TechNeed, Zone, need_zone, result_zone
from ..utils import once
from ..utils.text import zone_key
from ..utils.versions import fingerprint, unless_stale


class ZoneTaken(Exception):
    """Another request saved a zone of this name first (a double submit, two tabs)."""


def zone_version(zone):
    """A fingerprint of what the edit form shows of the zone as stored."""
    return fingerprint((zone.name, zone.description, zone.starts_on, zone.ends_on, zone.active))


def zone_named(name):
    """The zone whose name is ``name`` or looks like it (zone_key), or None: by exact name, then by name_key
    (what the database keeps unique), then among the look-alikes the name_key migration left without a key
    (a few at most: their key holder may since have been renamed away)."""
    key = zone_key(name)
    if key is None:
        return None
    found = db.session.scalar(db.select(Zone).filter_by(name=name.strip()))
    found = found or db.session.scalar(db.select(Zone).filter_by(name_key=key))
    unkeyed = () if found else db.session.scalars(db.select(Zone).where(Zone.name_key.is_(None)).order_by(Zone.id))
    return found or next((z for z in unkeyed if zone_key(z.name) == key), None)


def save_zone(zone, data, version=None, key=None, actor=None):
    """Apply form data to a zone (new or existing); commits.

    ``version``: the zone_version the edit page showed; a zone changed since then is not overwritten
    (EditConflict) unless this save changes nothing (a repeat of the save that made it). ``key``: the create form's one-time key; a repeated create raises ``once.Repeat`` with the
    first zone's id. Raises ZoneTaken (rolled back) when the name or a look-alike of it (zone_key, kept unique
    in zone.name_key) was taken by a simultaneous save, in the words of the form's own check."""
    claimed = once.claim(key, "zone", actor) if zone.id is None else None
    with unless_stale(zone, version, zone_version, "专区"):
        zone.name = data["name"].strip()
        zone.description = (data.get("description") or "").strip()
        zone.starts_on, zone.ends_on = data.get("starts_on"), data.get("ends_on")
        zone.active = bool(data.get("active"))
    db.session.add(zone)
    own_id, name = zone.id, zone.name
    try:
        db.session.flush()
        once.bind(claimed, zone.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _taken(own_id, name) from None
    return zone


def _taken(own_id, name):
    """The refusal of a save that met another zone's name or look-alike name (name_key) in the database: in
    the words the form gives when that zone was already there (ZoneForm.validate_name)."""
    other = zone_named(name)
    if other is not None and other.id != own_id:
        return ZoneTaken("已有同名专区" if other.name == name else f"已有同名专区“{other.name}”")
    return ZoneTaken("已有同名专区")


def shown_zones(user, zones):
    """The zones of a listing a user is shown: open ones; admins also closed ones (they open closed
    zones' pages too), told apart by ``active``."""
    if getattr(user, "is_admin", False):
        return list(zones)
    return [z for z in zones if z.active]


def zone_needs(zone, user=None):
    """Live needs tagged into the zone, newest first. A summary-only need's zones are hidden from
    all but staff and its own enterprise (as on its page and in the list's zone filter): it is left out."""
    ids = db.select(need_zone.c.need_id).where(need_zone.c.zone_id == zone.id)
    stmt = (
        db.select(TechNeed).options(joinedload(TechNeed.organization))
        .where(TechNeed.id.in_(ids), live_clause(TechNeed)).order_by(TechNeed.published_at.desc(), TechNeed.id.desc())
    )  # fmt: skip
    shown = _needs_shown(user)
    return stmt if shown is None else stmt.where(shown)


def _needs_shown(user):
    """Which of a zone's needs ``user`` is shown (None: all, for staff): a summary-only need only to its own
    enterprise. The zone's counts apply the same rule as its list (a count of hidden needs told of them)."""
    if user is not None and user.is_authenticated and user.is_staff:
        return None
    shown = TechNeed.confidentiality != "summary"
    if user is not None and user.is_authenticated and user.role == "enterprise" and user.organization_id:
        shown = or_(shown, TechNeed.organization_id == user.organization_id)
    return shown


def zone_results(zone):
    """Live results tagged into the zone, newest first."""
    ids = db.select(result_zone.c.result_id).where(result_zone.c.zone_id == zone.id)
    return (
        db.select(Result).options(joinedload(Result.organization))
        .where(Result.id.in_(ids), live_clause(Result)).order_by(Result.published_at.desc(), Result.id.desc())
    )  # fmt: skip


def zone_counts(user=None):
    """{zone_id: (live needs, live results)} for every zone, in two grouped queries; the needs ``user`` is
    shown (zone_needs' rule; no user: the public's)."""
    out = {}
    shown = _needs_shown(user)
    for link, key, model in (
        (need_zone, need_zone.c.need_id, TechNeed),
        (result_zone, result_zone.c.result_id, Result),
    ):
        stmt = db.select(link.c.zone_id, func.count()).join(model, model.id == key).where(live_clause(model))
        if model is TechNeed and shown is not None:
            stmt = stmt.where(shown)
        rows = db.session.execute(stmt.group_by(link.c.zone_id))
        for zone_id, n in rows:
            out.setdefault(zone_id, [0, 0])[0 if model is TechNeed else 1] = n
    return out
