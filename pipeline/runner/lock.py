"""One run at a time on an output folder: an exclusive ``flock`` on ``<output>/.lock``.

The kernel releases the lock when the holder's process ends, however it ends (SIGKILL
included), so a lock file left by a killed run never blocks the next one. The file's
content (holder's pid, command and start time) only serves the message of a refused run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.core.errors import BusyError, PipelineError
from pipeline.core.oserrors import describe

LOCK_NAME = ".lock"


@contextmanager
def output_lock(output: Path, command: str, since: datetime) -> Iterator[None]:
    """Hold the lock of ``output`` for the ``with`` block; BusyError at once when another run holds it."""
    path = output / LOCK_NAME
    try:
        output.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC: a child (Pagefind) must not inherit the lock and outlive a killed holder.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise PipelineError(f"kunci keluaran tidak dapat dibuat / cannot create the output lock: "
                            f"{describe(exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise PipelineError(describe(exc)) from None
            raise BusyError(_busy_message(path, _holder(fd))) from None
        _describe_holder(fd, {"pid": os.getpid(), "command": command, "since": since.isoformat()})
        try:
            yield
        finally:
            _describe_holder(fd, None)  # a clean end leaves an empty file: same bytes after every run
    finally:
        os.close(fd)  # releases the lock


def _describe_holder(fd: int, holder: dict[str, Any] | None) -> None:
    """Write who holds the lock (informational: a full disk must not stop the run)."""
    data = b"" if holder is None else (json.dumps(holder, sort_keys=True) + "\n").encode()
    try:
        os.ftruncate(fd, 0)
        if data:
            os.pwrite(fd, data, 0)
    except OSError:
        pass


def _holder(fd: int) -> dict[str, Any]:
    """What the holder wrote, or {} when it is not written yet or unreadable."""
    try:
        found = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _busy_message(path: Path, holder: dict[str, Any]) -> str:
    """The bilingual message of a refused run."""
    since = holder.get("since", "?")
    pid = holder.get("pid", "?")
    command = holder.get("command", "?")
    return (f"proses lain ({command}) sedang berjalan sejak {since}, pid {pid}; tidak ada yang diubah, "
            f"coba lagi nanti / another run ({command}) is in progress since {since}, pid {pid}; "
            f"nothing was changed, try again later. [{path}]")
