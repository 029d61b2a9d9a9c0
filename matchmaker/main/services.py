"""Home-page figures and the maintained choice lists."""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func

from ..extensions import db
from ..models import ACTIVE_STATUSES, Contract, Result, Taxonomy, TechNeed


def choice_list(kind):
    """Active names of one maintained list (industry / field / town), in order."""
    rows = db.session.execute(
        db.select(Taxonomy.name).filter_by(kind=kind, active=True).order_by(Taxonomy.sort_order, Taxonomy.id)
    )
    return [r[0] for r in rows]


def wan(amount_yuan):
    """Yuan (Decimal) to a 万元 string with two decimals, rounded half up as the reports do."""
    value = (Decimal(amount_yuan or 0) / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.2f}"


def headline_figures():
    """Counts shown on the home page: live needs and results, contracts and their amount."""
    needs = db.session.scalar(db.select(func.count(TechNeed.id)).where(TechNeed.status.in_(ACTIVE_STATUSES)))
    results = db.session.scalar(db.select(func.count(Result.id)).where(Result.status.in_(ACTIVE_STATUSES)))
    n_contracts, amount = db.session.execute(
        db.select(func.count(Contract.id), func.coalesce(func.sum(Contract.amount), 0)).where(
            Contract.voided.is_(False)
        )
    ).one()
    return {"needs": needs, "results": results, "contracts": n_contracts, "amount_wan": wan(amount)}
