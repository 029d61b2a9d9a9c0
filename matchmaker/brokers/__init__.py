"""The brokers area."""

from flask import Blueprint

bp = Blueprint("brokers", __name__)

from . import routes  # noqa: E402,F401
