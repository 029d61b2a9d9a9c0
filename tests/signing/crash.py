"""A stand-in for the verifier child that dies by a signal before answering (a segfault in C code, the OOM killer):
tests put it in place of ``isolation._child``; the child imports it by name, so it imports nothing heavy."""

import os
import signal


def die(conn, *args):
    """Ends this process by SIGSEGV without an answer, as a crash in C code would."""
    os.kill(os.getpid(), signal.SIGSEGV)
