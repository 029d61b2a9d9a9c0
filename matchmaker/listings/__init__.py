"""What needs and results share: kinds, life cycle, visibility, validation, queries, search, token caches,
and the views both areas use (needs/ and results/ are thin twins over this package)."""

from ..models import Result, TechNeed
from .search import ensure_search_schema, install_listeners


def init_app(app):
    """Keep the full-text index beside the listing tables (created with them, checked once per engine)."""
    install_listeners([TechNeed.__table__, Result.__table__])
    app.before_request(_search_ready)


def _search_ready():
    """Make sure the full-text index exists (checked once per database engine)."""
    ensure_search_schema()
