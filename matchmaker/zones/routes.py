"""Views of the zones area."""

from . import bp  # noqa: F401
