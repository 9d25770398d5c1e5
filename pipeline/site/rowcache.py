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
the csv module reads it); any other is read whole. Both CSVs are read a piece at a time and
matched a block of lines at a time against a window of the previous one's lines near the same
place: neither file is held whole in memory.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import pickle
import sys
import typing
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from itertools import chain, compress, islice, repeat
from operator import is_
from pathlib import Path
from typing import Any

from pipeline.core.atomic import open_regular
from pipeline.core.errors import SiteError
from pipeline.site import casting
from pipeline.site.casting import Row, read_lines, read_table, row_values, rows_of

FOLDER = "site-cache"  # under <output>: nothing else reads it, deleting it only costs one slower build
MAGIC = b"mpp-site-rows 1\n"
_ALLOWED = {("datetime", c.__name__): c for c in (date, datetime, time, timedelta, timezone)}


def cached_rows(csv_path: Path, csv_sha256: str, schema: dict[str, Any], cache_dir: Path,
                previous: Path | None = None, later: list[Callable[[], None]] | None = None) -> list[Row]:
    """The typed rows of one published CSV whose SHA-256 is ``csv_sha256`` (kept, patched or read;
    ``previous``: where the CSV of the kept rows may still be, see the module's docstring).

    Rows read or patched are kept for the next build now, or by the action appended to ``later``
    when given (the build runs it once its own process has nothing else to do: pickling the
    bench city's changed tables took 0.4 s).
    """
    key = cache_key(csv_sha256, schema)
    kept = cache_dir / f"{csv_path.stem}.rows"
    rows = load(kept, key)
    if rows is not None:
        return rows
    rows = _patched(csv_path, csv_sha256, kept, schema, previous) if previous is not None else None
    if rows is None:
        rows = read_table(csv_path, schema)
    if later is None:
        keep(kept, key, rows)
    else:
        later.append(functools.partial(keep, kept, key, rows))
    return rows


def keep(kept: Path, key: str, rows: list[Row]) -> None:
    """Keep ``rows`` in the file ``kept`` under ``key``; a copy that cannot be kept (a read-only or
    full disk) only makes the next build read the CSV."""
    with contextlib.suppress(OSError):
        write_whole(kept, dump(key, rows))


# Lines of the CSV of the kept rows held ahead of the changed CSV's place, to find a line moved by
# rows inserted or deleted before it (a new month adds a few thousand); the window holds no more
# than ``_HELD`` lines (a line further away is only cast again).
_AHEAD = 1 << 15
_HELD = 1 << 17
_PIECE = 1 << 20  # bytes read at a time
_BLOCK = 4096  # lines matched at a time


class _Lines:
    """A CSV's lines (without their line feed), read a piece at a time and hashed as read; ``plain``
    is False, and the lines end, at the first quote or carriage return (one line is not one row)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sha = hashlib.sha256()
        self.plain = True
        self.whole = False  # read to its end

    def __iter__(self) -> Iterator[list[bytes]]:
        """The lines of each piece read (a line cut at the piece's end comes with the next)."""
        opened = open_regular(self.path)  # never through a link, never a special file
        if opened is None:
            self.plain = False
            return
        with os.fdopen(opened[0], "rb") as fh:
            rest = b""
            while piece := fh.read(_PIECE):
                self.sha.update(piece)
                if b'"' in piece or b"\r" in piece:
                    self.plain = False
                    return
                lines = (rest + piece).split(b"\n")
                rest = lines.pop()
                yield lines
            self.whole = True
            yield [rest]


def _patched(path: Path, sha256: str, kept: Path, schema: dict[str, Any], previous: Path) -> list[Row] | None:
    """The rows of the CSV ``path``: each line's kept row when the line is a line of ``previous``
    (the CSV of the kept rows) near the same place, the other lines cast (``read_lines``); None
    when there is no usable pair, the CSV is not the one of ``sha256`` (changed since) or a line
    fails (the caller reads the whole file, which names the failure as it always did).

    Both files are read a piece at a time, never whole. The previous CSV is read first for its
    digest alone: kept rows of other code or another schema are not even unpickled.
    """
    first = _Lines(previous)
    try:
        deque(first, maxlen=0)
    except OSError:
        return None
    if not (first.plain and first.whole):
        return None
    kept_key = cache_key(first.sha.hexdigest(), schema)
    found = load_values(kept, kept_key)
    if found is None:
        return None
    names, values = found
    new, old = _Lines(path), _Lines(previous)
    try:
        rows, missing = _matched(iter(new), iter(old), values)
    except (OSError, ValueError):  # unreadable, or not one line for each kept row (zip's strict)
        return None
    # Read again, the previous CSV must still be the one of the kept rows (and the new one that of its digest).
    if (rows is None or not (new.plain and old.plain and new.whole and old.whole)
            or new.sha.hexdigest() != sha256 or cache_key(old.sha.hexdigest(), schema) != kept_key):
        return None
    head, lines = missing[0], missing[1:]
    try:
        fields, cast = read_lines(path, [head.decode(), *(line.decode() for _, line in lines)], schema)
    except (ValueError, SiteError):  # a cell that is not of its type, or text that is not UTF-8
        return None
    if (names and fields != names) or len(cast) != len(lines):
        return None
    for (i, _), v in zip(lines, cast, strict=True):
        rows[i] = v
    return rows_of(fields, typing.cast(list[tuple[Any, ...]], rows))  # every line's row is in now


def _matched(new: Iterator[list[bytes]], old: Iterator[list[bytes]], values: list[tuple[Any, ...]]
             ) -> tuple[list[tuple[Any, ...] | None] | None, list[Any]]:
    """Each line of ``new`` with the kept row of an equal line of ``old`` (None where there is none
    within reach), and the lines to cast: the header, then (position, line) of each other one.
    Blank lines are no rows (the csv module skips them), and the kept rows are ``old``'s other
    lines, one each (a ValueError when not). (None, ...) when the headers differ."""
    new_lines, old_lines = chain.from_iterable(new), chain.from_iterable(old)
    head, old_head = next(new_lines, b""), next(old_lines, b"")
    if head != old_head:
        return None, []
    pairs = zip(filter(None, old_lines), values, strict=True)
    window: dict[bytes, tuple[Any, ...]] = {}
    rows: list[tuple[Any, ...] | None] = []
    missing: list[Any] = [head]
    taken = 0  # old lines put in the window
    body = filter(None, new_lines)
    while block := list(islice(body, _BLOCK)):
        ahead = len(rows) + len(block) + _AHEAD - taken
        if ahead > 0:
            more = list(islice(pairs, ahead))
            window.update(more)
            taken += len(more)
        start = len(rows)
        found = list(map(window.pop, block, repeat(None)))  # an equal line further down is cast
        rows.extend(found)
        missing.extend(compress(enumerate(block, start), map(is_, found, repeat(None))))
        if len(window) > _HELD:
            for line in list(islice(window, len(window) - _HELD)):
                del window[line]
    deque(pairs, maxlen=0)  # to the end of both: one line for each kept row, the digest of all
    return rows, missing


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
