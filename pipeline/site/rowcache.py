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
walked side by side a block of lines at a time (a line not the next of the previous one is looked for a
little further in it): neither file is held whole in memory.

Before that, the data stage's map of the new CSV is tried (``publish/row_maps.py``, ``_mapped``): it says which runs
of rows it copied from the CSV published last and where the new rows' bytes are, so that only those are read and
cast, quoted cells or not.
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
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from itertools import chain, islice
from operator import eq
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.core.atomic import open_regular
from pipeline.core.errors import SiteError
from pipeline.core.treehash import stat_fields
from pipeline.publish.row_maps import RowMap
from pipeline.site import casting
from pipeline.site.casting import Drop, Row, read_lines, read_table, row_values, rows_of

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

# Given the ``fstat`` of a CSV opened for reading, the SHA-256 its bytes are known to have under that stat (the
# build's check, or an earlier reading in this run), or None: read, they are then hashed.
Vouch = Callable[[os.stat_result], str | None]

FOLDER = "site-cache"  # under <output>: nothing else reads it, deleting it only costs one slower build
MAGIC = b"mpp-site-rows 1\n"
_ALLOWED = {("datetime", c.__name__): c for c in (date, datetime, time, timedelta, timezone)}
Kept = tuple[str, tuple[str, ...], list[Row | None]]  # a kept file's key, field names and rows (None: left out)
# Where a table's rows came from (``cached_rows``' ``origin``): the key of its rows (kept for the next build), and
# the key and rows of the kept copy they were taken or patched from (None: read whole). A row taken from that copy
# is the very object in it.
Origin = tuple[str, str | None, list[Row | None]]


def cached_rows(csv_path: Path, csv_sha256: str, schema: dict[str, Any], cache_dir: Path,
                previous: Path | None = None, later: list[Callable[[], None]] | None = None,
                ahead: ReadAhead | None = None, vouch: Vouch | None = None,
                drop: Drop | None = None, origin: list[Origin] | None = None,
                mapped: RowMap | None = None) -> list[Row | None]:
    """The typed rows of one published CSV whose SHA-256 is ``csv_sha256`` (kept, patched or read;
    ``previous``: where the CSV of the kept rows may still be, see the module's docstring; ``ahead``: that
    CSV's ``first_pass`` as read while the data stage worked, readahead.py; ``vouch``: the digest the build's
    check knows the CSV's bytes by under a stat, so that patching it does not hash it again; ``drop``: the rows
    left out, None in their place, neither read nor kept: ``casting.Drop``; ``origin``: where the rows came from is
    appended to it, ``Origin``; ``mapped``: where the data stage that wrote the CSV took each row from,
    ``publish/row_maps.py``: used before ``previous`` when its kept rows are at hand).

    Rows read or patched are kept for the next build now, or by the action appended to ``later``
    when given (the build runs it once its own process has nothing else to do: pickling the
    bench city's changed tables took 0.4 s).
    """
    key = cache_key(csv_sha256, schema, drop)
    kept = cache_dir / f"{csv_path.stem}.rows"
    # The kept file as read ahead (``read_kept``, whatever its key, its rows made), while it is as it was then:
    # one read serves both the key of this CSV (unchanged) and that of the previous one (``_patched``).
    held = ahead.take((kept,)) if ahead is not None else None
    found = _kept_rows(kept, key, held)
    if found is not None:
        if origin is not None:
            origin.append((key, key, found[1]))
        return found[1]
    base: list[Origin] = []
    rows = _mapped(csv_path, csv_sha256, kept, schema, mapped, held, vouch, drop, base) if mapped else None
    if rows is None and previous is not None:
        first = ahead.take((previous,)) if ahead is not None else None
        rows = _patched(csv_path, csv_sha256, kept, schema, previous, first, held, vouch, drop, base)
    if rows is None:
        rows = read_table(csv_path, schema, drop)
        base = []
    if origin is not None:
        origin.append((key, *base[0][1:]) if base else (key, None, []))
    if later is None:
        keep(kept, key, rows)
    else:
        later.append(functools.partial(keep, kept, key, rows))
    return rows


def keep(kept: Path, key: str, rows: list[Row | None]) -> None:
    """Keep ``rows`` in the file ``kept`` under ``key``; a copy that cannot be kept (a read-only or
    full disk) only makes the next build read the CSV."""
    with contextlib.suppress(OSError):
        write_whole(kept, dump(key, rows))


# Lines of the CSV of the kept rows looked through past the next one for a line that is not the next
# one (a few rows deleted before it); a line further away is only cast again. After this many lines
# in a row found in neither place the two CSVs no longer run alike: the new one is read whole.
_NEAR = 64
_LOST = 1 << 12
# Every this many lines in a row found nowhere near, a line is looked for up to ``_FAR`` lines further
# (many rows deleted at once, an agency's say): found, the two run alike again from there.
_AGAIN = 8
_FAR = 1 << 15
_RUN = 512  # lines compared at a time while the two CSVs run alike
_PIECE = 1 << 20  # bytes read at a time
_BLOCK = 4096  # lines matched at a time


class _Lines:
    """A CSV's lines (without their line feed), read a piece at a time and hashed as read; ``plain``
    is False, and the lines end, at the first quote or carriage return (one line is not one row).

    With ``vouch``, a file whose stat when opened gives its digest is not hashed (a new month's CSVs are 50 MB
    at a city's size, hashed twice): its stat must then be the same once read to its end, else it has no digest.
    """

    def __init__(self, path: Path, vouch: Vouch | None = None) -> None:
        self.path = path
        self.sha = hashlib.sha256()
        self.plain = True
        self.whole = False  # read to its end
        self._vouch = vouch
        self._known: str | None = None  # the digest vouched for (None: the bytes are hashed as read)
        self.stat: list[int] | None = None  # the file's stat key, when it was the same before and after reading

    def hexdigest(self) -> str | None:
        """The SHA-256 (hex) of the bytes read (once read whole): vouched for, or hashed; None when a file
        vouched for changed while read."""
        if self._known is not None:
            return self._known if self.stat is not None else None
        return self.sha.hexdigest()

    def __iter__(self) -> Iterator[list[bytes]]:
        """The lines of each piece read (a line cut at the piece's end comes with the next)."""
        opened = open_regular(self.path)  # never through a link, never a special file
        if opened is None:
            self.plain = False
            return
        key = stat_fields(opened[1])
        self._known = self._vouch(opened[1]) if self._vouch is not None else None
        hashing = self._known is None
        with os.fdopen(opened[0], "rb") as fh:
            rest = b""
            while piece := fh.read(_PIECE):
                if hashing:
                    self.sha.update(piece)
                if b'"' in piece or b"\r" in piece:
                    self.plain = False
                    return
                lines = (rest + piece).split(b"\n")
                rest = lines.pop()
                yield lines
            self.whole = True
            self.stat = key if stat_fields(os.fstat(fh.fileno())) == key else None
            yield [rest]


def _patched(path: Path, sha256: str, kept: Path, schema: dict[str, Any], previous: Path,
             ahead: tuple[First | None] | None = None, held: tuple[Kept | None] | None = None,
             vouch: Vouch | None = None, drop: Drop | None = None, origin: list[Origin] | None = None
             ) -> list[Row | None] | None:
    """The rows of the CSV ``path``: each line's kept row when the line is a line of ``previous``
    (the CSV of the kept rows) near the same place, the other lines cast (``read_lines``); None
    when there is no usable pair, the CSV is not the one of ``sha256`` (changed since) or a line
    fails (the caller reads the whole file, which names the failure as it always did).

    Both files are read a piece at a time, never whole. The previous CSV is read first for its
    digest alone (``first_pass``; ``ahead``: that pass as taken ahead, ``(None,)`` when unusable): kept
    rows of other code or another schema are not even unpickled (``held``: the kept file as read ahead).
    Read again here, it is not hashed again while its stat is the one of that pass, nor the new CSV while
    ``vouch`` gives its digest by its stat (as the build's check takes a digest, ``treehash.DigestCache``).
    """
    first = ahead[0] if ahead is not None else first_pass(previous)
    if first is None:
        return None
    previous_sha256, previous_stat = first
    kept_key = cache_key(previous_sha256, schema, drop)
    found = _kept_rows(kept, kept_key, held)
    if found is None:
        return None
    names, base = found

    def same_previous(st: os.stat_result) -> str | None:
        return previous_sha256 if stat_fields(st) == previous_stat else None

    new, old = _Lines(path, vouch), _Lines(previous, same_previous)
    try:
        rows, missing = _matched(iter(new), iter(old), base)
    except (OSError, ValueError):  # unreadable, or not one line for each kept row (zip's strict)
        return None
    # Read again, the previous CSV must still be the one of the kept rows (and the new one that of its digest).
    if (rows is None or not (new.plain and old.plain and new.whole and old.whole)
            or new.hexdigest() != sha256 or old.hexdigest() != previous_sha256):
        return None
    head, lines = missing[0], missing[1:]
    try:
        fields, cast = read_lines(path, [head.decode(), *(line.decode() for _, line in lines)], schema, drop)
    except (ValueError, SiteError):  # a cell that is not of its type, or text that is not UTF-8
        return None
    if (names and fields != names) or len(cast) != len(lines):
        return None
    # The kept rows are taken as they are (read-only), the lines cast made rows of the same fields.
    index = _row_index(base, fields)
    for (i, _), v in zip(lines, cast, strict=True):
        rows[i] = None if v is None else Row(index, v)
    if origin is not None:
        origin.append((sha256, kept_key, base))
    return rows  # every line's row is in now (None: left out)


def _mapped(path: Path, sha256: str, kept: Path, schema: dict[str, Any], mapped: RowMap,
            held: tuple[Kept | None] | None = None, vouch: Vouch | None = None, drop: Drop | None = None,
            origin: list[Origin] | None = None) -> list[Row | None] | None:
    """The rows of the CSV ``path`` as the data stage's map of it says (``mapped``, ``publish/row_maps.py``): each
    kept run the kept rows of the CSV it names, each other run its own bytes read and cast; None when the map is
    not of this CSV (``sha256``) or of kept rows at hand (``held``: the kept file as read ahead), does not fit them,
    or the bytes read are not the CSV of ``sha256`` or not the rows it says (the caller then matches the lines).

    Only the new runs' bytes are read (a new month's are tens of KB of the indicators' 39 MB). The file is the one
    of the map while its stat gives ``sha256`` (``vouch``, as the build's check took it), else it is hashed whole.
    """
    if mapped.get("to") != sha256:
        return None
    kept_key = cache_key(mapped["from"], schema, drop)
    found = _kept_rows(kept, kept_key, held)
    if found is None:
        return None
    names, base = found
    runs, head = mapped["runs"], mapped["head"]
    if len(base) != mapped["rows"] or head <= 0 or not runs:
        return None
    at = head  # each run must start where the last ended, a kept one within the kept rows
    for count, old, start, end in runs:
        if count <= 0 or start != at or end < start or (old >= 0 and old + count > len(base)) or old < -1:
            return None
        at = end
    opened = open_regular(path)  # never through a link, never a special file
    if opened is None:
        return None
    fd, st = opened
    try:
        if st.st_size != at:
            return None
        if (vouch(st) if vouch is not None else None) != sha256 and _file_sha(fd) != sha256:
            return None
        pieces = [os.pread(fd, head, 0)]
        pieces += [os.pread(fd, end - start, start) for count, old, start, end in runs if old < 0]
        if stat_fields(os.fstat(fd)) != stat_fields(st) or sum(map(len, pieces)) != head + sum(
                end - start for _, old, start, end in runs if old < 0):
            return None
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        fields, cast = read_lines(path, io.StringIO(b"".join(pieces).decode("utf-8"), newline=""), schema, drop)
    except (ValueError, SiteError):  # (UnicodeDecodeError is a ValueError)
        return None
    if (names and fields != names) or len(cast) != sum(count for count, old, _, _ in runs if old < 0):
        return None
    # The kept rows taken as they are (read-only), the rows cast made rows of the same fields.
    index = _row_index(base, fields)
    rows: list[Row | None] = []
    made = iter(cast)
    for count, old, _, _ in runs:
        if old >= 0:
            rows.extend(base[old:old + count])
        else:
            rows.extend(None if v is None else Row(index, v) for v in islice(made, count))
    if origin is not None:
        origin.append((sha256, kept_key, base))
    return rows


def _row_index(base: list[Row | None], fields: tuple[str, ...]) -> dict[str, int]:
    """The field index the kept rows ``base`` share, for the rows cast beside them (made of ``fields``: none kept)."""
    return next((r._index for r in base if r is not None), None) or {name: at for at, name in enumerate(fields)}


def _file_sha(fd: int) -> str:
    """The SHA-256 (hex) of the file open as ``fd`` (read from its start: it was just opened), left open."""
    with os.fdopen(fd, "rb", closefd=False) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# The SHA-256 (hex) of the CSV of kept rows and its stat key as it was read (``first_pass``).
First = tuple[str, list[int]]


def first_pass(previous: Path) -> First | None:
    """The SHA-256 (hex) of the CSV of kept rows ``previous`` and the stat key it had while read; None when it
    cannot be read, holds a quote or carriage return (its lines are then not its rows, and no row is taken from
    it) or changed while read."""
    first = _Lines(previous)
    try:
        deque(first, maxlen=0)
    except OSError:
        return None
    if not (first.plain and first.whole) or first.stat is None:
        return None
    return first.sha.hexdigest(), first.stat


def _matched(new: Iterator[list[bytes]], old: Iterator[list[bytes]], values: list[Row | None]
             ) -> tuple[list[Row | None] | None, list[Any]]:
    """Each line of ``new`` with the kept row (``values``) of the equal line of ``old`` where the two run alike (None
    where a line is not the next of ``old`` nor one of the ``_NEAR`` after it), and the lines to cast:
    the header, then (position, line) of each other one. Blank lines are no rows (the csv module skips
    them), and the kept rows are ``old``'s other lines, one each (a ValueError when not). (None, ...)
    when the headers differ or the CSVs stop running alike (``_LOST``).

    The files are walked side by side: a line equal to the next of ``old`` takes its row, compared
    ``_RUN`` lines at a time (a new month changes a few hundred of the indicators' 414,000 lines); a line
    that is not is looked for a little further in ``old`` (rows deleted), else cast (a row added or changed).
    """
    new_lines, old_lines = chain.from_iterable(new), chain.from_iterable(old)
    head, old_head = next(new_lines, b""), next(old_lines, b"")
    if head != old_head:
        return None, []
    olds: list[bytes] = []  # ``old``'s lines from its row ``base`` on
    base = j = 0  # j: the next line of ``olds`` to match
    old_body = filter(None, old_lines)
    rows: list[Row | None] = []
    missing: list[Any] = [head]
    lost = 0
    body = filter(None, new_lines)
    while block := list(islice(body, _BLOCK)):
        olds.extend(islice(old_body, max(0, j + len(block) + _NEAR - len(olds))))
        i = 0
        while i < len(block):
            k = _alike(block, i, olds, j)
            if k:
                rows.extend(values[base + j : base + j + k])
                i, j, lost = i + k, j + k, 0
                continue
            line = block[i]
            reach = _FAR if lost % _AGAIN == _AGAIN - 1 else _NEAR
            olds.extend(islice(old_body, max(0, j + reach + len(block) - i - len(olds))))
            try:
                j = olds.index(line, j + 1, j + 1 + reach)  # the lines between were deleted
            except ValueError:
                missing.append((len(rows), line))
                rows.append(None)
                i += 1
                lost += 1
                if lost > _LOST:
                    return None, []
        base, olds = base + j, olds[j:]
        j = 0
    # To the end of both: one line for each kept row, the digest of all.
    if base + len(olds) + sum(1 for _ in old_body) != len(values):
        raise ValueError("not one line for each kept row")
    return rows, missing


def _alike(a: list[bytes], i: int, b: list[bytes], j: int) -> int:
    """How many lines of ``a`` from ``i`` on equal those of ``b`` from ``j`` on."""
    run = 0
    while True:
        same = list(map(eq, a[i + run : i + run + _RUN], b[j + run : j + run + _RUN]))
        try:
            return run + same.index(False)
        except ValueError:
            run += len(same)
            if len(same) < _RUN:
                return run


def cache_key(csv_sha256: str, schema: dict[str, Any], drop: Drop | None = None) -> str:
    """The key a table's kept rows are valid under (hex), with the rows left out (``drop``) when any."""
    h = hashlib.sha256(MAGIC)
    h.update(_code())
    h.update(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode())
    h.update(b"\0" + csv_sha256.encode())
    if drop is not None:
        h.update(b"\0" + json.dumps([drop[0], sorted(drop[1])], ensure_ascii=False).encode())
    return h.hexdigest()


def dump(key: str, rows: list[Row | None]) -> bytes:
    """The kept file's bytes: magic, key, the payload's SHA-256, then the payload."""
    payload = pickle.dumps(row_values(rows), protocol=pickle.HIGHEST_PROTOCOL)
    return b"".join((MAGIC, key.encode(), b"\n", hashlib.sha256(payload).hexdigest().encode(), b"\n", payload))


def load(path: Path, key: str) -> list[Row | None] | None:
    """The rows kept in ``path`` under ``key``, or None when absent, stale or damaged."""
    found = read_kept(path, key)
    return None if found is None else found[2]


def read_kept(path: Path, key: str | None = None) -> Kept | None:
    """The key, field names and rows kept in ``path`` (under ``key`` only, unless None: any key), or None when
    absent, damaged or (with ``key``) stale; a copy of another key is not even unpickled."""
    found = _read_values(path, key)
    return None if found is None else (found[0], found[1], rows_of(found[1], found[2]))


def _read_values(path: Path, key: str | None) -> tuple[str, tuple[str, ...], list[tuple[Any, ...] | None]] | None:
    """``read_kept``'s key, field names and value tuples, no row made."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC)
    if data[:head] != MAGIC or data[head + 64 : head + 65] != b"\n":
        return None
    found = data[head : head + 64].decode("ascii", "replace")
    if key is not None and found != key:
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
        and set(map(type, values)) <= {tuple, type(None)}
        and set(map(len, filter(None, values))) <= {len(names)}
    ):
        return None
    return found, names, values


def _kept_rows(path: Path, key: str, held: tuple[Kept | None] | None
               ) -> tuple[tuple[str, ...], list[Row | None]] | None:
    """The field names and rows kept in ``path`` under ``key`` (``read_kept``), taken from ``held``
    (``(read_kept(path),)`` read ahead while the file is as it was then) when given."""
    found = read_kept(path, key) if held is None else held[0]
    return None if found is None or found[0] != key else (found[1], found[2])


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
