"""Server processes that the tests start (gunicorn, job consumers, helper workers) end with the test
process: each is started under ``setpriv --pdeathsig TERM``, so a run killed with SIGKILL (or an
xdist worker that dies) leaves no gunicorn or consumer behind. Without setpriv the command runs as is."""

import shutil

_SETPRIV = shutil.which("setpriv")


def dies_with_parent(args):
    """The command line, run so that it gets SIGTERM when the process that started it dies."""
    args = [str(a) for a in args]
    return [_SETPRIV, "--pdeathsig", "TERM", "--", *args] if _SETPRIV else args
