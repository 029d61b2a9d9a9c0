"""The reports area."""

from .routes import bp

__all__ = ["bp"]
