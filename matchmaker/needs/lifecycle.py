"""Life cycle and visibility rules shared by needs and results.

draft → published → docking → solved / closed / expired; renew brings an expired (or
closed) listing back to published with a new validity date.
"""

from datetime import date, timedelta

from sqlalchemy import or_

from ..extensions import db
from ..models import ACTIVE_STATUSES, AuditLog, ListingStatus, Result, TechNeed
from ..models.base import utcnow
from ..notifications.services import notify

S = ListingStatus
RENEW_DAYS = 180
REMIND_DAYS = 7

# action: (allowed from, to, Chinese verb)
ACTIONS = {
    "publish": ({S.DRAFT}, S.PUBLISHED, "发布"),
    "dock": ({S.PUBLISHED}, S.DOCKING, "标记为对接中"),
    "solve": ({S.PUBLISHED, S.DOCKING}, S.SOLVED, "标记为已解决"),
    "close": ({S.DRAFT, S.PUBLISHED, S.DOCKING, S.EXPIRED}, S.CLOSED, "关闭"),
    "renew": ({S.PUBLISHED, S.DOCKING, S.EXPIRED, S.CLOSED}, S.PUBLISHED, "续期"),
}


class LifecycleError(ValueError):
    """A state change that is not allowed; the message is shown to the user."""


def kind_of(listing):
    """'need' or 'result'."""
    return "need" if isinstance(listing, TechNeed) else "result"


def noun(listing):
    return "需求" if isinstance(listing, TechNeed) else "成果"


def detail_path(listing):
    """Site-relative link to the listing (usable outside a request, e.g. from the CLI)."""
    return f"/needs/{listing.id}" if isinstance(listing, TechNeed) else f"/results/{listing.id}"


def owner_user_id(listing):
    return listing.created_by_id if isinstance(listing, TechNeed) else listing.owner_id


def is_owner(user, listing):
    """The user may edit the listing (its enterprise / its researcher, or an admin)."""
    return bool(user and user.is_authenticated and listing.can_edit(user))


def _introduced(user, listing):
    from ..matches import services as match_services

    hook = getattr(match_services, "introduced_between", None)
    return bool(hook and user.is_authenticated and hook(user, listing))


def can_see_contacts(user, listing):
    """Contact details: staff, the owner, and (via the brokers' hook) introduced counterparts."""
    if not user or not user.is_authenticated:
        return False
    return user.is_staff or is_owner(user, listing) or _introduced(user, listing)


def can_see_full(user, listing):
    """All fields of a listing: everyone for public ones; for summary-only needs as for contacts."""
    if getattr(listing, "confidentiality", "public") != "summary":
        return True
    return can_see_contacts(user, listing)


def log_confidential_view(user, listing, fields):
    """Audit a broker's (or admin's) view of confidential fields or contacts of someone else's listing."""
    if not (user.is_authenticated and user.is_staff) or is_owner(user, listing) and not user.is_admin:
        return
    db.session.add(
        AuditLog(
            actor_id=user.id, entity=kind_of(listing), entity_id=listing.id, action="view", after={"fields": fields}
        )
    )
    db.session.commit()


def live_filter(model, today=None):
    """SQL condition: public and matchable (published or docking, validity not past)."""
    today = today or date.today()
    return db.and_(model.status.in_(ACTIVE_STATUSES), or_(model.valid_until.is_(None), model.valid_until >= today))


def is_live(listing, today=None):
    today = today or date.today()
    return listing.status in ACTIVE_STATUSES and (listing.valid_until is None or listing.valid_until >= today)


def allowed_actions(listing):
    """Names of the actions the owner can take now."""
    return [a for a, (src, _, _) in ACTIONS.items() if listing.status in src]


def notify_matcher(listing):
    """Tell the matcher a listing changed (published, edited, closed, solved, expired, renewed)."""
    from ..matches import services as match_services

    match_services.listing_changed(listing)


def transition(listing, action, valid_until=None, today=None):
    """Apply a life-cycle action; commits and tells the matcher. Raises LifecycleError."""
    today = today or date.today()
    if action not in ACTIONS:
        raise LifecycleError("不支持的操作")
    src, dst, verb = ACTIONS[action]
    if listing.status not in src:
        raise LifecycleError(f"当前状态为“{listing.status_label}”，不能{verb}")
    if action == "renew":
        valid_until = valid_until or today + timedelta(days=RENEW_DAYS)
        if valid_until < today:
            raise LifecycleError("新的有效期不能早于今天")
        listing.valid_until = valid_until
        listing.expiry_notified_at = None
        listing.confirmed_at = utcnow()
        if listing.status == S.DOCKING:
            dst = S.DOCKING
    if dst in (S.PUBLISHED, S.DOCKING) and listing.valid_until and listing.valid_until < today:
        raise LifecycleError("有效期已过，请先修改有效期或续期")
    listing.status = dst.value
    if dst == S.PUBLISHED and listing.published_at is None:
        listing.published_at = utcnow()
    if dst == S.PUBLISHED:
        listing.confirmed_at = utcnow()
    db.session.commit()
    notify_matcher(listing)
    return listing


def _expire(listing):
    listing.status = S.EXPIRED.value
    listing.expiry_notified_at = utcnow()
    user_id = owner_user_id(listing)
    notify(
        user_id,
        "expiry",
        f"您的{noun(listing)}“{listing.title}”已过有效期，已从公开列表和匹配中撤下。如仍有效请续期，否则请关闭。",
        detail_path(listing),
    )


def expire_if_due(listing, today=None):
    """Expire a listing found past its validity when read; True if it changed."""
    if listing.status in ACTIVE_STATUSES and listing.valid_until and listing.valid_until < (today or date.today()):
        _expire(listing)
        db.session.commit()
        notify_matcher(listing)
        return True
    return False


def expire_due(today=None, batch=500):
    """Expire every live listing past its validity; returns {"need": n, "result": m}."""
    today = today or date.today()
    counts = {}
    for model in (TechNeed, Result):
        n = 0
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
                _expire(listing)
            db.session.commit()
            for listing in rows:
                notify_matcher(listing)
            n += len(rows)
        counts[kind_of(model())] = n
    return counts


def remind_expiring(today=None, days=REMIND_DAYS):
    """Remind owners once of listings expiring within ``days``; returns how many."""
    today = today or date.today()
    n = 0
    for model in (TechNeed, Result):
        rows = db.session.scalars(
            db.select(model).where(
                model.status.in_(ACTIVE_STATUSES),
                model.valid_until >= today,
                model.valid_until <= today + timedelta(days=days),
                model.expiry_notified_at.is_(None),
            )
        ).all()
        for listing in rows:
            listing.expiry_notified_at = utcnow()
            notify(
                owner_user_id(listing),
                "expiry",
                f"您的{noun(listing)}“{listing.title}”将于 {listing.valid_until:%Y-%m-%d} 到期，请及时续期或关闭。",
                detail_path(listing),
            )
            n += 1
    db.session.commit()
    return n


def list_full(user, listing):
    """In lists (no per-row queries): everything unless a summary-only need seen by a non-owner."""
    if getattr(listing, "confidentiality", "public") != "summary":
        return True
    return bool(user.is_authenticated and (user.is_staff or is_owner(user, listing)))
