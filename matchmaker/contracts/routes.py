"""Views of the contracts area."""

from . import bp  # noqa: F401
