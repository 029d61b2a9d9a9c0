"""Use cases of research results: create, edit, life cycle, lists."""

from ..extensions import db
from ..models import ListingStatus, Result
from ..needs import lifecycle, queries
from ..needs.lifecycle import LifecycleError, can_see_contacts  # noqa: F401  (re-exported hooks)
from ..needs.services import apply_listing_data
from ..needs.validation import clean_patents

RESULT_FIELDS = ("title", "abstract", "detail", "advantages", "keywords", "industry", "field", "town", "team",
                 "maturity", "ip_type", "patent_numbers", "transfer_mode", "valid_until", "contact_name",
                 "contact_phone", "contact_email")  # fmt: skip


def _apply(result, data):
    apply_listing_data(result, data, RESULT_FIELDS)
    result.patent_numbers = clean_patents(result.patent_numbers or "") or None
    amount, negotiable = data.get("price") or (None, False)
    result.price_wan, result.price_negotiable = amount, negotiable


def create_result(user, data, publish=False):
    """A new result owned by the researcher, in their institution; commits."""
    result = Result(organization_id=user.organization_id, owner_id=user.id, status=ListingStatus.DRAFT.value,
                    source="self")  # fmt: skip
    _apply(result, data)
    db.session.add(result)
    db.session.commit()
    if publish:
        lifecycle.transition(result, "publish")
    return result


def update_result(result, data):
    """Save edits; commits and re-matches it if it is live."""
    was_live = lifecycle.is_live(result)
    _apply(result, data)
    db.session.commit()
    if was_live or lifecycle.is_live(result):
        lifecycle.notify_matcher(result)
    return result


def change_status(result, action, valid_until=None):
    """publish / dock / solve / close / renew; raises LifecycleError in Chinese."""
    return lifecycle.transition(result, action, valid_until=valid_until)


def public_list(args, user):
    """The public list/search of live results."""
    return queries.build(Result, args, user)


def mine(user, status=None):
    """The researcher's own results, newest first."""
    stmt = db.select(Result).where(Result.owner_id == user.id)
    if status in {s.value for s in ListingStatus}:
        stmt = stmt.where(Result.status == status)
    return stmt.order_by(Result.updated_at.desc(), Result.id.desc())


def my_counts(user):
    return queries.state_counts(Result, Result.owner_id == user.id)
