"""The needs area: technical needs, the shared listing rules, and bulk import."""

from flask import Blueprint

from ..models import Result, TechNeed
from ..search import ensure_search_schema, install_listeners

bp = Blueprint("needs", __name__)
install_listeners([TechNeed.__table__, Result.__table__])


@bp.before_app_request
def _search_ready():
    """Make sure the full-text index exists (checked once per database engine)."""
    ensure_search_schema()


from . import import_routes, routes  # noqa: E402,F401
