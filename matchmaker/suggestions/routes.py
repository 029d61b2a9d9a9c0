"""Views of the suggestions area (under /matches): the matching-engine admin page and suggestion pages."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import get_or_404, login_required, role_required
from ..extensions import db
from ..listings.access import can_open, hidden_in_lists, is_owner
from ..listings.lifecycle import is_live
from ..models import ACTIVE_STATUSES, DomainTerm, IndexJob, Result, Role, TechNeed
from . import services
from .forms import TermForm

bp = Blueprint("suggestions", __name__)

admin_only = role_required(Role.ADMIN)


def _render_admin(form=None):
    state = services.index_state()
    page = db.paginate(services.term_query(request.args.get("q")), per_page=50, error_out=False)
    authors = services.term_authors(page.items)
    return render_template(
        "suggestions/index_admin.html", state=state, terms=page, authors=authors, form=form or TermForm()
    )


@bp.route("/admin/index")
@admin_only
def index_admin():
    """Index state, domain dictionary editor and refit button."""
    return _render_admin()


@bp.route("/admin/index/status.json")
@admin_only
def index_status():
    """The newest refit job and the index state, polled by static/js/matches.js."""
    job = db.session.scalar(db.select(IndexJob).order_by(IndexJob.id.desc()).limit(1))
    stats = services.current_stats()
    return jsonify(job=services.job_json(job), index=stats)


@bp.route("/admin/index/refit", methods=["POST"])
@admin_only
def refit():
    """Start a full refit in the background."""
    job = services.start_refit(trigger="admin", user_id=current_user.id)
    if job.status == "failed":
        flash(f"重建索引失败：{job.message}", "danger")
    elif job.status == "done":
        flash(f"索引已重建：{job.documents} 篇文档，版本 {job.version}", "success")
    else:
        flash("已开始在后台重建索引，完成后自动生效", "info")
    return redirect(url_for("suggestions.index_admin"))


@bp.route("/admin/terms", methods=["POST"])
@admin_only
def term_add():
    """Add words to the domain dictionary."""
    form = TermForm()
    if form.validate_on_submit():
        try:
            added, present = services.add_terms(form.words.data, current_user)
        except services.TermError as exc:
            form.words.errors.append(str(exc))
        else:
            msg = f"已添加 {len(added)} 个词条" + (f"，{len(present)} 个已存在" if present else "")
            flash(msg + "；重建索引后对所有进程生效", "success")
            return redirect(url_for("suggestions.index_admin"))
    return _render_admin(form), 400


@bp.route("/admin/terms/<int:term_id>/delete", methods=["POST"])
@admin_only
def term_delete(term_id):
    """Remove a word from the domain dictionary."""
    term = get_or_404(DomainTerm, term_id)
    services.delete_term(term)
    flash(f"已删除词条“{term.word}”；重建索引后生效", "success")
    return redirect(url_for("suggestions.index_admin"))


def _suggestions_on(model, listing_id, endpoint, **ids):
    # Staff see every suggestion (#match-suggestions), owners theirs with the 请经纪人牵线 buttons (#owner-suggestions).
    # Anyone else is refused as on the listing's own pages: 404 for what its page would not show them (a draft is not
    # there for them), 403 for a listing they may read but whose suggestions are not theirs.
    listing = get_or_404(model, listing_id)
    if not can_open(current_user, listing):
        abort(404)
    if not (current_user.is_staff or is_owner(current_user, listing)):
        abort(403)
    anchor = "match-suggestions" if current_user.is_staff else "owner-suggestions"
    return redirect(url_for(endpoint, _anchor=anchor, **ids), 301)


@bp.route("/need/<int:need_id>")
@login_required
def for_need(need_id):
    """An old address of a need's suggestions, now on the need's page (this page showed brokers the same list
    and owners less, and nothing linked to it); refused to those the need's suggestions are not for."""
    return _suggestions_on(TechNeed, need_id, "needs.detail", need_id=need_id)


@bp.route("/result/<int:result_id>")
@login_required
def for_result(result_id):
    """An old address of a result's suggestions, now on the result's page; refused as for a need."""
    return _suggestions_on(Result, result_id, "results.detail", result_id=result_id)


@bp.app_template_global("reason_bar_of")
def reason_bar_global(s, viewer=None, listed=False):
    """The reasons of a stored pair as a contribution bar (see suggestions/_reason_bar.html); ``listed``:
    as a row of a list (listings/access.hidden_in_lists)."""
    return services.reason_bar_for(s, viewer, listed)


@bp.app_template_global("matching_pending")
def matching_pending_global(listing):
    """The listing's matching is queued or running (services.matching_pending)."""
    return services.matching_pending(listing)


@bp.app_template_global("hidden_in_lists")
def hidden_in_lists_global(listing):
    """A list row shows this listing as outsiders see it (listings/access.hidden_in_lists)."""
    return hidden_in_lists(current_user, listing)


@bp.app_template_global("marked")
def marked_global(text, s, side, limit=None, viewer=None):
    """Text of one side of a pair with that side's reason words marked."""
    return services.marked(text, s, side, limit, viewer)


@bp.app_template_global("listing_ended")
def listing_ended_global(listing):
    """A pair's listing that is no longer public and matched: its status to show beside it, else ""."""
    if listing is None or is_live(listing):
        return ""
    return "已过有效期" if listing.status in ACTIVE_STATUSES else listing.status_label


@bp.app_template_global("match_listing_url")
def listing_url_global(listing):
    """The detail page of a listing, or None while that page does not exist."""
    return services.listing_url(listing)
