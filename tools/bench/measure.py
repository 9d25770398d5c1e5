"""Run one step as a child process and measure its wall time and the peak memory of its whole process tree.

The peak is the largest sum of resident memory over the child and all its descendants (the
site build starts Pagefind, for example), sampled from /proc every ``INTERVAL`` seconds. A
spike shorter than the interval can slip between samples, so the result is never below the
largest single process's own peak, which the kernel keeps exactly (``ru_maxrss`` of the
waited-for children).
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    """What one step cost: seconds, peak resident bytes of the tree, its exit code and its output."""

    seconds: float
    peak_bytes: int
    exit_code: int
    output: str


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process descended from it (0 once it is gone)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            pages = int(Path(entry.path, "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        # "pid (comm) state ppid ...": comm may hold spaces and brackets, so split after the last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        rss[pid] = pages * PAGE
    total = 0
    for pid, size in rss.items():
        ancestor = pid
        while ancestor > 1 and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor == root:
            total += size
    return total


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to its end; wall time, the tree's peak resident memory, exit code, stdout+stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(child.pid))
            done.wait(INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.communicate()[0].decode("utf-8", "replace")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    # ru_maxrss (KiB) only grows: it tells the largest single child when it exceeds all earlier ones.
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    largest = single * 1024 if single > before else 0
    return Measured(seconds, max(peak, largest), child.returncode, output)
