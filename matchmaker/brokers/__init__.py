"""The brokers area."""

from . import routes_events, routes_sides  # noqa: F401  (their views join bp)
from .routes import bp

__all__ = ["bp"]
