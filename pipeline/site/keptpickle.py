"""A kept file of plain values: a magic line, the payload's SHA-256 and a pickle that names no class.

The site's caches (eventcache.py, search.py) keep dicts of strings, bytes, ints and tuples this
way. The file is checked whole: anything else (absent, damaged, another layout) reads as
nothing kept. No class may be unpickled, so a kept file cannot make the build run anything.

A site child reads the kept files ahead while the data stage still works (``read_ahead``, readahead.py): the build
then takes each value at once, while its file's stat is the one read with it (only the site stage writes them).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path
from typing import Any

from pipeline.core.treehash import path_fields

# Values read ahead by path: the file's stat when read, the magic read under, the value (``read_ahead``).
_AHEAD: dict[Path, tuple[list[int], bytes, object | None]] = {}


def plain_bytes(magic: bytes, value: object) -> bytes:
    """The kept file's bytes for ``value``: magic, the payload's SHA-256, then the payload."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return b"".join((magic, hashlib.sha256(payload).hexdigest().encode(), b"\n", payload))


def save_plain(path: Path, magic: bytes, value: object) -> None:
    """Keep ``value`` in ``path`` (``plain_bytes``' layout), whole or not at all: through a temporary
    file renamed over the old one, the payload pickled straight into it and its SHA-256 written
    after it in the header's place, so no copy of the payload (40 MB a language of a large city's
    search entries) is held in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(magic + b"0" * 64 + b"\n")
            digest = _Hashing(out)
            pickle.dump(value, digest, protocol=pickle.HIGHEST_PROTOCOL)
            out.seek(len(magic))
            out.write(digest.sha.hexdigest().encode())
        tmp.rename(path)  # on POSIX a rename replaces the old copy in one step
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _Hashing:
    """A file's ``write`` that also hashes what it writes."""

    def __init__(self, out: Any) -> None:
        self.out, self.sha = out, hashlib.sha256()

    def write(self, data: bytes) -> int:
        """Hash ``data`` and write it."""
        self.sha.update(data)
        return int(self.out.write(data))


def read_ahead(path: Path, magic: bytes) -> None:
    """Read the value kept in ``path`` now, for ``load_plain`` to take once while the file's stat is as it was."""
    before = path_fields(path)
    if before is None:
        return
    value = _load(path, magic)
    if path_fields(path) == before:  # not changed while it was read
        _AHEAD[path] = (before, magic, value)


def forget(paths: list[Path]) -> None:
    """Drop what was read ahead of ``paths`` (another process's to take)."""
    for path in paths:
        _AHEAD.pop(path, None)


def leftover() -> list[object | None]:
    """The values read ahead that no build took, forgotten here (the caller frees them when it likes)."""
    values = [value for _, _, value in _AHEAD.values()]
    _AHEAD.clear()
    return values


def load_plain(path: Path, magic: bytes) -> object | None:
    """The value kept in ``path`` under ``magic``, or None when it is absent, damaged or of another layout
    (as read ahead, when its file's stat is still the one it was read with)."""
    found = _AHEAD.pop(path, None)
    if found is not None and found[1] == magic and path_fields(path) == found[0]:
        return found[2]
    return _load(path, magic)


def _load(path: Path, magic: bytes) -> object | None:
    """``load_plain`` from the file itself."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(magic)
    digest = hashlib.sha256(memoryview(data)[head + 65:]).hexdigest().encode() + b"\n"
    if data[:head] != magic or data[head:head + 65] != digest:
        return None
    stream = io.BytesIO(data)  # shares the bytes read, no copy
    stream.seek(head + 65)
    try:
        value: object = _Unpickler(stream).load()
    except Exception:  # noqa: BLE001 - a damaged copy of any shape only means making the values again
        return None
    return value


class _Unpickler(pickle.Unpickler):
    """Unpickles plain values only (dicts, tuples, str, bytes and int need no class)."""

    def find_class(self, module: str, name: str) -> Any:
        """No class at all."""
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a kept file")
