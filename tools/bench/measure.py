"""Run one step as a child process and measure its wall time and the peak memory of its whole process tree.

The peak is the largest sum of the proportional set size (PSS) over the child and all its
descendants (the site build starts Pagefind and forks its second language, for example),
sampled from /proc every ``INTERVAL`` seconds. PSS divides each page among the processes that
map it, so a page a forked child still shares with its parent (copy-on-write, never written
since) counts once, as it takes memory once; summing resident sizes (RSS) counted it in every
process that maps it, and every shared library page too. The RSS sum is kept beside it for
comparison. A spike shorter than the interval can slip between samples (a step of a few tenths
of a second on a busy machine may be sampled only as the interpreter starts), so when the step
ran as one process the result is never below that process's own peak, which the kernel keeps
exactly (``ru_maxrss`` from ``wait4`` on this step's child alone: a resident size, so this floor
can only count more). A tree of several processes gets no such floor: a forked child's
``ru_maxrss`` starts from its parent's high-water mark and counted the shared pages again
(524 MB for a 200 MB parent and its fork).

A process that shares its parent's very memory (a child started with vfork, between its
start and its exec: Python starts Pagefind so) is counted once: its /proc entry shows the
parent's whole resident memory, and summed it counted the build twice for that instant
(``kcmp(KCMP_VM)``, where the kernel offers it; elsewhere every process counts).
"""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")
_KCMP = {"x86_64": 312, "aarch64": 272}.get(platform.machine())  # the kcmp system call's number
_KCMP_VM = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def same_memory(pid: int, other: int) -> bool:
    """True when the two processes share one address space (a vfork child before its exec)."""
    if _KCMP is None:
        return False
    return int(_LIBC.syscall(_KCMP, pid, other, _KCMP_VM, 0, 0)) == 0


@dataclass(frozen=True)
class Measured:
    """What one step cost: seconds, peak resident bytes of the tree, its exit code, its output, CPU seconds."""

    seconds: float
    peak_bytes: int  # the tree's largest PSS sum (never below the largest single process's peak)
    exit_code: int
    output: str
    cpu_seconds: float = 0.0  # user + system of the waited-for tree: steadier than wall time when shared
    peak_rss_bytes: int = 0  # the tree's largest RSS sum: counts shared pages once per process


class _Tree:
    """The process tree under one root, found by reading /proc; each pid's parent is read only once.

    Reading every process's status at every sample cost the benchmark a sixth of a core on
    a busy machine, taken from the step being measured: a pid already seen is not read again
    unless it belongs to the tree, where only its memory is read.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.outside: set[int] = set()
        self.inside: set[int] = {root}
        self.parents: dict[int, int] = {}

    def _parent(self, pid: int) -> int | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # "pid (comm) state ppid ...": comm may hold spaces and brackets, so split after the last ")".
        return int(stat[stat.rindex(")") + 2:].split()[1])

    def memory(self) -> tuple[int, int]:
        """PSS and RSS bytes of the root and its descendants now, each summed (0 once all are gone)."""
        pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
        for pid in pids:  # ascending: a parent (older, smaller pid) is usually classified first
            if pid in self.inside or pid in self.outside:
                continue
            parent = self._parent(pid)
            if parent in self.inside:
                self.inside.add(pid)
                self.parents[pid] = parent
            else:
                self.outside.add(pid)
        alive = set(pids)
        self.inside &= alive | {self.root}
        self.outside &= alive  # a recycled pid is classified afresh
        pss = rss = 0
        for pid in self.inside:
            parent = self.parents.get(pid)
            if parent is not None and same_memory(pid, parent):
                continue  # its parent's very memory (one address space), counted with the parent
            try:
                rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
                pss += proportional(pid)
            except (OSError, ValueError, IndexError):
                continue  # the process ended while we looked
        return pss, rss


def proportional(pid: int) -> int:
    """A process's proportional set size in bytes (``Pss:`` of /proc/PID/smaps_rollup, in kB)."""
    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
        text = f.read()
    at = text.index(b"\nPss:") + 5
    return int(text[at:text.index(b"kB", at)]) * 1024


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to its end; wall time, the tree's peak resident memory, exit code, stdout+stderr."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = peak_rss = 0
    done = threading.Event()

    tree = _Tree(child.pid)

    def sample() -> None:
        nonlocal peak, peak_rss
        while not done.is_set():
            pss, rss = tree.memory()
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            done.wait(INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stdout is not None
    with child.stdout:
        output = child.stdout.read().decode("utf-8", "replace")  # stderr is merged: one pipe, read to its end
    # This child's own usage (wait4), not RUSAGE_CHILDREN's: that one's ru_maxrss keeps the
    # largest of every earlier step, so a short step after a large one had no floor at all.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    alone = not tree.parents  # no descendant was ever seen: the step ran as one process
    largest = usage.ru_maxrss * 1024 if alone else 0  # ru_maxrss is in KiB
    cpu = usage.ru_utime + usage.ru_stime  # the child and its waited-for descendants
    return Measured(seconds, max(peak, largest), child.returncode, output, cpu, max(peak_rss, largest))
