"""Shared fixtures of the listing tests."""

from ..needs.conftest import lists  # noqa: F401
