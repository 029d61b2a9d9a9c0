"""Routes of the needs area; the views themselves are shared with results (listings/views.py)."""

from flask import Blueprint

from ..auth.decorators import public, role_required
from ..listings import views
from ..listings.kinds import NEED
from ..models import Role
from .forms import NeedForm

bp = Blueprint("needs", __name__)
owner_roles = role_required(Role.ENTERPRISE, Role.ADMIN)


@bp.route("/")
@public
def index():
    """Live needs: full-text search, filters, sort, pages."""
    return views.index(NEED)


@bp.route("/<int:need_id>")
@public
def detail(need_id):
    """One need; confidential parts and contacts only for those entitled to them."""
    return views.detail(NEED, need_id)


@bp.route("/mine")
@role_required(Role.ENTERPRISE)
def mine():
    """My organisation's needs with counts per state."""
    return views.mine(NEED)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def create():
    """Post a need for my organisation (save as draft or publish)."""
    return views.create(NEED, NeedForm)


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@owner_roles
def edit(need_id):
    """Edit one of my organisation's needs."""
    return views.edit(NEED, need_id, NeedForm)


@bp.route("/<int:need_id>/status", methods=["POST"])
@owner_roles
def status(need_id):
    """Publish, mark docking or solved, close, renew or reopen a need."""
    return views.status(NEED, need_id)
