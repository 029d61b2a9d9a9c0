"""Brokers' events, manual pairs, assignments (admin) and statistics."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import Event, Result, Role, TechNeed, User
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.versions import EditConflict, refuse_stale
from . import events, queries, services
from .forms import AssignmentForm, EventForm, ManualPairForm
from .routes import bp
from .services import BrokerError

staff_only = role_required(Role.BROKER, Role.ADMIN)
admin_only = role_required(Role.ADMIN)


# Events ----------------------------------------------------------------------


@bp.route("/events", endpoint="events")
@staff_only
def events_index():
    """Matchmaking events, upcoming or past."""
    when = request.args.get("when", "")
    page = db.paginate(events.events_stmt(when, request.args.get("q", "")), per_page=20, error_out=False)
    return render_template("brokers/events.html", page=page, when=when)


def _event_form(event=None, **kw):
    """The event form offering the open zones, and the event's own zone when it has been closed since (not
    offered, the edit page showed （不限） and saving dropped the zone silently)."""
    form = EventForm(**kw)
    form.zone_id.choices = [("", "（不限）")] + [(str(i), n) for i, n in events.zone_choices()[1:]]
    if event is not None and event.zone is not None and not event.zone.active:
        form.zone_id.choices.append((str(event.zone.id), f"{event.zone.name}（已关闭）"))
    return form


def _fill_event(form, event):
    """The edit page's fields from the event as stored."""
    form.title.data, form.mode.data = event.title, "online" if event.online else "offline"
    form.starts_at.data, form.place.data, form.link.data = event.starts_at, event.place, event.link
    form.zone_id.data, form.description.data = str(event.zone_id or ""), event.description
    form.version.data = events.event_version(event)
    return form


@bp.route("/events/new", methods=["GET", "POST"])
@staff_only
def event_new():
    """Create an event."""
    form = _event_form()
    if form.validate_on_submit():
        data = dict(form.data, zone_id=form.zone_id.id_value)
        try:
            event = events.save_event(Event(), data, current_user, key=form.submission_key.data)
        except once.Repeat as r:
            return once.see_other(url_for("brokers.event_detail", event_id=r.entity_id))
        flash(f"已创建活动「{event.title}」", "success")
        return redirect(url_for("brokers.event_detail", event_id=event.id))
    return render_template("brokers/event_form.html", form=form, event=None), 400 if form.errors else 200


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_only
def event_edit(event_id):
    """Edit an event (its creator or an admin)."""
    event = get_or_404(Event, event_id, check=lambda u: db.session.get(Event, event_id).can_edit(u))
    form = _event_form(event)
    if request.method == "GET":
        _fill_event(form, event)
    status = None
    if form.validate_on_submit():
        try:
            events.save_event(event, dict(form.data, zone_id=form.zone_id.id_value), current_user,
                              version=form.version.data)  # fmt: skip
        except EditConflict as exc:
            saved = _fill_event(_event_form(event, formdata=None), event)
            status = refuse_stale(form, exc, events.event_version(event), saved)
        else:
            flash("活动已保存", "success")
            return redirect(url_for("brokers.event_detail", event_id=event.id))
    return render_template("brokers/event_form.html", form=form, event=event), status or (400 if form.errors else 200)


@bp.route("/events/<int:event_id>")
@staff_only
def event_detail(event_id):
    """An event: its needs, results, the pairs discussed; search to attach more."""
    event = get_or_404(Event, event_id)
    nq, rq = request.args.get("nq", ""), request.args.get("rq", "")
    return render_template(
        "brokers/event_detail.html", event=event, needs=events.event_listings(event, "need"),
        results=events.event_listings(event, "result"), pairs=events.event_pairs(event), nq=nq, rq=rq,
        need_hits=events.search_listings("need", nq), result_hits=events.search_listings("result", rq),
        can_edit=event.can_edit(current_user),
    )  # fmt: skip


def _back_to_event(event):
    return redirect(url_for("brokers.event_detail", event_id=event.id))


def _repeated(event, message):
    """The twin of a submit that went through (a double click): back to the event page, told nothing was done twice."""
    flash(f"{message}，未重复处理", "info")
    return once.see_other(url_for("brokers.event_detail", event_id=event.id))


@bp.route("/events/<int:event_id>/attach", methods=["POST"])
@staff_only
def event_attach(event_id):
    """Attach a need or result to the event."""
    event = get_or_404(Event, event_id)
    kind, raw = request.form.get("kind"), request.form.get("listing_id", "")
    try:
        if kind not in ("need", "result"):
            raise BrokerError("请选择要加入的需求或成果")
        listing = events.attach(event, current_user, kind, id_or_none(raw), key=request.form.get(once.FIELD))
    except once.Repeat as r:
        title = getattr(events.listing_of(kind, r.entity_id), "title", "")
        return _repeated(event, f"「{title}」已由您的上一次提交加入本活动")
    except BrokerError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"已加入「{listing.title}」", "success")
    return _back_to_event(event)


@bp.route("/events/<int:event_id>/detach", methods=["POST"])
@staff_only
def event_detach(event_id):
    """Remove a need or result from the event."""
    event = get_or_404(Event, event_id)
    kind, raw = request.form.get("kind"), request.form.get("listing_id", "")
    try:
        if kind not in ("need", "result") or id_or_none(raw) is None:
            raise BrokerError("请选择要移出的需求或成果")
        events.detach(event, current_user, kind, id_or_none(raw))
    except BrokerError as exc:
        flash(str(exc), "danger")
    else:
        flash("已移出活动", "success")
    return _back_to_event(event)


@bp.route("/events/<int:event_id>/pairs", methods=["POST"])
@staff_only
def event_pair(event_id):
    """Record a pair discussed at the event: an existing suggestion, or a new manual pair."""
    event = get_or_404(Event, event_id)
    need_raw, result_raw = request.form.get("need_id", ""), request.form.get("result_id", "")
    try:
        if id_or_none(need_raw) is None or id_or_none(result_raw) is None:
            raise BrokerError("请选择洽谈的需求和成果")
        events.record_discussed(event, current_user, id_or_none(need_raw), id_or_none(result_raw),
                                key=request.form.get(once.FIELD))  # fmt: skip
    except once.Repeat:
        return _repeated(event, "该配对已由您的上一次提交记录在本活动中洽谈")
    except BrokerError as exc:
        flash(str(exc), "danger")
    else:
        flash("已记录该配对在本活动中洽谈", "success")
    return _back_to_event(event)


# Manual pairs ----------------------------------------------------------------


@bp.route("/pairs/new", methods=["GET", "POST"])
@staff_only
def pair_new():
    """Create a pair the matcher did not suggest (after a visit, say)."""
    form = ManualPairForm()
    args = request.values
    need_id, result_id = id_or_none(args.get("need_id")), id_or_none(args.get("result_id"))
    need = db.session.get(TechNeed, need_id) if need_id else None
    result = db.session.get(Result, result_id) if result_id else None
    if request.method == "POST" and form.validate():
        try:
            s = services.create_manual_pair(current_user, need and need.id, result and result.id, form.note.data,
                                            key=form.submission_key.data)  # fmt: skip
        except once.Repeat as r:
            return once.see_other(url_for("brokers.suggestion", suggestion_id=r.entity_id))
        except BrokerError as exc:
            flash(str(exc), "danger")
        else:
            flash("已创建手动配对，进入对接流程（已采纳）", "success")
            return redirect(url_for("brokers.suggestion", suggestion_id=s.id))
    nq, rq = args.get("nq", ""), args.get("rq", "")
    return render_template(
        "brokers/pair_form.html", form=form, need=need, result=result, nq=nq, rq=rq,
        need_hits=events.search_listings("need", nq), result_hits=events.search_listings("result", rq),
    )  # fmt: skip


# Assignments -----------------------------------------------------------------


def _assignment_form():
    from ..main.services import choice_list

    form = AssignmentForm()
    form.broker_id.choices = [("", "请选择…")] + [(str(i), n) for i, n in queries.broker_choices()]
    form.industry.choices = [("", "（不限）")] + [(n, n) for n in choice_list("industry")]
    form.zone_id.choices = [("", "（不限）")] + [(str(i), n) for i, n in events.zone_choices()[1:]]
    return form


@bp.route("/assignments", methods=["GET", "POST"])
@admin_only
def assignments():
    """Which broker receives new suggestions of which industry or zone."""
    form = _assignment_form()
    if form.validate_on_submit():
        try:
            events.add_assignment(form.broker_id.id_value, form.industry.data, form.zone_id.id_value)
        except BrokerError as exc:
            form.broker_id.errors.append(str(exc))
        else:
            flash("分工已保存，新的匹配推荐将进入该经纪人的队列", "success")
            return redirect(url_for("brokers.assignments"))
    page = db.paginate(events.assignments_stmt(), per_page=50, error_out=False)
    return render_template("brokers/assignments.html", form=form, page=page), 400 if form.errors else 200


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@admin_only
def assignment_delete(assignment_id):
    """Remove an assignment."""
    if not events.remove_assignment(assignment_id):
        abort(404)
    flash("已删除该分工", "success")
    return redirect(url_for("brokers.assignments"))


# Statistics ------------------------------------------------------------------


@bp.route("/stats")
@staff_only
def stats():
    """Brokers' figures: a broker sees their own, an admin every broker."""
    if current_user.is_admin:
        page = db.paginate(queries.brokers_stmt(), per_page=20, error_out=False)
        people = page.items
    else:
        page, people = None, [current_user]
    figures = queries.broker_stats([u.id for u in people])
    only = None if current_user.is_admin else current_user.id
    return render_template("brokers/stats.html", page=page, people=people, figures=figures,
                           reasons=queries.reject_reason_counts(only))  # fmt: skip


@bp.route("/stats/<int:broker_id>")
@admin_only
def broker_stats(broker_id):
    """One broker's figures and rejection reasons (admin)."""
    broker = get_or_404(User, broker_id)
    if broker.role != Role.BROKER:
        abort(404)
    return render_template("brokers/stats.html", page=None, people=[broker],
                           figures=queries.broker_stats([broker.id]),
                           reasons=queries.reject_reason_counts(broker.id), one=broker)  # fmt: skip
