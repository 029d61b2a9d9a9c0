"""Views of the notifications area."""

from . import bp  # noqa: F401
