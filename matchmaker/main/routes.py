"""Home page and the per-role dashboard."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.decorators import login_required, public
from .services import headline_figures

bp = Blueprint("main", __name__)


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
