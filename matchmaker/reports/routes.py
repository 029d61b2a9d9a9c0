"""Views of the reports area."""

from . import bp  # noqa: F401
