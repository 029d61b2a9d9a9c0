"""Accounts: registration, login, logout, password change."""

from . import recent
from .routes import bp

bp.after_app_request(recent.settle)

__all__ = ["bp"]
