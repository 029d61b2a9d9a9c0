"""Views of the brokers area."""

from . import bp  # noqa: F401
