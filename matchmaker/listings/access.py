"""Who may see what of a listing: the owner, staff, introduced counterparts, everyone else."""

import re
import unicodedata

from sqlalchemy import exists

from ..extensions import db
from ..models import AuditLog, MatchSuggestion, Result, Role, TechNeed
from ..models.enums import INTRODUCED_STATUSES
from .lifecycle import is_live


def is_owner(user, listing):
    """The user may edit the listing (its enterprise / its researcher, or an admin)."""
    return bool(user and user.is_authenticated and listing.can_edit(user))


def introduced_between(user, listing):
    """True when the user is one side of an introduced pair whose other side is `listing`."""
    if not getattr(user, "is_authenticated", False) or listing is None:
        return False
    introduced = MatchSuggestion.status.in_(INTRODUCED_STATUSES)
    if isinstance(listing, TechNeed):
        if user.role != Role.RESEARCHER:
            return False
        cond = exists().where(
            MatchSuggestion.need_id == listing.id, introduced, MatchSuggestion.result_id == Result.id,
            Result.owner_id == user.id,
        )  # fmt: skip
    elif isinstance(listing, Result):
        if user.role != Role.ENTERPRISE or not user.organization_id:
            return False
        cond = exists().where(
            MatchSuggestion.result_id == listing.id, introduced, MatchSuggestion.need_id == TechNeed.id,
            TechNeed.organization_id == user.organization_id,
        )  # fmt: skip
    else:
        return False
    return bool(db.session.scalar(db.select(cond)))


def can_open(user, listing):
    """The listing's page: live ones for everyone; others for staff, the owner and introduced counterparts."""
    if is_live(listing):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or is_owner(user, listing):
        return True
    return listing.status != "draft" and introduced_between(user, listing)


def can_see_contacts(user, listing):
    """Contact details: staff, the owner, and introduced counterparts."""
    if not user or not user.is_authenticated:
        return False
    return user.is_staff or is_owner(user, listing) or introduced_between(user, listing)


def can_see_full(user, listing):
    """All fields of a listing: everyone for public ones; for summary-only needs as for contacts."""
    if getattr(listing, "confidentiality", "public") != "summary":
        return True
    return can_see_contacts(user, listing)


def list_full(user, listing):
    """In lists (no per-row queries): everything unless a summary-only need seen by a non-owner."""
    if getattr(listing, "confidentiality", "public") != "summary":
        return True
    return bool(user.is_authenticated and (user.is_staff or is_owner(user, listing)))


# The confidentiality rule (issue 13), the one place every page asks ---------------------------


def identity_hidden(user, listing, introduced=None):
    """True when the viewer may see only a need's title, industry and summary: a 仅公开摘要 need seen
    by someone other than staff, its owner, or a researcher it has been introduced to. Pages showing
    a pair pass `introduced` (the pair's status says it) to save the query."""
    if not isinstance(listing, TechNeed) or listing.confidentiality != "summary":
        return False
    if user is not None and user.is_authenticated and (user.is_staff or is_owner(user, listing)):
        return False
    if introduced is None:
        introduced = introduced_between(user, listing)
    return not introduced


def hidden_in_lists(user, listing, introduced=None):
    """True when a list (the brokers' queue and pipeline, the API's pair list) shows the need as outsiders see
    it: besides identity_hidden, staff too see a summary-only need's organisation, budget and hidden-text
    reasons only on its pages, where that reading is audited (log_confidential_view); a list would show
    them to every broker opening a queue page, unaudited. Its own enterprise's users see their own."""
    if isinstance(listing, TechNeed) and listing.confidentiality == "summary" and getattr(user, "is_staff", False):
        return True
    return identity_hidden(user, listing, introduced)


def org_name(user, listing, introduced=None):
    """The listing's organisation as this viewer may see it ("" while hidden)."""
    if listing is None or listing.organization is None or identity_hidden(user, listing, introduced):
        return ""
    return listing.organization.name


def public_text(listing):
    """What anyone may read of a summary-only need."""
    return " ".join(x for x in (listing.title, listing.industry, listing.summary) if x).lower()


def in_public_text(need, word) -> bool:
    """The word is visible in the need's public text: a Latin or numeric word as a whole word ("led" is
    not in "sealed"), other words as they are written, compared as the matcher normalises text."""
    text = unicodedata.normalize("NFKC", public_text(need)).casefold()
    word = unicodedata.normalize("NFKC", str(word)).casefold()
    if re.fullmatch(r"[a-z0-9._+-]+", word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None
    return bool(word) and word in text


def visible_reasons(user, need, reasons, introduced=None, listed=False):
    """Reason terms [(term, weight)] a viewer may see: while the need is hidden, only the terms
    found in its public text, so no word of the hidden problem text shows through. ``listed``: for a
    list (hidden_in_lists)."""
    hidden = hidden_in_lists if listed else identity_hidden
    if not hidden(user, need, introduced):
        return list(reasons)
    return [(t, w) for t, w in reasons if in_public_text(need, t)]


def log_confidential_view(user, listing, fields, **where):
    """Audit a broker's (or admin's) view of confidential fields or contacts of someone else's listing, the
    one rule of every page and API reading that shows them (``where``: e.g. via="suggestion" and its id);
    added to the session, the caller commits. Entity as the listing's table, as its other audit rows."""
    if not (user.is_authenticated and user.is_staff) or is_owner(user, listing) and not user.is_admin:
        return None
    row = AuditLog(actor_id=user.id, entity=listing.__tablename__, entity_id=listing.id, action="view",
                   after={"fields": fields, **where})  # fmt: skip
    db.session.add(row)
    return row
