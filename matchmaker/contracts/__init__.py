"""The contracts area."""

from flask import Blueprint

bp = Blueprint("contracts", __name__)

from . import routes, signing_routes  # noqa: E402,F401
