"""Routing new suggestions to brokers' queues: by the need's industry, else a zone of either side;
among several brokers the one with the fewest open pairs."""

from sqlalchemy import func, inspect, update

from ..extensions import db
from ..models import BrokerAssignment, MatchSuggestion, Role, SuggestionStatus, TechNeed, User, need_zone, result_zone
from ..models.enums import OPEN_STATUSES
from ..notifications.services import notify
from ..utils.urls import path_for
from . import pipeline


def _open_counts(broker_ids):
    rows = db.session.execute(
        db.select(MatchSuggestion.assigned_broker_id, func.count(MatchSuggestion.id))
        .where(MatchSuggestion.assigned_broker_id.in_(broker_ids), MatchSuggestion.status.in_(OPEN_STATUSES))
        .group_by(MatchSuggestion.assigned_broker_id)
    )
    counts = {b: 0 for b in broker_ids}
    counts.update(dict(rows.all()))
    return counts


class _Router:
    """Picks a broker per suggestion from BrokerAssignment: industry of the need first, then zone;
    among several candidates the one with the fewest open pairs."""

    def __init__(self):
        rows = db.session.execute(
            db.select(BrokerAssignment.broker_id, BrokerAssignment.industry, BrokerAssignment.zone_id)
            .join(User, User.id == BrokerAssignment.broker_id)
            .where(User.active.is_(True), User.role == Role.BROKER)
        ).all()
        self.by_industry, self.by_zone = {}, {}
        for broker_id, industry, zone_id in rows:
            if industry:
                self.by_industry.setdefault(industry, set()).add(broker_id)
            if zone_id:
                self.by_zone.setdefault(zone_id, set()).add(broker_id)
        brokers = {r[0] for r in rows}
        self.load = _open_counts(brokers) if brokers else {}

    def pick(self, industry, zone_ids):
        candidates = self.by_industry.get(industry) if industry else None
        if not candidates:
            candidates = set()
            for z in zone_ids:
                candidates |= self.by_zone.get(z, set())
        if not candidates:
            return None
        broker_id = min(candidates, key=lambda b: (self.load.get(b, 0), b))
        self.load[broker_id] = self.load.get(broker_id, 0) + 1
        return broker_id


def _pk(row):
    """A row's id without reloading an expired instance (rows may come from a committed batch)."""
    if isinstance(row, int):
        return row
    identity = inspect(row).identity
    return identity[0] if identity else row.id


def _held(routed, chunk):
    """Hold each broker the rows were just written to as an active broker until the commit, as every pair given to a
    broker is (pipeline.hold_broker): a deactivation either commits first and is seen here, or waits for this commit
    and releases the rows with the broker's other pairs. A broker seen deactivated gets none of them: the rows go
    back to no broker, where the deactivation left the others. Drops them from ``routed``; returns
    {broker_id: [suggestion_id]} of the rows kept (no commit)."""
    S, per_broker = MatchSuggestion, {}
    for sid, broker_id in routed.items():
        per_broker.setdefault(broker_id, []).append(sid)
    for broker_id in sorted(per_broker):  # one order for every router
        try:
            pipeline.hold_broker(broker_id)
        except pipeline.BrokerInactive:
            sids = per_broker.pop(broker_id)
            for start in range(0, len(sids), chunk):
                part = sids[start : start + chunk]
                db.session.execute(
                    update(S).where(S.id.in_(part), S.assigned_broker_id == broker_id).values(assigned_broker_id=None),
                    execution_options={"synchronize_session": False},
                )
            for sid in sids:
                del routed[sid]
    return per_broker


def route_suggestions(rows, notify_broker=True, chunk=1000):
    """Route many new suggestions (rows or ids) at once, in SQL batches; one notification per broker.

    Only unassigned rows still 'suggested' are routed, and only to brokers still active when this commits (a broker
    deactivated meanwhile gets none); returns {suggestion_id: broker_id} (no commit)."""
    ids = [_pk(r) for r in rows]
    router, routed = _Router(), {}
    if not router.load:
        return routed
    S = MatchSuggestion
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        pending = db.session.execute(
            db.select(S.id, S.need_id, S.result_id, TechNeed.industry)
            .join(TechNeed, TechNeed.id == S.need_id)
            .where(S.id.in_(part), S.assigned_broker_id.is_(None), S.status == SuggestionStatus.SUGGESTED)
        ).all()
        need_zones, result_zones = {}, {}
        for nid, zid in db.session.execute(
            db.select(need_zone.c.need_id, need_zone.c.zone_id).where(need_zone.c.need_id.in_({p[1] for p in pending}))
        ):
            need_zones.setdefault(nid, set()).add(zid)
        for rid, zid in db.session.execute(
            db.select(result_zone.c.result_id, result_zone.c.zone_id).where(
                result_zone.c.result_id.in_({p[2] for p in pending})
            )
        ):
            result_zones.setdefault(rid, set()).add(zid)
        by_broker = {}
        for sid, nid, rid, industry in pending:
            broker_id = router.pick(industry, need_zones.get(nid, set()) | result_zones.get(rid, set()))
            if broker_id:
                routed[sid] = broker_id
                by_broker.setdefault(broker_id, []).append(sid)
        for broker_id, sids in by_broker.items():
            db.session.execute(
                update(S).where(S.id.in_(sids), S.assigned_broker_id.is_(None)).values(assigned_broker_id=broker_id),
                execution_options={"synchronize_session": False},
            )
    per_broker = _held(routed, chunk)
    if notify_broker:
        for broker_id, sids in per_broker.items():
            if len(sids) == 1:
                notify(broker_id, "suggestion_assigned", "有 1 条新的匹配推荐待您审核",
                       path_for("brokers.suggestion", suggestion_id=sids[0]))  # fmt: skip
            else:
                notify(broker_id, "suggestion_assigned", f"有 {len(sids)} 条新的匹配推荐进入您的审核队列",
                       path_for("brokers.queue", assigned="mine"))  # fmt: skip
    return routed


def suggestions_created(rows):
    """Hook the suggestion generator calls after writing new rows: route them to brokers; commits."""
    routed = route_suggestions(rows)
    db.session.commit()
    return routed
