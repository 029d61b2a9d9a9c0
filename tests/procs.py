"""Server processes that the tests start (gunicorn, job consumers, helper workers) end with the test
process: each is started under ``setpriv --pdeathsig TERM``, so a run killed with SIGKILL (or an
xdist worker that dies) leaves no gunicorn or consumer behind. Without setpriv the command runs as is."""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

_SETPRIV = shutil.which("setpriv")
_PRELOAD = Path(__file__).with_name("gunicorn_preload.py")
STARTUP = Path(__file__).with_name("startup")  # its sitecustomize.py: a quick exit for the processes the tests start


def dies_with_parent(args):
    """The command line, run so that it gets SIGTERM when the process that started it dies."""
    args = [str(a) for a in args]
    return [_SETPRIV, "--pdeathsig", "TERM", "--", *args] if _SETPRIV else args


def pythonpath(*folders):
    """PYTHONPATH for a Python process the tests start: ``folders``, then what this process was given (which
    tests/conftest.py begins with tests/startup)."""
    inherited = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([*(str(f) for f in folders), *([inherited] if inherited else [])])


def gunicorn_args(workers, port):
    """gunicorn serving ``matchmaker:create_app()`` on 127.0.0.1:port with ``workers`` sync workers, the app
    made once in the master and forked into them (tests/gunicorn_preload.py)."""
    return [str(Path(sys.executable).parent / "gunicorn"), "-c", str(_PRELOAD), "-w", str(workers),
            "-b", f"127.0.0.1:{port}", "--timeout", "120", "matchmaker:create_app()"]  # fmt: skip


_stopping = []


def stop_later(procs, then=None):
    """Ask the processes to stop (SIGTERM) and wait for them in a thread, then call ``then`` (close a log, drop a
    database): the servers of a test process stop side by side. ``wait_stopped`` waits for every one."""
    for proc in procs:
        proc.terminate()

    def reap():
        try:
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:  # a loaded machine: workers slow to exit
                    proc.kill()
                    proc.wait(10)
        finally:  # the log closed and the database dropped even if a process would not go
            if then:
                then()

    thread = threading.Thread(target=reap, daemon=True)
    thread.start()
    _stopping.append(thread)


def wait_stopped():
    """Wait for every process handed to ``stop_later`` (before the run's folders and databases go)."""
    while _stopping:
        _stopping.pop().join()
