"""The contracts area."""

from . import signing_routes  # noqa: F401  (its views join bp)
from .routes import bp

__all__ = ["bp"]
