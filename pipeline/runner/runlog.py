"""The run log ``<output>/runs.jsonl``: one JSON line per publish, build or push, appended.

It answers "what was published when": start and end (portal time zone), exit code, files
accepted and rejected, tables changed, pages written, the push's outcome, and any internal
error's traceback. A refused run (another one holds the lock) appends too, without the
lock: each line is written with a single ``write`` on an ``O_APPEND`` descriptor, which
the kernel never interleaves with another writer's.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

RUN_LOG = "runs.jsonl"


@dataclass
class RunRecord:
    """What one command did, filled in as its stages finish."""

    command: str
    started: datetime
    finished: datetime | None = None
    exit_code: int | None = None
    accepted: int | None = None
    rejected: int | None = None
    tables_changed: list[str] | None = None
    pages: int | str | None = None  # a count, "skipped", or None when the stage was not reached
    push: dict[str, Any] | str | None = None  # counts, "skipped", {"failed": message}, or None
    error: str | None = None
    internal_errors: list[dict[str, str]] = field(default_factory=list)
    tz: tzinfo | None = None  # the portal's, once portal.toml is read; else the machine's

    def to_json(self) -> dict[str, Any]:
        """The record as one JSON object, times in the portal's time zone."""
        finished = self.finished or datetime.now(self.started.tzinfo)
        out: dict[str, Any] = {
            "command": self.command,
            "started": self.started.astimezone(self.tz).isoformat(timespec="seconds"),
            "finished": finished.astimezone(self.tz).isoformat(timespec="seconds"),
            "exit_code": self.exit_code,
            "pid": os.getpid(),
        }
        for name in ("accepted", "rejected", "tables_changed", "pages", "push", "error"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.internal_errors:
            out["internal_errors"] = self.internal_errors
        return out


def append_run(output: Path, record: dict[str, Any]) -> None:
    """Append one line to ``<output>/runs.jsonl``; OSError when it cannot be written."""
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(output / RUN_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        size = os.fstat(fd).st_size
        written = os.write(fd, line)
        if written != len(line):
            # A short write (disk full) must not leave half a line: cut it off again, unless
            # another writer appended meanwhile (rare: only a refused run writes without the lock).
            if os.fstat(fd).st_size == size + written:
                os.ftruncate(fd, size)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(output / RUN_LOG))
    finally:
        os.close(fd)
