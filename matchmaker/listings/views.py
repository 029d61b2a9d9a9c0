"""The views needs and results share, written once with a Kind: list, detail, mine, post, edit, status.

``needs/routes.py`` and ``results/routes.py`` declare the routes and their guards and call these.
"""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import cache
from ..auth.decorators import get_or_404
from ..extensions import db
from ..main.services import choice_list
from ..models import CoopMode, IPType, ListingStatus, Maturity, Source, TransferMode, Zone
from ..suggestions import services as suggestions
from ..utils import once
from ..utils.versions import EditConflict, refuse_stale
from . import access, lifecycle, queries, services
from .kinds import Kind
from .lifecycle import REMIND_DAYS
from .validation import parse_date

# Enum classes the listing templates label stored values with.
ENUMS = {"coop_modes": CoopMode, "sources": Source, "maturities": Maturity, "transfer_modes": TransferMode,
         "ip_types": IPType}  # fmt: skip


cache.watch("taxonomy", "zone")


def _choices():
    zones = db.session.execute(db.select(Zone.id, Zone.name).filter_by(active=True).order_by(Zone.id)).all()
    return {
        "industries": [(n, n) for n in choice_list("industry")], "fields": [(n, n) for n in choice_list("field")],
        "towns": [(n, n) for n in choice_list("town")], "zones": [tuple(z) for z in zones],
    }  # fmt: skip


def _filters(kind: Kind):
    shown = [s for s in ListingStatus if s.value != "draft"]
    if not current_user.is_staff:
        shown = [s for s in shown if s.value in ("published", "docking")]
    return cache.cached("listing-filter-choices", ("taxonomy", "zone"), _choices) | {
        "sorts": list(queries.SORTS.items()), "status_choices": [(s.value, kind.model.status_label_of(s.value)) for s in shown],
    }  # fmt: skip


def index(kind: Kind):
    """Live listings: full-text search, filters, sort, pages."""
    q = services.public_list(kind.name, request.args, current_user)
    for e in q.errors:
        flash(e, "warning")
    unfiltered = set(request.args) <= {"page", "sort"}  # the count is every visitor's: cached
    page = queries.paginate(q, kind.model, count_key=f"{kind.name}-live-count" if unfiltered else None)
    return render_template(
        "listings/index.html", kind=kind, page=page, q=q, ctx=_filters(kind),
        full=lambda item: access.list_full(current_user, item), **ENUMS,
    )  # fmt: skip


def visible_or_404(kind: Kind, listing_id, audit=False):
    """A listing the current user may open: live ones for everyone; a solved, closed or expired one for
    its owner, staff and the introduced (or contracted) counterparts, and to everyone else a 410 page
    saying it is solved / closed / expired; drafts (and drafts closed unpublished) are the owner's and staff's
    only."""
    listing = get_or_404(kind.model, listing_id)
    if audit or lifecycle.is_due(listing):  # expiry and the staff's audit row: one commit
        services.open_listing(listing, current_user, audit=audit)
    if access.can_open(current_user, listing):
        return listing
    never_public = listing.status == "closed" and listing.published_at is None  # a draft closed unpublished
    if listing.status in lifecycle.ENDED and not never_public:
        abort(make_response(render_template("listings/gone.html", kind=kind, listing=listing), 410))
    abort(404)


def detail(kind: Kind, listing_id):
    """One listing; confidential parts and contacts only for those entitled to them."""
    listing = visible_or_404(kind, listing_id, audit=True)
    full = access.can_see_full(current_user, listing)
    contacts = access.can_see_contacts(current_user, listing)
    return render_template(
        "listings/detail.html", kind=kind, listing=listing, full=full, contacts=contacts,
        suggestions=suggestions.suggestions_for(listing, current_user),
        owner=access.is_owner(current_user, listing), actions=lifecycle.allowed_actions(listing, current_user),
        renew_days=lifecycle.RENEW_DAYS, **ENUMS,
    )  # fmt: skip


def mine(kind: Kind):
    """The listings the user manages, with counts per state."""
    status = request.args.get("status") or None
    expiring = request.args.get("expiring") == "1"
    page = db.paginate(queries.mine(kind.name, current_user, status, expiring), per_page=20, error_out=False)
    return render_template("listings/mine.html", kind=kind, page=page, counts=queries.my_counts(kind.name, current_user),
                           statuses=ListingStatus, status=status, expiring=expiring, remind_days=REMIND_DAYS,
                           **ENUMS)  # fmt: skip


def _form_data(kind, form):
    return form.data | {kind.amount_field: getattr(form, kind.amount_field).data}


def near_duplicates(kind, form, listing=None):
    """Near-identical listings the author may open, unless the author confirmed (a colleague's draft
    result is not theirs to see, and its title was shown)."""
    if request.form.get("confirm_duplicate"):
        return []
    org_id = listing.organization_id if listing else current_user.organization_id
    body = [getattr(form, f).data for f in kind.body]
    found = suggestions.near_duplicates(
        kind.name, form.title.data, form.keywords.data, body, org_id, exclude_id=listing.id if listing else None
    )
    return [(x, sim) for x, sim in found if access.can_open(current_user, x)]


def without_organisation(kind: Kind):
    """The answer to a user of no organisation asking for a form that posts a listing: why, on the dashboard."""
    pending = current_user.requested_organization  # asked to join at registration: not unlinked, waiting
    if pending is not None:
        flash(f"您申请加入「{pending.name}」尚待平台管理员核实，核实后即可发布{kind.noun}", "warning")
    else:
        flash(f"您的账号未关联单位，无法发布{kind.noun}，请联系管理员", "danger")
    return redirect(url_for("main.dashboard"))


def create(kind: Kind, form_class):
    """Post a listing (save as draft or publish)."""
    if not current_user.organization_id:
        return without_organisation(kind)
    form = form_class()
    dups = []
    if form.validate_on_submit():
        first = once.done(form.submission_key.data, kind.name, current_user)  # a repeat is not its own near-duplicate
        if first:
            return once.see_other(url_for(kind.endpoint("detail"), **{kind.id_arg: first}))
        dups = near_duplicates(kind, form)
        if dups and (
            first := once.done(form.submission_key.data, kind.name, current_user)
        ):  # a twin committed meanwhile
            return once.see_other(url_for(kind.endpoint("detail"), **{kind.id_arg: first}))
        if not dups:
            publish = request.form.get("action") == "publish"
            try:
                listing = services.create(kind.name, current_user, _form_data(kind, form), publish=publish,
                                          key=form.submission_key.data)  # fmt: skip
            except once.Repeat as r:
                return once.see_other(url_for(kind.endpoint("detail"), **{kind.id_arg: r.entity_id}))
            flash(f"{kind.noun}已发布" if publish else f"{kind.noun}已保存为草稿，确认无误后请点击“发布”", "success")
            return redirect(url_for(kind.endpoint("detail"), **{kind.id_arg: listing.id}))
    status = 400 if form.errors else 200  # near-duplicates asked about are no error: 200
    return render_template("listings/form.html", kind=kind, form=form, listing=None, near_duplicates=dups), status


def own_or_404(kind: Kind, listing_id):
    """A listing the current user may edit: 404 if missing, 403 if someone else's."""
    listing = get_or_404(kind.model, listing_id)
    if not listing.can_edit(current_user):
        abort(403)
    return listing


def edit(kind: Kind, listing_id, form_class):
    """Edit one of the user's listings."""
    listing = own_or_404(kind, listing_id)
    form = form_class(obj=listing)
    form.keep_current_choice(listing)
    if request.method == "GET":
        _fill(kind, form, listing)
    dups, code = [], None
    if form.validate_on_submit():
        dups = near_duplicates(kind, form, listing)
        if not dups:
            try:
                services.update(listing, _form_data(kind, form), version=form.version.data)
            except EditConflict as exc:
                saved = form_class(formdata=None, obj=listing)
                saved.keep_current_choice(listing)
                code = refuse_stale(form, exc, services.content_version(listing), _fill(kind, saved, listing))
            else:
                flash(f"{kind.noun}已保存", "success")
                return redirect(url_for(kind.endpoint("detail"), **{kind.id_arg: listing.id}))
    code = code or (400 if form.errors else 200)  # as the new form (near-duplicates asked about are no error: 200)
    return render_template("listings/form.html", kind=kind, form=form, listing=listing, near_duplicates=dups), code


def _fill(kind, form, listing):
    """What the edit page shows of the listing as stored, beyond its columns."""
    getattr(form, kind.amount_field).set_from(getattr(listing, kind.amount), getattr(listing, kind.negotiable))
    form.zones.data = [z.id for z in listing.zones]
    form.version.data = services.content_version(listing)
    return form


def status(kind: Kind, listing_id):
    """Publish, mark docking or solved, close, renew or reopen a listing."""
    listing = own_or_404(kind, listing_id)
    try:
        until = parse_date(request.form["valid_until"]) if request.form.get("valid_until") else None
        seen = parse_date(request.form["renew_from"]) if request.form.get("renew_from") else None
        services.change_status(
            listing, request.form.get("action", ""), valid_until=until, actor=current_user, seen_until=seen
        )
    except (ValueError, lifecycle.LifecycleError) as exc:
        flash(str(exc), "danger")
    else:
        if request.form.get("action") == "renew":  # a renew keeps a docking listing docking: say what changed
            flash(f"{kind.noun}已续期，有效期至 {listing.valid_until.isoformat()}（{listing.status_label}）", "success")
        else:
            flash(f"{kind.noun}状态已更新为“{listing.status_label}”", "success")
    return redirect(url_for(kind.endpoint("detail"), **{kind.id_arg: listing.id}))
