"""The stage timeline: when each stage of a command began and ended, in which process, and its CPU time.

Off unless the environment names a file in ``MPP_TIMELINE`` (``make bench`` does, for every step it measures):
then each stage appends one JSON line to that file as it ends, from whichever process ran it (the data stage,
the site and their helpers run in forked children, ``runner/isolate.py``, each recorded whole as well).

Why a file named from outside and not the run log: the timeline is for whoever measures a run (where did the
time go?), read beside the wall time taken outside the process; the data officer's run log stays one line a run.
The times are ``time.monotonic()``, one clock for every process of the machine, so a reader that took that clock
when it started the command lays every process's stages on one line from the command's start
(``tools/bench/timeline.py``). Each line is one ``write`` on an ``O_APPEND`` descriptor: lines from several
processes never interleave.

Off, it costs nothing: ``span`` then gives a context manager that does nothing, and ``timed`` leaves the function
as it is (decided at import, when the environment is read).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

ENV = "MPP_TIMELINE"
WHOLE = "(whole process)"  # the stage a forked child records for its whole run
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
P = ParamSpec("P")
R = TypeVar("R")


class _State:
    """Where this process records (None: off) and under which name: the command's own, or the stage a forked
    child runs (``forked``)."""

    path: str | None = os.environ.get(ENV) or None
    process = "command"


@dataclass(frozen=True)
class Span:
    """One stage as a process recorded it: monotonic start and end (seconds) and the process's CPU seconds in it."""

    process: str
    pid: int
    stage: str
    start: float
    end: float
    cpu: float

    @property
    def seconds(self) -> float:
        """Its wall time."""
        return self.end - self.start


def enabled() -> bool:
    """Whether this process records its stages."""
    return _State.path is not None


def start() -> None:
    """At the command's start, before any child is forked: a timeline file that cannot be written turns the
    timeline off, said once on stderr (a measurement aid: never the run's failure)."""
    path = _State.path
    if path is None:
        return
    try:
        os.close(os.open(path, _FLAGS, 0o644))
    except OSError as exc:
        _off(path, exc)


def forked(process: str) -> None:
    """Name this (just forked) process for the stages it records."""
    _State.process = process


@contextlib.contextmanager
def _recorded(stage: str) -> Iterator[None]:
    """Time the block and append it as a span of ``stage`` (even when the block raises: the time was spent)."""
    start, cpu = time.monotonic(), time.process_time()
    try:
        yield
    finally:
        _append(stage, start, time.monotonic(), time.process_time() - cpu)


def span(stage: str) -> contextlib.AbstractContextManager[None]:
    """A block recorded as the stage ``stage`` of this process (nothing when the timeline is off)."""
    return _recorded(stage) if _State.path is not None else contextlib.nullcontext()


def timed(stage: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A function recorded as the stage ``stage`` each time it runs (left as it is when the timeline is off)."""
    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        if _State.path is None:
            return function

        @functools.wraps(function)
        def recorded(*args: P.args, **kwargs: P.kwargs) -> R:
            with _recorded(stage):
                return function(*args, **kwargs)
        return recorded
    return wrap


def _append(stage: str, start: float, end: float, cpu: float) -> None:
    """Write one span as a line of the timeline file (one that can no longer be written turns it off)."""
    path = _State.path
    if path is None:
        return
    line = json.dumps({"process": _State.process, "pid": os.getpid(), "stage": stage, "start": round(start, 6),
                       "end": round(end, 6), "cpu": round(cpu, 6)}, ensure_ascii=False) + "\n"
    try:
        fd = os.open(path, _FLAGS, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        _off(path, exc)


def _off(path: str, error: OSError) -> None:
    """Turn the timeline off in this process (and the children it forks from now on), saying why."""
    print(f"PERINGATAN / WARNING: {ENV}={path}: {error.strerror or error}; linimasa dimatikan / timeline turned off",
          file=sys.stderr)
    _State.path = None


def read(path: Path) -> list[Span]:
    """The spans a timeline file holds, in the order they began (a line cut short or not a span is passed over)."""
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
            spans.append(Span(str(item["process"]), int(item["pid"]), str(item["stage"]), float(item["start"]),
                              float(item["end"]), float(item["cpu"])))
        except (ValueError, KeyError, TypeError):
            continue
    return sorted(spans, key=lambda s: (s.start, -s.end))
