"""The zones area."""

from flask import Blueprint

bp = Blueprint("zones", __name__)

from . import routes  # noqa: E402,F401
