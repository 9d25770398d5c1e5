"""A kept copy of each published table's typed rows, so that a table whose CSV did not change
is read back at pickle speed instead of being parsed and cast again.

A copy is used only under its key: the SHA-256 of the CSV's bytes, the table's schema, and
the code that reads and keeps rows with Python's version. Anything else (another key, a digest that does not
match the bytes kept, a file that does not unpickle into rows) sends the reader back to the
CSV, and the copy is written again. Only date and time classes may be unpickled: a kept file
cannot make the build run anything.

A table whose CSV changed is mostly the rows it had (a new month adds a few thousand of the
indicators table's 400,000). The CSV the kept rows were read from is still at hand: the live
site's copy of the published file (``previous``), swapped in by the build that kept them. A
changed CSV's lines that are lines of that one take their rows from the kept ones; only the
other lines are cast. That copy vouches for itself: its SHA-256 must give the key the kept rows
were written under (after a build that failed before its swap, it does not, and the CSV is read
whole). Only a CSV without quotes or carriage returns is read so (one line is then one row, as
the csv module reads it); any other is read whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle
import stat
import sys
import typing
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.core.errors import SiteError
from pipeline.site import casting
from pipeline.site.casting import Row, read_lines, read_table, row_values, rows_of

FOLDER = "site-cache"  # under <output>: nothing else reads it, deleting it only costs one slower build
MAGIC = b"mpp-site-rows 1\n"
_ALLOWED = {("datetime", c.__name__): c for c in (date, datetime, time, timedelta, timezone)}


def cached_rows(csv_path: Path, csv_sha256: str, schema: dict[str, Any], cache_dir: Path,
                previous: Path | None = None) -> list[Row]:
    """The typed rows of one published CSV whose SHA-256 is ``csv_sha256`` (kept, patched or read;
    ``previous``: where the CSV of the kept rows may still be, see the module's docstring)."""
    key = cache_key(csv_sha256, schema)
    kept = cache_dir / f"{csv_path.stem}.rows"
    rows = load(kept, key)
    if rows is not None:
        return rows
    rows = _patched(csv_path, csv_sha256, kept, schema, previous) if previous is not None else None
    if rows is None:
        rows = read_table(csv_path, schema)
    # A copy that cannot be kept (a read-only or full disk) only makes the next build read the CSV.
    with contextlib.suppress(OSError):
        write_whole(kept, dump(key, rows))
    return rows


def _regular_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file (not through a link), or None."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        return path.read_bytes()
    except OSError:
        return None


def _by_lines(data: bytes) -> bool:
    """True when each line of the CSV is one row as the csv module reads it: no quoted cell (which
    may hold a line break) and no carriage return (which the module also takes for one)."""
    return b'"' not in data and b"\r" not in data


def _patched(path: Path, sha256: str, kept: Path, schema: dict[str, Any], previous: Path) -> list[Row] | None:
    """The rows of the CSV ``path``: each line's kept row when the line is a line of ``previous``
    (the CSV of the kept rows), the other lines cast (``read_lines``); None when there is no
    usable pair, the CSV is not the one of ``sha256`` (changed since) or a line fails (the caller
    reads the whole file, which names the failure as it always did)."""
    data, old = _regular_bytes(path), _regular_bytes(previous)
    if data is None or old is None or not (_by_lines(data) and _by_lines(old)):
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    found = load_values(kept, cache_key(hashlib.sha256(old).hexdigest(), schema))
    if found is None:
        return None
    names, values = found
    head, *lines = data.split(b"\n")
    old_head, *old_lines = old.split(b"\n")
    # Blank lines are no rows (the csv module skips them); the kept rows are the kept CSV's other lines.
    old_body = list(filter(None, old_lines))
    if head != old_head or len(old_body) != len(values):
        return None
    body = list(filter(None, lines))
    got: list[tuple[Any, ...] | None] = list(map(dict(zip(old_body, values, strict=True)).get, body))
    new = [i for i, v in enumerate(got) if v is None]
    try:
        fields, cast = read_lines(path, [head.decode(), *(body[i].decode() for i in new)], schema)
    except (ValueError, SiteError):  # a cell that is not of its type, or text that is not UTF-8
        return None
    if (names and fields != names) or len(cast) != len(new):
        return None
    for i, v in zip(new, cast, strict=True):
        got[i] = v
    return rows_of(fields, typing.cast(list[tuple[Any, ...]], got))  # every line's row is in now


def cache_key(csv_sha256: str, schema: dict[str, Any]) -> str:
    """The key a table's kept rows are valid under (hex)."""
    h = hashlib.sha256(MAGIC)
    h.update(_code())
    h.update(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode())
    h.update(b"\0" + csv_sha256.encode())
    return h.hexdigest()


def dump(key: str, rows: list[Row]) -> bytes:
    """The kept file's bytes: magic, key, the payload's SHA-256, then the payload."""
    payload = pickle.dumps(row_values(rows), protocol=pickle.HIGHEST_PROTOCOL)
    return b"".join((MAGIC, key.encode(), b"\n", hashlib.sha256(payload).hexdigest().encode(), b"\n", payload))


def load(path: Path, key: str) -> list[Row] | None:
    """The rows kept in ``path`` under ``key``, or None when absent, stale or damaged."""
    found = load_values(path, key)
    return None if found is None else rows_of(*found)


def load_values(path: Path, key: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]] | None:
    """The field names and value tuples kept in ``path`` under ``key``, or None when absent, stale or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC)
    if data[:head] != MAGIC or data[head : head + 65] != key.encode() + b"\n":
        return None
    if data[head + 65 : head + 130] != hashlib.sha256(memoryview(data)[head + 130 :]).hexdigest().encode() + b"\n":
        return None
    stream = io.BytesIO(data)  # shares the bytes read, no copy
    stream.seek(head + 130)
    try:
        names, values = _Unpickler(stream).load()
    except Exception:  # noqa: BLE001 - a damaged copy of any shape only means reading the CSV
        return None
    if not (
        isinstance(names, tuple)
        and all(isinstance(n, str) for n in names)
        and isinstance(values, list)
        and set(map(type, values)) <= {tuple}
        and set(map(len, values)) <= {len(names)}
    ):
        return None
    return names, values


def write_whole(path: Path, data: bytes) -> None:
    """Write a kept copy whole or not at all, through a temporary file renamed over the old one.

    Not through core.atomic: the copy is no part of the site, and the site's swap is counted
    and interrupted by its own tests through the moves that module makes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.rename(path)  # on POSIX a rename replaces the old copy in one step
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _Unpickler(pickle.Unpickler):
    """Unpickles plain values and dates, times and date-times, and refuses every other class."""

    def find_class(self, module: str, name: str) -> Any:
        """Only the classes of ``_ALLOWED``."""
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in kept rows") from None


@cache
def _code() -> bytes:
    """The SHA-256 of the code that casts and keeps rows, and of Python's version (whose date and
    number parsing and pickle format it relies on): a change of either makes every copy stale."""
    h = hashlib.sha256(sys.version.encode() + b"\0")
    h.update(Path(casting.__file__).read_bytes() + Path(__file__).read_bytes())
    return h.digest()
