"""Accounts: registration, login, logout, password change."""

from .routes import bp

__all__ = ["bp"]
