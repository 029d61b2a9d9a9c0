"""Shared fixtures: the maintained lists (industries, fields, towns), as for the listing tests."""

from ..needs.conftest import lists  # noqa: F401
