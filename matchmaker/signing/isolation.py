"""An untrusted PDF verified in a separate process, bounded in time and memory.

The bounds of ``verify`` (signatures, revisions, objects after signing) are counted once pyHanko has read the
file; reading it can itself take long. One object appended after signing, an array of 800,000 ``0`` (1.8 MB) or
of 800,000 ``<<>>`` (4.2 MB, 900 MB of memory), took pyHanko 7 to 19 s of a web worker, signed or not; counting
tokens first is no bound (a compressed object stream hides them). So an upload is verified in a child process
killed after ``timeout`` seconds, whose address space may grow ``memory`` bytes beyond what it starts with.

The child is forked from multiprocessing's fork server, a process started on first use (once per web worker,
about 1.1 s of CPU, up to 3.7 s on a loaded machine: it imports pyHanko once; counted in ``timeout``, so a page
never waits longer) that forks each child while single-threaded, never the web process itself, which may run
threads (a job consumer's, a test worker's Playwright). A child serves one verification and exits; a killed one
is reaped by the fork server. It costs 15 to 70 ms a verification (the fork, the file sent through a pipe, the
result back, pages copied on write), and leaves the web process's memory as it was. A child whose web process is
killed mid-verification ends at once too (SIGIO when that process's end of a pipe closes), at the latest at its
own CPU limit, ``timeout`` + 1 s: it read on 7 to 12 s, outside the machine's verification slots (``slots``).
"""

import fcntl
import gc
import math
import multiprocessing
import os
import resource
import signal
import time
import traceback

from .pades import _asn1_cert
from .verify import NotAPdf, verify_pdf

TIMED_OUT = "该 PDF 结构异常复杂，验证超时，不予验证"
TOO_MUCH_MEMORY = "该 PDF 结构异常复杂，验证所需内存过多，不予验证"
CRASHED = "验证进程异常退出，未能完成验证"

# The fork server imports these once; a child forked from it then has pyHanko's validation code loaded.
# "__main__": the script that started the process (gunicorn's, flask's), imported once there rather than by
# each child (multiprocessing's rule: a script starting processes keeps its work under `if __name__ == "__main__"`).
_PRELOAD = [
    "__main__",
    __name__,
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign.diff_analysis",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
]
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(_PRELOAD)  # read when the fork server starts, on the first verification


class VerifierFailed(RuntimeError):
    """The child raised something verify_pdf does not raise for a bad file (a bug): its traceback."""


class VerifierCrashed(RuntimeError):
    """The child died without an answer (killed by a signal: a crash in C code, the system's out-of-memory killer):
    ``str()`` is CRASHED, ``exitcode`` how it ended (-N: signal N). Not NotAPdf: nothing says the file is bad."""

    def __init__(self, exitcode):
        super().__init__(CRASHED)
        self.exitcode = exitcode

    @property
    def how(self):
        """How the child ended, for the log: "signal SIGSEGV", "exit code 1"."""
        code = self.exitcode
        if code is not None and code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"


def _address_space(key):
    """Bytes of address space this process uses now ("VmSize") or used at most ("VmPeak"), or None (not Linux)."""
    try:
        with open("/proc/self/status") as f:
            line = next(line for line in f if line.startswith(key + ":"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def _end_with_web_process():
    """This process ended (SIGIO, whose default action is to terminate) as soon as the web process that started it
    is gone, its end of the pipe the child was sent through closed: nobody else would kill it at the time limit. The
    kernel sends it, so it works while C code holds the GIL; no thread either (its malloc arena would count against
    the memory limit). Not the fork server's exit, which every child delays (it holds the fork server's "alive"
    pipe) until it exits itself."""
    parent = multiprocessing.parent_process()
    if parent is None or not hasattr(os, "O_ASYNC"):
        return
    signal.signal(signal.SIGIO, signal.SIG_DFL)
    fd = parent.sentinel
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
    if not parent.is_alive():  # gone before that
        os._exit(1)


def _child(conn, data, roots, platform_root, memory, timeout):
    """Runs in the child: one verification, its outcome sent back as ("ok", Verification) / ("refused", message)
    / ("error", traceback)."""
    gc.freeze()  # the objects inherited from the fork server are never collected: not scanned, nor copied on scan
    _end_with_web_process()
    # Killed (SIGKILL, soft limit = hard) after a second of CPU more than the parent waits, whatever happens to the
    # parent (a SIGIO can be missed: e.g. blocked, or the pipe not one that sends it).
    cpu = math.ceil(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        start = _address_space("VmSize")
        if memory and start is not None:
            resource.setrlimit(resource.RLIMIT_AS, (start + memory, start + memory))
        try:
            outcome = ("ok", verify_pdf(data, roots, platform_root))
        except NotAPdf as exc:
            outcome = ("refused", str(exc))
        except MemoryError:
            outcome = ("refused", TOO_MUCH_MEMORY)
        except BaseException:  # noqa: BLE001 -- reported to the parent, which raises it as an error
            outcome = ("error", traceback.format_exc())
        # An allocation refused at the limit is not always a MemoryError (C code may fail otherwise, pyHanko may read
        # the object as missing and go on): near the limit, whatever the outcome, the verdict may rest on it.
        peak = _address_space("VmPeak")
        if memory and start is not None and peak is not None and peak - start > memory * 3 // 4:
            outcome = ("refused", TOO_MUCH_MEMORY)
        conn.send(outcome)
    finally:
        conn.close()


def verify_isolated(data: bytes, trust_roots, platform_root=None, *, timeout: float, memory: int | None = None):
    """``verify_pdf(data, trust_roots, platform_root)`` run in a child process: NotAPdf(TIMED_OUT) when it takes
    more than ``timeout`` seconds (the child is killed; a start of the fork server included), NotAPdf(TOO_MUCH_MEMORY)
    when it needs more than ``memory`` bytes beyond what it starts with (None: no limit), VerifierCrashed when the
    child dies without an answer."""
    roots = [_asn1_cert(r).dump() for r in trust_roots]
    platform = _asn1_cert(platform_root).dump() if platform_root is not None else None
    deadline = time.monotonic() + timeout
    receiver, sender = _context.Pipe(duplex=False)
    died = False
    child = _context.Process(target=_child, args=(sender, data, roots, platform, memory, timeout), daemon=True)
    try:
        child.start()  # the first in a process also starts the fork server: counted in the time limit
        sender.close()  # the child holds its own end: its exit without an answer ends the wait below
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise NotAPdf(TIMED_OUT)
        try:
            outcome, value = receiver.recv()
        except EOFError:  # the child died without an answer (killed by the system, a crash in C code)
            died = True
    finally:
        sender.close()
        receiver.close()
        if child.pid is not None:
            if child.is_alive():
                child.kill()
            child.join()
        exitcode = child.exitcode
        child.close()
    if died:
        raise VerifierCrashed(exitcode)
    if outcome == "ok":
        return value
    if outcome == "refused":
        raise NotAPdf(value)
    raise VerifierFailed(value)
