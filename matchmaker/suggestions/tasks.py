"""Jobs of the suggestions area: what a listing's change means for matching, run after its commit."""

from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..listings.kinds import model_of
from .store import explain_pending as _explain_pending
from .store import refresh_listing as _refresh


@jobs.task()
def refresh_listing(kind: str, listing_id: int):
    """(Re)compute or withdraw one listing's suggestions and route new ones to brokers."""
    listing = db.session.get(model_of(kind), listing_id)
    if listing is not None:
        _refresh(listing)


@jobs.task()
def refresh_listings(kind: str, listing_ids: list):
    """The same for many listings of a kind (a bulk import), in id order."""
    model = model_of(kind)
    for i in range(0, len(listing_ids), 500):
        part = listing_ids[i : i + 500]
        for listing in db.session.scalars(select(model).where(model.id.in_(part)).order_by(model.id)).all():
            _refresh(listing)


@jobs.task()
def explain_pending():
    """Compute the reasons of pairs a full re-suggestion stored with their scores alone, a few
    thousand per run; queues itself again while some are left."""
    done, more = _explain_pending()
    if more:
        jobs.enqueue(explain_pending)
    return done
