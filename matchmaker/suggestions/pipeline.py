"""The pair pipeline: suggested → accepted → introduced → negotiating → signed / failed; or rejected.

The table of allowed moves and the checks every move passes (the actor's rights, the status the
page was made from) live here, once. A pair reaches signed only by recording its contract
(``sign_by_contract``, called by contracts.services), which also solves the need: never by a plain move.
"""

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ACTIVE_STATUSES, Contract, MatchSuggestion, SuggestionMove, SuggestionStatus, User
from ..models.base import utcnow
from ..models.enums import OPEN_STATUSES


class PairError(ValueError):
    """An action on a pair refused, with a message for the user (in Chinese)."""


# Where each status may go next (rejected, signed and failed are final).
ALLOWED_MOVES = {
    "suggested": ("accepted", "rejected"),
    "accepted": ("introduced", "failed"),
    "introduced": ("negotiating", "signed", "failed"),
    "negotiating": ("signed", "failed"),
}


def label(status):
    """The Chinese label of a status."""
    return SuggestionStatus.label_of(status)


# Permissions -----------------------------------------------------------------


def can_act(user, s):
    """Admins act on every pair; a broker on pairs assigned to them or to nobody."""
    if not user.is_authenticated:
        return False
    return user.is_admin or (user.is_broker and s.assigned_broker_id in (None, user.id))


def require_act(user, s):
    if not can_act(user, s):
        raise PairError("该推荐已分配给其他经纪人，只有该经纪人或管理员可以操作")


def require_status(s, expected, to_status, verb):
    """Refuse a stale or repeated submit, and moves the pipeline does not allow."""
    if not expected:
        raise PairError("请求缺少当前状态，请刷新页面后重试")
    if expected != s.status:
        if s.status == to_status:
            raise PairError(f"该推荐已是「{label(to_status)}」状态，请勿重复提交")
        raise PairError(f"该推荐的状态已变为「{label(s.status)}」，请刷新页面后再操作")
    if to_status not in ALLOWED_MOVES.get(s.status, ()):
        raise PairError(f"「{label(s.status)}」状态的推荐不能{verb}")


def require_open(s, verb):
    """Refuse to change who holds a closed pair (rejected, signed, failed): its history keeps the broker who
    handled it, or nobody. ``verb`` says what was refused (分配, 认领)."""
    if s.status not in OPEN_STATUSES:
        raise PairError(_ended(s.status, verb))


def _ended(status, verb):
    return f"「{label(status)}」的推荐已结束，不能再{verb}"


RACED = "该推荐刚刚已被其他人处理，请刷新页面后再操作"


def update_if(s, *conditions, **values) -> bool:
    """Write ``values`` to the pair only where ``conditions`` still hold: one conditional UPDATE, so of two
    requests acting on one pair at once exactly one writes (the other waits for the first's commit and
    finds the row changed). True when written (the loaded pair then holds the values). No commit."""
    stmt = (
        update(MatchSuggestion)
        .where(MatchSuggestion.id == s.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(stmt).rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(s, name, value)
    return True


def write_if_unchanged(s, **values):
    """Write ``values`` to the pair only if its status and broker are still those this request read;
    PairError (RACED) otherwise. No commit."""
    broker = MatchSuggestion.assigned_broker_id
    same_broker = broker.is_(None) if s.assigned_broker_id is None else broker == s.assigned_broker_id
    if not update_if(s, MatchSuggestion.status == s.status, same_broker, **values):
        raise PairError(RACED)
    if values.get("assigned_broker_id") is not None:
        hold_broker(values["assigned_broker_id"])


class Ended(PairError):
    """The pair closed (``status``: rejected, signed or failed) since this request read it."""

    def __init__(self, status, verb):
        super().__init__(_ended(status, verb))
        self.status = status


class Taken(PairError):
    """Another request gave the pair to a broker first: ``broker_id`` holds it now."""

    def __init__(self, broker_id):
        super().__init__(RACED)
        self.broker_id = broker_id


def take_if_free(s, broker_id, verb):
    """Give the pair to ``broker_id`` where it is still open and nobody holds it: one conditional UPDATE, so of two
    requests at once exactly one writes. Its status may have moved on among the open ones meanwhile (an admin's 采纳
    leaves it to nobody). Otherwise says what happened since the pair was read: it closed (Ended, worded as
    ``require_open`` with ``verb``), or Taken; BrokerInactive when ``broker_id`` was just deactivated. No commit."""
    free = (MatchSuggestion.assigned_broker_id.is_(None), MatchSuggestion.status.in_(OPEN_STATUSES))
    if update_if(s, *free, assigned_broker_id=broker_id, last_activity_at=utcnow()):
        hold_broker(broker_id)
        return
    now = db.session.execute(
        select(MatchSuggestion.status, MatchSuggestion.assigned_broker_id).where(MatchSuggestion.id == s.id)
    ).first()
    if now is None:
        raise PairError("该推荐已被删除，请返回列表")
    if now.status not in OPEN_STATUSES:
        raise Ended(now.status, verb)
    if now.assigned_broker_id is None:
        raise PairError(RACED)
    raise Taken(now.assigned_broker_id)


class BrokerInactive(PairError):
    """The broker a pair was being given to has just been deactivated."""


def hold_broker(broker_id):
    """Raise BrokerInactive unless ``broker_id`` is an active broker, keeping their account so until the commit.

    Called after the pair was written to them: the user row is read under a share lock (PostgreSQL), so a
    deactivation (auth.services.set_active, which takes the row FOR UPDATE before releasing the broker's pairs)
    either committed first and is seen here, or waits for this commit and then releases the pair; on SQLite
    this transaction already holds the one write lock, so the read is current. No commit."""
    row = db.session.execute(
        select(User.active, User.role).where(User.id == broker_id).with_for_update(read=True)
    ).first()
    if row is None or not row.active or row.role != "broker":
        raise BrokerInactive("该技术经纪人的账号已停用，不能再接手推荐，请刷新页面")


def record_move(s, actor, to_status, note=None, broker_id=None):
    """Change status (and the broker, when given) and record who moved it and when (no commit)."""
    db.session.add(
        SuggestionMove(
            suggestion_id=s.id, actor_id=getattr(actor, "id", None), from_status=s.status, to_status=to_status,
            note=(note or None) and note[:500],
        )
    )  # fmt: skip
    values = {"status": to_status, "last_activity_at": utcnow()}
    if broker_id is not None:
        values["assigned_broker_id"] = broker_id
    write_if_unchanged(s, **values)


def taker(s, actor):
    """The broker an action takes an unassigned pair to (the acting broker), or None (no change)."""
    return actor.id if s.assigned_broker_id is None and actor.is_broker else None


def release_pairs(broker_id):
    """A broker's open pairs back to no broker (their account deactivated): held by nobody who can act, they were
    out of every other broker's queue and pipeline (only an admin reassigning each one saw them). Returns how
    many; no commit."""
    return db.session.execute(
        update(MatchSuggestion)
        .where(MatchSuggestion.assigned_broker_id == broker_id, MatchSuggestion.status.in_(OPEN_STATUSES))
        .values(assigned_broker_id=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount


VERBS = {
    "accepted": "采纳", "rejected": "驳回", "introduced": "引荐", "negotiating": "进入洽谈",
    "signed": "标记为已签约", "failed": "标记为未成交",
}  # fmt: skip


# Statuses reached only by recording the pair's contract (``sign_by_contract``): recording also solves the need and
# withdraws it from matching, and a pair moved there by hand could have no contract recorded from it afterwards.
BY_CONTRACT_ONLY = ("signed",)
SIGN_BY_CONTRACT = "已签约须通过登记技术合同完成：请在该推荐页点击「登记技术合同」，登记后需求同时标记为已解决"


def check_actor(s, actor):
    """Raise PairError unless ``actor`` may act on the pair at all (signed in, broker or admin, its broker)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PairError("请先登录")
    if not (actor.is_admin or actor.is_broker):
        raise PairError("只有技术经纪人或管理员可以推进对接")
    require_act(actor, s)


def check_move(s, actor, to_status, expected=None, by_contract=False):
    """Raise PairError unless ``actor`` may move the pair to ``to_status`` now (changes nothing).
    ``by_contract``: the move is the recording of the pair's contract (the only way to signed)."""
    check_actor(s, actor)
    require_status(s, s.status if expected is None else expected, to_status, VERBS.get(to_status, "变更"))
    if to_status in BY_CONTRACT_ONLY and not by_contract:
        raise PairError(SIGN_BY_CONTRACT)


def apply_move(s, actor, to_status, expected=None, note=None):
    """The one way a pair changes status: the actor's rights and the allowed moves are checked,
    the move recorded with who and when (no commit). ``expected`` is the status the page was
    made from; paths without a page (CLI, demo) pass None: the current one. Not to signed: see
    ``sign_by_contract``."""
    check_move(s, actor, to_status, expected)
    require_open_listings(s, to_status)
    record_move(s, actor, to_status, note, broker_id=taker(s, actor))
    return s


# Moves that bring the two sides together, taken only while both listings are public (published or docking, as
# for a manual pair): a need its enterprise has closed is not put to researchers (the pair stayed in the queue
# until the close's job withdrew it, and 采纳 told both sides of it).
BRINGS_TOGETHER = ("accepted", "introduced")


def require_open_listings(s, to_status):
    """Raise PairError when ``to_status`` brings the sides together and either listing is no longer public.

    The listings are read under a share lock (PostgreSQL): a close being committed is waited for and seen, and
    a close after this check waits for the move to commit (the pair is then decided, and stays)."""
    if to_status not in BRINGS_TOGETHER:
        return
    for listing, noun in ((s.need, "技术需求"), (s.result, "科技成果")):
        model = type(listing)  # the stored status (this transaction's own changes flushed first), not the object's
        status = db.session.scalar(select(model.status).where(model.id == listing.id).with_for_update(read=True))
        if status not in ACTIVE_STATUSES:
            raise PairError(f"该{noun}当前状态为“{model.status_label_of(status)}”，不能{VERBS[to_status]}该推荐")


def signed_without_contract(s, contract_id=None) -> bool:
    """A pair at signed that no live contract backs (``contract_id``: the one being recorded, not counted): old
    data, marked 已签约 by hand before only a contract could sign it. Its contract can still be recorded."""
    if s.status != "signed":
        return False
    live = select(Contract.id).where(Contract.suggestion_id == s.id, Contract.voided.is_(False))
    if contract_id is not None:
        live = live.where(Contract.id != contract_id)
    return db.session.scalar(live.limit(1)) is None


def contract_recordable(s) -> bool:
    """Whether the pair's state lets a contract be recorded from it (the 登记技术合同 button; rights aside)."""
    return s.status in ("introduced", "negotiating") or signed_without_contract(s)


def check_contract(s, actor, contract_id=None):
    """Raise PairError unless ``actor`` may record a contract from the pair now (changes nothing): a pair
    introduced or negotiating, or one signed without a contract; the actor's rights as for any move."""
    if signed_without_contract(s, contract_id):
        check_actor(s, actor)
    else:
        check_move(s, actor, "signed", by_contract=True)


def sign_by_contract(s, actor, note, contract_id=None):
    """The pair's contract was recorded (``contract_id``, flushed): the pair moves to signed, recorded with who
    and when; one signed without a contract (old data) stays signed, not moved again. No commit; PairError."""
    # The pair's row first (PostgreSQL): two contracts recorded at once from a pair signed without one wait here,
    # and the second then counts the first's contract and is refused. NO KEY UPDATE, as an UPDATE of the row takes:
    # each contract's insert holds a key-share lock on the pair (its foreign key), which FOR UPDATE would deadlock.
    db.session.execute(select(MatchSuggestion.id).where(MatchSuggestion.id == s.id).with_for_update(key_share=True))
    check_contract(s, actor, contract_id)
    if s.status == "signed":
        write_if_unchanged(s, last_activity_at=utcnow(), **_taken(s, actor))
        return s
    record_move(s, actor, "signed", note, broker_id=taker(s, actor))
    return s


def _taken(s, actor):
    broker_id = taker(s, actor)
    return {} if broker_id is None else {"assigned_broker_id": broker_id}


def undo_signing(s, actor, note):
    """A contract recorded from a signed pair was voided: the pair goes back to the status it was signed
    from (introduced or negotiating), recorded as a move, so that the deal's real outcome can be
    recorded again or marked failed, and the funnel counts no signing the contracts do not. The void's
    own rights apply (no broker check here). No commit; PairError (RACED) if the pair moved meanwhile."""
    if s.status != "signed":
        return s
    last = (
        select(SuggestionMove.from_status)
        .where(SuggestionMove.suggestion_id == s.id, SuggestionMove.to_status == "signed")
        .order_by(SuggestionMove.id.desc())
        .limit(1)
    )
    before = db.session.scalar(last)
    record_move(s, actor, before if before in ("introduced", "negotiating") else "negotiating", note)
    return s
