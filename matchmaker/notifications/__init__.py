"""The notifications area."""

from .routes import bp

__all__ = ["bp"]
