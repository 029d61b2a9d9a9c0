"""Routes of the results area; the views themselves are shared with needs (listings/views.py)."""

from flask import Blueprint

from ..auth.decorators import public, role_required
from ..listings import views
from ..listings.kinds import RESULT
from ..models import Role
from .forms import ResultForm

bp = Blueprint("results", __name__)
owner_roles = role_required(Role.RESEARCHER, Role.ADMIN)


@bp.route("/")
@public
def index():
    """Live results: full-text search, filters, sort, pages."""
    return views.index(RESULT)


@bp.route("/<int:result_id>")
@public
def detail(result_id):
    """One result; contact details only for those entitled to them."""
    return views.detail(RESULT, result_id)


@bp.route("/mine")
@role_required(Role.RESEARCHER)
def mine():
    """My results with counts per state."""
    return views.mine(RESULT)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def create():
    """List a research result (save as draft or publish)."""
    return views.create(RESULT, ResultForm)


@bp.route("/<int:result_id>/edit", methods=["GET", "POST"])
@owner_roles
def edit(result_id):
    """Edit one of my results."""
    return views.edit(RESULT, result_id, ResultForm)


@bp.route("/<int:result_id>/status", methods=["POST"])
@owner_roles
def status(result_id):
    """Publish, mark docking or 已转化, close, renew or reopen a result."""
    return views.status(RESULT, result_id)
