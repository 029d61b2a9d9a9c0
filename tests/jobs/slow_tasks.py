"""A job slow enough to kill a consumer in the middle of it (imported by the consumers by name)."""

import time

from matchmaker import jobs


@jobs.task(retries=0)
def slow_mark(path: str, seconds: float):
    """Write "start", wait, write "done" (each run appends its lines)."""
    with open(path, "a", encoding="utf-8") as f:
        f.write("start\n")
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as f:
        f.write("done\n")
