"""Views of the notifications area: the list, mark read, mark all read."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import login_required
from ..extensions import db
from ..utils.urls import safe_next
from . import services

bp = Blueprint("notifications", __name__)


@bp.route("/")
@login_required
def index():
    """The current user's notifications, newest first; ?unread=1 for unread only."""
    unread_only = request.args.get("unread") == "1"
    page = db.paginate(services.user_notifications(current_user, unread_only), per_page=20, error_out=False)
    return render_template("notifications/index.html", page=page, unread_only=unread_only)


@bp.route("/<int:note_id>/read", methods=["POST"])
@login_required
def read(note_id):
    """Mark one notification read; with open=1 follow its link."""
    note = services.mark_read(current_user, note_id)
    if note is None:
        abort(404)  # missing, or someone else's
    link = safe_next(note.link)
    if request.form.get("open") == "1" and link:
        return redirect(link)
    return redirect(url_for("notifications.index", unread=request.form.get("unread") or None))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark all of the current user's notifications read."""
    n = services.mark_all_read(current_user)
    flash(f"已将 {n} 条通知标记为已读" if n else "没有未读通知", "success" if n else "info")
    return redirect(url_for("notifications.index"))
