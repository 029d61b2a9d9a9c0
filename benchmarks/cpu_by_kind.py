"""CPU seconds a command and every process it starts spend, by kind of process (Chromium, gunicorn, the job
consumer, pytest, other), one JSON line each: {name, value, unit, target}.

The machine is shared, so wall time says little; CPU time of the command's own process tree does not depend on
what else runs. ``cpu_total_s`` is exact (the rusage of the whole tree, every process waited for by its parent);
this process is their subreaper, so orphans are waited for too). The kinds come from sampling /proc every 0.1 s (a process's last reading before it exits), so they add up to a
little less than the total. ``cpu_unsampled_s`` is the difference.

Run from the checkout: ``python benchmarks/cpu_by_kind.py -- python -m pytest tests/browser -n 2``.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

TICK = os.sysconf("SC_CLK_TCK")
KINDS = (  # first match wins, on the command line
    ("chromium", ("chromium", "chrome", "headless_shell", "headless-shell")),
    ("playwright_driver", ("playwright", "/node ")),
    ("gunicorn", ("gunicorn",)),
    ("job_consumer", (" worker", "huey")),
    ("pytest", ("pytest", "xdist", "execnet")),
)


def kind(cmdline: str) -> str:
    """The kind of a process, from its command line (Chromium's by process type: renderer, gpu_process, ...)."""
    low = cmdline.lower()
    for name, marks in KINDS:
        if any(m in low for m in marks):
            if name == "chromium":  # its browser process, renderers, GPU process, network service ...
                kind_of = re.search(r"--type=(\S+)", low)
                sub = re.search(r"--utility-sub-type=\S*?(\w+)(?:\s|$)", low)
                name = sub.group(1) if sub else kind_of.group(1) if kind_of else "browser"
                return "chromium_" + name.replace("-", "_")
            return name
    return "other"


def _stat(pid: str):
    """(ppid, start time, CPU seconds) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[19], (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def main(argv: list[str]) -> int:
    cmd = argv[argv.index("--") + 1 :] if "--" in argv else argv
    # Orphans (a server whose parent exited first) come to this process, which waits for them: their CPU counts.
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    me = os.getpid()
    t0 = time.perf_counter()
    root = subprocess.Popen(cmd, stdout=sys.stderr)  # noqa: S603 -- the command the user gave
    seen: dict[tuple[int, str], list] = {}  # (pid, start time) -> [kind, CPU seconds]
    result, root_done, total = None, 0.0, 0.0
    while True:
        stats = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit() and (st := _stat(pid)) is not None:
                stats[int(pid)] = st
        tree = {me}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _start, _cpu) in stats.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree - {me}:
            if pid not in stats:
                continue
            _ppid, start, cpu = stats[pid]
            entry = seen.get((pid, start))
            if entry is None or entry[0] == "other":  # a forked child's command line changes after exec
                seen[(pid, start)] = [kind(_cmdline(str(pid))), cpu]
            else:
                entry[1] = cpu
        while True:  # reap the command and any orphan handed to us
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
                result = result if result is not None else 0
            if not pid:
                break
            total += usage.ru_utime + usage.ru_stime
            if pid == root.pid:
                result = status
                root_done = time.perf_counter()
        if result is not None and not (tree - {me}) or (root_done and time.perf_counter() - root_done > 60):
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    by_kind: dict[str, float] = defaultdict(float)
    for name, cpu in seen.values():
        by_kind[name] += cpu
    chromium = sum(v for k, v in by_kind.items() if k.startswith("chromium"))
    for name, value in sorted([*by_kind.items(), ("chromium_all", chromium)], key=lambda kv: -kv[1]):
        _emit(f"cpu_{name}_s", value)
    _emit("cpu_total_s", total)
    _emit("cpu_unsampled_s", total - sum(by_kind.values()))
    _emit("wall_s", wall)
    _emit("processes", len(seen), "processes")
    return os.waitstatus_to_exitcode(result) if result is not None else 1


def _emit(name, value, unit="s"):
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit, "target": "reported"}))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
