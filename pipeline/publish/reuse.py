"""Files of an output folder reused from the last run when the inputs they were built from are the same.

Each reusable file is built by a pure function of a few inputs (an agency's template: its table's
schema and the agency's code and services; a feedback page: its context) and of the code and
libraries that write it. The SHA-256 of those inputs, with the SHA-256 of the bytes built from
them, is kept by file in ``<output>/store/<folder>-inputs.json`` once the run has put the folder
in place; the next run reads a file back instead of building it when its inputs' digest is
unchanged and the file still holds the bytes recorded (a file rewritten by hand, or left by a run
killed between its swap and its record, is built again). Any change in the pipeline's code or in
openpyxl changes every digest.

A file found holding its bytes is not read again by later runs while its stat (size, device,
inode, modification and change times) is the one kept with its record, the way git's index and
``core/treehash.py`` work: one ``lstat`` instead of reading and hashing each of a city's 14,400
feedback pages. The stat is kept only when the file was last changed ``RACY_NS`` before it was
read (a second change within the same clock tick could leave every field equal), or, for a file
built by the run, when its bytes were written that long before it was moved in (any later write
changes its modification time). A file kept in place is read only when something asks for its
bytes (``Files``).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.core import jsonbytes
from pipeline.core.atomic import regular_bytes, write_blocks
from pipeline.core.treehash import RACY_NS, DigestCache, hash_tree, library_versions, settled

PIPELINE = Path(__file__).resolve().parents[1]
# A group's entry in the record, beside its files' (no file's name starts so): the digest of the group's inputs.
GROUP = "@group "


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The SHA-256 of the pipeline's code and of the libraries that write its files."""
    h = hashlib.sha256(f"{library_versions(('openpyxl', 'lxml'))}\0".encode())
    hash_tree(h, "pipeline", PIPELINE, ".py")
    return h.hexdigest()


def inputs_key(*parts: object) -> str:
    """The digest of a file's inputs (their ``repr``: a text is not a number, a date not its text) and of the code."""
    # repr, not JSON with sorted keys: a third of the cost for a city's 14,400 pages; the inputs are
    # made by the same code each run, so their dicts' order is theirs too.
    return hashlib.sha256(f"{code_digest()}\0{parts!r}".encode("utf-8", "backslashreplace")).hexdigest()


def stat_key(st: os.stat_result) -> str:
    """What must stay equal for a file's recorded bytes to hold without reading it: size, device,
    inode, modification and change times (the change time cannot be set by a user)."""
    # (``stat_fields`` joined, written out: asked once a feedback page, 14,400 times a run at a city's size)
    return f"{st.st_size}:{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def lasting_stat(path: str, size: int | None, now: int) -> str | None:
    """The stat key of ``path``, a regular file (of ``size`` bytes, when given) the run just put in place holding the
    bytes it wrote, when no later change can leave that key equal, else None: its bytes were written
    ``RACY_NS`` before it was moved in (a later write changes the modification time, which then differs),
    or it was last changed ``RACY_NS`` before ``now``."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) and size in (None, info.st_size) and (
            info.st_mtime_ns <= info.st_ctime_ns - RACY_NS or settled(info, now)):
        return stat_key(info)
    return None


class Files(Mapping[str, bytes]):
    """A folder's files by name: the bytes built this run, and the files kept in place in ``folder``,
    read from it only when asked for (the stage never asks for a file already in place)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._files: dict[str, bytes | None] = {}  # None: in place in ``folder``

    def __setitem__(self, rel: str, data: bytes | None) -> None:
        """Add ``rel`` with its bytes, or None for a file ``Reuse.get`` found in place."""
        if data is None and self.folder is None:
            raise ValueError(f"{rel}: no folder to read it from")
        self._files[rel] = data

    def __getitem__(self, rel: str) -> bytes:
        data = self._files[rel]
        if data is None:
            data = regular_bytes(f"{self.folder}/{rel}")
            if data is None:  # no longer a regular file since it was found in place
                raise FileNotFoundError(2, "not a regular file", f"{self.folder}/{rel}")
        return data

    def __contains__(self, rel: object) -> bool:
        return rel in self._files  # Mapping's would read the file

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


class Reuse:
    """The files one output folder held after the last run, and the digests of their inputs."""

    def __init__(self, output: Path, folder: str) -> None:
        self.folder = output / folder
        self.root = str(self.folder)  # (as text: joined with each file's name)
        self.record = output / "store" / f"{folder}-inputs.json"
        try:
            old = jsonbytes.loads(self.record.read_bytes())
        except (OSError, ValueError):
            old = {}
        self.old: dict[str, str] = old if isinstance(old, dict) else {}
        self.new: dict[str, str] = {}
        self.in_place: set[str] = set()  # the files found in the folder holding their bytes, untouched since
        self.sizes: dict[str, int] = {}  # the size of each file built this run
        # Groups whose key waits for files this run writes, by name (``feedback_keys.Pending``; recorded by its caller).
        self.pending: dict[str, Any] = {}
        # SHA-256 of other files a file's inputs name (the store's reports), by stat; kept with the record.
        self.digests = DigestCache(output / "store" / f"{folder}-digests.json")

    def get(self, rel: str, key: str, build: Callable[[], bytes]) -> bytes | None:
        """``build()`` for the file ``rel`` whose inputs' digest is ``key``, or None when the file in place
        holds the bytes last built from ``key`` (``Files`` reads them if they are asked for)."""
        kept = self._kept(rel, key)
        if kept is not None:
            self.in_place.add(rel)
            self.new[rel] = f"{key} {kept}"
            return None
        data = build()
        self.new[rel] = f"{key} {hashlib.sha256(data).hexdigest()}"
        self.sizes[rel] = len(data)
        return data

    def same_group(self, name: str, key: str | None) -> bool:
        """Record ``key``, the digest of the inputs of every file of the group ``name`` (None: not known), and
        say whether the last run recorded the same one with its files' records (``keep``)."""
        if key is None:
            return False
        entry = f"{GROUP}{name}"
        self.new[entry] = key
        return self.old.get(entry) == key

    def keep(self, rel: str) -> bool:
        """Keep the file ``rel`` as the last run recorded it, its group's inputs being unchanged (``same_group``),
        when the file in place holds the bytes recorded (its stat as kept, or read back); else False."""
        key = self.old.get(rel, "").partition(" ")[0]
        kept = self._kept(rel, key) if key else None
        if kept is None:
            return False
        self.in_place.add(rel)
        self.new[rel] = f"{key} {kept}"
        return True

    def _kept(self, rel: str, key: str) -> str | None:
        """The record of ``rel`` to keep (its digest, and its stat when known) when the file in place holds the
        bytes built from ``key`` and is untouched, else None."""
        inputs, _, rest = self.old.get(rel, "").partition(" ")
        digest, _, known = rest.partition(" ")
        if inputs != key or not digest:
            return None
        path = f"{self.root}/{rel}"
        try:
            before = os.lstat(path)
            if known and stat.S_ISREG(before.st_mode) and stat_key(before) == known:
                return rest  # unchanged since it was found holding them: not read again
            started = time.time_ns()
            # A link or a special file is never read back (nor taken as in place).
            data = regular_bytes(path)
            after = os.lstat(path)
        except OSError:
            return None  # gone or unreadable: built again
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            return None
        # Its stat is kept only when it did not change while read and last changed long enough before.
        seen = stat_key(after)
        if seen == stat_key(before) and settled(after, started):
            return f"{digest} {seen}"
        return digest

    def save(self) -> bytes | None:
        """Keep this run's digests (call once the folder built from them is in place); gives the record's bytes
        when it wrote them."""
        self._stat_built()
        written = None
        if self.old != self.new or not self.record.is_file():  # (laid out only then: a city's feedback is 14,400)
            # Not flushed: a record a power loss left short is not JSON (every file built again), an older one
            # names digests or stats the files in place do not have (those built again).
            written = self.record_bytes()
            write_blocks(self.record, (written,), sync=False)
        self.digests.save()
        return written

    def record_bytes(self) -> bytes:
        """The record's bytes as ``save`` writes them."""
        return jsonbytes.dumps(self.new, sort_keys=True)

    def _stat_built(self) -> None:
        """Keep the stat of each file built this run, now in place holding its bytes (``lasting_stat``); any
        other is read once next run."""
        now = time.time_ns()
        for rel, size in self.sizes.items():
            known = lasting_stat(f"{self.folder}/{rel}", size, now)
            if known is not None:
                self.new[rel] = f"{self.new[rel]} {known}"
