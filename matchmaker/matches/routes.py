"""Views of the matches area."""

from . import bp  # noqa: F401
