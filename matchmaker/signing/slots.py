"""At most ``count`` of something at once on one machine, whichever process asks: ``count`` lock files in a folder.

A slot is a file ``slot-<i>`` locked with flock(2), exclusive and non-blocking; a caller finding every slot taken
tries again every ``poll`` seconds until ``wait`` seconds have passed, then gets ``Busy``. With ``waiters``, only
that many callers wait at once, each holding a place (a slot of the same kind in the subfolder ``waiting``) while it
waits: one finding every slot and every place taken gets ``Busy`` at once, and a waiter gives its place back as soon
as it has a slot (or gives up). The kernel releases a
flock when the last descriptor of its open file closes, so also when the process holding it dies (killed, out of
memory): no slot is left taken by a dead process, and nothing needs cleaning up. Descriptors are opened
close-on-exec, so no program the holder starts keeps a slot.

flock, not fcntl's record locks (``lockf``): a record lock belongs to the process, so two threads of one process
(a threaded server) would both get the same slot, and closing any descriptor of the file would release it.
The folder must be on the machine's own disk: over NFS a flock becomes a lock shared by every machine.
"""

import fcntl
import os
import time
from contextlib import contextmanager


class Busy(Exception):
    """Every slot stayed taken for the whole wait."""


def _try_each(directory, count):
    """The descriptor of the first free slot, now locked; None when every one is taken."""
    for i in range(count):
        fd = os.open(os.path.join(directory, f"slot-{i}"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        return fd
    return None


@contextmanager
def slot(directory, count: int, wait: float, poll: float = 0.05, waiters: int | None = None):
    """Hold one of ``count`` slots in ``directory`` (made if missing) for the ``with`` block; ``Busy`` when none is
    free within ``wait`` seconds, or at once when none is free and ``waiters`` others are waiting already (None: any
    number may wait)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    deadline = time.monotonic() + wait
    count = max(1, count)
    fd = _try_each(directory, count)
    if fd is None:
        place = None
        if waiters is not None:
            queue = os.path.join(directory, "waiting")
            os.makedirs(queue, mode=0o700, exist_ok=True)
            if waiters <= 0 or (place := _try_each(queue, waiters)) is None:
                raise Busy(f"{count} slot(s) in {directory} taken and {waiters} caller(s) waiting already")
        try:
            while (fd := _try_each(directory, count)) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Busy(f"{count} slot(s) in {directory} taken for {wait} s")
                time.sleep(min(poll, left))
        finally:
            if place is not None:
                os.close(place)  # no longer waiting: the place is someone else's to take
    try:
        yield
    finally:
        os.close(fd)  # releases the lock
