"""Views of the fast channel: ask, the brokers' queue with its clock, review, the service level."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, login_required, role_required
from ..extensions import db
from ..listings import views as listing_views
from ..listings.kinds import NEED
from ..models import Role, TechNeed, UrgentRequest
from ..models.base import utcnow
from ..models.enums import UrgentReason, UrgentStatus
from ..utils import once
from ..utils.versions import EditConflict, refuse_stale
from . import clock, services
from .forms import MarkUrgentForm, ReviewForm, SettingForm, UrgentNeedForm
from .services import UrgentError

bp = Blueprint("urgent", __name__)
enterprise_only = role_required(Role.ENTERPRISE)
staff_only = role_required(Role.BROKER, Role.ADMIN)


@bp.route("/")
@login_required
def index():
    """The fast channel's own address leads to the page of it the user works in (it was a 404)."""
    if current_user.is_staff:
        return redirect(url_for("urgent.queue"))
    if current_user.role == Role.ENTERPRISE:
        return redirect(url_for("urgent.mine"))
    abort(403)


@bp.route("/new", methods=["GET", "POST"])
@enterprise_only
def new():
    """Post an urgent need: the need form plus the reason; a broker reviews it within the service level."""
    if not current_user.organization_id:  # told before the whole form is filled in (the submit was refused)
        return listing_views.without_organisation(NEED)
    form = UrgentNeedForm()
    dups = []
    if form.validate_on_submit():
        first = once.done(form.submission_key.data, "urgent_request", current_user)  # not its own near-duplicate
        if first:
            return once.see_other(url_for("urgent.detail", request_id=first))
        # asked as 发布技术需求 asks: the form refilled by the Back button and sent again made a second request
        dups = listing_views.near_duplicates(NEED, form)
        if dups and (first := once.done(form.submission_key.data, "urgent_request", current_user)):
            return once.see_other(url_for("urgent.detail", request_id=first))  # a twin committed meanwhile
        if not dups:
            try:
                req = services.submit_new(current_user, form.data | {"budget": form.budget.data},
                                          form.reason_kind.data, form.reason.data, key=form.submission_key.data)  # fmt: skip
            except once.Repeat as r:
                return once.see_other(url_for("urgent.detail", request_id=r.entity_id))
            except UrgentError as exc:
                form.reason.errors.append(str(exc))
            else:
                flash(f"急需需求已提交，平台经纪人将在 {req.sla_hours} 个工作小时内完成审核", "success")
                return redirect(url_for("urgent.detail", request_id=req.id))
    setting = services.get_setting()
    return render_template(
        "urgent/new.html", form=form, setting=setting, near_duplicates=dups
    ), 400 if form.errors else 200


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
@enterprise_only
def mark(need_id):
    """Mark one of my organisation's needs 急需."""
    need = get_or_404(TechNeed, need_id)
    if need.organization_id != current_user.organization_id:
        abort(403)
    if request.method == "GET" and not need.can_ask_urgent:  # the form, filled in, was refused only on submit
        if need.urgent is not None:
            flash(f"该需求已申请快速通道（{need.urgent.status_label}），无需重复申请", "info")
            return redirect(url_for("urgent.detail", request_id=need.urgent.id))
        flash(f"需求当前状态为“{need.status_label}”，不能申请快速通道", "warning")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = MarkUrgentForm()
    if form.validate_on_submit():
        try:
            req = services.mark_existing(need, current_user, form.reason_kind.data, form.reason.data,
                                         key=form.submission_key.data)  # fmt: skip
        except once.Repeat as r:
            return once.see_other(url_for("urgent.detail", request_id=r.entity_id))
        except UrgentError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash("已申请快速通道，等待经纪人审核", "success")
            return redirect(url_for("urgent.detail", request_id=req.id))
    return render_template("urgent/mark.html", form=form, need=need,
                           setting=services.get_setting()), 200 if not form.errors else 400  # fmt: skip


@bp.route("/mine")
@enterprise_only
def mine():
    """My organisation's urgent requests and their state."""
    page = db.paginate(services.queue_query(request.args, current_user), per_page=20, error_out=False)
    return _list("urgent/mine.html", page)


@bp.route("/queue")
@staff_only
def queue():
    """Brokers' queue: pending requests by deadline, with the working time left."""
    page = db.paginate(services.queue_query(request.args), per_page=20, error_out=False)
    return _list("urgent/queue.html", page)


def _list(template, page):
    cal, now = services.calendar_of(), utcnow()
    left = {r.id: services.remaining(r, cal, now) for r in page.items}
    return render_template(template, page=page, left=left, describe=clock.describe, statuses=UrgentStatus,
                           reasons=UrgentReason)  # fmt: skip


def _request_or_404(request_id):
    req = get_or_404(UrgentRequest, request_id)
    if not (current_user.is_staff or req.organization_id == current_user.organization_id):
        abort(403)
    return req


@bp.route("/<int:request_id>")
@login_required
def detail(request_id):
    """One request: the need, the reason, the clock, candidate results (for brokers), the decision."""
    req = _request_or_404(request_id)
    return _detail(req, ReviewForm())


def _detail(req, form, status=200):
    return render_template(
        "urgent/detail.html", req=req, form=form, left=services.remaining(req), describe=clock.describe,
        candidates=services.candidates(req) if current_user.is_staff else [],
        announcing=services.announcement_state(req),
    ), status  # fmt: skip


def _decided_already(req):
    """A repeat of a review form whose first submit decided the request: the request as it is now."""
    flash(f"该申请已由您的上一次提交处理（{req.status_label}），未重复处理", "info")
    return redirect(url_for("urgent.detail", request_id=req.id), code=303)


@bp.route("/<int:request_id>/review", methods=["POST"])
@staff_only
def review(request_id):
    """Approve (publish, match, announce) or refuse a request."""
    req = get_or_404(UrgentRequest, request_id)
    if once.done(request.form.get(once.FIELD), "urgent_review", current_user, target=req.id):
        return _decided_already(req)  # its twin decided: not "已由其他经纪人处理"
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review(req, current_user, form.decision.data, form.note.data, key=form.submission_key.data)
        except once.Repeat:
            return _decided_already(req)
        except UrgentError as exc:
            if once.done(form.submission_key.data, "urgent_review", current_user, target=req.id):
                return _decided_already(req)  # its twin's commit came between the check above and this one's
            form.note.errors.append(str(exc))
        else:
            # The announcement runs after the commit, as a job: its count is shown on the request's page.
            done = (
                "已通过并发布，将推送给相关科研人员（推送人数见申请详情）" if req.status == "approved" else "已退回企业"
            )
            flash(f"{done}（{'在' if req.sla_met else '超出'}服务时限内完成）", "success")
            return redirect(url_for("urgent.queue"))
    return _detail(req, form, 400)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    """The service level (working hours) and the working-time calendar."""
    setting = services.get_setting()
    form = SettingForm(obj=setting)
    if request.method == "GET":
        form.version.data = services.setting_version(setting)
    status = None
    if form.validate_on_submit():
        before = services.setting_version(setting)
        try:
            saved = services.save_setting(form.data, current_user, version=form.version.data)
        except EditConflict as exc:  # a ValueError too: first
            stored = services.get_setting()
            status = refuse_stale(form, exc, services.setting_version(stored), SettingForm(formdata=None, obj=stored))
        except (UrgentError, ValueError) as exc:
            form.day_end.errors.append(str(exc))
        else:
            if services.setting_version(saved) == before:
                flash("快速通道服务时限未作修改", "info")
            else:
                flash("快速通道服务时限已保存（对此后提交的申请生效）", "success")
            return redirect(url_for("urgent.settings"))
    return render_template("urgent/settings.html", form=form), status or (200 if not form.errors else 400)
