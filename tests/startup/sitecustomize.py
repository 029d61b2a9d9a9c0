"""Imported by Python at the start of every process the tests start (tests/conftest.py puts this folder first on
PYTHONPATH): gunicorn masters and workers, job consumers, the scripts and helper processes of the tests.

At exit, after every other exit handler (this one is registered first, and they run last-registered first), the
objects still alive are moved out of the garbage collector's reach (``gc.freeze``). The interpreter's shutdown
then frees them as their references go, without the full collections it runs over them first: with the app loaded
(about 250,000 tracked objects) those took about 2 s of CPU in each process, and a test stopping a gunicorn with
4 workers waited 5 s for them. Only the end of a process changes; it runs and collects as before until then."""

import atexit
import gc

atexit.register(gc.freeze)
