"""Whether the compiled loops (kernels.py, kernels_words.py, kernels_explain.py) may run: numba is optional.

Without numba, or with MATCHMAKER_NO_JIT set, ``numba`` is None and each kernels module's ``available()``
is False: its callers take their numpy path, which gives the same results a few times slower. The loops
are compiled on first use and cached beside their files (numba's ``cache=True``), so a process pays the
compile once per machine (engine.warm_up does it at the start of a test run).
"""

from __future__ import annotations

import os

try:  # pragma: no cover - exercised by whichever path the machine has
    if os.environ.get("MATCHMAKER_NO_JIT"):
        raise ImportError("disabled by MATCHMAKER_NO_JIT")
    import numba
except ImportError:  # pragma: no cover
    numba = None


def available() -> bool:
    """Whether the compiled path can run here (each kernels module re-exports this as its own, so that
    a test can switch one module's loops off without the others')."""
    return numba is not None
