"""Home-page figures, each role's to-do counts and the maintained choice lists."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func

from ..extensions import db
from ..models import ACTIVE_STATUSES, Contract, Result, Taxonomy, TechNeed
from ..models.signing import contract_not_awaiting
from ..utils.money import format_wan
from ..utils.rows import count_rows


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


@dataclass
class Todo:
    """One line of the dashboard's 待办: how many things wait, and the filtered list that shows them."""

    key: str
    label: str
    count: int
    endpoint: str
    args: dict = field(default_factory=dict)
    urgent: bool = False  # shown as needing attention now (overdue, waiting on the user)


def _owner_todos(user, kind, noun):
    from ..brokers.services import awaiting_reply_count
    from ..contracts.signing_services import awaiting_my_signature_count
    from ..listings import queries

    mine = f"{kind}s.mine"
    counts = queries.my_counts(kind, user)
    return [
        Todo("reply", "待我回复意向的对接", awaiting_reply_count(user), "brokers.mine", {"awaiting": 1}, urgent=True),
        Todo("sign", "待我签署的合同", awaiting_my_signature_count(user), "contracts.signing_mine", {"awaiting": 1},
             urgent=True),
        Todo("expiring", f"7 天内到期的{noun}", queries.expiring_count(kind, user), mine, {"expiring": 1}),
        Todo("expired", f"已过期的{noun}", counts.get("expired", 0), mine, {"status": "expired"}),
        Todo("draft", f"未发布的{noun}草稿", counts.get("draft", 0), mine, {"status": "draft"}),
    ]  # fmt: skip


def _staff_todos(user):
    from ..brokers import queries
    from ..models import User
    from ..urgent.services import waiting_counts

    stale_days = int(current_app.config.get("STALE_SUGGESTION_DAYS", 14))
    f = queries.Filters.from_args({}, user)
    todos = [Todo("queue", "待审核的匹配推荐", queries.count(queries.queue_stmt(user, f, stale_days), user, f, "queue"),
                  "brokers.queue")]  # fmt: skip
    if user.is_broker:  # the pipeline as its page opens for a broker: my pairs, stale only
        f = queries.Filters.from_args({"stale": "1"}, user, default_status="")
        f.assigned, f.sort = "mine", "idle"
        stale = queries.count(queries.pipeline_stmt(user, f, stale_days), user, f, "pipeline")
        todos.append(Todo("stale", f"超过 {stale_days} 天未跟进的对接", stale, "brokers.pipeline", {"stale": 1}))
    if "urgent.queue" in current_app.view_functions:
        pending, overdue = waiting_counts()
        todos += [
            Todo("urgent", "待审核的急需需求", pending, "urgent.queue"),
            Todo("overdue", "已超过办理时限的急需需求", overdue, "urgent.queue", {"sla": "overdue"}, urgent=True),
        ]
    if user.is_admin:
        pending = count_rows(db.select(User.id).where(User.requested_organization_id.is_not(None)))
        todos.append(Todo("members", "待核实的加入单位申请", pending, "admin.users", {"pending": "1"}, urgent=True))
    return todos


def todos(user):
    """What waits for this user, by role, each with the list that shows it (zero counts included)."""
    if user.role == "enterprise" and user.organization_id:
        return _owner_todos(user, "need", "需求")
    if user.role == "researcher":
        return _owner_todos(user, "result", "成果")
    if user.is_staff:
        return _staff_todos(user)
    return []
