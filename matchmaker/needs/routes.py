"""Views of the needs area."""

from . import bp  # noqa: F401
