"""Home page and the per-role dashboard."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from ..auth.decorators import login_required, public
from ..extensions import csrf
from ..utils.urls import answers_get, from_this_site, referrer_path, safe_next
from .services import headline_figures, todos

bp = Blueprint("main", __name__)

ELDER_COOKIE = "mm_elder"  # 适老化模式 (large text, high contrast), kept for a year


@bp.app_context_processor
def display_preferences():
    """Whether this browser asked for the large-text, high-contrast mode, and where its switch returns to."""
    return {"elder_mode": request.cookies.get(ELDER_COOKIE) == "1", "elder_next": _back_here}


def _back_here():
    """The page the 适老化模式 switch goes back to: this one, at its address. A refused form is shown again at
    the address it was sent to, which may answer POST only (a course's session form, a financing step): going
    back there was a GET of it, 405. Then it is the page the form was sent from (the Referer, when a page of
    this site), else the area's list, else the home page. What the page's forms held is put back there by the
    page's script (static/js/app.js) into the forms sent to the same address."""
    here = request.full_path if request.query_string else request.path
    if request.method in ("GET", "HEAD") or answers_get(request.path):
        return here
    back = referrer_path()
    if back and answers_get(back):
        return back
    if request.blueprint and f"{request.blueprint}.index" in current_app.view_functions:
        try:
            return url_for(f"{request.blueprint}.index")
        except BuildError:  # an index of the area's own object (its id in the address)
            pass
    return url_for("main.index")


@bp.route("/")
@public
def index():
    """What the platform is, what each role can do, and the headline figures."""
    return render_template("main/index.html", figures=headline_figures())


@bp.route("/dashboard")
@login_required
def dashboard():
    """Each role's starting page."""
    return render_template("main/dashboard.html", user=current_user, todos=todos(current_user))


@bp.route("/display/elder", methods=["POST"])
@public
@csrf.exempt
def elder_mode():
    """Switch 适老化模式 on or off for this browser and go back to the page it was chosen on.

    A display preference, so the switch carries no per-session CSRF token: pages showing it stay the
    same for every anonymous visitor and can be shared (pagecache.py). A cross-site form is still
    refused, by its Origin, as CSRF would (400)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not from_this_site():
        abort(400)
    on = request.form.get("on") == "1"
    back = safe_next(request.form.get("next"))
    resp = redirect(back if back and answers_get(back) else "/", code=303)  # never to a POST-only address (405)
    if on:
        resp.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        resp.delete_cookie(ELDER_COOKIE, samesite="Lax", httponly=True)
    return resp
