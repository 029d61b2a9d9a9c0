"""Views of the results area: public list and search, detail, my results, post, edit, life cycle."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, public, role_required
from ..extensions import db
from ..matches import services as match_services
from ..models import IPType, ListingStatus, Maturity, Result, Role, TransferMode
from ..needs import lifecycle
from ..needs.routes import list_context
from ..needs.validation import parse_date
from . import bp, services
from .forms import ResultForm


def duplicates_of(form, result=None):
    """Near-identical results (own organisation's or any published), unless confirmed."""
    if request.form.get("confirm_duplicate"):
        return []
    org_id = result.organization_id if result else current_user.organization_id
    body = [form.abstract.data, form.detail.data, form.advantages.data]
    return match_services.near_duplicates(
        "result", form.title.data, form.keywords.data, body, org_id, exclude_id=result.id if result else None
    )


owner_roles = role_required(Role.RESEARCHER, Role.ADMIN)


@bp.route("/")
@public
def index():
    """Live results: full-text search, filters, sort, pages."""
    from ..needs import queries

    q = services.public_list(request.args, current_user)
    for e in q.errors:
        flash(e, "warning")
    page = queries.paginate(q, Result)
    return render_template("results/index.html", maturities=Maturity, transfer_modes=TransferMode,
                           **list_context(q, page))  # fmt: skip


@bp.route("/<int:result_id>")
@public
def detail(result_id):
    """One result; contact details only for those entitled to them."""
    result = get_or_404(Result, result_id)
    lifecycle.expire_if_due(result)
    staff = current_user.is_authenticated and current_user.is_staff
    if not lifecycle.is_live(result) and not staff and not lifecycle.is_owner(current_user, result):
        abort(404)
    contacts = lifecycle.can_see_contacts(current_user, result)
    if contacts and staff:
        lifecycle.log_confidential_view(current_user, result, ["contacts"])
    return render_template(
        "results/detail.html", result=result, contacts=contacts, owner=lifecycle.is_owner(current_user, result),
        result_suggestions=match_services.suggestions_for_result(result, current_user),
        actions=lifecycle.allowed_actions(result), maturities=Maturity, transfer_modes=TransferMode, ip_types=IPType,
    )  # fmt: skip


@bp.route("/mine")
@role_required(Role.RESEARCHER)
def mine():
    """My results with counts per state."""
    status = request.args.get("status") or None
    page = db.paginate(services.mine(current_user, status), per_page=20, error_out=False)
    return render_template("results/mine.html", page=page, counts=services.my_counts(current_user),
                           statuses=ListingStatus, status=status, maturities=Maturity)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def create():
    """List a research result (save as draft or publish)."""
    if not current_user.organization_id:
        flash("您的账号未关联单位，无法发布成果，请联系管理员", "danger")
        return redirect(url_for("main.dashboard"))
    form = ResultForm()
    dups = []
    if form.validate_on_submit():
        dups = duplicates_of(form)
        if not dups:
            publish = request.form.get("action") == "publish"
            result = services.create_result(current_user, form.data | {"price": form.price.data}, publish=publish)
            flash("成果已发布" if publish else "成果已保存为草稿，确认无误后请点击“发布”", "success")
            return redirect(url_for("results.detail", result_id=result.id))
    return render_template("results/form.html", form=form, result=None, near_duplicates=dups)


def own_result_or_404(result_id):
    """A result the current user may edit: 404 if missing, 403 if someone else's."""
    result = get_or_404(Result, result_id)
    if not result.can_edit(current_user):
        abort(403)
    return result


@bp.route("/<int:result_id>/edit", methods=["GET", "POST"])
@owner_roles
def edit(result_id):
    """Edit one of my results."""
    result = own_result_or_404(result_id)
    form = ResultForm(obj=result)
    form.keep_current_choice(result)
    if request.method == "GET":
        form.price.set_from(result.price_wan, result.price_negotiable)
        form.zones.data = [z.id for z in result.zones]
    dups = []
    if form.validate_on_submit():
        dups = duplicates_of(form, result)
        if not dups:
            services.update_result(result, form.data | {"price": form.price.data})
            flash("成果已保存", "success")
            return redirect(url_for("results.detail", result_id=result.id))
    return render_template("results/form.html", form=form, result=result, near_duplicates=dups)


@bp.route("/<int:result_id>/status", methods=["POST"])
@owner_roles
def status(result_id):
    """Publish, mark docking or solved, close, or renew a result."""
    result = own_result_or_404(result_id)
    try:
        until = parse_date(request.form["valid_until"]) if request.form.get("valid_until") else None
        services.change_status(result, request.form.get("action", ""), valid_until=until)
    except (ValueError, lifecycle.LifecycleError) as exc:
        flash(str(exc), "danger")
    else:
        flash(f"成果状态已更新为“{result.status_label}”", "success")
    return redirect(url_for("results.detail", result_id=result.id))
