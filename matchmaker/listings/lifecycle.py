"""The listing life cycle, shared by needs and results: the one owner of a listing's status.

draft → published → docking → solved / closed / expired; renew brings an expired (or closed)
listing back to published with a new validity date; reopen brings a solved need (已解决) or result (已转化) back
to published (its owner or an admin, once no live contract names it: the deal fell through). ``is_live`` /
``live_clause`` say which listings are public and take part in matching, in Python and in SQL.

Nothing here commits: the service that calls ``transition`` owns the transaction.
"""

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from ..extensions import db
from ..models import ACTIVE_STATUSES, AuditLog, Contract, ListingStatus, MatchSuggestion, Result, TechNeed
from ..models.base import utcnow
from ..utils import clock
from .kinds import spec_of
from .validation import clean_valid_until

S = ListingStatus
ENDED = (S.SOLVED.value, S.CLOSED.value, S.EXPIRED.value)  # no longer public, still readable by those involved
RENEW_DAYS = 180
REMIND_DAYS = 7

# action: (allowed from, to, Chinese verb)
ACTIONS = {
    "publish": ({S.DRAFT}, S.PUBLISHED, "发布"),
    "dock": ({S.PUBLISHED}, S.DOCKING, "标记为对接中"),
    "solve": ({S.PUBLISHED, S.DOCKING}, S.SOLVED, "标记为{solved}"),
    "close": ({S.DRAFT, S.PUBLISHED, S.DOCKING, S.EXPIRED}, S.CLOSED, "关闭"),
    "renew": ({S.PUBLISHED, S.DOCKING, S.EXPIRED, S.CLOSED}, S.PUBLISHED, "续期"),
    # A need or result whose deal fell through (its contract voided) goes back to the public: its owner's or an
    # admin's move (``reopen_refusal``).
    "reopen": ({S.SOLVED}, S.PUBLISHED, "重新开放"),
    # Moves the platform makes, never an owner's button:
    "expire": ({S.PUBLISHED, S.DOCKING}, S.EXPIRED, "过期下架"),  # past its validity (read, or the daily job)
    "contract": ({S.DRAFT, S.PUBLISHED, S.DOCKING, S.EXPIRED, S.CLOSED}, S.SOLVED, "因签订合同标记为{solved}"),
}
SYSTEM_ACTIONS = ("expire", "contract")


class LifecycleError(ValueError):
    """A state change that is not allowed; the message is shown to the user."""


class StatusChanged(LifecycleError):
    """Someone else moved the listing since it was read: the move was not applied."""


def is_live(listing, today=None) -> bool:
    """Public and matchable: published or docking, validity not past."""
    today = today or clock.today()
    return listing.status in ACTIVE_STATUSES and (listing.valid_until is None or listing.valid_until >= today)


def live_clause(model, today=None):
    """SQL condition of ``is_live``."""
    today = today or clock.today()
    return and_(model.status.in_(ACTIVE_STATUSES), or_(model.valid_until.is_(None), model.valid_until >= today))


def allowed_actions(listing, actor=None):
    """Names of the actions the owner can take now (reopen: only when ``actor`` may reopen the listing now)."""
    names = [a for a, (src, _, _) in ACTIONS.items() if listing.status in src and a not in SYSTEM_ACTIONS]
    if "reopen" in names and reopen_refusal(listing, actor) is not None:
        names.remove("reopen")
    return names


def reopen_refusal(listing, actor):
    """Why ``actor`` cannot reopen the solved listing now (a Chinese message), or None: by its owner (a need's
    enterprise, a result's researcher) or an admin, once every contract naming it is voided (a live one means the
    deal stands)."""
    noun = spec_of(listing).noun
    if not (getattr(actor, "is_authenticated", False) and listing.can_edit(actor)):
        return f"只有{noun}发布方或管理员可以重新开放该{noun}"
    if has_live_contract(listing):
        return f"该{noun}仍有未作废的技术合同，不能重新开放；如交易未成，请先作废该合同"
    return None


def has_live_contract(listing):
    """True when a contract not voided names the listing (the deal stands)."""
    if listing.id is None:
        return False
    column = Contract.need_id if isinstance(listing, TechNeed) else Contract.result_id
    live = select(Contract.id).where(column == listing.id, Contract.voided.is_(False)).limit(1)
    return db.session.scalar(live) is not None


def contract_names(contract, before=(None, None), actor=None):
    """What a contract does to the need and result it names (``before``: the (need id, result id) it
    named until this edit; a new contract named none), so that a contract recorded and one edited to the same
    final form leave the same states (no commit). Each listing it names anew is held to the commit, so that a
    reopen at this moment waits for the contract and counts it; the need of the pair it was recorded from is
    solved (``solve``). A need named without its pair, and a result, keep their status: a broker's typed number
    is no proof of that owner's deal (a result is marked 已转化 by its researcher). Returns the need solved, or
    None.

    A listing the contract names no more keeps its status, as after a void: reopening is its owner's or an
    admin's move (``reopen_refusal`` lets it once no live contract names the listing), never a broker's edit."""
    need_before, result_before = before
    solved = None
    if contract.need_id is not None and contract.need_id != need_before:
        pair_need = None
        if contract.suggestion_id is not None:
            pair_need = db.session.scalar(
                select(MatchSuggestion.need_id).where(MatchSuggestion.id == contract.suggestion_id)
            )
        if contract.need_id == pair_need:
            solved = solve(db.session.get(TechNeed, contract.need_id), actor)
        else:
            hold_for_contract(TechNeed, contract.need_id)
    if contract.result_id is not None and contract.result_id != result_before:
        hold_for_contract(Result, contract.result_id)
    return solved


def hold_for_contract(model, listing_id):
    """A contract naming the listing is being written and leaves its status as it is (``contract_names``): the
    listing's row held to the commit all the same, so that a reopen at this moment waits for the contract and
    counts it (no commit). FOR NO KEY UPDATE, the lock the reopen's ``_claim`` takes: the contract's foreign key
    holds a key-share lock on the row already, and two contracts naming the listing at once would deadlock on FOR
    UPDATE (PostgreSQL; SQLite's one writer needs none)."""
    db.session.execute(select(model.id).where(model.id == listing_id).with_for_update(key_share=True))


def record(listing, actor, before, action):
    """Who moved the listing from ``before`` to its status now, and when (an audit row; no commit)."""
    if before == listing.status and action != "renew":
        return None
    row = AuditLog(actor_id=getattr(actor, "id", None), entity=listing.__tablename__, entity_id=listing.id,
                   action="status", before={"status": before}, after={"status": listing.status, "action": action})  # fmt: skip
    db.session.add(row)
    return row


def transition(listing, action, valid_until=None, today=None, actor=None, seen_until=None):
    """Apply a life-cycle action to the listing (no commit), recorded with who and when when the
    listing is stored already; raises LifecycleError. ``seen_until``: the end date the owner's page showed
    when 续期 was pressed without a date (see renew_until)."""
    before = listing.status
    if actor is not None and not _may(actor, listing):
        raise LifecycleError(f"您无权更改该{spec_of(listing).noun}的状态")
    if listing.id is not None:
        _claim(listing, before)
        if action == "renew":  # the date a twin 续期 (a double click) committed while this one waited for the row
            db.session.refresh(listing, ["valid_until"])
    until = listing.valid_until
    if action == "reopen" and listing.status in ACTIONS["reopen"][0]:  # counted once the row is ours (``solve``)
        refusal = reopen_refusal(listing, actor)
        if refusal:
            raise LifecycleError(refusal)
    _apply(listing, action, valid_until, today, seen_until)
    if listing.id is not None and (listing.status != before or listing.valid_until != until):
        record(listing, actor, before, action)  # a 续期 to the date the twin set is not a second one
    return listing


def _claim(listing, before):
    """Take the listing's row only while its stored status is still the one the move was checked
    against: of two moves at once (an owner closing while a broker approves) the later one fails
    instead of silently undoing the first."""
    model, before = type(listing), getattr(before, "value", before)
    taken = db.session.execute(
        update(model)
        .where(model.id == listing.id, model.status == before)
        .values(status=before)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        now = db.session.scalar(select(model.status).where(model.id == listing.id))
        label = model.status_label_of(now) if now else "已删除"
        raise StatusChanged(f"该{spec_of(listing).noun}的状态刚刚已被更改为“{label}”，本次操作未执行，请刷新页面后再试")


def _may(actor, listing):
    """The listing's owner (its enterprise, its researcher) or an admin; brokers act for the platform
    (a need collected on a visit, an urgent need approved, a contract's solve). ``actor=None`` is the
    platform itself: the expiry job, an import, a new listing published by its author."""
    return bool(getattr(actor, "is_authenticated", False)) and (actor.is_staff or listing.can_edit(actor))


def renew_until(listing, today=None, seen_until=None):
    """The end date 续期 gives when no date is typed: RENEW_DAYS more from the current end while it is ahead
    (from today once it has passed; a need valid for a year more was cut to RENEW_DAYS from today). Counted
    from ``seen_until``, the end the owner's page showed, when given: the same 续期 sent twice (a double
    click, 后退 and again) gives the same date, not twice the days."""
    today = today or clock.today()
    end = seen_until or listing.valid_until or today
    return max(today, end) + timedelta(days=RENEW_DAYS)


def _apply(listing, action, valid_until=None, today=None, seen_until=None):
    today = today or clock.today()
    if action not in ACTIONS:
        raise LifecycleError("不支持的操作")
    src, dst, verb = ACTIONS[action]
    verb = verb.format(solved=listing.SOLVED_LABEL)
    if listing.status not in src:
        raise LifecycleError(f"当前状态为“{listing.status_label}”，不能{verb}")
    if action == "renew":
        if valid_until is None:  # no date typed
            valid_until = renew_until(listing, today, seen_until)
        try:  # the rule the post and edit forms apply: today up to 10 years ahead
            valid_until = clean_valid_until(valid_until, today)
        except ValueError as exc:
            raise LifecycleError(f"新的{exc}") from None
        listing.valid_until = valid_until
        listing.expiry_notified_at = None
        listing.confirmed_at = utcnow()
        if listing.status == S.DOCKING:
            dst = S.DOCKING
    if action == "reopen" and listing.valid_until and listing.valid_until < today:
        listing.valid_until = today + timedelta(days=RENEW_DAYS)  # as 续期 without a date: a new validity
        listing.expiry_notified_at = None
    if dst in (S.PUBLISHED, S.DOCKING) and listing.valid_until and listing.valid_until < today:
        raise LifecycleError("有效期已过，请先修改有效期或续期")
    listing.status = dst.value
    if dst == S.PUBLISHED and listing.published_at is None:
        listing.published_at = utcnow()
    if dst == S.PUBLISHED:
        listing.confirmed_at = utcnow()
    return listing


def is_due(listing, today=None) -> bool:
    """A live status past its validity date: to be expired."""
    return bool(
        listing.status in ACTIVE_STATUSES and listing.valid_until and listing.valid_until < (today or clock.today())
    )


def validity_edited(listing, before):
    """The validity date changed on the edit form (no move): a reminder sent for the old date is not one
    for the new date, as after a renew (no commit)."""
    if listing.valid_until != before and listing.status in ACTIVE_STATUSES:
        listing.expiry_notified_at = None
    return listing


def expire(listing, actor=None):
    """Move a live listing past its validity to expired, recorded (no commit); the platform's move."""
    transition(listing, "expire", actor=actor)
    listing.expiry_notified_at = utcnow()
    return listing


def solve(listing, actor=None):
    """A contract was signed for the listing: solved, from any state but solved (no commit)."""
    for _ in range(2):  # moved meanwhile (closed, expired, reopened): a contract solves it all the same
        try:
            if listing.status == S.SOLVED.value:
                if listing.id is not None:  # solved already: its row all the same, so that a reopen at this moment
                    _claim(listing, S.SOLVED.value)  # waits for this contract and counts it (or is first, seen here)
                break
            return transition(listing, "contract", actor=actor)
        except StatusChanged:
            db.session.refresh(listing, ["status"])
    return listing
