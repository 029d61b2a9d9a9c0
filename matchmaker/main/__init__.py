"""Public pages: home, dashboard."""

from .routes import bp

__all__ = ["bp"]
