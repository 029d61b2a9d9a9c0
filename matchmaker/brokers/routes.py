"""Brokers' queue, pipeline and pair page, and the actions on a pair."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import cache
from ..auth.decorators import role_required
from ..extensions import db
from ..models import FollowUp, MatchSuggestion, Result, Role, SuggestionMove, SuggestionStatus, TechNeed, Zone
from ..models.enums import OPEN_STATUSES
from ..suggestions.store import explain_shown
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.urls import safe_next
from . import events, pages, queries, services
from .forms import FollowUpForm, RejectForm
from .services import BrokerError

bp = Blueprint("brokers", __name__)

staff_only = role_required(Role.BROKER, Role.ADMIN)


def _stale_days():
    return int(current_app.config.get("STALE_SUGGESTION_DAYS", 14))


cache.watch("taxonomy", "zone")


def _lists():
    from ..main.services import choice_list

    zones = [tuple(z) for z in db.session.execute(db.select(Zone.id, Zone.name).order_by(Zone.name))]
    return {"industries": choice_list("industry"), "zones": zones}


def _filter_choices(status_options):
    return cache.cached("broker-filter-lists", ("taxonomy", "zone"), _lists) | {
        "sorts": queries.SORTS, "assigned": queries.ASSIGNED,
        "band_options": [(k, v[0]) for k, v in queries.SCORE_BANDS.items()],
        "age_options": [(k, v[0]) for k, v in queries.AGE_BANDS.items()],
        "status_options": [(v, SuggestionStatus.label_of(v) if v not in ("", "open") else text)
                           for v, text in status_options],
    }  # fmt: skip


def _page(stmt, f, kind):
    """The list's page, and which of its links (下一页, 上一页) was not one this list wrote for these filters
    ("" when none; then the first page, with a notice, as a page number past the end shows the last one's link)."""
    after, before = request.args.get("after"), request.args.get("before")
    try:
        return pages.paginate(stmt, current_user, f, kind, after, before), ""
    except pages.BadCursor:
        return pages.paginate(stmt, current_user, f, kind), "下一页" if after else "上一页"


QUEUE_STATUSES = [("suggested", ""), ("open", "全部进行中")]
PIPELINE_STATUS_OPTIONS = [("", "全部（不含已驳回）")] + [(s, "") for s in queries.PIPELINE_STATUSES]


@bp.route("/")
@staff_only
def queue():
    """The review queue: pending suggestions with reasons, filters, sort and pages."""
    f = queries.Filters.from_args(request.args, current_user)
    page, bad_link = _page(queries.queue_stmt(current_user, f, _stale_days()), f, "queue")
    return render_template("brokers/queue.html", page=page, f=f, stale_cutoff=queries.stale_cutoff(_stale_days()),
                           bad_link=bad_link,
                           stale_days=_stale_days(), **_filter_choices(QUEUE_STATUSES))  # fmt: skip


@bp.route("/pipeline")
@staff_only
def pipeline():
    """Pairs past the queue: accepted, introduced, negotiating, signed, failed (or rejected)."""
    f = queries.Filters.from_args(request.args, current_user, default_status="")
    if "assigned" not in request.args and current_user.is_broker:
        f.assigned = "mine"
    if "sort" not in request.args:
        f.sort = "idle"
    page, bad_link = _page(queries.pipeline_stmt(current_user, f, _stale_days()), f, "pipeline")
    counts = queries.status_counts(current_user, mine_only=current_user.is_broker and f.assigned == "mine")
    return render_template("brokers/pipeline.html", page=page, f=f, counts=counts, bad_link=bad_link,
                           stale_cutoff=queries.stale_cutoff(_stale_days()), stale_days=_stale_days(),
                           statuses=queries.PIPELINE_STATUSES, status_enum=SuggestionStatus, **_filter_choices(PIPELINE_STATUS_OPTIONS))  # fmt: skip


def _load(suggestion_id):
    s = db.session.get(
        MatchSuggestion,
        suggestion_id,
        options=[
            joinedload(MatchSuggestion.need).joinedload(TechNeed.organization),
            joinedload(MatchSuggestion.result).joinedload(Result.organization),
            joinedload(MatchSuggestion.assigned_broker),
        ],
    )
    if s is None:
        abort(404)
    explain_shown([s])  # a pair of a re-suggestion whose reasons are not stored yet
    return s


def render_pair(s, status=200, reject_form=None, follow_form=None, typed=None):
    """The pair page with its forms (bound ones keep what was typed; ``typed``: what a hand-written one sent, such
    as 分配's broker and 引荐's note)."""
    moves = db.session.scalars(
        db.select(SuggestionMove).where(SuggestionMove.suggestion_id == s.id)
        .options(joinedload(SuggestionMove.actor)).order_by(SuggestionMove.at, SuggestionMove.id)
    ).all()  # fmt: skip
    follow_ups = db.session.scalars(
        db.select(FollowUp).where(FollowUp.suggestion_id == s.id)
        .options(joinedload(FollowUp.broker), joinedload(FollowUp.event))
        .order_by(FollowUp.happened_on.desc(), FollowUp.id.desc())
    ).all()  # fmt: skip
    recent = events.recent_events()
    follow_form = follow_form or FollowUpForm(formdata=None)
    follow_form.event_id.choices = [("", "（无）")] + [
        (str(e.id), f"{e.title}（{e.starts_at:%Y-%m-%d}）") for e in recent
    ]
    stale = s.status in OPEN_STATUSES and s.last_activity_at < queries.stale_cutoff(_stale_days())
    return render_template(
        "brokers/suggestion.html", s=s, moves=moves, follow_ups=follow_ups, can_act=services.can_act(current_user, s),
        reject_form=reject_form or RejectForm(formdata=None), follow_form=follow_form, recent_events=recent,
        pair_events=events.pair_events(s), need_contacts=services.contacts_of(s.need),
        result_contacts=services.contacts_of(s.result), brokers=queries.broker_choices() if current_user.is_admin else [],
        stale=stale, stale_days=_stale_days(), status_enum=SuggestionStatus, is_open=s.status in OPEN_STATUSES,
        contract_recordable=services.contract_recordable(s),
        contracts=services.pair_contracts(s, current_user) if s.status == "signed" else [],
        typed=typed or {},
        # A refused form is shown again where it was posted (what was typed is kept); the page's script then puts
        # the pair's own address in the address bar: a refresh reloads the pair, not the form sent again.
        page_url=url_for("brokers.suggestion", suggestion_id=s.id) if request.method == "POST" else None,
    ), status  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>")
@staff_only
def suggestion(suggestion_id):
    """One pair: both listings side by side, reasons, history, follow-ups, actions."""
    s = _load(suggestion_id)
    services.log_confidential_view(current_user, s)
    return render_pair(s)


def _done(s, message):
    flash(message, "success")
    nxt = safe_next(request.form.get("next"))
    return redirect(nxt or url_for("brokers.suggestion", suggestion_id=s.id))


def _refused(s, exc, **forms):
    flash(str(exc), "danger")
    return render_pair(_load(s.id), 409, typed=request.form, **forms)


@bp.app_template_global()
def pair_key(s, action):
    """The one-time key of an action's form on a pair in a list: named by the pair's state the list showed, so a
    broker's kept queue (pagecache.py) stays kept; the pair page's forms carry fresh keys (``submission_key``)."""
    return once.state_key(current_user.id, s.id, action, s.status, s.assigned_broker_id, s.last_activity_at)


def _act(s, action, service, args, done, repeated, **forms):
    """``service(s, current_user, *args)`` with the form's one-time key; answered as ``_done`` (``done``: the
    message, or what makes it), or ``_refused``. The twin of a submit that went through (a double click) goes where
    the first went, told (``repeated``) that nothing was done twice: also when the first committed after this one's
    key check, so that the state it made refused this one. ``action``: what the service keeps the key under
    (``services.claim_pair_key``); a key used for another action or pair is no repeat of this submit."""
    key = request.form.get(once.FIELD)
    try:
        service(s, current_user, *args, key=key)
    except once.Changed as changed:  # sent back by 后退 with another choice: told, shown again as typed
        flash(changed.message, "warning")
        return render_pair(_load(s.id), 409, typed=request.form, **forms)
    except once.Repeat:
        return _repeated(s, repeated)
    except BrokerError as exc:
        if once.done(key, services.pair_form(action), current_user, target=s.id) == s.id:
            return _repeated(s, repeated)
        return _refused(s, exc, **forms)
    return _done(s, done() if callable(done) else done)


def _repeated(s, message):
    flash(f"{message}，未重复处理", "info")
    nxt = safe_next(request.form.get("next"))
    return once.see_other(nxt or url_for("brokers.suggestion", suggestion_id=s.id))


@bp.route("/suggestions/<int:suggestion_id>/claim", methods=["POST"])
@staff_only
def claim(suggestion_id):
    """A broker takes an unassigned suggestion into their queue."""
    s = _load(suggestion_id)
    return _act(s, "claim", services.claim, (), "已认领，该推荐进入您的队列", "该推荐已由您的上一次提交认领")


@bp.route("/suggestions/<int:suggestion_id>/assign", methods=["POST"])
@role_required(Role.ADMIN)
def assign(suggestion_id):
    """An admin gives the pair to a broker."""
    s = _load(suggestion_id)
    broker_id = id_or_none(request.form.get("broker_id"))  # 0: （不分配）; junk or none: refused (-1 is nobody's)
    return _act(s, "assign", services.assign, (-1 if broker_id is None else broker_id,),
                lambda: f"已分配给{s.assigned_broker.name}" if s.assigned_broker else "已取消分配",
                "该推荐的分配已由您的上一次提交完成")  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/accept", methods=["POST"])
@staff_only
def accept(suggestion_id):
    """Accept a suggestion."""
    s = _load(suggestion_id)
    return _act(s, "accept", services.accept, (request.form.get("expected"),),
                "已采纳该推荐，已通知双方并请其反馈意向", "该推荐已由您的上一次提交采纳")  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/reject", methods=["POST"])
@staff_only
def reject(suggestion_id):
    """Reject a suggestion with a coded reason and a note."""
    s = _load(suggestion_id)
    form = RejectForm()
    if not form.validate():
        return render_pair(s, 400, reject_form=form)
    return _act(s, "reject", services.reject, (form.expected.data, form.reason.data, form.note.data),
                "已驳回该推荐，此配对今后不会再被推荐", "该推荐已由您的上一次提交驳回", reject_form=form)  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/introduce", methods=["POST"])
@staff_only
def introduce(suggestion_id):
    """Introduce the two sides to each other."""
    s = _load(suggestion_id)
    return _act(s, "introduce", services.introduce, (request.form.get("expected"), request.form.get("note", "")),
                "已引荐，双方已收到通知并可查看对方联系方式", "双方已由您的上一次提交引荐")  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/move", methods=["POST"])
@staff_only
def move(suggestion_id):
    """Move an introduced pair on: negotiating or failed (signed only by recording its contract)."""
    s = _load(suggestion_id)
    to = request.form.get("to", "")
    return _act(s, to, services.move, (request.form.get("expected"), to, request.form.get("note", "")),
                f"状态已更新为「{services.label(to)}」", f"状态已由您的上一次提交更新为「{services.label(to)}」")  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/follow-ups", methods=["POST"])
@staff_only
def follow_up(suggestion_id):
    """Log a follow-up on the pair's timeline."""
    s = _load(suggestion_id)
    form = FollowUpForm()
    form.event_id.choices = [("", "（无）")] + [(str(e.id), e.title) for e in events.recent_events()]
    if not form.validate():
        return render_pair(s, 400, follow_form=form)
    return _act(s, "follow_up", services.add_follow_up, (form.kind.data, form.happened_on.data, form.note.data,
                                            form.event_id.id_value),
                "跟进记录已保存", "跟进记录已由您的上一次提交保存", follow_form=form)  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/event", methods=["POST"])
@staff_only
def record_event(suggestion_id):
    """Record that the pair was discussed at an event."""
    from ..models import Event

    s = _load(suggestion_id)
    event_id = id_or_none(request.form.get("event_id"))
    event = db.session.get(Event, event_id) if event_id else None
    if event is None:
        return _refused(s, BrokerError("请选择对接活动"))
    return _act(s, f"event:{event.id}", lambda s, actor, key: events.record_pair(event, actor, s, key=key), (),
                f"已记入活动「{event.title}」", f"该配对已由您的上一次提交记入活动「{event.title}」")  # fmt: skip
