"""The needs area: enterprises' technical needs (技术需求), a thin twin of results over listings/."""

from .routes import bp

__all__ = ["bp"]
