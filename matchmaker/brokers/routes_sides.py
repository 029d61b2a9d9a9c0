"""The two sides' part: their pairs, and their responses to an introduction."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..auth.decorators import login_required, role_required
from ..extensions import db
from ..models import MatchSuggestion, Role
from ..utils import once
from ..utils.inputs import flash_errors
from ..utils.urls import safe_next
from ..utils.validators import phone_for_reading
from . import pages, services
from .forms import RespondForm
from .routes import bp
from .services import BrokerError


@bp.app_template_global()
def listing_contacts(listing):
    """Template helper: a listing's contact details, with the same fallbacks everywhere."""
    return services.contacts_of(listing)


@bp.app_template_filter("contact_phone")
def contact_phone(number):
    """A contact phone as stored (digits only, utils.validators.normalize_phone) laid out for reading, as trainees'
    are (phone_for_reading: 138 0013 8000, 0571-88886666), a link to call it from a phone; a number it cannot lay
    out (an extension run on, one kept as typed by the migration) is shown as stored, no link. A landline's
    extension (stored 075588886666-123) is dialled after a pause (tel:075588886666,123): a dash in a tel: link is
    only a separator, and the phone would dial the extension's digits run on into the number."""
    reading = phone_for_reading(number)
    if not number or reading == number:
        return number or ""
    return Markup('<a href="tel:{}">{}</a>').format(number.replace("-", ","), reading)


@bp.app_template_global()
def owner_suggestions(listing, user=None):
    """Template helper: the pairs of `listing` its owner may see (see services.owner_suggestions)."""
    return services.owner_suggestions(listing, user or current_user)


@bp.app_template_global()
def viewer_pair(listing):
    """Template helper: the viewer's own pair with someone else's `listing` (see services.viewer_pair)."""
    return services.viewer_pair(listing, current_user)


@bp.route("/mine")
@role_required(Role.ENTERPRISE, Role.RESEARCHER)
def mine():
    """Every pair a broker has vouched for on the user's needs or results."""
    awaiting = request.args.get("awaiting") == "1"
    stmt, side = services.my_pairs_stmt(current_user, awaiting=awaiting)
    if stmt is None:
        abort(404)
    after, before = request.args.get("after"), request.args.get("before")
    try:
        page, bad_link = pages.paginate_mine(stmt, current_user, awaiting, after, before), ""
    except pages.BadCursor:  # as the queue's: page 1 with a notice
        page, bad_link = pages.paginate_mine(stmt, current_user, awaiting), "下一页" if after else "上一页"
    return render_template("brokers/mine.html", page=page, awaiting=awaiting, bad_link=bad_link,
                           awaiting_count=services.awaiting_reply_count(current_user),
                           suggestions=services.owner_views(page.items, side, current_user))  # fmt: skip


@bp.route("/suggestions/<int:suggestion_id>/request", methods=["POST"])
@login_required
def request_introduction(suggestion_id):
    """An owner asks a broker to introduce a suggested pair (请经纪人牵线)."""
    s = db.session.get(MatchSuggestion, suggestion_id)
    if s is None or services.side_of(current_user, s) is None or s.status == "rejected":
        abort(404)
    back = safe_next(request.form.get("next")) or url_for("brokers.mine", _anchor=f"s{s.id}")
    try:
        services.request_introduction(s, current_user)
    except BrokerError as exc:  # refused before anything was written
        flash(str(exc), "warning")
    else:
        flash("已请技术经纪人牵线，经纪人处理后会通知您", "success")
    return redirect(back)


@bp.route("/suggestions/<int:suggestion_id>/respond", methods=["POST"])
@login_required
def respond(suggestion_id):
    """A side answers a pair: interested, or declined with a coded reason."""
    s = db.session.get(MatchSuggestion, suggestion_id)
    # Only the need's organisation and the result's owner; others cannot tell the pair exists.
    if s is None or services.side_of(current_user, s) is None or s.status in ("suggested", "rejected"):
        abort(404)
    form = RespondForm()
    back = safe_next(request.form.get("next")) or url_for("brokers.mine", _anchor=f"s{s.id}")
    if not form.validate():
        flash_errors(form)
        return redirect(back)
    try:
        services.respond(s, current_user, form.expected.data, form.response.data, form.reason.data, form.note.data,
                         key=form.submission_key.data)  # fmt: skip
    except once.Repeat:
        return once.see_other(back)
    except BrokerError as exc:
        flash(str(exc), "danger")
    else:
        flash("反馈已提交，技术经纪人会尽快跟进", "success")
    return redirect(back)


@bp.app_context_processor
def broker_enums():
    """Enum classes the brokers' templates and partials label values with."""
    from ..models import CoopMode, DeclineReason, FollowUpKind, Maturity, RejectReason, ResponseKind, TransferMode

    return {"broker_enums": {"CoopMode": CoopMode, "Maturity": Maturity, "TransferMode": TransferMode,
                             "RejectReason": RejectReason, "FollowUpKind": FollowUpKind,
                             "DeclineReason": DeclineReason, "ResponseKind": ResponseKind}}  # fmt: skip
