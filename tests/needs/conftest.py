"""Every listing test starts with the maintained lists (industries, fields, towns)."""

import pytest


@pytest.fixture(autouse=True)
def lists(app):
    """Fill the taxonomy like init-db does."""
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()
