"""Home-page figures and the maintained choice lists."""

from sqlalchemy import func

from ..extensions import db
from ..models import ACTIVE_STATUSES, Contract, Result, Taxonomy, TechNeed
from ..models.signing import contract_not_awaiting
from ..utils.money import format_wan


def choice_list(kind):
    """Active names of one maintained list (industry / field / town), in order."""
    rows = db.session.execute(
        db.select(Taxonomy.name).filter_by(kind=kind, active=True).order_by(Taxonomy.sort_order, Taxonomy.id)
    )
    return [r[0] for r in rows]


def headline_figures():
    """Counts shown on the home page: live needs and results, contracts and their amount."""
    needs = db.session.scalar(db.select(func.count(TechNeed.id)).where(TechNeed.status.in_(ACTIVE_STATUSES)))
    results = db.session.scalar(db.select(func.count(Result.id)).where(Result.status.in_(ACTIVE_STATUSES)))
    n_contracts, amount = db.session.execute(
        db.select(func.count(Contract.id), func.coalesce(func.sum(Contract.amount), 0)).where(
            Contract.voided.is_(False), contract_not_awaiting()
        )
    ).one()
    return {"needs": needs, "results": results, "contracts": n_contracts, "amount_wan": format_wan(amount)}
