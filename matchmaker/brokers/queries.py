"""Read-side queries for brokers: the queue, the pipeline, statistics (all filtered in SQL)."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from .. import cache
from ..extensions import db
from ..models import (
    Contract,
    FollowUp,
    MatchSuggestion,
    RejectReason,
    Result,
    Role,
    SuggestionMove,
    TechNeed,
    User,
    need_zone,
    result_zone,
)
from ..models.base import utcnow
from ..models.enums import IN_PROGRESS_STATUSES, OPEN_STATUSES, PIPELINE_STATUSES
from ..models.signing import contract_awaiting_signatures, contract_not_awaiting
from ..utils.bounds import id_or_none
from ..utils.rows import count_rows
from ..utils.search import contains_any

# Score bands shown in the queue filter: (label, low, high).
SCORE_BANDS = {
    "high": ("高（≥40%）", 0.4, None),
    "mid": ("中（20%–40%）", 0.2, 0.4),
    "low": ("低（<20%）", None, 0.2),
}
# Age bands by days since the suggestion was made: (label, min days, max days).
AGE_BANDS = {"week": ("一周内", None, 7), "month": ("7–30 天", 7, 30), "older": ("30 天以上", 30, None)}
SORTS = {
    "score": ("匹配度从高到低", (MatchSuggestion.score.desc(), MatchSuggestion.id.desc())),
    "newest": ("最新推荐", (MatchSuggestion.created_at.desc(), MatchSuggestion.id.desc())),
    "oldest": ("最早推荐", (MatchSuggestion.created_at.asc(), MatchSuggestion.id.asc())),
    "idle": ("最久未处理", (MatchSuggestion.last_activity_at.asc(), MatchSuggestion.id.asc())),
}
ASSIGNED = {"mine_or_free": "我的和未分配", "mine": "分配给我", "free": "未分配", "all": "全部"}


def stale_cutoff(days):
    """The moment before which an untouched open pair counts as stale."""
    return utcnow() - timedelta(days=int(days))


@dataclass
class Filters:
    """The queue's and pipeline's query arguments, validated (unknown values are ignored)."""

    industry: str = ""
    zone_id: int | None = None
    band: str = ""
    age: str = ""
    assigned: str = ""
    sort: str = "score"
    stale: bool = False
    status: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args, user, default_status="suggested"):
        zone = args.get("zone", "")
        f = cls(
            industry=args.get("industry", "").strip()[:50],
            zone_id=id_or_none(zone),
            band=args.get("band", "") if args.get("band") in SCORE_BANDS else "",
            age=args.get("age", "") if args.get("age") in AGE_BANDS else "",
            assigned=args.get("assigned", "") if args.get("assigned") in ASSIGNED else "",
            sort=args.get("sort", "") if args.get("sort") in SORTS else "score",
            stale=args.get("stale") == "1",
            status=args.get("status", default_status),
            q=args.get("q", "").strip()[:50],
        )
        if not f.assigned:
            f.assigned = "mine_or_free" if user.is_broker else "all"
        return f


def _list_options():
    need, result = joinedload(MatchSuggestion.need), joinedload(MatchSuggestion.result)
    return (
        need.joinedload(TechNeed.organization),
        need.selectinload(TechNeed.zones),
        result.joinedload(Result.organization),
        result.selectinload(Result.zones),
        joinedload(MatchSuggestion.assigned_broker),
    )


def suggestions_stmt(user, f, stale_days, statuses):
    """Suggestions in `statuses` filtered as `f` says, with both listings loaded."""
    S = MatchSuggestion
    stmt = db.select(S).where(S.status.in_(statuses)).options(*_list_options())
    if f.assigned == "mine":
        stmt = stmt.where(S.assigned_broker_id == user.id)
    elif f.assigned == "free":
        stmt = stmt.where(S.assigned_broker_id.is_(None))
    elif f.assigned == "mine_or_free":
        stmt = stmt.where(or_(S.assigned_broker_id == user.id, S.assigned_broker_id.is_(None)))
    # Listing-side filters as IN (subquery): the listing index finds the few ids, then need_id/result_id.
    if f.industry:
        stmt = stmt.where(S.need_id.in_(db.select(TechNeed.id).where(TechNeed.industry == f.industry)))
    if f.zone_id:
        stmt = stmt.where(
            or_(
                S.need_id.in_(db.select(need_zone.c.need_id).where(need_zone.c.zone_id == f.zone_id)),
                S.result_id.in_(db.select(result_zone.c.result_id).where(result_zone.c.zone_id == f.zone_id)),
            )
        )
    if f.band:
        _, low, high = SCORE_BANDS[f.band]
        if low is not None:
            stmt = stmt.where(S.score >= low)
        if high is not None:
            stmt = stmt.where(S.score < high)
    if f.age:
        _, min_days, max_days = AGE_BANDS[f.age]
        now = utcnow()
        if min_days is not None:
            stmt = stmt.where(S.created_at <= now - timedelta(days=min_days))
        if max_days is not None:
            stmt = stmt.where(S.created_at > now - timedelta(days=max_days))
    if f.stale:
        stmt = stmt.where(S.status.in_(OPEN_STATUSES), S.last_activity_at < stale_cutoff(stale_days))
    if f.q:
        # The typed text, not a pattern: "%" or "_" is a character of a title.
        stmt = stmt.where(
            or_(
                S.need_id.in_(db.select(TechNeed.id).where(contains_any(f.q, TechNeed.title))),
                S.result_id.in_(db.select(Result.id).where(contains_any(f.q, Result.title))),
            )
        )
    # Pairs an owner asked a broker to introduce come first, oldest request first.
    requested = (S.owner_requested_at.is_(None), S.owner_requested_at)
    return stmt.order_by(*requested, *SORTS[f.sort][1])


def queue_stmt(user, f, stale_days):
    """The review queue: pending suggestions, or every open one with status=open."""
    return suggestions_stmt(user, f, stale_days, list_statuses(f, "queue"))


def pipeline_stmt(user, f, stale_days):
    """Pairs past the queue, one status or all but rejected."""
    return suggestions_stmt(user, f, stale_days, list_statuses(f, "pipeline"))


def list_statuses(f, kind):
    """The statuses the queue (``kind`` "queue") or the pipeline shows for the filters f: its pages read each
    status's pairs apart when there are several (pages.CountCachedPagination)."""
    if kind == "queue":
        return OPEN_STATUSES if f.status == "open" else ("suggested",)
    return (f.status,) if f.status in PIPELINE_STATUSES else PIPELINE_STATUSES[:-1]


def status_counts(user, mine_only):
    """How many pairs sit in each status (the user's only, for brokers by default)."""
    stmt = db.select(MatchSuggestion.status, func.count(MatchSuggestion.id)).group_by(MatchSuggestion.status)
    if mine_only:
        stmt = stmt.where(MatchSuggestion.assigned_broker_id == user.id)
    return dict(db.session.execute(stmt).all())


def brokers_stmt():
    """Active and inactive brokers by name."""
    return db.select(User).where(User.role == Role.BROKER).order_by(User.active.desc(), User.name, User.id)


def broker_choices():
    """(id, name) of active brokers for select fields."""
    rows = db.session.execute(
        db.select(User.id, User.name)
        .where(User.role == Role.BROKER, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return list(rows)


def broker_stats(broker_ids):
    """Per broker: queue, accepted, rejected, accepted share, introductions, follow-ups, contracts."""
    if not broker_ids:
        return {}
    S = MatchSuggestion
    stats = {b: dict(pending=0, open=0, accepted=0, rejected=0, introduced=0, follow_ups=0, contracts=0,
                     amount=0, awaiting=0, awaiting_amount=0, stale=0, share=None) for b in broker_ids}  # fmt: skip
    rows = db.session.execute(
        db.select(
            S.decided_by_id,
            func.sum(case((S.status == "rejected", 0), else_=1)),
            func.sum(case((S.status == "rejected", 1), else_=0)),
        )
        .where(S.decided_by_id.in_(broker_ids))
        .group_by(S.decided_by_id)
    )
    for b, acc, rej in rows:
        stats[b].update(accepted=int(acc or 0), rejected=int(rej or 0))
    rows = db.session.execute(
        db.select(
            S.assigned_broker_id,
            func.sum(case((S.status == "suggested", 1), else_=0)),
            func.sum(case((S.status.in_(IN_PROGRESS_STATUSES), 1), else_=0)),  # 进行中: taken up, not 待审核
        )
        .where(S.assigned_broker_id.in_(broker_ids))
        .group_by(S.assigned_broker_id)
    )
    for b, pending, open_ in rows:
        stats[b].update(pending=int(pending or 0), open=int(open_ or 0))
    rows = db.session.execute(
        db.select(SuggestionMove.actor_id, func.count(SuggestionMove.id))
        .where(SuggestionMove.actor_id.in_(broker_ids), SuggestionMove.to_status == "introduced")
        .group_by(SuggestionMove.actor_id)
    )
    for b, n in rows:
        stats[b]["introduced"] = n
    rows = db.session.execute(
        db.select(FollowUp.broker_id, func.count(FollowUp.id))
        .where(FollowUp.broker_id.in_(broker_ids))
        .group_by(FollowUp.broker_id)
    )
    for b, n in rows:
        stats[b]["follow_ups"] = n
    rows = db.session.execute(
        db.select(Contract.broker_id, func.count(Contract.id), func.coalesce(func.sum(Contract.amount), 0))
        # Counted as the reports count them: not voided, not still awaiting its online signatures.
        .where(Contract.broker_id.in_(broker_ids), Contract.voided.is_(False), contract_not_awaiting())
        .group_by(Contract.broker_id)
    )
    for b, n, amount in rows:
        stats[b].update(contracts=n, amount=amount)
    rows = db.session.execute(
        db.select(Contract.broker_id, func.count(Contract.id), func.coalesce(func.sum(Contract.amount), 0))
        # Left out above until signed: told apart on the page, so that a missing contract is not a mystery.
        .where(Contract.broker_id.in_(broker_ids), Contract.voided.is_(False), contract_awaiting_signatures())
        .group_by(Contract.broker_id)
    )
    for b, n, amount in rows:
        stats[b].update(awaiting=n, awaiting_amount=amount)
    for st in stats.values():
        decided = st["accepted"] + st["rejected"]
        st["share"] = round(100 * st["accepted"] / decided) if decided else None
    return stats


def reject_reason_counts(broker_id=None):
    """Rejections per coded reason, for the matcher's feedback."""
    stmt = (
        db.select(MatchSuggestion.reject_reason, func.count(MatchSuggestion.id))
        .where(MatchSuggestion.status == "rejected")
        .group_by(MatchSuggestion.reject_reason)
    )
    if broker_id:
        stmt = stmt.where(MatchSuggestion.decided_by_id == broker_id)
    counts = dict(db.session.execute(stmt).all())
    return [(r.label, counts.get(r.value, 0)) for r in RejectReason]


def feedback_rows(batch=1000):
    """Every decided pair for the matching benchmarks: ids, score, engine, status, coded reasons."""
    S = MatchSuggestion
    stmt = (
        db.select(S.need_id, S.result_id, S.score, S.engine_version, S.manual, S.status, S.reject_reason,
                  S.need_response, S.need_response_reason, S.result_response, S.result_response_reason)
        .where(S.status != "suggested")
        .order_by(S.id)
        .execution_options(yield_per=batch)
    )  # fmt: skip
    for row in db.session.execute(stmt):
        yield row._asdict()


COUNT_TABLES = ("match_suggestion", "tech_need", "result", "need_zone", "result_zone")
cache.watch(*COUNT_TABLES)


# Each sort's key (a stored column, unique with id) and whether it descends: the pages are keyset pages.
SORT_KEYS = {"score": ("score", True), "newest": ("created_at", True), "oldest": ("created_at", False),
             "idle": ("last_activity_at", False)}  # fmt: skip


def count_key(user, f, kind):
    """What a list's cached total is kept under: the user, the list and its filters (not the sort)."""
    return ("pairs-count", kind, user.id, f.status, f.assigned, f.industry, f.zone_id, f.band, f.age, f.stale, f.q)


class Unindexed(ColumnElement):
    """A column that SQLite uses no index for (``+col``; the column itself elsewhere). An owner's pairs (我的对接)
    are read from their listings' (a few hundred at most, then sorted): on a page after the first, the bound on
    last_activity_at let SQLite range-scan (status, last_activity_at) instead, through every owner's pairs before
    the cursor (1.2-2.4 s at 100,000 pairs of 500 owners; 340-420 ms in 待我回复意向), and without it, the statuses
    a reply waits in let it read every pair of those statuses (60-110 ms); 0.1-0.9 ms from the owner's listings."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column, self.type = column, column.type


@compiles(Unindexed)
def _column(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _plus_column(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


# 我的对接 (an owner's pairs): newest activity first; id breaks ties, or pages would repeat and skip pairs.
MY_PAIRS_ORDER = (MatchSuggestion.last_activity_at.desc(), MatchSuggestion.id.desc())
MY_PAIRS_KEY = ("last_activity_at", True)  # the same order, as SORT_KEYS gives the queue's


def count(stmt, user, f, kind):
    """How many pairs stmt (built by suggestions_stmt with f) holds: the same cached figure as the page's
    total (the dashboard's counts and the list they link to agree)."""
    return cache.cached(count_key(user, f, kind), COUNT_TABLES, lambda: count_rows(stmt.options(lazyload("*"))))
