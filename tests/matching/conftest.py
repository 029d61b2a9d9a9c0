"""Fixtures shared by the matching tests."""

import pytest

from matchmaker.matching import kernels_explain


@pytest.fixture(params=["compiled", "numpy"])
def explaining(request, monkeypatch):
    """Explanations from the compiled loops (kernels_explain.py), and again from numpy alone."""
    if request.param == "numpy":
        monkeypatch.setattr(kernels_explain, "available", lambda: False)
    elif not kernels_explain.available():  # pragma: no cover - numba is a dependency
        pytest.skip("numba is not installed")
    return request.param
