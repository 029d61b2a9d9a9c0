"""Home page and the per-role dashboard."""

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user

from ..auth.decorators import login_required, public
from ..utils.urls import safe_next
from .services import headline_figures

bp = Blueprint("main", __name__)

ELDER_COOKIE = "mm_elder"  # 适老化模式 (large text, high contrast), kept for a year


@bp.app_context_processor
def display_preferences():
    """Whether this browser asked for the large-text, high-contrast mode."""
    return {"elder_mode": request.cookies.get(ELDER_COOKIE) == "1"}


@bp.route("/")
@public
def index():
    """What the platform is, what each role can do, and the headline figures."""
    return render_template("main/index.html", figures=headline_figures())


@bp.route("/dashboard")
@login_required
def dashboard():
    """Each role's starting page."""
    return render_template("main/dashboard.html", user=current_user, figures=headline_figures())


@bp.route("/display/elder", methods=["POST"])
@public
def elder_mode():
    """Switch 适老化模式 on or off for this browser and go back to the page it was chosen on."""
    on = request.form.get("on") == "1"
    resp = redirect(safe_next(request.form.get("next")) or "/", code=303)
    if on:
        resp.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        resp.delete_cookie(ELDER_COOKIE, samesite="Lax", httponly=True)
    return resp
