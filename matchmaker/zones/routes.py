"""Views of the zones area: public zone list and pages; admin management."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, public, role_required
from ..extensions import db
from ..listings.access import list_full
from ..models import Role, Zone
from ..utils import once
from ..utils.versions import EditConflict, refuse_stale
from . import services
from .forms import ZoneForm

bp = Blueprint("zones", __name__)

admin_only = role_required(Role.ADMIN)


@bp.app_template_global()
def shown_zones(zones):
    """A listing's zones as its page shows them to the current user (closed ones: admins only)."""
    return services.shown_zones(current_user, zones)


@bp.route("/")
@public
def index():
    """Active zones with their live needs and results counts."""
    zones = db.session.scalars(db.select(Zone).filter_by(active=True).order_by(Zone.id.desc())).all()
    return render_template("zones/index.html", zones=zones, counts=services.zone_counts(current_user))


@bp.route("/<int:zone_id>")
@public
def detail(zone_id):
    """A zone's page: its live needs and results."""
    zone = get_or_404(Zone, zone_id)
    if not zone.active and not current_user.is_admin:
        abort(404)
    tab = "results" if request.args.get("tab") == "results" else "needs"
    stmt = services.zone_results(zone) if tab == "results" else services.zone_needs(zone, current_user)
    page = db.paginate(stmt, per_page=20, error_out=False)
    counts = services.zone_counts(current_user).get(zone.id, [0, 0])
    return render_template("zones/detail.html", zone=zone, page=page, tab=tab, counts=counts,
                           full=lambda item: list_full(current_user, item))  # fmt: skip


def _created_before(zone_id):
    """The answer to a repeated create: 303 to the zones, saying the first submit made the zone (its own
    message went with the answer the browser dropped)."""
    made = db.session.get(Zone, zone_id) if zone_id else None
    if made is not None:
        flash(f"已创建专区“{made.name}”", "success")
    return once.see_other(url_for("zones.manage"))


@bp.route("/manage", methods=["GET", "POST"])
@admin_only
def manage():
    """All zones, and a form to create one."""
    form = ZoneForm()
    if request.method == "POST" and (made := once.done(form.submission_key.data, "zone", current_user)):
        return _created_before(made)  # checked before the form, whose name rule the first zone would fail
    if form.validate_on_submit():
        try:
            zone = services.save_zone(Zone(), form.data, key=form.submission_key.data, actor=current_user)
        except once.Repeat as r:
            return _created_before(r.entity_id)
        except services.ZoneTaken as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"已创建专区“{zone.name}”", "success")
            return redirect(url_for("zones.manage"))
    # A double click's twin, refused by the name rule because the first one's zone exists now
    if form.errors and (made := once.done(form.submission_key.data, "zone", current_user)):
        return _created_before(made)
    zones = db.session.scalars(db.select(Zone).order_by(Zone.id.desc())).all()
    status = 400 if form.errors else 200
    return render_template(
        "zones/manage.html", form=form, zones=zones, counts=services.zone_counts(current_user)
    ), status


@bp.route("/<int:zone_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(zone_id):
    """Edit a zone (name, description, dates, active)."""
    zone = get_or_404(Zone, zone_id)
    form = ZoneForm(obj=zone, zone_id=zone.id)
    if request.method == "GET":
        form.version.data = services.zone_version(zone)
    code = None
    if form.validate_on_submit():
        try:
            services.save_zone(zone, form.data, version=form.version.data)
        except services.ZoneTaken as exc:
            form.name.errors.append(str(exc))
        except EditConflict as exc:
            saved = ZoneForm(formdata=None, obj=zone, zone_id=zone.id)
            code = refuse_stale(form, exc, services.zone_version(zone), saved)
        else:
            flash("专区已保存", "success")
            return redirect(url_for("zones.manage"))
    return render_template("zones/form.html", form=form, zone=zone), code or (400 if form.errors else 200)
