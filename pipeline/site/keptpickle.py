"""Reading a kept file of plain values: a magic line, the payload's SHA-256 and a pickle that names no class.

The site's caches (eventcache.py, search.py) keep dicts of strings, bytes, ints and tuples this
way. The file is checked whole: anything else (absent, damaged, another layout) reads as
nothing kept. No class may be unpickled, so a kept file cannot make the build run anything.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path
from typing import Any


def load_plain(path: Path, magic: bytes) -> object | None:
    """The value kept in ``path`` under ``magic``, or None when it is absent, damaged or of another layout."""
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
