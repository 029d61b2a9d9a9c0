"""Administration: accounts and organisations (other areas add their own admin pages)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes, taxonomy  # noqa: E402,F401
