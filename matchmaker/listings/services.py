"""Use cases shared by needs and results: create, edit, life cycle, open, expire.

Each function is one user action and commits once; what a change means for matching is
handed to the matcher as a job that runs after the commit (``matcher.schedule_matching``).
"""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import ACTIVE_STATUSES, ListingStatus, Zone
from ..models.base import utcnow
from ..notifications.services import notify
from ..suggestions import services as matcher
from ..utils import clock, once
from ..utils.versions import fingerprint, unless_stale
from . import access, lifecycle, queries
from .kinds import KINDS, kind_of, spec_of
from .tokens import refresh_tokens
from .validation import clean_keywords, clean_patents

NULL_WHEN_EMPTY = {"industry", "field", "town", "coop_mode", "contact_name", "contact_phone", "contact_email", "team",
                   "maturity", "ip_type", "transfer_mode", "patent_numbers", "valid_until"}  # fmt: skip


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def apply_data(listing, data):
    """Copy cleaned form data onto a listing, with zones, keywords, its amount and token caches."""
    kind = spec_of(listing)
    for name in kind.fields:
        if name in data:
            value = _strip(data[name])
            if name in NULL_WHEN_EMPTY:
                value = value or None
            setattr(listing, name, "" if value is None and name not in NULL_WHEN_EMPTY else value)
    listing.keywords = clean_keywords(data.get("keywords") or "")
    if "zones" in data:
        ids = data.get("zones") or []
        closed = [z for z in listing.zones if not z.active and z.id not in ids]  # not offered on the form: kept
        listing.zones = (db.session.scalars(db.select(Zone).where(Zone.id.in_(ids))).all() if ids else []) + closed
    amount, negotiable = data.get(kind.amount_field) or (None, False)
    setattr(listing, kind.amount, amount)
    setattr(listing, kind.negotiable, negotiable)
    if kind.name == "need":
        listing.source = listing.source or "self"
        listing.confidentiality = listing.confidentiality or "public"
    else:
        listing.patent_numbers = clean_patents(listing.patent_numbers or "") or None
    refresh_tokens(listing)


def _match_after_commit(listing, was_live):
    """Have the matcher told, once this transaction commits, about a change that matters to it."""
    if was_live or lifecycle.is_live(listing):
        matcher.schedule_matching(listing)


def create(kind, user, data, publish=False, key=None):
    """A new listing of the user (a need of their organisation, a result of their own): a draft or published.

    ``key``: the form's one-time key; a repeat raises ``once.Repeat`` with the first listing's id."""
    spec = KINDS[kind]
    claimed = once.claim(key, kind, user)
    listing = spec.model(organization_id=user.organization_id, status=ListingStatus.DRAFT.value)
    setattr(listing, spec.owner_column, user.id)
    if kind == "result":
        listing.source = "self"
    apply_data(listing, data)
    if publish:
        lifecycle.transition(listing, "publish")
    db.session.add(listing)
    db.session.flush()
    once.bind(claimed, listing.id)
    _match_after_commit(listing, False)
    db.session.commit()
    return listing


def content_version(listing):
    """A fingerprint of what the edit form shows of the listing as stored."""
    spec = spec_of(listing)
    values = [getattr(listing, f) for f in (*spec.fields, spec.amount, spec.negotiable)]
    values.append(sorted(z.id for z in listing.zones))
    return fingerprint(values)


def update(listing, data, version=None):
    """Save edits to a listing; re-matched if it is (or was) live. ``version``: the content_version the
    edit page showed; a listing changed since then is not overwritten (EditConflict) unless this save changes
    nothing (the second submit of a double click)."""
    with unless_stale(listing, version, content_version, spec_of(listing).noun, who="同事、管理员"):
        was_live, valid_until = lifecycle.is_live(listing), listing.valid_until
        apply_data(listing, data)
        lifecycle.validity_edited(listing, valid_until)
    _match_after_commit(listing, was_live)
    db.session.commit()
    return listing


def change_status(listing, action, valid_until=None, actor=None, seen_until=None):
    """publish / dock / solve / close / renew / reopen, recorded with who and when; raises LifecycleError in
    Chinese."""
    was_live = lifecycle.is_live(listing)
    try:
        if action in lifecycle.SYSTEM_ACTIONS:  # the platform's moves (expiry, a contract), never a button
            raise lifecycle.LifecycleError("不支持的操作")
        lifecycle.transition(listing, action, valid_until=valid_until, actor=actor, seen_until=seen_until)
    except lifecycle.LifecycleError:
        db.session.rollback()
        raise
    _match_after_commit(listing, was_live)
    db.session.commit()
    return listing


def _speakers(listing):
    """Who is told about the listing: its author, else (an imported need) its enterprise's users."""
    from ..brokers.services import need_side_user_ids, result_side_user_ids  # brokers build on listings

    return need_side_user_ids(listing) if kind_of(listing) == "need" else result_side_user_ids(listing)


def _tell_speakers(listing, text):
    """An expiry notice to everyone who speaks for the listing."""
    for user_id in _speakers(listing):
        notify(user_id, "expiry", text, spec_of(listing).path(listing.id))


def _expiry_note(listing):
    noun = spec_of(listing).noun
    _tell_speakers(
        listing, f"您的{noun}“{listing.title}”已过有效期，已从公开列表和匹配中撤下。如仍有效请续期，否则请关闭。"
    )


def open_listing(listing, user, audit=False):
    """A listing being read, in one transaction: expired if found past its validity; with ``audit``, a
    staff reader's view of its contacts (and of a summary-only need's details) recorded when the reader
    may open it and see them, as its page and the API's detail show them. Commits once, only when
    something was written."""
    changed = False
    if lifecycle.is_due(listing):
        try:
            lifecycle.expire(listing)
        except lifecycle.StatusChanged:  # closed or renewed meanwhile: nothing to expire
            db.session.rollback()
        else:
            _expiry_note(listing)
            changed = True
    if audit and user.is_staff and access.can_open(user, listing) and access.can_see_contacts(user, listing):
        hidden = kind_of(listing) == "need" and listing.confidentiality == "summary"
        if access.log_confidential_view(user, listing, ["contacts"] + (["details"] if hidden else [])) is not None:
            changed = True
    if changed:
        if listing.status == ListingStatus.EXPIRED.value:
            matcher.schedule_matching(listing)
        db.session.commit()
    return listing


def log_list_views(user, listings):
    """Audit a broker's (or admin's) reading of summary-only needs' details in a list (the API's list gives them,
    as the detail page does; the pages' lists do not). Commits once, when something was written."""
    logged = [access.log_confidential_view(user, item, ["details"]) for item in listings
              if getattr(item, "confidentiality", None) == "summary"]  # fmt: skip
    if any(row is not None for row in logged):
        db.session.commit()


def expire_due(today=None, batch=500):
    """Expire every live listing past its validity; returns {"need": n, "result": m}."""
    today = today or clock.today()
    counts = {}
    for kind, spec in KINDS.items():
        model, n = spec.model, 0
        while True:
            rows = db.session.scalars(
                db.select(model)
                .where(model.status.in_(ACTIVE_STATUSES), model.valid_until < today)
                .order_by(model.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            for listing in rows:
                try:
                    lifecycle.expire(listing)
                except lifecycle.StatusChanged:  # closed or renewed meanwhile
                    continue
                _expiry_note(listing)
            matcher.schedule_matching_many(kind, [listing.id for listing in rows])
            db.session.commit()
            n += len(rows)
        counts[kind] = n
    return counts


def remind_expiring(today=None, days=lifecycle.REMIND_DAYS):
    """Remind owners once of listings expiring within ``days``; returns how many this run reminded.

    Each reminder is claimed by a conditional update in the commit that writes it: two runs at once (the command
    beside the daily job, two commands) remind each owner once; a run that read a listing before another reminded
    it, or before it was closed or renewed, leaves it."""
    today = today or clock.today()
    n = 0
    for spec in KINDS.values():
        model = spec.model
        due = (
            model.status.in_(ACTIVE_STATUSES),
            model.valid_until >= today,
            model.valid_until <= today + timedelta(days=days),
            model.expiry_notified_at.is_(None),
        )
        rows = db.session.scalars(db.select(model).where(*due).order_by(model.id)).all()
        for listing in rows:
            claimed = db.session.execute(
                sa.update(model)
                .where(model.id == listing.id, *due)
                .values(expiry_notified_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if not claimed:
                continue
            _tell_speakers(
                listing, f"您的{spec.noun}“{listing.title}”将于 {listing.valid_until:%Y-%m-%d} 到期，请及时续期或关闭。"
            )
            n += 1
    db.session.commit()
    return n


def retokenize_all(batch=500):
    """Recompute every listing's token caches (after a dictionary change), a batch per commit."""
    for spec in KINDS.values():
        model, last = spec.model, 0
        while True:
            rows = db.session.scalars(db.select(model).where(model.id > last).order_by(model.id).limit(batch)).all()
            if not rows:
                break
            for listing in rows:
                refresh_tokens(listing)
            last = rows[-1].id
            db.session.commit()


def public_list(kind, args, user):
    """The public list / search of live listings of a kind."""
    return queries.build(KINDS[kind].model, args, user)
