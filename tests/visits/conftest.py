"""Fast-channel tests start with the maintained lists (the need form checks industries)."""

import pytest


@pytest.fixture(autouse=True)
def lists(app):
    """Fill the taxonomy like init-db does."""
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()
