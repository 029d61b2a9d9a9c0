"""Matchmaking events (对接活动): create, attach listings, record the pairs discussed."""

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    BrokerAssignment,
    Event,
    MatchSuggestion,
    Result,
    TechNeed,
    Zone,
    event_need,
    event_result,
    event_suggestion,
)
from ..utils import clock, once
from ..utils.bounds import id_or_none
from ..utils.search import contains_any
from ..utils.tx import rolls_back_on
from ..utils.versions import fingerprint, unless_stale
from .services import BrokerError, can_act, claim_pair_key, new_manual_pair


def events_stmt(when="", q=""):
    """Events, upcoming first or past (when='past'), optionally by title fragment."""
    now = clock.now_local()  # starts_at is typed and kept in Beijing time, like live sessions'
    stmt = db.select(Event).options(joinedload(Event.zone), joinedload(Event.created_by))
    if when == "past":
        stmt = stmt.where(Event.starts_at < now).order_by(Event.starts_at.desc())
    elif when == "upcoming":
        stmt = stmt.where(Event.starts_at >= now).order_by(Event.starts_at.asc())
    else:
        stmt = stmt.order_by(Event.starts_at.desc())
    if q:
        stmt = stmt.where(contains_any(q.strip()[:50], Event.title))
    return stmt.order_by(Event.id.desc())


def event_version(event):
    """A fingerprint of what the edit form shows of the event as stored."""
    return fingerprint((event.title, event.online, event.starts_at, event.place, event.link, event.zone_id,
                        event.description))  # fmt: skip


@rolls_back_on(BrokerError)
def save_event(event, data, actor, key=None, version=None):
    """Create or update an event from validated form data; commits.

    ``version``: the event_version its edit page showed; an event saved since then by someone else (its
    creator's other tab, an admin) is not overwritten (EditConflict)."""
    claimed = once.claim(key, "event", actor) if event.id is None else None
    if event.id is not None and not event.can_edit(actor):
        raise BrokerError("只有活动创建人或管理员可以修改活动")
    with unless_stale(event, version, event_version, "活动", who="活动创建人、管理员"):
        event.title = data["title"].strip()
        event.online = data["mode"] == "online"
        event.starts_at = data["starts_at"]
        event.place = (data.get("place") or "").strip() or None
        event.link = (data.get("link") or "").strip() or None
        event.zone_id = data.get("zone_id") or None
        event.description = (data.get("description") or "").strip()
    if event.id is None:
        event.created_by_id = actor.id
        db.session.add(event)
        db.session.flush()
        once.bind(claimed, event.id)
    db.session.commit()
    return event


def _require_edit(event, actor):
    if not event.can_edit(actor):
        raise BrokerError("只有活动创建人或管理员可以修改活动的需求和成果")


def listing_of(kind, listing_id):
    """The need or the result with this id, or None."""
    return db.session.get(TechNeed if kind == "need" else Result, listing_id) if listing_id else None


@rolls_back_on(BrokerError)
def attach(event, actor, kind, listing_id, key=None):
    """Attach a published need or result to an event; commits. ``key``: the 加入 button's one-time key (once.Repeat
    with the listing's id for the twin of a double click, also one arriving while the first is being saved)."""
    _require_edit(event, actor)
    table, col = (event_need, "need_id") if kind == "need" else (event_result, "result_id")
    listing = listing_of(kind, listing_id)
    if listing is None:
        raise BrokerError("请选择要加入活动的" + ("技术需求" if kind == "need" else "科技成果"))
    once.bind(once.claim(key, f"event_{kind}:{event.id}", actor, target=listing.id), listing.id)  # the first write
    if listing.status not in ACTIVE_STATUSES:
        raise BrokerError("只能加入已发布的需求或成果")
    present = db.session.scalar(
        db.select(table.c.event_id).where(table.c.event_id == event.id, table.c[col] == listing.id)
    )
    if present:
        raise BrokerError(f"「{listing.title}」已在本活动中")
    try:  # two submits at once: the primary key keeps one, the other is told as above
        db.session.execute(table.insert().values(event_id=event.id, **{col: listing.id}))
    except IntegrityError:
        raise BrokerError(f"「{listing.title}」已在本活动中") from None
    db.session.commit()
    return listing


@rolls_back_on(BrokerError)
def detach(event, actor, kind, listing_id):
    """Remove a need or result from an event; commits."""
    _require_edit(event, actor)
    table, col = (event_need, "need_id") if kind == "need" else (event_result, "result_id")
    db.session.execute(table.delete().where(table.c.event_id == event.id, table.c[col] == listing_id))
    db.session.commit()


def _pair_of(need_id, result_id):
    return db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need_id, result_id=result_id))


@rolls_back_on(BrokerError)
def record_discussed(event, actor, need_id, result_id, key=None):
    """Record a pair discussed at the event: its suggestion, or a new manual pair; one transaction. ``key``: the
    记录洽谈 form's one-time key (once.Repeat with the pair's id for the twin of a double click; the twin of one
    making the pair waits here for it and makes no second)."""
    s = _pair_of(need_id, result_id)
    claimed = _claim_discussed(key, event, actor, s, need_id, result_id)
    if s is None:
        s = new_manual_pair(actor, need_id, result_id, f"于活动「{event.title}」中洽谈")
    once.bind(claimed, s.id)
    return record_pair(event, actor, s)


def _claim_discussed(key, event, actor, s, need_id, result_id):
    """The 记录洽谈 form's key, reserved (first write); a repeat only for the same pair: the form sent again with
    another need or result chosen (back to the page) is a fresh submit."""
    try:
        return once.claim(key, f"event_pair:{event.id}", actor, target=s.id if s else None)
    except (once.Repeat, once.Changed) as r:
        made = s or _pair_of(need_id, result_id)  # by the twin that went first, meanwhile
        if made is not None and made.id == r.entity_id:
            raise
        return None  # nothing written yet (or rolled back): carried out without a key


@rolls_back_on(BrokerError)
def record_pair(event, actor, s, key=None):
    """Record that a pair was discussed at the event; commits. ``key``: the form's one-time key (once.Repeat
    for the twin of a submit made with it)."""
    if not can_act(actor, s):
        raise BrokerError("该推荐已分配给其他经纪人，只有该经纪人或管理员可以操作")
    if s.status == "rejected":
        raise BrokerError("已驳回的推荐不能记入活动")
    claim_pair_key(key, f"event:{event.id}", actor, s)  # another event chosen in the same form: not a repeat
    present = db.session.scalar(
        db.select(event_suggestion.c.event_id).where(
            event_suggestion.c.event_id == event.id, event_suggestion.c.suggestion_id == s.id
        )
    )
    if present:
        raise BrokerError("该配对已记入本活动，请勿重复提交")
    try:  # two submits at once: the primary key keeps one, the other is told as above
        db.session.execute(event_suggestion.insert().values(event_id=event.id, suggestion_id=s.id))
    except IntegrityError:
        raise BrokerError("该配对已记入本活动，请勿重复提交") from None
    from ..models.base import utcnow

    s.last_activity_at = utcnow()
    db.session.commit()
    return s


def event_listings(event, kind, limit=200):
    """The needs or results attached to an event, with organisations."""
    if kind == "need":
        stmt = db.select(TechNeed).join(event_need, event_need.c.need_id == TechNeed.id)
        stmt = stmt.where(event_need.c.event_id == event.id).options(joinedload(TechNeed.organization))
    else:
        stmt = db.select(Result).join(event_result, event_result.c.result_id == Result.id)
        stmt = stmt.where(event_result.c.event_id == event.id).options(joinedload(Result.organization))
    return db.session.scalars(stmt.limit(limit)).all()


def event_pairs(event, limit=200):
    """The pairs discussed at an event."""
    stmt = (
        db.select(MatchSuggestion)
        .join(event_suggestion, event_suggestion.c.suggestion_id == MatchSuggestion.id)
        .where(event_suggestion.c.event_id == event.id)
        .options(joinedload(MatchSuggestion.need), joinedload(MatchSuggestion.result))
        .order_by(MatchSuggestion.id)
    )
    return db.session.scalars(stmt.limit(limit)).all()


def pair_events(s):
    """Events where a pair was discussed."""
    stmt = (
        db.select(Event)
        .join(event_suggestion, event_suggestion.c.event_id == Event.id)
        .where(event_suggestion.c.suggestion_id == s.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())  # as the events page
    )
    return db.session.scalars(stmt).all()


def search_listings(kind, q, limit=10):
    """Published needs or results whose title contains q (for attaching and manual pairs)."""
    model = TechNeed if kind == "need" else Result
    q = (q or "").strip()[:50]
    if not q:
        return []
    cond = contains_any(q, model.title)
    if id_or_none(q):
        cond = or_(cond, model.id == id_or_none(q))
    stmt = (
        db.select(model)
        .where(model.status.in_(ACTIVE_STATUSES), cond)
        .options(joinedload(model.organization))
        .order_by(model.id.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


def recent_events(limit=50):
    """The latest events, for the 'discussed at' select on a pair page."""
    return db.session.execute(
        db.select(Event.id, Event.title, Event.starts_at).order_by(Event.starts_at.desc(), Event.id.desc()).limit(limit)
    ).all()


def zone_choices():
    """(id, name) of active zones."""
    return [(0, "（不限）")] + list(
        db.session.execute(db.select(Zone.id, Zone.name).where(Zone.active.is_(True)).order_by(Zone.name))
    )


# Assignments -----------------------------------------------------------------


def assignments_stmt():
    """Every broker assignment with its broker and zone."""
    return (
        db.select(BrokerAssignment)
        .options(joinedload(BrokerAssignment.broker), joinedload(BrokerAssignment.zone))
        .order_by(BrokerAssignment.industry, BrokerAssignment.zone_id, BrokerAssignment.id)
    )


def add_assignment(broker_id, industry, zone_id):
    """Route an industry or a zone to a broker; commits. The same assignment saved twice at the same moment
    (two pages, a double click) is stored once: the check runs after this request holds the write (the
    broker's row locked on PostgreSQL, the database's write lock on SQLite), so it sees the other's row."""
    from ..models import Role, User

    broker = db.session.get(User, broker_id) if broker_id else None
    if broker is None or broker.role != Role.BROKER or not broker.active:
        raise BrokerError("请选择一位在职的技术经纪人")
    industry = (industry or "").strip() or None
    zone_id = zone_id or None
    if not industry and not zone_id:
        raise BrokerError("请选择行业或专区（至少一项）")
    if zone_id and db.session.get(Zone, zone_id) is None:
        raise BrokerError("专区不存在")
    # PostgreSQL: a second save of the broker's assignments waits here for the first's commit
    db.session.execute(db.select(User.id).filter_by(id=broker.id).with_for_update())
    a = BrokerAssignment(broker_id=broker.id, industry=industry, zone_id=zone_id)
    db.session.add(a)
    db.session.flush()  # SQLite: this write waits for any other writer's commit, so the check below is current
    dup = db.session.scalar(
        db.select(BrokerAssignment.id)
        .filter_by(broker_id=broker.id, industry=industry, zone_id=zone_id)
        .where(BrokerAssignment.id != a.id)
    )
    if dup:
        db.session.rollback()
        raise BrokerError("该经纪人已有相同的分工")
    db.session.commit()
    return a


def remove_assignment(assignment_id):
    """Delete an assignment; commits. Returns False when it does not exist."""
    a = db.session.get(BrokerAssignment, assignment_id)
    if a is None:
        return False
    db.session.delete(a)
    db.session.commit()
    return True
