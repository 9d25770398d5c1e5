"""Undoable writes: the files and folders one store commit created or overwrote."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from pathlib import Path

from pipeline.core.atomic import make_folder, write_bytes, write_unsynced


class Journal:
    """The files and folders one commit created or overwrote, so that a failed commit can be undone."""

    def __init__(self) -> None:
        self.entries: list[tuple[Path, bytes | None]] = []  # (file, its bytes before, None if new)
        self.folders: list[Path] = []  # created, parents first
        self._made: set[str] = set()  # folders known to exist: a first commit writes 32,000 files into few
        # Of those, the folders ``plan`` found missing (to be created by the writes it plans): nothing is in them yet.
        self._planned: set[str] = set()

    def write(self, path: Path, data: bytes, sync: bool) -> None:
        """Write atomically unless the file already holds exactly these bytes."""
        old = _old_bytes(path)
        if old == data:
            return
        # The folders this write needs, made first and recorded (parents first) for ``undo``.
        self.folders += map(Path, make_folder(os.path.dirname(path) or ".", self._made))
        # Recorded before writing: a failed rename leaves nothing, and undoing "nothing" is harmless.
        self.entries.append((path, old))
        if sync:
            write_bytes(path, data)
        else:
            write_unsynced(path, data, self._made)

    def absent(self, path: Path) -> bool:
        """True when ``path`` cannot be there: its folder is missing, found so now or by an earlier call (the
        folders a write of it will create are then recorded, as ``plan`` records them)."""
        folder = os.path.dirname(path) or "."
        self._note(folder)
        return folder in self._planned

    def _note(self, folder: str) -> None:
        """Record the folders a write into ``folder`` will create (parents first), unless known already."""
        if folder not in self._made:
            missing = _missing(folder, self._made, self._planned)
            self._planned.update(missing)
            self.folders += map(Path, missing)

    def plan(self, path: Path, data: bytes) -> bool:
        """Record a write of ``data`` to ``path`` that another process makes (``write_unsynced``): the file's
        bytes before and the folders it will create, parents first. False when ``path`` holds ``data`` already."""
        # A file in a folder found missing is not there (this process holds the output's lock): not asked for (a first
        # publish's 32,000 files, each an open that failed, were most of the plan's time).
        old = None if self.absent(path) else _old_bytes(path)
        if old == data:
            return False
        self.entries.append((path, old))
        return True

    def make(self, path: Path, data: bytes, made: set[str]) -> None:
        """Write a file recorded by ``plan``, unflushed (``made``: the writer's folders known to exist)."""
        write_unsynced(path, data, made)

    def undo(self) -> None:
        """Put every file back as it was, newest first (best effort: the disk may still be full)."""
        for path, old in reversed(self.entries):
            try:
                # A writer killed half-way through a file (a forked child) leaves its temporary file.
                path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
                if old is None:
                    path.unlink(missing_ok=True)
                elif not path.exists() or path.read_bytes() != old:
                    write_unsynced(path, old)
            except OSError:
                pass
        for folder in reversed(self.folders):
            with contextlib.suppress(OSError):
                folder.rmdir()


def _old_bytes(path: Path) -> bytes | None:
    """The bytes of ``path`` before a write, None when there is no such file."""
    try:
        # Asked first without a file object: a first publish plans 32,000 files, none of them there.
        os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK))
    except FileNotFoundError:
        return None
    except OSError:
        pass  # read below, which tells what is wrong
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _missing(folder: str, known: set[str], planned: Collection[str] = ()) -> list[str]:
    """The folders a write into ``folder`` will create, parents first (``known``: folders there or planned;
    ``planned``: those of them found missing, whose subfolders are missing too, not asked for)."""
    parent = os.path.dirname(folder)
    if folder in known or (parent not in planned and os.path.isdir(folder)):
        known.add(folder)
        return []
    found = _missing(parent, known, planned) if parent and parent != folder else []
    known.add(folder)
    return [*found, folder]
