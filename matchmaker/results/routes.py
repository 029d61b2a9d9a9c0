"""Views of the results area."""

from . import bp  # noqa: F401
