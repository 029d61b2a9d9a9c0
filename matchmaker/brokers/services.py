"""Brokers' use cases: decisions, introductions, responses, moves, follow-ups, manual pairs."""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..listings import access
from ..models import (
    ACTIVE_STATUSES,
    Contract,
    FollowUp,
    FollowUpKind,
    MatchSuggestion,
    RejectReason,
    Result,
    Role,
    SuggestionMove,
    SuggestionStatus,
    TechNeed,
    User,
)
from ..models.base import utcnow
from ..models.enums import OPEN_STATUSES, OWNER_VISIBLE_STATUSES, RESPONDABLE_STATUSES, DeclineReason, ResponseKind
from ..notifications.services import notify
from ..suggestions import pipeline
from ..suggestions.pipeline import PairError
from ..suggestions.routing import route_suggestions
from ..suggestions.store import explain_shown
from ..utils import clock, once
from ..utils.rows import count_rows
from ..utils.text import clean_text
from ..utils.tx import rolls_back_on
from ..utils.urls import path_for
from .queries import MY_PAIRS_ORDER, Unindexed, stale_cutoff

BrokerError = PairError  # every refused action on a pair, with a message for the user (in Chinese)
label = pipeline.label
can_act = pipeline.can_act
ALLOWED_MOVES = pipeline.ALLOWED_MOVES
contract_recordable = pipeline.contract_recordable
_require_act = pipeline.require_act


def pair_contracts(s, user):
    """The valid contracts recorded from the pair that ``user`` may open, newest first (the pair page links them)."""
    rows = db.session.scalars(
        db.select(Contract)
        .where(Contract.suggestion_id == s.id, Contract.voided.is_(False))
        .order_by(Contract.id.desc())
    )
    return [c for c in rows if c.can_view(user)]


def side_of(user, s):
    """'need' or 'result' when the user is that side of the pair, else None."""
    if not user.is_authenticated:
        return None
    if user.role == Role.ENTERPRISE and user.organization_id and user.organization_id == s.need.organization_id:
        return "need"
    if user.role == Role.RESEARCHER and user.id == s.result.owner_id:
        return "result"
    return None


# Recipients and links --------------------------------------------------------


def need_side_user_ids(need):
    """Who speaks for a need: its author, else the organisation's enterprise users."""
    if need.created_by_id:
        return [need.created_by_id]
    return list(
        db.session.scalars(
            db.select(User.id).where(
                User.organization_id == need.organization_id, User.role == Role.ENTERPRISE, User.active.is_(True)
            )
        )
    )


def result_side_user_ids(result):
    """Who speaks for a result: its owner."""
    return [result.owner_id] if result.owner_id else []


def pair_link(s):
    """Where a side sees the pair."""
    return path_for("brokers.mine", _anchor=f"s{s.id}")


def broker_link(s):
    """Where a broker works the pair."""
    return path_for("brokers.suggestion", suggestion_id=s.id)


def _notify_sides(s, kind, need_text, result_text):
    for uid in need_side_user_ids(s.need):
        notify(uid, kind, need_text, pair_link(s))
    for uid in result_side_user_ids(s.result):
        notify(uid, kind, result_text, pair_link(s))


def log_confidential_view(user, s):
    """A staff view of a pair of a summary-only need (its organisation and the words of its hidden text)
    goes to the audit log, by the listings' rule; commits."""
    if s.need.confidentiality == "summary":
        if access.log_confidential_view(user, s.need, ["details"], via="suggestion", suggestion_id=s.id):
            db.session.commit()


# Queue actions ---------------------------------------------------------------


def pair_form(action):
    """The name a one-time key of ``action`` on a pair is kept under: the key of one action (采纳) sent with another
    (驳回) is not a repeat of it, as the key of one pair sent for another is not (``claim_pair_key``)."""
    return f"suggestion:{action}"


def claim_pair_key(key, action, actor, s):
    """Reserve the form's one-time key for ``action`` on pair ``s`` (the transaction's first write; once.Repeat for
    the twin of a submit made with it on this pair and action, a twin in flight waiting here for the first)."""
    once.bind(once.claim(key, pair_form(action), actor, target=s.id), s.id)


@rolls_back_on(BrokerError)
def claim(s, broker, key=None):
    """A broker takes an unassigned suggestion; commits. ``key``: the form's one-time key (once.Repeat for the
    twin of a claim made with it, as for every action on a pair below)."""
    if not broker.is_broker:
        raise BrokerError("只有技术经纪人可以认领推荐")
    claim_pair_key(key, "claim", broker, s)  # the first write: a twin in flight waits here
    if s.assigned_broker_id == broker.id:
        raise BrokerError("您已认领该推荐，请勿重复提交")
    if s.assigned_broker_id is not None:
        raise BrokerError("该推荐已由其他经纪人认领")
    pipeline.require_open(s, "认领")  # a closed pair keeps who handled it (or nobody)
    try:  # taken or closed since the page was read: told which (a closed one as above)
        pipeline.take_if_free(s, broker.id, "认领")
    except pipeline.BrokerInactive:
        raise BrokerError("您的账号已被停用，不能认领推荐") from None
    except pipeline.Taken as taken:
        if taken.broker_id == broker.id:  # a second submit of the same claim
            raise BrokerError("您已认领该推荐，请勿重复提交") from None
        raise BrokerError("该推荐已由其他经纪人认领，请刷新页面") from None
    db.session.commit()
    return s


@rolls_back_on(BrokerError)
def assign(s, admin, broker_id, key=None):
    """An admin gives a pair to a broker (or to nobody with 0); commits."""
    if not admin.is_admin:
        raise BrokerError("只有管理员可以分配经纪人")
    claim_pair_key(key, "assign", admin, s)
    pipeline.require_open(s, "分配或取消分配经纪人")
    if broker_id:
        broker = db.session.get(User, broker_id)
        if broker is None or not broker.is_broker or not broker.active:
            raise BrokerError("请选择一位在职的技术经纪人")
        if s.assigned_broker_id == broker.id:
            raise BrokerError(f"该推荐已分配给{broker.name}")
        pipeline.write_if_unchanged(s, assigned_broker_id=broker.id, last_activity_at=utcnow())
        notify(broker, "suggestion_assigned", f"管理员为您分配了匹配推荐：「{s.need.title}」↔「{s.result.title}」",
               broker_link(s))  # fmt: skip
    else:
        pipeline.write_if_unchanged(s, assigned_broker_id=None, last_activity_at=utcnow())
    db.session.commit()
    return s


@rolls_back_on(BrokerError)
def accept(s, actor, expected, key=None):
    """Accept a suggestion: the two sides (who saw it as 平台推荐) are told and asked whether they are interested;
    commits."""
    claim_pair_key(key, "accept", actor, s)
    pipeline.apply_move(s, actor, "accepted", expected or "")
    s.decided_by_id, s.decided_at = actor.id, utcnow()
    _tell_requester(s, f"经纪人已受理您的牵线请求：「{s.need.title}」↔「{s.result.title}」")
    _notify_sides(
        s, "suggestion_accepted",
        f"技术经纪人为您的需求「{s.need.title}」推荐了科技成果「{s.result.title}」",
        f"技术经纪人为您的成果「{s.result.title}」推荐了企业需求「{s.need.title}」",
    )  # fmt: skip
    db.session.commit()
    return s


@rolls_back_on(BrokerError)
def reject(s, actor, expected, reason, note="", key=None):
    """Reject with a coded reason; the row stays so the pair is never suggested again; commits."""
    note = (note or "").strip()
    if reason not in {r.value for r in RejectReason}:
        raise BrokerError("请选择有效的驳回原因")
    if reason == RejectReason.OTHER and not note:
        raise BrokerError("驳回原因为「其他」时请填写说明")
    if len(note) > 500:
        raise BrokerError("说明不能超过 500 个字符")
    claim_pair_key(key, "reject", actor, s)
    pipeline.apply_move(
        s, actor, "rejected", expected or "", f"{RejectReason.label_of(reason)}{'：' + note if note else ''}"
    )
    s.reject_reason, s.reject_note = reason, note or None
    s.decided_by_id, s.decided_at = actor.id, utcnow()
    _tell_requester(
        s, f"经纪人未采纳您请求牵线的「{s.need.title}」↔「{s.result.title}」：{RejectReason.label_of(reason)}"
    )
    db.session.commit()
    return s


@rolls_back_on(BrokerError)
def introduce(s, actor, expected, note="", key=None):
    """Introduce the two sides: both are told and see each other's contacts; commits."""
    # Posted as plain fields, not through a form: cleaned here as form text is (a NUL was a 500 on PostgreSQL,
    # a right-to-left override was stored and shown on the pair's timeline).
    note = clean_text(note or "").strip()
    if len(note) > 500:  # the page's field stops at 500; a longer note was cut without a word
        raise BrokerError("引荐说明不能超过 500 个字符")
    claim_pair_key(key, "introduce", actor, s)
    _require_act(actor, s)
    if s.status == SuggestionStatus.REJECTED:
        raise BrokerError("已驳回的推荐不能引荐")
    pipeline.apply_move(s, actor, "introduced", expected or "", note)
    s.introduced_at = utcnow()
    _notify_sides(
        s, "introduced",
        f"技术经纪人已为您引荐：需求「{s.need.title}」↔ 成果「{s.result.title}」，现可查看对方联系方式",
        f"技术经纪人已为您引荐：成果「{s.result.title}」↔ 需求「{s.need.title}」，现可查看对方联系方式",
    )  # fmt: skip
    db.session.commit()
    return s


# signed is refused by the pipeline with the way to get there (登记技术合同), not as an unknown target.
MOVE_VERBS = {"negotiating": "进入洽谈", "signed": "标记为已签约", "failed": "标记为未成交"}


@rolls_back_on(BrokerError)
def move(s, actor, expected, to_status, note="", key=None):
    """Move an introduced pair on: negotiating or failed (signed only by recording its contract); commits."""
    if to_status not in MOVE_VERBS:
        raise BrokerError("无效的目标状态")
    note = clean_text(note or "").strip()  # as introduce's
    if len(note) > 500:
        raise BrokerError("说明不能超过 500 个字符")
    claim_pair_key(key, to_status, actor, s)
    pipeline.apply_move(s, actor, to_status, expected or "", note)
    db.session.commit()
    return s


@rolls_back_on(BrokerError)
def add_follow_up(s, actor, kind, happened_on, note="", event_id=None, key=None):
    """Log a call, visit, meeting or event on the pair's timeline; commits."""
    claim_pair_key(key, "follow_up", actor, s)
    note = (note or "").strip()
    if kind not in {k.value for k in FollowUpKind}:
        raise BrokerError("请选择有效的跟进方式")
    if not isinstance(happened_on, date):
        raise BrokerError("请填写跟进日期")
    if happened_on > clock.today():
        raise BrokerError("跟进日期不能晚于今天")
    if happened_on < date(2000, 1, 1):
        raise BrokerError("跟进日期不能早于 2000 年，请核对")
    if not note:
        raise BrokerError("请填写跟进记录")
    if len(note) > 2000:
        raise BrokerError("跟进记录不能超过 2000 个字符")
    _require_act(actor, s)
    if s.status == SuggestionStatus.REJECTED:
        raise BrokerError("已驳回的推荐不能再记录跟进")
    if not actor.is_broker and not actor.is_admin:
        raise BrokerError("只有技术经纪人可以记录跟进")
    if pipeline.taker(s, actor) is not None and s.status in OPEN_STATUSES:
        _take_to_follow_up(s, actor)
    fu = FollowUp(suggestion_id=s.id, broker_id=actor.id, kind=kind, happened_on=happened_on, note=note,
                  event_id=event_id or None)  # fmt: skip
    db.session.add(fu)
    s.last_activity_at = utcnow()
    db.session.commit()
    return fu


def _take_to_follow_up(s, actor):
    """A broker following up an open pair nobody holds takes it into their queue (no commit). A closed pair is not
    taken (as ``require_open`` refuses 认领 and 分配 there): its history keeps the broker who handled it, or nobody.
    Closed or taken since the pair was read: BrokerError saying which, nothing written (the typed text is kept by
    the page; a pair that only moved on among the open ones, or that this broker took meanwhile, is followed up)."""
    try:
        pipeline.take_if_free(s, actor.id, "记录跟进")
    except pipeline.BrokerInactive:
        raise BrokerError("您的账号已被停用，不能记录跟进") from None
    except pipeline.Ended as ended:
        if ended.status == SuggestionStatus.REJECTED:
            raise BrokerError("该推荐刚刚已被驳回，已驳回的推荐不能再记录跟进，跟进记录未保存") from None
        # Signed and failed pairs take follow-ups (after-care, why it fell through): the broker decides, knowing.
        raise BrokerError(
            f"该推荐刚刚已变为「{label(ended.status)}」，跟进记录未保存；如仍需记录，请核对后再次提交"
        ) from None
    except pipeline.Taken as taken:
        if taken.broker_id != actor.id:
            who = db.session.get(User, taken.broker_id)
            raise BrokerError(f"该推荐刚刚已由其他经纪人（{who.name if who else '已删除的账号'}）认领，"
                              "只有该经纪人或管理员可以记录跟进，跟进记录未保存") from None  # fmt: skip
        set_committed_value(s, "assigned_broker_id", actor.id)  # their own 认领 from another page: theirs, as meant


def shared_keywords(need, result):
    """Keywords both listings carry, as reasons for a manual pair."""
    theirs = {k.strip().lower(): k.strip() for k in result.keyword_list}
    return [[theirs[k.strip().lower()], 1.0] for k in need.keyword_list if k.strip().lower() in theirs]


@rolls_back_on(BrokerError)
def create_manual_pair(actor, need_id, result_id, note="", key=None):
    """A broker pairs a need and a result the matcher did not suggest; enters as accepted; commits."""
    claimed = once.claim(key, "suggestion", actor)
    s = new_manual_pair(actor, need_id, result_id, note)
    once.bind(claimed, s.id)
    db.session.commit()
    return s


def new_manual_pair(actor, need_id, result_id, note=""):
    """The pair of ``create_manual_pair``, written without committing (for a caller's transaction)."""
    note = (note or "").strip()
    if not (actor.is_broker or actor.is_admin):
        raise BrokerError("只有技术经纪人或管理员可以创建配对")
    need = db.session.get(TechNeed, need_id) if need_id else None
    result = db.session.get(Result, result_id) if result_id else None
    if need is None:
        raise BrokerError("请选择一项技术需求")
    if result is None:
        raise BrokerError("请选择一项科技成果")
    if need.status not in ACTIVE_STATUSES:
        raise BrokerError("该技术需求未发布或已结束，不能配对")
    if result.status not in ACTIVE_STATUSES:
        raise BrokerError("该科技成果未发布或已结束，不能配对")
    if len(note) > 500:
        raise BrokerError("说明不能超过 500 个字符")
    existing = db.session.scalar(db.select(MatchSuggestion).filter_by(need_id=need.id, result_id=result.id))
    if existing is not None:
        if existing.status == SuggestionStatus.REJECTED:
            raise BrokerError("该配对此前已被驳回，不能再次配对")
        raise BrokerError(f"该配对已存在（当前状态：{label(existing.status)}）")
    now = utcnow()
    s = MatchSuggestion(
        need_id=need.id, result_id=result.id, score=0.0, reasons=shared_keywords(need, result), manual=True,
        status="suggested", created_by_id=actor.id, assigned_broker_id=actor.id if actor.is_broker else None,
        engine_version="manual", decided_by_id=actor.id, decided_at=now, last_activity_at=now,
    )  # fmt: skip
    db.session.add(s)
    try:
        db.session.flush()
    except IntegrityError:  # another broker paired the same two at the same moment (the caller rolls back)
        raise BrokerError("该配对刚刚已由其他人创建，请刷新页面后查看") from None
    if actor.is_broker:  # their account deactivated at this moment: the pair is not left to them
        pipeline.hold_broker(actor.id)
    pipeline.apply_move(s, actor, "accepted", "suggested", "经纪人手动配对" + (f"：{note}" if note else ""))
    _notify_sides(
        s, "suggestion_accepted",
        f"技术经纪人为您的需求「{need.title}」推荐了科技成果「{result.title}」",
        f"技术经纪人为您的成果「{result.title}」推荐了企业需求「{need.title}」",
    )  # fmt: skip
    return s


# The two sides ---------------------------------------------------------------


@rolls_back_on(BrokerError)
def respond(s, user, expected_response, response, reason="", note="", key=None):
    """A side answers: interested, or declined with a coded reason; the broker is told; commits."""
    side = side_of(user, s)
    if side is None:
        raise PermissionError("not a side of this pair")
    claim_pair_key(key, "respond", user, s)
    note = (note or "").strip()
    if response not in {r.value for r in ResponseKind}:
        raise BrokerError("请选择有意向或暂不考虑")
    if response == ResponseKind.DECLINED:
        if reason not in {r.value for r in DeclineReason}:
            raise BrokerError("请选择有效的不考虑原因")
        if reason == DeclineReason.OTHER and not note:
            raise BrokerError("原因为「其他」时请填写说明")
    else:
        reason = ""
    if len(note) > 500:
        raise BrokerError("说明不能超过 500 个字符")
    if s.status not in RESPONDABLE_STATUSES:
        raise BrokerError(f"「{label(s.status)}」状态的对接不能再提交反馈")
    current = getattr(s, f"{side}_response") or ""
    if (expected_response or "") != current:
        raise BrokerError("您的反馈已更新，请刷新页面后再操作")
    if current == response and (getattr(s, f"{side}_response_reason") or "") == reason:
        raise BrokerError("您已提交过相同的反馈，请勿重复提交")
    now = utcnow()
    values = {f"{side}_response": response, f"{side}_response_reason": reason or None,
              f"{side}_response_note": note or None, f"{side}_responded_at": now, "last_activity_at": now}  # fmt: skip
    # Only over the answer this page showed: of two answers sent at once, one is kept and told once.
    column = getattr(MatchSuggestion, f"{side}_response")
    unchanged = column == current if current else or_(column.is_(None), column == "")
    if not pipeline.update_if(s, MatchSuggestion.status == s.status, unchanged, **values):
        raise BrokerError("您的反馈已更新，请刷新页面后再操作")
    who = "需求方" if side == "need" else "成果方"
    what = "有意向" if response == ResponseKind.INTERESTED else f"暂不考虑（{DeclineReason.label_of(reason)}）"
    broker_id = s.assigned_broker_id or s.decided_by_id
    if broker_id:
        notify(broker_id, "response", f"{who}对「{s.need.title}」↔「{s.result.title}」的反馈：{what}", broker_link(s))
    db.session.commit()
    return s


def contacts_of(listing):
    """A listing's contact details: its own, else its organisation's, else its author's."""
    if isinstance(listing, TechNeed):
        org, person = listing.organization, listing.created_by
    else:
        org, person = listing.organization, listing.owner
    return {
        "org": org.name if org else "",
        "name": listing.contact_name or (org and org.contact_name) or (person and person.name) or "",
        "phone": listing.contact_phone or (org and org.contact_phone) or (person and person.phone) or "",
        "email": listing.contact_email or (org and org.contact_email) or (person and person.email) or "",
    }


@dataclass
class OwnerView:
    """One pair as a listing's owner sees it."""

    s: MatchSuggestion
    side: str  # 'need' or 'result': the viewer's side
    other: object  # the other listing
    contacts: dict | None  # the other side's contacts, after introduction only
    other_org: str = ""  # the other side's organisation as the viewer may see it (listings/access.py)
    reasons: list = field(default_factory=list)  # reason terms the viewer may see

    @property
    def my_response(self):
        return getattr(self.s, f"{self.side}_response") or ""

    @property
    def my_reason(self):
        return getattr(self.s, f"{self.side}_response_reason") or ""

    @property
    def can_request(self):
        """The owner may still ask a broker to introduce this pair."""
        return self.s.status == "suggested" and self.s.owner_requested_at is None and not self.s.manual

    @property
    def can_respond(self):
        return self.s.status in RESPONDABLE_STATUSES


def _owner_stmt(user):
    # The matcher's own suggestions too (平台自动匹配), and a refusal of a pair the owner asked for.
    S = MatchSuggestion
    stmt = db.select(S).where(
        S.status.in_(("suggested",) + tuple(OWNER_VISIBLE_STATUSES))
        | ((S.status == "rejected") & S.owner_requested_at.is_not(None))
    )
    if user.role == Role.ENTERPRISE and user.organization_id:
        return stmt.join(TechNeed, TechNeed.id == MatchSuggestion.need_id).where(
            TechNeed.organization_id == user.organization_id
        ), "need"
    if user.role == Role.RESEARCHER:
        return stmt.join(Result, Result.id == MatchSuggestion.result_id).where(Result.owner_id == user.id), "result"
    return None, None


def _views(rows, side, viewer=None):

    out = []
    for s in explain_shown(list(rows)):
        other = s.result if side == "need" else s.need
        v = OwnerView(s, side, other, contacts_of(other) if s.is_introduced else None)
        # The confidentiality rule: a summary-only need's organisation and hidden words wait for introduction.
        v.other_org = access.org_name(viewer, other, introduced=s.is_introduced)
        v.reasons = access.visible_reasons(viewer, s.need, s.reason_terms(6), introduced=s.is_introduced)
        out.append(v)
    return out


def _owner_options():
    return (
        joinedload(MatchSuggestion.need).joinedload(TechNeed.organization),
        joinedload(MatchSuggestion.need).joinedload(TechNeed.created_by),
        joinedload(MatchSuggestion.result).joinedload(Result.organization),
        joinedload(MatchSuggestion.result).joinedload(Result.owner),
        joinedload(MatchSuggestion.assigned_broker),
    )


def owner_suggestions(listing, user, limit=50):
    """The matcher's suggestions and the pairs brokers moved on for the user's own listing, asked-for
    and decided first; [] for anyone else."""
    if not getattr(user, "is_authenticated", False) or listing is None:
        return []
    stmt, side = _owner_stmt(user)
    if stmt is None:
        return []
    if isinstance(listing, TechNeed):
        if side != "need" or listing.organization_id != user.organization_id:
            return []
        stmt = stmt.where(MatchSuggestion.need_id == listing.id)
    elif isinstance(listing, Result):
        if side != "result" or listing.owner_id != user.id:
            return []
        stmt = stmt.where(MatchSuggestion.result_id == listing.id)
    else:
        return []
    S = MatchSuggestion
    order = (S.status == "suggested", S.score.desc(), S.last_activity_at.desc(), S.id)
    rows = db.session.scalars(stmt.options(*_owner_options()).order_by(*order).limit(limit)).unique()
    return _views(rows, side, user)


def viewer_pair(listing, user):
    """The pair joining someone else's `listing` to one of the user's own listings on the other side (a
    researcher's result for a need, an enterprise's need for a result), asked-for and decided first; else None."""
    if not getattr(user, "is_authenticated", False) or listing is None:
        return None
    stmt, side = _owner_stmt(user)
    S = MatchSuggestion
    if isinstance(listing, TechNeed) and side == "result":
        stmt = stmt.where(S.need_id == listing.id)
    elif isinstance(listing, Result) and side == "need":
        stmt = stmt.where(S.result_id == listing.id)
    else:
        return None
    order = (S.status == "suggested", S.score.desc(), S.last_activity_at.desc(), S.id)
    s = db.session.scalars(stmt.options(*_owner_options()).order_by(*order).limit(1)).first()
    return _views([s], side, user)[0] if s else None


def _awaiting_reply(stmt, side, status=MatchSuggestion.status):
    """Pairs a broker moved on that this side has not answered yet (感兴趣 / 暂无意向)."""
    S = MatchSuggestion
    answer = S.need_response if side == "need" else S.result_response
    return stmt.where(status.in_(RESPONDABLE_STATUSES), answer.is_(None))


def my_pairs_stmt(user, awaiting=False):
    """All pairs the user's side can see, newest activity first (for the 'my matches' page); with
    ``awaiting`` only those waiting for the user's side to say whether it is interested."""
    stmt, side = _owner_stmt(user)
    if stmt is None:
        return None, None
    if awaiting:  # read from the owner's listings, not from a status index (queries.Unindexed)
        stmt = _awaiting_reply(stmt, side, status=Unindexed(MatchSuggestion.status))
    return stmt.options(*_owner_options()).order_by(*MY_PAIRS_ORDER), side  # id breaks ties: no repeat, no skip


def awaiting_reply_count(user):
    """How many pairs wait for the user's side to answer (0 for users with no side)."""
    stmt, side = _owner_stmt(user)
    if stmt is None:
        return 0
    return count_rows(_awaiting_reply(stmt, side).with_only_columns(MatchSuggestion.id))


def owner_views(rows, side, viewer=None):
    """Wrap a page of pairs for the owner partial."""
    return _views(rows, side, viewer)


# Reminders -------------------------------------------------------------------


def request_introduction(s, user):
    """An owner asks for a suggested pair to be introduced: it goes to the top of the assigned
    broker's queue (routed first if nobody has it), marked as asked by that side; commits."""
    side = side_of(user, s)
    if side is None:
        raise PermissionError("not a side of this pair")
    if s.status != "suggested":
        raise BrokerError(f"该推荐已是「{label(s.status)}」状态，无需再请求牵线")
    if s.owner_requested_at is not None:
        raise BrokerError("您已请求经纪人牵线，请等待经纪人处理")
    now = utcnow()
    values = {"owner_requested_at": now, "owner_requested_by_id": user.id, "last_activity_at": now}
    # One conditional UPDATE: of two requests sent at once (two pages), one is recorded and told.
    waiting = (MatchSuggestion.status == "suggested", MatchSuggestion.owner_requested_at.is_(None))
    if not pipeline.update_if(s, *waiting, **values):
        raise BrokerError("您已请求经纪人牵线，请等待经纪人处理")
    who = "需求方" if side == "need" else "成果方"
    # A move row records who asked; it also keeps the matcher from replacing the pair.
    db.session.add(SuggestionMove(suggestion_id=s.id, actor_id=user.id, from_status=s.status, to_status=s.status,
                                  note=f"{who}请求经纪人牵线"))  # fmt: skip
    db.session.flush()
    if s.assigned_broker_id is None:
        route_suggestions([s.id], notify_broker=False)
        db.session.refresh(s)
    text = f"{who}请求牵线：「{s.need.title}」↔「{s.result.title}」"
    targets = [s.assigned_broker_id] if s.assigned_broker_id else _active_ids(Role.BROKER)
    for broker_id in targets:
        notify(broker_id, "owner_request", text, broker_link(s))
    db.session.commit()
    return s


def _active_ids(role):
    return list(db.session.scalars(db.select(User.id).where(User.role == role, User.active.is_(True))))


def _tell_requester(s, text):
    """Tell the owner who asked for this pair what the broker decided."""
    if s.owner_requested_by_id:
        notify(s.owner_requested_by_id, "owner_request", text, pair_link(s))


def remind_stale(days=None):
    """Tell each broker how many of their open pairs are stale (used by the digest; commits)."""
    cutoff = stale_cutoff(days or current_app.config.get("STALE_SUGGESTION_DAYS", 14))
    rows = db.session.execute(
        db.select(MatchSuggestion.assigned_broker_id, func.count(MatchSuggestion.id))
        .where(
            MatchSuggestion.assigned_broker_id.is_not(None),
            MatchSuggestion.status.in_(OPEN_STATUSES),
            MatchSuggestion.last_activity_at < cutoff,
        )
        .group_by(MatchSuggestion.assigned_broker_id)
    ).all()
    for broker_id, n in rows:
        notify(broker_id, "stale", f"您有 {n} 条对接超过期限未跟进，请及时处理",
               path_for("brokers.queue", assigned="mine", stale=1, status="open"))  # fmt: skip
    db.session.commit()
    return len(rows)
