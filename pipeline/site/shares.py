"""The side work of a build that whichever language's process is free first takes, each task once.

After its pages each language's process writes its own files; the calendars, the copies of the
published files and the machine files belong to no language. Given to one process ahead, that
one ended last while the other waited for it (after a new month at the bench city, 0.56 s of the
build's own process). Here they are tokens in a pipe made before the processes are forked: a
process that is done with its own work reads one token at a time and does that task. A pipe's
read of one byte is atomic, so no task is taken twice; the build's own process takes what is left
once the others are joined (``rest``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

# The tasks, longest first at the bench city (calendars 0.28 s, copies 0.27 s, robots and catalogue 0.05 s):
# taken greedily, the longest first leaves the shortest for the end.
CALENDARS, COPIES, MACHINE = "calendars", "copies", "machine"
TASKS = (CALENDARS, COPIES, MACHINE)
# A language's own files (feeds, names, downloads) as a task too: a first build's other languages' (build.py
# ``COLD_SIDE``), which the build's own process, free first, writes while that language's process still works.
_FILES = "files:"


def files(lang: str) -> str:
    """The task of the language ``lang``'s own files."""
    return _FILES + lang


def files_of(task: str) -> str | None:
    """The language whose own files ``task`` is, None for a task of no language."""
    return task[len(_FILES):] if task.startswith(_FILES) else None


class Shares:
    """Tokens of the side tasks in a pipe shared by forked processes: each taken by one of them only."""

    def __init__(self, tasks: tuple[str, ...] = TASKS) -> None:
        self.tasks = tasks
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, bytes(range(len(tasks))))  # a few bytes: never more than the pipe holds
        finally:
            # Closed at once: a read of the pipe emptied is then its end (no process can wait on it).
            os.close(write_end)
        self._read: int | None = read_end

    def claims(self) -> Iterator[str]:
        """The tasks this process takes, one at a time as it asks, until none is left (for any process)."""
        while (task := self._take()) is not None:
            yield task

    def rest(self) -> list[str]:
        """Every task no process took (the others joined: nothing else can take one), in their order."""
        return sorted(self.claims(), key=self.tasks.index)

    def close(self) -> None:
        """Let the pipe go (in this process; a forked child's copy goes with it)."""
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def _take(self) -> str | None:
        """One task taken from the pipe, None when none is left (or the pipe is closed here)."""
        if self._read is None:
            return None
        token = os.read(self._read, 1)
        return self.tasks[token[0]] if token else None
