"""Page size advice for the refit's large, short-lived arrays.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of 4 MB or
more. For a refit that is the wrong trade: its arrays live a second or two and are touched once, and a huge
page is cleared whole (2 MB) on its first touch, room a refit sizes generously but never writes included. On
virtual machines that hand freed memory back to the host (free page reporting, as on the machines this
platform is measured on) clearing memory afresh is most of a refit's kernel time, and 2 MB pages cost
3-7 times more per megabyte there than 4 KB ones (``benchmarks/match_speed.py`` prints ``refit_sys_s_100k``).
The fitted index is memory-mapped from its file by the web processes, on small pages either way.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

try:  # numpy's own switch (what NUMPY_MADVISE_HUGEPAGE sets at import); absent on other builds
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - older numpy layouts
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None

__all__ = ["small_pages"]

_lock = threading.Lock()
_depth = 0
_before = None


@contextmanager
def small_pages():
    """Within the block numpy gives its arrays no huge-page advice (process-wide: it is numpy's one switch;
    nested and concurrent blocks restore the previous setting when the last one ends)."""
    global _depth, _before
    if _set_madvise_hugepage is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _before = _set_madvise_hugepage(False)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _set_madvise_hugepage(_before)
