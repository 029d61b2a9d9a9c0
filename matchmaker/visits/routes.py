"""Views of the visits area: the list, record and edit, needs collected, an enterprise's service history."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..admin.services import org_lookup
from ..auth.decorators import get_or_404, role_required
from ..extensions import db
from ..models import Organization, OrgKind, Role, Visit
from ..models.enums import VisitKind
from ..utils import once
from ..utils.bounds import id_or_none
from ..utils.versions import EditConflict, refuse_stale
from . import services
from .forms import CollectedNeedForm, VisitForm
from .services import VisitError

bp = Blueprint("visits", __name__)
staff_only = role_required(Role.BROKER, Role.ADMIN)


@bp.route("/")
@staff_only
def index():
    """Visits, newest first; filters by kind, enterprise or topic, dates, my own."""
    page = db.paginate(services.visit_query(request.args, current_user), per_page=20, error_out=False)
    return render_template("visits/index.html", page=page, kinds=VisitKind)


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    """Record a visit."""
    form = VisitForm()
    org = db.session.get(Organization, id_or_none(request.args.get("org")) or 0) if request.method == "GET" else None
    if org is not None and org.kind == OrgKind.ENTERPRISE:
        form.enterprise.data = org.name
    return _save(Visit(), form)


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(visit_id):
    """Edit a visit (its recorder and admins)."""
    visit = _editable(visit_id)
    form = VisitForm(obj=visit)
    if request.method == "GET":
        _fill(form, visit)
    return _save(visit, form)


def _fill(form, visit):
    """What an edit page shows of the visit as stored, beyond its columns."""
    form.enterprise.data = visit.organization.name
    form.experts.data = services.experts_text(visit)
    form.version.data = services.visit_version(visit)
    return form


def _editable(visit_id):
    visit = get_or_404(Visit, visit_id)
    if not visit.can_edit(current_user):
        abort(403)
    return visit


def _save(visit, form):
    status = None
    if form.validate_on_submit():
        try:
            services.save_visit(visit, form.data | {"organization_id": form.org.id}, current_user,
                                key=form.submission_key.data, version=form.version.data)  # fmt: skip
        except once.Repeat as r:
            return once.see_other(url_for("visits.detail", visit_id=r.entity_id))
        except VisitError as exc:
            getattr(form, exc.field or "topic").errors.append(str(exc))
        except EditConflict as exc:
            saved = _fill(VisitForm(formdata=None, obj=visit), visit)
            status = refuse_stale(form, exc, services.visit_version(visit), saved)
        else:
            flash("走访记录已保存", "success")
            return redirect(url_for("visits.detail", visit_id=visit.id))
    status = status or (400 if form.errors else 200)
    typed = (form.enterprise.data or "").strip()
    options = org_lookup(typed, "enterprise")[0] if typed and form.org is None else []  # suggestions without scripts
    return render_template(
        "visits/form.html", form=form, visit=visit if visit.id else None, org_options=options
    ), status


@bp.route("/<int:visit_id>")
@staff_only
def detail(visit_id):
    """A visit: who, when, topic, experts, needs collected."""
    return render_template("visits/detail.html", visit=get_or_404(Visit, visit_id))


@bp.route("/<int:visit_id>/needs/new", methods=["GET", "POST"])
@staff_only
def collect(visit_id):
    """Post a need collected during the visit, for the enterprise (published and matched)."""
    visit = _editable(visit_id)
    form = CollectedNeedForm()
    if form.validate_on_submit():
        try:
            need = services.collect_need(visit, form.data | {"budget": form.budget.data}, current_user,
                                         publish=request.form.get("action") != "draft",
                                         key=form.submission_key.data)  # fmt: skip
        except once.Repeat:
            return once.see_other(url_for("visits.detail", visit_id=visit.id))
        except VisitError as exc:
            form.title.errors.append(str(exc))
        else:
            flash(f"已登记征集需求“{need.title}”", "success")
            return redirect(url_for("visits.detail", visit_id=visit.id))
    return render_template("visits/collect.html", form=form, visit=visit), 400 if form.errors else 200


@bp.route("/enterprises/<int:org_id>")
@staff_only
def history(org_id):
    """An enterprise's service history: visits, needs, urgent requests, sessions, financing."""
    org = get_or_404(Organization, org_id)
    if org.kind != OrgKind.ENTERPRISE:
        abort(404)
    return render_template("visits/history.html", org=org, sections=services.service_history(org))


@bp.route("/mine")
@role_required(Role.ENTERPRISE)
def mine():
    """My organisation's service history."""
    org = current_user.organization
    if org is None:
        abort(404)
    return render_template("visits/history.html", org=org, sections=services.service_history(org, staff=False))
