"""Shared fixtures of the listing tests."""

from ..api.conftest import api  # noqa: F401
from ..needs.conftest import lists  # noqa: F401
