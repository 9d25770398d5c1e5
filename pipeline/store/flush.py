"""Put the files a publish wrote on disk before its commit point (the store's index) names them.

``os.sync`` writes every dirty page of the machine, whoever wrote it: other programs' files and
an earlier run's files that nothing names (its caches, the site it built) are waited for too, so
its time grows with what the rest of the machine writes. A run that wrote few files ``fsync``s
exactly those and their folders instead; one that wrote many (a first publish: tens of
thousands) flushes them all at once with ``os.sync``, cheaper than a call per file.

Why both give what the commit needs: the index must never name a file that is not on disk.
``fsync`` on a file puts its bytes and its inode on disk, and on a folder its entries (the
name a rename gave the file, the folder a write created); a file's folders up to the output
folder's parent are flushed, so each file is reachable by its name after a power loss. The page
cache is one for the whole machine: a descriptor opened here flushes the pages a forked child
wrote as well.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Collection

# Above this many files one ``os.sync`` is cheaper than a call per file (a new agency-month writes
# tens of files; a city's first publish about 47,000).
FSYNC_UP_TO = 2000


def flush(files: Collection[str], top: str) -> None:
    """Put ``files`` (absolute paths under the folder ``top``) on disk under their names: each file and
    each folder from its own up to ``top``'s parent flushed, or everything at once when they are many.

    An OSError (a file missing, a disk error) is raised: the caller undoes its commit.
    """
    if len(files) > FSYNC_UP_TO:
        os.sync()
        return
    top = os.path.normpath(top)
    folders = {os.path.dirname(top) or "."}  # ``top``'s own entry, when a first run made it
    for path in files:
        _fsync(path, 0)
        folder = os.path.dirname(path)
        while folder not in folders and (folder == top or folder.startswith(f"{top}/")):
            folders.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(folders):
        _fsync(folder, os.O_DIRECTORY)


def _fsync(path: str, flags: int) -> None:
    """``fsync`` one file or folder (opened for reading: Linux flushes through any descriptor)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def start_early(files: int) -> None:
    """For a run whose commit will flush ``files`` files with one ``os.sync`` (``flush``): start that writeback
    now, in a thread of this process, while the run still computes (a disk wait taken off the commit's path).

    Only a head start: the commit's own ``os.sync`` still waits for every page, those written since included.
    """
    if files > FSYNC_UP_TO:
        threading.Thread(target=os.sync, name="early-sync", daemon=True).start()


def flush_ahead(files: Collection[str]) -> None:
    """For a run whose commit will ``fsync`` ``files`` one by one (``flush``): start putting them on disk now, in a
    thread of this process, while the run still computes (a new agency-month's data files are 260 MB, whose
    writeback the commit waited for).

    Only a head start: the commit's own ``fsync`` of each file still waits for what is left, and reports any error.
    """
    if 0 < len(files) <= FSYNC_UP_TO:
        threading.Thread(target=_fsync_each, args=(list(files),), name="early-fsync", daemon=True).start()


def _fsync_each(files: list[str]) -> None:
    """``fsync`` each file, passing over any that cannot be (gone, or unreadable: the commit tells)."""
    for path in files:
        with contextlib.suppress(OSError):
            _fsync(path, 0)
