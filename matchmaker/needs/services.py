"""Use cases of technical needs: create, edit, life cycle, lists, visibility."""

from ..extensions import db
from ..models import ListingStatus, TechNeed, Zone
from ..search.tokens import refresh_tokens
from . import lifecycle, queries
from .lifecycle import LifecycleError, can_see_contacts, can_see_full  # noqa: F401  (re-exported hooks)

NEED_FIELDS = ("title", "summary", "problem", "indicators", "conditions", "keywords", "industry", "field",
               "town", "coop_mode", "valid_until", "confidentiality", "source", "contact_name", "contact_phone",
               "contact_email")  # fmt: skip


NULL_WHEN_EMPTY = {"industry", "field", "town", "coop_mode", "contact_name", "contact_phone", "contact_email", "team",
                   "maturity", "ip_type", "transfer_mode", "patent_numbers", "valid_until"}  # fmt: skip


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def apply_listing_data(listing, data, fields):
    """Copy cleaned form data onto a listing, with zones, keywords and token caches."""
    from .validation import clean_keywords

    for name in fields:
        if name in data:
            value = _strip(data[name])
            if name in NULL_WHEN_EMPTY:
                value = value or None
            setattr(listing, name, "" if value is None and name not in NULL_WHEN_EMPTY else value)
    listing.keywords = clean_keywords(data.get("keywords") or "")
    if "zones" in data:
        ids = data.get("zones") or []
        listing.zones = db.session.scalars(db.select(Zone).where(Zone.id.in_(ids))).all() if ids else []
    refresh_tokens(listing)


def _after_save(listing, was_live):
    if was_live or lifecycle.is_live(listing):
        lifecycle.notify_matcher(listing)


def create_need(user, data, publish=False):
    """A new need of the user's organisation, as a draft or published; commits."""
    need = TechNeed(organization_id=user.organization_id, created_by_id=user.id, status=ListingStatus.DRAFT.value)
    _apply_need(need, data)
    db.session.add(need)
    db.session.commit()
    if publish:
        lifecycle.transition(need, "publish")
    return need


def _apply_need(need, data):
    apply_listing_data(need, data, NEED_FIELDS)
    amount, negotiable = data.get("budget") or (None, False)
    need.budget_wan, need.budget_negotiable = amount, negotiable
    need.source = need.source or "self"
    need.confidentiality = need.confidentiality or "public"


def update_need(need, data):
    """Save edits to a need; commits and re-matches it if it is live."""
    was_live = lifecycle.is_live(need)
    _apply_need(need, data)
    db.session.commit()
    _after_save(need, was_live)
    return need


def change_status(need, action, valid_until=None):
    """publish / dock / solve / close / renew; raises LifecycleError in Chinese."""
    return lifecycle.transition(need, action, valid_until=valid_until)


def public_list(args, user):
    """The public list/search of live needs."""
    return queries.build(TechNeed, args, user)


def mine(user, status=None):
    """The user's organisation's needs, newest first, optionally in one status."""
    stmt = db.select(TechNeed).where(TechNeed.organization_id == user.organization_id)
    if status in {s.value for s in ListingStatus}:
        stmt = stmt.where(TechNeed.status == status)
    return stmt.order_by(TechNeed.updated_at.desc(), TechNeed.id.desc())


def my_counts(user):
    return queries.state_counts(TechNeed, TechNeed.organization_id == user.organization_id)
