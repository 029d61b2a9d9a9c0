"""Fast-channel use cases: ask (a new need or one already posted), review, the queue, the setting.

Each function owns its transaction and commits once; what a decision triggers (matching, the
researchers' announcement, notifications) runs after that commit and never undoes it.
"""

import logging
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import jobs
from ..extensions import db
from ..listings import lifecycle
from ..listings.services import apply_data
from ..models import BrokerAssignment, ListingStatus, PendingJob, Role, TechNeed, UrgentRequest, UrgentSetting, User
from ..models.base import utcnow
from ..models.enums import UrgentReason, UrgentStatus
from ..models.listings import OPEN_NEED_STATES
from ..notifications.services import notify
from ..suggestions import services as matcher
from ..suggestions.store import threshold
from ..utils import once
from ..utils.search import contains_any
from ..utils.versions import conflict, fingerprint, unless_stale
from . import clock

log = logging.getLogger(__name__)
ANNOUNCE_TOP = 10  # researchers whose results fit best are told of an approved urgent need
DECIDED = "该申请已由其他经纪人处理"


class UrgentError(ValueError):
    """A refused fast-channel action; the message is shown to the user."""


# The service level --------------------------------------------------------------------------


def get_setting():
    """The service level (a default one, not stored, until an admin saves it)."""
    return db.session.get(UrgentSetting, 1) or default_setting()


def default_setting():
    """The service level before any save: 24 hours, round the clock, no holidays (not stored)."""
    return UrgentSetting(id=1, sla_hours=24, day_start=0, day_end=24, holidays="", workdays="")


def calendar_of(setting=None):
    """The working-time calendar of a setting (the stored one by default)."""
    s = setting or get_setting()
    return clock.WorkCalendar(
        s.day_start, s.day_end, frozenset(clock.parse_dates(s.holidays)), frozenset(clock.parse_dates(s.workdays))
    )


def setting_version(setting):
    """A fingerprint of the service level and calendar as stored (or the default, before any save)."""
    return fingerprint((setting.sla_hours, setting.day_start, setting.day_end, setting.holidays, setting.workdays))


def save_setting(data, actor, version=None):
    """Store the service level and working time; commits. Applies to requests made from now on.

    ``version``: the setting_version the settings page showed; settings saved since by another admin (a
    holiday calendar they had just entered) are not overwritten (EditConflict). A save that changes nothing
    writes nothing: the row keeps who changed it last, and when."""
    if not 0 <= data["day_start"] < data["day_end"] <= 24:
        raise UrgentError("工作时间的开始须早于结束（0–24 点）")
    holidays, workdays = clock.parse_dates(data.get("holidays")), clock.parse_dates(data.get("workdays"))
    setting = db.session.get(UrgentSetting, 1)
    shown = version
    if setting is None:
        # The page showed settings since removed. (Against the default itself: get_setting() would read the
        # row again, and find the one a double click's twin has just saved.)
        if version and version != setting_version(default_setting()):
            raise conflict("快速通道设置")
        setting, shown = UrgentSetting(id=1), None
        db.session.add(setting)
    with unless_stale(setting, shown, setting_version, "快速通道设置"):
        before = setting_version(setting)  # as stored (read again once the row is held)
        setting.sla_hours, setting.day_start, setting.day_end = data["sla_hours"], data["day_start"], data["day_end"]
        setting.holidays = "\n".join(d.isoformat() for d in sorted(holidays))
        setting.workdays = "\n".join(d.isoformat() for d in sorted(workdays))
    mine = setting_version(setting)
    if mine == before:
        db.session.rollback()  # releases the row; updated_by and updated_at stay the last change's
        return setting
    setting.updated_by_id = actor.id
    try:
        db.session.commit()
    except IntegrityError:  # another first save went in meanwhile
        db.session.rollback()
        stored = db.session.get(UrgentSetting, 1)
        if stored is not None and setting_version(stored) == mine:  # the same settings: a double-clicked save
            return stored
        raise conflict("快速通道设置") from None
    return setting


# Asking -------------------------------------------------------------------------------------


def _open_request(need, user, reason_kind, reason, now=None):
    if reason_kind not in {r.value for r in UrgentReason}:
        raise UrgentError("请选择急需原因")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise UrgentError("请具体说明急需的原因（至少 4 个字）")
    setting, now = get_setting(), now or utcnow()
    req = UrgentRequest(
        need=need, organization_id=need.organization_id, reason_kind=reason_kind, reason=reason[:500],
        requested_by_id=user.id, requested_at=now, sla_hours=setting.sla_hours,
        due_at=clock.due_at(calendar_of(setting), now, setting.sla_hours),
    )  # fmt: skip
    db.session.add(req)
    return req


def _tell_brokers(req):
    """Notify the brokers covering the need's industry (every active broker when none does)."""
    need = req.need
    ids = set(
        db.session.scalars(
            db.select(BrokerAssignment.broker_id)
            .join(User, User.id == BrokerAssignment.broker_id)
            .where(BrokerAssignment.industry == need.industry, User.active.is_(True))
        )
    )
    if not ids:
        ids = set(db.session.scalars(db.select(User.id).where(User.role == Role.BROKER, User.active.is_(True))))
    due = clock.to_local(req.due_at)
    for broker_id in sorted(ids):
        notify(broker_id, "urgent", f"急需技术需求待审核：“{need.title}”，请在 {due:%m-%d %H:%M} 前完成审核",
               f"/urgent/{req.id}")  # fmt: skip


def submit_new(user, data, reason_kind, reason, now=None, key=None):
    """An enterprise posts a need through the fast channel: a draft need and a pending request; commits.

    ``key``: the form's one-time key; a repeat raises ``once.Repeat`` with the first request's id."""
    if user.organization_id is None:
        raise UrgentError("您的账号未关联单位，无法发布需求，请联系管理员")
    claimed = once.claim(key, "urgent_request", user)
    need = TechNeed(organization_id=user.organization_id, created_by_id=user.id, status=ListingStatus.DRAFT.value)
    apply_data(need, dict(data, source="urgent"))
    db.session.add(need)
    req = _open_request(need, user, reason_kind, reason, now)
    db.session.flush()
    once.bind(claimed, req.id)
    _tell_brokers(req)
    db.session.commit()
    return req


def mark_existing(need, user, reason_kind, reason, now=None, key=None):
    """An enterprise marks one of its needs 急需; commits.

    ``key``: the form's one-time key; a repeat (or a concurrent twin) raises ``once.Repeat`` with the
    first submit's request id."""
    if not (user.is_admin or (user.role == Role.ENTERPRISE and user.organization_id == need.organization_id)):
        raise UrgentError("只能将本单位的需求标记为急需")
    # named by the need: the key of another need's form (or of /urgent/new's) is not a repeat of this one
    claimed = once.claim(key, f"urgent_mark:{need.id}", user)
    try:
        req = _mark(need, user, reason_kind, reason, now)
    except UrgentError:
        db.session.rollback()  # the key is not spent on a refused submit
        raise
    once.bind(claimed, req.id)
    _tell_brokers(req)
    db.session.commit()
    return req


def _mark(need, user, reason_kind, reason, now):
    if need.status not in OPEN_NEED_STATES:
        raise UrgentError(f"需求当前状态为“{need.status_label}”，不能申请快速通道")
    # A refused request stays as decided (its month's report keeps it); the need is asked again with a new one.
    still_open = UrgentRequest.status != UrgentStatus.REFUSED.value
    if db.session.scalar(db.select(UrgentRequest.id).where(UrgentRequest.need_id == need.id, still_open)):
        raise UrgentError("该需求已申请过快速通道")
    req = _open_request(need, user, reason_kind, reason, now)
    try:
        db.session.flush()
    except IntegrityError:  # a twin submit (no key, or another tab's) marked it meanwhile
        db.session.rollback()
        raise UrgentError("该需求已申请过快速通道") from None
    return req


# Review ------------------------------------------------------------------------------------


def review(req, actor, decision, note="", now=None, key=None):
    """A broker approves (publish, match, announce) or refuses (with a note) a pending request; commits.
    ``key``: the review form's one-time key; the twin of a decision made with it (a double click) raises
    ``once.Repeat`` with the request's id instead of being told another broker decided.

    Two brokers deciding at once: a conditional update lets exactly one of them through.
    """
    note = (note or "").strip()[:500]
    if decision not in ("approve", "refuse"):
        raise UrgentError("请选择审核结果")
    if decision == "refuse" and len(note) < 2:
        raise UrgentError("退回时请填写原因，便于企业修改后重新提交")
    if req.status != UrgentStatus.PENDING.value:
        # Before the need's state: a request decided meanwhile whose need closed since was told to be refused.
        raise UrgentError(DECIDED)
    if decision == "approve":
        _still_open(req.need)
    now = now or utcnow()
    status = UrgentStatus.APPROVED.value if decision == "approve" else UrgentStatus.REFUSED.value
    submitted = once.claim(key, "urgent_review", actor, target=req.id)  # first write: a twin in flight waits, repeats
    claimed = db.session.execute(
        update(UrgentRequest)
        .where(UrgentRequest.id == req.id, UrgentRequest.status == UrgentStatus.PENDING.value)
        .values(
            status=status, reviewed_by_id=actor.id, reviewed_at=now, review_note=note or None, sla_met=now <= req.due_at
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise UrgentError(DECIDED)
    need = req.need
    if decision == "approve" and need.status == ListingStatus.DRAFT.value:
        try:
            lifecycle.transition(need, "publish", actor=actor)
        except lifecycle.LifecycleError as exc:
            db.session.rollback()
            raise UrgentError(f"无法发布该需求：{exc}") from None
    # Researchers are told later, by the announcement job, which tells the enterprise how many it reached.
    text = (f"您的急需需求“{need.title}”已通过快速通道审核并发布"
            if decision == "approve" else f"您的急需需求“{need.title}”被退回：{note}")  # fmt: skip
    notify(req.requested_by_id, "urgent", text, f"/urgent/{req.id}")
    if decision == "approve":  # matched and announced after the commit; a failure there is retried
        matcher.schedule_matching(need)
        jobs.after_commit(announce_request, req.id)
    once.bind(submitted, req.id)
    db.session.commit()
    db.session.refresh(req)
    return req


def _still_open(need, today=None):
    """Refuse to approve a need that is no longer open: closed, solved or expired since it was marked
    (a draft is published by the approval, which checks its validity date)."""
    if need.status == ListingStatus.DRAFT.value or lifecycle.is_live(need, today):
        return
    if need.status in OPEN_NEED_STATES:  # published or docking, but past its validity date
        raise UrgentError("该需求已过有效期，不能通过快速通道发布；请企业续期后再审核，或退回该申请")
    raise UrgentError(f"需求当前状态为“{need.status_label}”，已不能通过快速通道发布；请退回该申请并说明原因")


@jobs.task()
def announce_request(request_id):
    """The job behind ``announce``: runs after the approval commits."""
    req = db.session.get(UrgentRequest, request_id)
    if req is not None and not req.announced:
        announce(req)


def announcement_state(req):
    """Where an approved request's announcement job is: "running" (queued, running, or failed and to be retried),
    "given_up" (failed at every retry: nothing runs it again unless started by hand, ``flask jobs retry --all``), or
    None (none left: done, or never queued)."""
    if req.status != UrgentStatus.APPROVED.value:
        return None
    rows = db.session.execute(
        db.select(PendingJob.args, PendingJob.status, PendingJob.next_run_at).where(
            PendingJob.task == jobs.name_of(announce_request)
        )
    ).all()
    mine = [(status, due) for args, status, due in rows if args == [req.id]]
    if not mine:
        return None
    return "given_up" if all(status == "failed" and due is None for status, due in mine) else "running"


def announce(req):
    """Tell the researchers whose live results fit the approved need (a suggestion's score at least),
    and the enterprise how many were told; commits. A request no longer approved, or a need no longer
    live (closed or expired after the approval), is not announced."""
    if req.status != UrgentStatus.APPROVED.value or not lifecycle.is_live(req.need):
        log.info("urgent announcement skipped: request %s is %s, need %s is %s",
                 req.id, req.status, req.need_id, req.need.status)  # fmt: skip
        return 0
    try:
        found = matcher.match_listing("need", req.need_id, top_k=ANNOUNCE_TOP)
    except Exception:
        # Raised, so the job is retried (its page says 正在推送 meanwhile): a swallowed failure ended the
        # announcement for good, and the page then said nobody had been told.
        log.exception("urgent announcement: matching failed for need %s; the job will retry", req.need_id)
        raise
    owners, least = [], threshold()
    for result, hit in (found or (None, []))[1]:
        if hit.score >= least and result.owner_id and result.owner_id not in owners:
            owners.append(result.owner_id)
    for owner_id in owners:
        notify(owner_id, "urgent", f"急需技术需求：“{req.need.title}”与您的成果相关，欢迎联系平台经纪人对接",
               f"/needs/{req.need_id}")  # fmt: skip
    if owners:
        notify(req.requested_by_id, "urgent",
               f"平台已向 {len(owners)} 位相关科研人员推送您的急需需求“{req.need.title}”", f"/urgent/{req.id}")  # fmt: skip
    req.announced = len(owners)
    db.session.commit()
    return len(owners)


def candidates(req, top_k=5):
    """The results that fit the request's need now (for the reviewing broker): [(result, hit)]."""
    try:
        found = matcher.match_listing("need", req.need_id, top_k=top_k)
    except Exception:
        log.exception("urgent candidates: matching failed for need %s", req.need_id)
        return []
    return [(r, h) for r, h in (found or (None, []))[1] if h.score > 0]


# Lists -------------------------------------------------------------------------------------


def remaining(req, calendar=None, now=None):
    """Working seconds left (negative: overdue), or None once decided."""
    if req.status != UrgentStatus.PENDING.value:
        return None
    return clock.remaining_seconds(calendar or calendar_of(), now or utcnow(), req.due_at)


def queue_query(args, user=None):
    """Requests for the queue (pending first, soonest deadline first), or an enterprise's own."""
    r = UrgentRequest
    # A page's needs and organisations in two queries (they were loaded one by one: 40 for a page).
    stmt = db.select(r).options(selectinload(r.need), selectinload(r.organization))
    if user is not None and not user.is_staff:
        stmt = stmt.where(r.organization_id == user.organization_id)
    status = args.get("status", "pending" if user is None or user.is_staff else "")
    one_status = status in {s.value for s in UrgentStatus}
    if one_status:
        stmt = stmt.where(r.status == status)
    sla = args.get("sla")
    if sla == "overdue":
        stmt = stmt.where(r.status == "pending", r.due_at < utcnow())
    elif sla == "met":
        stmt = stmt.where(r.sla_met.is_(True))
    elif sla == "missed":
        stmt = stmt.where(or_(r.sla_met.is_(False), (r.status == "pending") & (r.due_at < utcnow())))
    if args.get("reason") in {k.value for k in UrgentReason}:
        stmt = stmt.where(r.reason_kind == args["reason"])
    q = (args.get("q") or "").strip()[:50]
    if q:  # the need joined only to search its title: counting 50,000 pending requests joined took 200 ms (PostgreSQL)
        stmt = stmt.join(TechNeed, TechNeed.id == r.need_id).where(contains_any(q, TechNeed.title, r.reason))
    if one_status:  # one status: ix_urgent_request_status_due_at gives the order (the first page 93 -> 0.2 ms)
        return stmt.order_by(r.due_at, r.id.desc())
    return stmt.order_by((r.status != "pending"), r.due_at, r.id.desc())


def waiting_counts(now=None):
    """(pending, overdue) requests now, for the dashboard: one pass over the pending ones (no join: every
    request has its need)."""
    r = UrgentRequest
    row = db.session.execute(
        db.select(func.count(r.id), func.count(r.id).filter(r.due_at < (now or utcnow()))).where(r.status == "pending")
    ).one()
    return int(row[0]), int(row[1])


def counts(start: datetime, end: datetime):
    """Urgent requests made in [start, end): asked, approved, refused, pending, decided within the level."""
    r = UrgentRequest
    row = db.session.execute(
        db.select(
            func.count(r.id),
            func.count(r.id).filter(r.status == "approved"),
            func.count(r.id).filter(r.status == "refused"),
            func.count(r.id).filter(r.status == "pending"),
            func.count(r.id).filter(r.sla_met.is_(True)),
        ).where(r.requested_at >= start, r.requested_at < end)
    ).one()
    return dict(zip(("asked", "approved", "refused", "pending", "sla_met"), row, strict=True))
