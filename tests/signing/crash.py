"""Stand-ins for the verifier child: one that dies by a signal before answering (a segfault in C code, the OOM killer),
one whose verifier has a bug (it answers with a traceback): tests put one in place of ``isolation._child``; the child
imports it by name, so it imports nothing heavy."""

import os
import signal


def die(conn, *args):
    """Ends this process by SIGSEGV without an answer, as a crash in C code would."""
    os.kill(os.getpid(), signal.SIGSEGV)


def fail(conn, *args):
    """Runs the real child with a verifier that raises what verify_pdf never raises for a bad file (a bug in it):
    the child answers with its traceback, as it would."""
    from matchmaker.signing import isolation

    isolation.verify_pdf = _bug  # in this child only
    isolation._child(conn, *args)


def _bug(*args):
    raise KeyError("/ByteRange: a bug in the verifier (test)")
