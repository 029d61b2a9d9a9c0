"""The needs area: technical needs, the shared listing rules, and bulk import."""

from flask import Blueprint

from ..models import Result, TechNeed
from ..search import install_listeners

bp = Blueprint("needs", __name__)
install_listeners([TechNeed.__table__, Result.__table__])

from . import import_routes, routes  # noqa: E402,F401
