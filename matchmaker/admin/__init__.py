"""Administration: accounts and organisations (other areas add their own admin pages)."""

from . import taxonomy  # noqa: F401  (their views join bp)
from .routes import bp

__all__ = ["bp"]
