"""A kept copy of each published table's typed rows, so that a table whose CSV did not change
is read back at pickle speed instead of being parsed and cast again.

A copy is used only under its key: the SHA-256 of the CSV's bytes, the table's schema, and
the code that reads and keeps rows with Python's version. Anything else (another key, a digest that does not
match the bytes kept, a file that does not unpickle into rows) sends the reader back to the
CSV, and the copy is written again. Only date and time classes may be unpickled: a kept file
cannot make the build run anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle
import sys
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.site import casting
from pipeline.site.casting import Row, read_table, row_values, rows_of

FOLDER = "site-cache"  # under <output>: nothing else reads it, deleting it only costs one slower build
MAGIC = b"mpp-site-rows 1\n"
_ALLOWED = {("datetime", c.__name__): c for c in (date, datetime, time, timedelta, timezone)}


def cached_rows(csv_path: Path, csv_sha256: str, schema: dict[str, Any], cache_dir: Path) -> list[Row]:
    """The typed rows of one published CSV whose SHA-256 is ``csv_sha256`` (kept or read)."""
    key = cache_key(csv_sha256, schema)
    kept = cache_dir / f"{csv_path.stem}.rows"
    rows = load(kept, key)
    if rows is None:
        rows = read_table(csv_path, schema)
        # A copy that cannot be kept (a read-only or full disk) only makes the next build read the CSV.
        with contextlib.suppress(OSError):
            write_whole(kept, dump(key, rows))
    return rows


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
    return rows_of(names, values)


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
