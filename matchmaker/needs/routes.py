"""Views of the needs area: public list and search, detail, my needs, post, edit, life cycle."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, public, role_required
from ..extensions import db
from ..matches import services as match_services
from ..models import CoopMode, ListingStatus, Role, Source, TechNeed
from . import bp, lifecycle, queries, services
from .forms import NeedForm
from .validation import parse_date

owner_roles = role_required(Role.ENTERPRISE, Role.ADMIN)


def duplicates_of(form, need=None):
    """Near-identical needs of the same organisation, unless the author confirmed."""
    if request.form.get("confirm_duplicate"):
        return []
    org_id = need.organization_id if need else current_user.organization_id
    body = [form.summary.data, form.problem.data, form.indicators.data, form.conditions.data]
    return match_services.near_duplicates(
        "need", form.title.data, form.keywords.data, body, org_id, exclude_id=need.id if need else None
    )


def list_context(q, page):
    """Template values shared by the needs and results list pages."""
    from ..main.services import choice_list
    from ..models import Zone

    zones = db.session.execute(db.select(Zone.id, Zone.name).filter_by(active=True).order_by(Zone.id)).all()
    shown = [s for s in ListingStatus if s.value != "draft"]
    if not current_user.is_staff:
        shown = [s for s in shown if s.value in ("published", "docking")]
    ctx = {
        "industries": [(n, n) for n in choice_list("industry")], "fields": [(n, n) for n in choice_list("field")],
        "towns": [(n, n) for n in choice_list("town")], "zones": [tuple(z) for z in zones],
        "sorts": list(queries.SORTS.items()), "status_choices": [(s.value, s.label) for s in shown],
    }  # fmt: skip
    return {"page": page, "q": q, "ctx": ctx, "full": lambda item: lifecycle.list_full(current_user, item)}


@bp.route("/")
@public
def index():
    """Live needs: full-text search, filters, sort, pages."""
    q = services.public_list(request.args, current_user)
    for e in q.errors:
        flash(e, "warning")
    page = queries.paginate(q, TechNeed)
    return render_template("needs/index.html", coop_modes=CoopMode, **list_context(q, page))


def visible_need_or_404(need_id):
    """A need the current user may open: live ones for everyone, others for owner and staff."""
    need = get_or_404(TechNeed, need_id)
    lifecycle.expire_if_due(need)
    if not lifecycle.is_live(need) and not (current_user.is_authenticated and current_user.is_staff):
        if not lifecycle.is_owner(current_user, need):
            abort(404)
    return need


@bp.route("/<int:need_id>")
@public
def detail(need_id):
    """One need; confidential parts and contacts only for those entitled to them."""
    need = visible_need_or_404(need_id)
    full = lifecycle.can_see_full(current_user, need)
    contacts = lifecycle.can_see_contacts(current_user, need)
    if contacts and current_user.is_staff:
        lifecycle.log_confidential_view(
            current_user, need, ["contacts"] + (["details"] if need.confidentiality == "summary" else [])
        )
    return render_template(
        "needs/detail.html", need=need, full=full, contacts=contacts,
        need_suggestions=match_services.suggestions_for_need(need, current_user),
        owner=lifecycle.is_owner(current_user, need), actions=lifecycle.allowed_actions(need),
        coop_modes=CoopMode, sources=Source,
    )  # fmt: skip


@bp.route("/mine")
@role_required(Role.ENTERPRISE)
def mine():
    """My organisation's needs with counts per state."""
    status = request.args.get("status") or None
    page = db.paginate(services.mine(current_user, status), per_page=20, error_out=False)
    return render_template("needs/mine.html", page=page, counts=services.my_counts(current_user),
                           statuses=ListingStatus, status=status)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def create():
    """Post a need for my organisation (save as draft or publish)."""
    if not current_user.organization_id:
        flash("您的账号未关联单位，无法发布需求，请联系管理员", "danger")
        return redirect(url_for("main.dashboard"))
    form = NeedForm()
    dups = []
    if form.validate_on_submit():
        dups = duplicates_of(form)
        if not dups:
            publish = request.form.get("action") == "publish"
            need = services.create_need(current_user, form.data | {"budget": form.budget.data}, publish=publish)
            flash("需求已发布" if publish else "需求已保存为草稿，确认无误后请点击“发布”", "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None, near_duplicates=dups)


def own_need_or_404(need_id):
    """A need the current user may edit: 404 if missing, 403 if someone else's."""
    need = get_or_404(TechNeed, need_id)
    if not need.can_edit(current_user):
        abort(403)
    return need


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@owner_roles
def edit(need_id):
    """Edit one of my organisation's needs."""
    need = own_need_or_404(need_id)
    form = NeedForm(obj=need)
    form.keep_current_choice(need)
    if request.method == "GET":
        form.budget.set_from(need.budget_wan, need.budget_negotiable)
        form.zones.data = [z.id for z in need.zones]
    dups = []
    if form.validate_on_submit():
        dups = duplicates_of(form, need)
        if not dups:
            services.update_need(need, form.data | {"budget": form.budget.data})
            flash("需求已保存", "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need, near_duplicates=dups)


@bp.route("/<int:need_id>/status", methods=["POST"])
@owner_roles
def status(need_id):
    """Publish, mark docking or solved, close, or renew a need."""
    need = own_need_or_404(need_id)
    action = request.form.get("action", "")
    try:
        until = parse_date(request.form["valid_until"]) if request.form.get("valid_until") else None
        services.change_status(need, action, valid_until=until)
    except (ValueError, lifecycle.LifecycleError) as exc:
        flash(str(exc), "danger")
    else:
        flash(f"需求状态已更新为“{need.status_label}”", "success")
    return redirect(url_for("needs.detail", need_id=need.id))
