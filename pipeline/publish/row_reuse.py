"""A table's CSV lines, JSON lines and worksheet rows read back from its last published files, by row content.

A published row's CSV line, JSON line and worksheet row are pure functions of its values (and
of the schema, the workbook's style ids and the code); only the worksheet row carries its row
number. After one new agency-month most rows of every table are the rows published last, at
other positions (the tables are sorted, so new rows land everywhere), and encoding them again
was most of the data stage. So each table's row index is kept in
``<output>/store/published-rows/<table>.idx``: a JSON header line, then a 16-byte digest of
each published row's values (their ``repr``: a Decimal keeps its digits, a date its type), in
order, then the length of each row's CSV line, JSON line and worksheet row as written (so the
next run finds them without scanning hundreds of MB for line ends). The next run encodes only
the rows whose digest the index lacks and takes the others from the published files (a
worksheet row renumbered to its new position).

The index is a cache: it is used only when its header names this code, this schema and these
style ids, the SHA-256 of its digests and lengths matches, and the three published files still hold the bytes
it recorded (a file rewritten by hand, an interrupted run, a damaged index: every row is
encoded again). A row read back is checked to start with its recorded row number.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mmap
import os
import shutil
import stat
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from abc import abstractmethod
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import repeat
from operator import add, itemgetter, methodcaller, ne, sub
from pathlib import Path
from typing import IO, Any, overload

from pipeline.core import jsonbytes
from pipeline.core.atomic import file_sha, write_blocks
from pipeline.core.deflate_chunks import EVERY_ROWS, MOST_ROWS, ChunkCache, Deflated, Inflated, Moved
from pipeline.core.treehash import entry_name, stat_fields
from pipeline.publish.reuse import code_digest, lasting_stat, stat_key
from pipeline.publish.row_batches import RowValues, Values, row_values

FOLDER = "published-rows"  # under <output>/store
SHEET = "xl/worksheets/sheet1.xml"
DIGEST = 16  # bytes a row
LENGTH = "q"  # a recorded length: 8 bytes, in the byte order the header names
_WIDTH = array(LENGTH).itemsize
EXTENSIONS = ("csv", "json", "xlsx")
# The SHA-256 and stat of each published file the indexes name, kept after the run that put it in place.
STATS = "files.json"


def _sha(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def schema_digest(schema: dict[str, Any]) -> str:
    """The digest of what a row's encodings depend on besides its values, the code and the style ids."""
    return _sha(json.dumps(schema, sort_keys=True, default=repr).encode("utf-8"))


def row_digests(names: Sequence[str], records: Sequence[dict[str, Any]]) -> list[bytes]:
    """Each record's digest: its values in field order, by ``repr`` (the type is part of the value)."""
    return value_digests(names, row_values(names, records))


def value_digests(names: Sequence[str], values: Sequence[Values]) -> list[bytes]:
    """``row_digests`` of records whose values in field order are ``values``."""
    if not names:
        return [hashlib.blake2b(b"()", digest_size=DIGEST).digest() for _ in values]
    # One C-level pass per step (repr, encode, hash): a Python loop took 2.5 times as long.
    texts = map(methodcaller("encode", "utf-8", "backslashreplace"), map(repr, values))
    return list(map(methodcaller("digest"), map(partial(hashlib.blake2b, digest_size=DIGEST), texts)))


class Digested(Sequence[Any]):
    """Records whose row digests (``value_digests`` over ``fields``, in that order) are known without
    hashing their values, and whose values are made only for the rows asked for (``values``): the
    indicators of the selections kept from the last run (``evaluation/memo.py``), most of which the
    table's files take back from those published last by digest alone."""

    fields: tuple[str, ...]

    @property
    @abstractmethod
    def digests(self) -> list[bytes]:
        """Each record's row digest, in order."""

    @abstractmethod
    def values(self) -> Sequence[Values]:
        """Each record's values in ``fields``' order, made when a slice of them is asked for."""


def _known(names: Sequence[str], records: Sequence[Any]) -> Digested | None:
    """``records`` when they carry their digests for the fields ``names``, else None."""
    if isinstance(records, Digested) and records.fields == tuple(names) and len(records.digests) == len(records):
        return records
    return None


# A mapped file's pages that were read count in the process's resident memory until it lets go
# of them (they stay in the page cache): let go after this many pieces.
_RELEASE_PIECES = 1024
_SPAN = 1024  # kept rows copied at a time (``Encoder.runs``)
_NEW = 1 << 62  # above any position: ``Encoder.old`` of a new record is this plus its own position
# Bytes of a published file at most in one view (``Encoder.file_pieces``): its pages are let go once written.
_VIEW = 8 << 20


def _release(buffer: mmap.mmap | Inflated, start: int = 0, end: int | None = None) -> None:
    """Drop the pages of ``buffer[start:end]`` from the resident memory (read again from the page cache if needed)."""
    start -= start % mmap.PAGESIZE
    end = len(buffer) if end is None else end
    if end > start:
        buffer.madvise(mmap.MADV_DONTNEED, start, end - start)


class Pieces:
    """Numbered pieces of a mapped file: piece ``i`` runs from ``starts[i]`` to ``starts[i + 1] - gap``.

    Only the offsets are held (8 bytes a row); a piece is copied out when it is asked for, and
    the pages read are let go every so often (``_release``).
    """

    def __init__(self, buffer: mmap.mmap | Inflated, starts: Sequence[int], gap: int,
                 lengths: array[int] | None = None) -> None:
        self.buffer, self.starts, self.gap = buffer, starts, gap
        self.lengths = lengths  # each piece's length with its separator, when recorded (``starts`` made of them)
        self._count = 0  # pieces read since the last release

    def __getitem__(self, i: int) -> bytes:
        self._count += 1
        if self._count == _RELEASE_PIECES:
            self._count = 0
            _release(self.buffer)  # the whole mapping: the kernel skips the pages not resident
        return self.buffer[self.starts[i]:self.starts[i + 1] - self.gap]

    def span(self, i: int, count: int) -> bytes:
        """Pieces ``i`` to ``i + count - 1`` as one copy, with the separators between them."""
        self._count += count
        if self._count >= _RELEASE_PIECES:
            self._count = 0
            _release(self.buffer)
        return self.buffer[self.starts[i]:self.starts[i + count] - self.gap]

    def view(self, i: int, end: int) -> tuple[memoryview, Callable[[], None]]:
        """Pieces ``i`` to ``end - 1`` with the separators between them as a view of the mapped file (not copied),
        and what lets go of the pages it reads once they are written (``sink_thread.ThreadedSink``)."""
        assert isinstance(self.buffer, mmap.mmap)  # (a worksheet's rows are never given so)
        start, stop = self.starts[i], self.starts[end]
        return memoryview(self.buffer)[start:stop - self.gap], partial(_release, self.buffer, start, stop)

    def __len__(self) -> int:
        return len(self.starts) - 1


class Kept:
    """The last published encodings of one table's rows, by row digest (the files mapped, not read)."""

    def __init__(self, digests: bytes, maps: list[mmap.mmap], csv: Pieces | None, json: Pieces,
                 sheet: Callable[[], Pieces | None], styles: Any) -> None:
        self.digests = digests  # each published row's digest (``DIGEST`` bytes), in order
        self.csv = csv  # each line with its LF; None when a field held a line break
        self.json = json
        self._sheet = sheet
        self._xlsx: Pieces | bool | None = False  # not read yet
        self.styles = styles  # the style id of each column's dates and times in that workbook (None: unknown)
        self.sheet_lengths: array[int] | None = None  # each worksheet row's length, when recorded
        self.inflated: Inflated | None = None  # the worksheet as deflated in chunks, when they are known
        self._maps = maps
        self._files: list[IO[bytes]] = []
        self.shas: dict[str, str] = {}  # the SHA-256 of each published file by extension, as the index records
        self.index = b""  # the index read (kept again as it is when the table is unchanged: ``Encoder.unchanged``)

    def where(self) -> dict[bytes, int]:
        """Each digest's position in the published table (made when asked for: ``positions``)."""
        # Made in C (a comprehension over the indicators' 414,000 took a third more).
        return dict(zip(map(itemgetter(0), struct.iter_unpack(f"{DIGEST}s", self.digests)), itertools.count()))

    @property
    def xlsx(self) -> Pieces | None:
        """Each ``<row>`` without its ``</row>``; None when unusable (the sheet is inflated when first asked for)."""
        if self._xlsx is False:
            self._xlsx = self._sheet()
        assert self._xlsx is not True
        return self._xlsx

    def close(self) -> None:
        """Let go of the published files (once the table's new files are written)."""
        for buffer in self._maps:
            buffer.close()
        for file in self._files:
            file.close()
        self._maps, self._files = [], []


def _mapped(path: Path) -> mmap.mmap:
    """``path`` mapped read-only (never through a link); OSError or ValueError (an empty file) otherwise."""
    if path.is_symlink():
        raise ValueError(f"{path} is a link")
    with open(path, "rb") as fh:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


_SCAN = 8 << 20  # bytes of a mapped file read at a time by the checksum and the offsets


def _ends(buffer: mmap.mmap, sep: bytes, start: int, end: int) -> array[int]:
    """The position after each ``sep`` in ``buffer[start:end]``, left to right, not overlapping.

    Read ``_SCAN`` bytes at a time, cut after their last ``sep`` and split in C; the pages read
    are let go after each piece, so the file never becomes resident whole.
    """
    found = array("q")
    width = len(sep)
    at = start
    while at < end:
        stop = min(at + _SCAN, end)
        if stop < end:
            cut = buffer.rfind(sep, at, stop)
            if cut < 0:  # one piece longer than the window: up to its end
                cut = buffer.find(sep, stop - width + 1, end)
            stop = end if cut < 0 else cut + width
        pieces = buffer[at:stop].split(sep)
        # The end of each separator: the lengths before it, plus the separators, from ``at``.
        lengths = map(add, map(len, pieces[:-1]), repeat(width))
        found.extend(itertools.islice(itertools.accumulate(lengths, initial=at), 1, None))
        del pieces
        _release(buffer, at, stop)
        at = stop
    return found


def _mapped_sha(buffer: mmap.mmap) -> str:
    """The SHA-256 of a mapped file, read ``_SCAN`` bytes at a time (their pages let go after each)."""
    digest = hashlib.sha256()
    for at in range(0, len(buffer), _SCAN):
        digest.update(buffer[at:at + _SCAN])
        _release(buffer, at, at + _SCAN)
    return digest.hexdigest()


def load(index: Path, published: Path, name: str, key: str, scratch: Path | None = None,
         known: Callable[[str], str | None] = lambda file: None) -> Kept | None:
    """The kept rows of table ``name`` when its index and published files agree with ``key``, else None.

    ``scratch``: where the workbook's sheet is inflated (an unnamed temporary file); ``known(file)``: the
    SHA-256 of a published file when it is known without reading it (``Indexes.known``), else None.
    """
    maps: list[mmap.mmap] = []
    try:
        raw = index.read_bytes()
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("code") != code_digest() or header.get("key") != key:
            return None
        count, files, recorded = header.get("rows"), header.get("files"), header.get("lengths", [])
        if type(count) is not int or not isinstance(files, dict) or not isinstance(recorded, list) \
                or not set(recorded) <= set(EXTENSIONS) or header.get("byteorder") != sys.byteorder \
                or len(body) != (DIGEST + _WIDTH * len(recorded)) * count or header.get("digests") != _sha(body):
            return None
        lengths = {ext: _lengths(body, DIGEST * count + _WIDTH * count * n, count) for n, ext in enumerate(recorded)}
        body = body[:DIGEST * count]
        for ext in ("csv", "json"):
            maps.append(_mapped(published / f"{name}.{ext}"))
            if (known(f"{name}.{ext}") or _mapped_sha(maps[-1])) != files.get(ext):
                return None
        workbook = published / f"{name}.xlsx"
        if workbook.is_symlink() or (known(f"{name}.xlsx") or file_sha(workbook)) != files.get("xlsx"):
            return None
        lines = _json_lines(maps[1], count, lengths.get("json"))
        if lines is None:
            return None
        kept = Kept(body, maps, _csv_lines(maps[0], count, lengths.get("csv")), lines, lambda: None,
                    header.get("styles"))
        kept.sheet_lengths = lengths.get("xlsx")
        kept._sheet = partial(_sheet_rows, kept, workbook, count, scratch)
        kept.shas, kept.index = {ext: files[ext] for ext in EXTENSIONS}, raw
        maps = []  # the kept rows close them
        return kept
    except (OSError, ValueError):
        return None  # none yet, unreadable or damaged: every row is encoded
    finally:
        for buffer in maps:
            buffer.close()


def _lengths(body: bytes, at: int, count: int) -> array[int]:
    """``count`` recorded lengths from ``body[at:]``."""
    found = array(LENGTH)
    found.frombytes(body[at:at + _WIDTH * count])
    return found


def _offsets(lengths: array[int], first: int) -> array[int]:
    """Where each piece starts, and where the last one's separator ends, for pieces (each with its
    separator) of ``lengths`` from ``first``."""
    return array(LENGTH, itertools.accumulate(lengths, initial=first))


# Pieces a block of ``Starts``: their starts are summed from the recorded lengths only when one of them is asked for.
_BLOCK = 256


class Starts(Sequence[int]):
    """``_offsets`` of recorded lengths, made a block at a time when first asked for: a CSV's or JSON's pieces
    are asked for only where a stretch of kept rows begins or ends, and summing all of them (the indicators' 414,000
    lines, twice) was a tenth of reading the tables back."""

    def __init__(self, lengths: array[int], first: int) -> None:
        self._lengths = lengths
        self._count = len(lengths) + 1
        # The start of each block's first piece, then the end (sums made in C, a block at a time).
        sums = map(sum, (lengths[at:at + _BLOCK] for at in range(0, len(lengths), _BLOCK)))
        self._heads = array(LENGTH, itertools.accumulate(sums, initial=first))
        self._blocks: dict[int, array[int]] = {}

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...

    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            return [self[n] for n in range(*i.indices(self._count))]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError("piece out of range")
        block, within = divmod(i, _BLOCK)
        if not within:
            return self._heads[block]
        starts = self._blocks.get(block)
        if starts is None:
            at = block * _BLOCK
            starts = self._blocks[block] = _offsets(self._lengths[at:at + _BLOCK], self._heads[block])
        return starts[within]


def _json_lines(data: mmap.mmap, count: int, lengths: array[int] | None = None) -> Pieces | None:
    """The record lines of a JSON array as ``records_json`` writes it (a string's line break is escaped);
    ``lengths``: each line's, as recorded when the file was written (else the file is scanned)."""
    size = len(data)
    if count == 0 or size < 5 or data[:2] != b"[\n" or data[size - 3:] != b"\n]\n":
        return None
    if lengths is not None:
        # Each line followed by ",\n", the last as if it were too: it ends 1 byte before the file.
        lazy = Starts(lengths, 2)
        return Pieces(data, lazy, 2, lengths) if len(lazy) == count + 1 and lazy[-1] == size - 1 else None
    starts = array("q", [2])
    starts.extend(_ends(data, b",\n", 2, size - 3))
    starts.append(size - 1)  # as if the last line were followed by ",\n" too
    return Pieces(data, starts, 2) if len(starts) == count + 1 else None


def _csv_lines(data: mmap.mmap, count: int, lengths: array[int] | None = None) -> Pieces | None:
    """The data lines of a CSV (with their LF); ``lengths``: each line's, as recorded when the file was
    written (else the file is scanned, and a quoted field holding a line break gives None)."""
    if lengths is not None:
        # The data lines end the file, right after the header line.
        first = len(data) - sum(lengths)
        if first <= 0 or data[first - 1:first] != b"\n" or (count and data[len(data) - 1:] != b"\n"):
            return None
        return Pieces(data, Starts(lengths, first), 0, lengths) if len(lengths) == count else None
    ends = _ends(data, b"\n", 0, len(data))
    # The header's end, then each data line's: the file ends with the last line's LF.
    if len(ends) != count + 1 or ends[-1] != len(data):
        return None
    return Pieces(data, ends, 0)


def _sheet_rows(kept: Kept, workbook: Path, count: int, scratch: Path | None) -> Pieces | None:
    """The data rows of a workbook's one sheet (without ``</row>``), or None when it is not as written.

    The sheet is compressed inside the workbook, never held in memory whole (the indicators' sheet is
    hundreds of MB): when it was deflated in chunks (``kept.inflated``) each chunk is inflated as its
    rows are read; else it is inflated into an unnamed temporary file (in ``scratch``) and mapped.
    """
    xml: mmap.mmap | Inflated
    try:
        if kept.inflated is not None and kept.sheet_lengths is not None:
            xml = kept.inflated
        else:
            temp = tempfile.TemporaryFile(dir=scratch)  # noqa: SIM115  # closed by Kept.close
            kept._files.append(temp)
            with zipfile.ZipFile(workbook) as archive, archive.open(SHEET) as sheet:
                shutil.copyfileobj(sheet, temp, 1 << 20)
            temp.flush()
            xml = mmap.mmap(temp.fileno(), 0, access=mmap.ACCESS_READ)
            kept._maps.append(xml)
        start, end = xml.find(b"<sheetData>"), xml.rfind(b"</sheetData>")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error):
        return None
    if start < 0 or end < start:
        return None
    start += len(b"<sheetData>")
    if kept.sheet_lengths is not None:
        # The data rows (each with its </row>, as recorded) end the sheet's data, after the header row.
        first = end - sum(kept.sheet_lengths)
        if len(kept.sheet_lengths) != count or first <= start or xml[first - 6:first] != b"</row>" \
                or xml[start:start + 11] != b'<row r="1">':
            return None
        return Pieces(xml, _offsets(kept.sheet_lengths, first), len(b"</row>"), kept.sheet_lengths)
    assert isinstance(xml, mmap.mmap)  # the rows' lengths unknown: read from a mapped file
    ends = _ends(xml, b"</row>", start, end)
    # The header row, then the data rows, each ended by </row>, which ends the sheet's data.
    if len(ends) != count + 1 or ends[-1] != end or xml[start:start + 11] != b'<row r="1">':
        return None
    return Pieces(xml, ends, len(b"</row>"))


_AHEAD = 4096  # published rows searched ahead (and behind) for a record out of step (``positions``)
_STRAYS = 256  # records out of step found nowhere near, past which the rest are looked up in a dict of all


def positions(digests: Sequence[bytes], old: bytes, where: Callable[[], dict[bytes, int]],
              joined: bytes | None = None) -> list[int]:
    """Each record's position among the published rows whose digests are ``old`` (joined, in order), or
    ``_NEW`` plus its own when it is none of them (``Encoder.old``).

    The records mostly follow the published rows in step (a new month or a late file inserts or changes
    rows here and there): equal stretches are found by comparing the digests many rows at a time (in C),
    and a record out of step is looked for a little ahead (then in step from there), or a little behind.
    A dict of every published digest (``where``, 0.17 s for the indicators' 414,000 rows, with the
    lookups) is made only when too many records are found nowhere near. Any published row with a
    record's digest holds its encodings, so a record not found near (a row moved far) is only encoded
    again, never given other bytes.
    """
    new = b"".join(digests) if joined is None else joined  # (``joined``: the digests joined already)
    total, count = len(digests), len(old) // DIGEST
    found: list[int] = []
    i = j = strays = 0
    most = max(_STRAYS, total >> 8)
    while i < total:
        same = _in_step(new, i, old, j, min(total - i, count - j))
        if same:
            found.extend(range(j, j + same))
            i += same
            j += same
            continue
        digest = new[i * DIGEST:(i + 1) * DIGEST]
        at = _ahead(old, digest, j, min(count, j + _AHEAD))
        if at >= 0:
            j = at  # in step again from there
            continue
        at = _ahead(old, digest, max(0, j - _AHEAD), j)
        if at >= 0:  # a row moved back a little (two rows swapped): this one only
            found.append(at)
            i += 1
            continue
        strays += 1
        if strays > most:
            found.extend(map(where().get, digests[i:], itertools.count(_NEW + i)))
            break
        found.append(_NEW + i)
        i += 1
    return found


def _in_step(new: bytes, i: int, old: bytes, j: int, limit: int) -> int:
    """How many digests from the ``i``-th of ``new`` equal those from the ``j``-th of ``old`` (at most ``limit``):
    compared in stretches doubling in length, the first difference then found by halving."""
    lo, step = 0, 1  # the first ``lo`` are equal
    while lo < limit:
        hi = min(limit, lo + step)
        if new[(i + lo) * DIGEST:(i + hi) * DIGEST] != old[(j + lo) * DIGEST:(j + hi) * DIGEST]:
            break
        lo, step = hi, step * 2
    else:
        return lo
    while hi - lo > 1:  # one of ``lo`` to ``hi - 1`` differs
        mid = (lo + hi) // 2
        if new[(i + lo) * DIGEST:(i + mid) * DIGEST] == old[(j + lo) * DIGEST:(j + mid) * DIGEST]:
            lo = mid
        else:
            hi = mid
    return lo


def _ahead(old: bytes, digest: bytes, start: int, stop: int) -> int:
    """The first position from ``start`` to before ``stop`` whose digest in ``old`` is ``digest``, or -1."""
    at = start * DIGEST
    while True:
        at = old.find(digest, at, stop * DIGEST)
        if at < 0 or at % DIGEST == 0:
            return at // DIGEST if at >= 0 else -1
        at += 1  # found across two digests: on


class Encoder:
    """A table's rows encoded, or taken back from ``kept``, in the three published forms."""

    def __init__(self, names: Sequence[str], records: Sequence[dict[str, Any]], kept: Kept | None) -> None:
        self.names, self.records, self.kept = names, records, kept
        known = _known(names, records)
        # Each record's values in field order (of records that carry their digests: made for the rows
        # asked for, those not taken back).
        self.values: Sequence[Values] = row_values(names, records) if known is None else known.values()
        if kept is None and isinstance(self.values, RowValues):
            self.values = self.values[:]  # every row is written, in three forms: each made once
        self.digests = value_digests(names, self.values) if known is None else known.digests
        # Each record's position last published, or for a new record ``_NEW`` plus its own: a stretch of kept
        # records and one of new ones both rise by one (``runs`` finds their ends in C).
        # The digests joined once: compared here in stretches, then the body of this table's new index.
        self._joined: bytes | None = None
        if kept is not None and kept.digests:
            self._joined = b"".join(self.digests)
            self.old = positions(self.digests, kept.digests, kept.where, self._joined)
        else:
            self.old = []
        # The workbook's style ids: set when its rows are written; when the workbook published last
        # is kept whole, those it was written with.
        self.styles: list[int | None] | None = None if kept is None else kept.styles
        self._runs: list[tuple[int, int, int]] | None = None
        # Each record's CSV line (with its LF), JSON line (with its ",\n") and worksheet row (with its
        # </row>) length, by extension, once all were made (for the index).
        self.lengths: dict[str, array[int]] = {}
        self.moved: Moved = []  # the CSV's stretches copied from the file published last (``file_pieces``)

    def keep_sheet(self) -> None:
        """The workbook published last is copied whole: its rows' recorded lengths stay true."""
        if self.kept is not None and self.kept.sheet_lengths is not None:
            self.lengths["xlsx"] = self.kept.sheet_lengths

    def runs(self) -> list[tuple[int, int, int]]:
        """(first, count, old first) of each stretch of records, at most ``_SPAN``: kept rows at consecutive
        positions last published (``old first`` their first), or new records (``old first`` -1).

        A stretch is copied from a published file at once: one by one, the indicators' 414,000
        kept rows were most of writing their files after a late file. New records are encoded a
        stretch at a time (``row_batches.py``).
        """
        if self._runs is None:
            runs: list[tuple[int, int, int]] = []
            old, total = self.old, len(self.digests)
            if not old or min(old) >= _NEW:  # nothing kept (a cold run): stretches of new records
                self._runs = [(n, min(_SPAN, total - n), -1) for n in range(0, total, _SPAN)]
                return self._runs
            # Where a stretch ends: a record that does not follow the one before by one (kept ones as
            # published, new ones among new ones), found in C; each stretch then cut every ``_SPAN``.
            ends = itertools.compress(range(1, total), map(ne, old[1:], map(add, old, repeat(1))))
            n = 0
            for end in itertools.chain(ends, (total,)):
                start = old[n]
                first = -1 if start >= _NEW else start
                for at in range(n, end, _SPAN):
                    runs.append((at, min(_SPAN, end - at), first if first < 0 else first + at - n))
                n = end
            self._runs = runs
        return self._runs

    def unchanged(self) -> bool:
        """Every record is the one published last at its position, and none other was published: the table's
        files published last (checked against the index) are its files, byte for byte."""
        if self.kept is None or len(self.digests) != len(self.kept.json):
            return False
        return all(old == first for first, _, old in self.runs())

    def reused(self) -> int:
        """How many records were published last (their lines are taken back)."""
        return sum(count for _, count, old in self.runs() if old >= 0)

    def csv_lines(self, encode: Callable[[Sequence[Values]], list[str]]) -> Iterator[bytes]:
        """Every record's CSV line (UTF-8, LF), a stretch of lines at a time; ``encode`` makes the lines (each
        with its LF) of records' values (``row_batches.CsvLines``)."""
        kept = self.kept.csv if self.kept is not None else None
        lengths = array(LENGTH)
        for first, count, old in self.runs():
            if old >= 0 and kept is not None:
                lengths.extend(_piece_lengths(kept, old, count))
                yield kept.span(old, count)
                continue
            lines = encode(self.values[first:first + count])
            yield _encoded(lines, "", 0, lengths)
        self.lengths["csv"] = lengths

    def json_lines(self, encode: Callable[[Sequence[Values]], list[str]]) -> Iterator[bytes]:
        """Every record's JSON line (UTF-8), a stretch of lines at a time, joined by the separator ``,\n``;
        ``encode`` makes the lines of records' values (``row_batches.JsonLines``)."""
        kept = self.kept.json if self.kept is not None else None
        lengths = array(LENGTH)
        for first, count, old in self.runs():
            if old >= 0 and kept is not None:
                lengths.extend(_piece_lengths(kept, old, count))
                yield kept.span(old, count)
                continue
            lines = encode(self.values[first:first + count])
            yield _encoded(lines, ",\n", 2, lengths)
        self.lengths["json"] = lengths

    def file_pieces(self, ext: str, encode: Callable[[Sequence[Values]], list[str]]
                    ) -> Iterator[tuple[bytes | memoryview, Callable[[], None] | None]]:
        """The lines of ``csv_lines`` (``ext`` "csv") or ``json_lines`` ("json"), as pieces to write, each with
        what to call once it is written (or None): a stretch of kept lines that follow one another in the file
        published last is one view of that file mapped (up to ``_VIEW`` bytes), never copied; new records' lines
        are encoded a stretch at a time, as there. The JSON's pieces are joined by ``,\n``.

        The CSV's stretches copied so are recorded in ``moved`` (offsets from its first line here, in the file
        published last), for the zip (``datapackage._csv_chunks``)."""
        kept = None if self.kept is None else self.kept.csv if ext == "csv" else self.kept.json
        sep, extra = ("", 0) if ext == "csv" else (",\n", 2)
        lengths = array(LENGTH)
        start = end = -1  # the kept lines ``start`` to ``end - 1`` not given yet
        given = 0  # bytes of the CSV given so far
        moved: Moved = []
        for first, count, old in self.runs():
            if old >= 0 and kept is not None:
                lengths.extend(_piece_lengths(kept, old, count))
                if old == end and kept.starts[old + count] - kept.starts[start] <= _VIEW:
                    end = old + count
                    continue
                if start >= 0:
                    given = _moved(moved, given, kept, start, end)
                    yield kept.view(start, end)
                start, end = old, old + count
                continue
            if start >= 0 and kept is not None:
                given = _moved(moved, given, kept, start, end)
                yield kept.view(start, end)
                start = end = -1
            data = _encoded(encode(self.values[first:first + count]), sep, extra, lengths)
            given += len(data)
            yield data, None
        if start >= 0 and kept is not None:
            _moved(moved, given, kept, start, end)
            yield kept.view(start, end)
        self.lengths[ext] = lengths
        if ext == "csv":
            self.moved = moved

    def sheet_rows(self, write: Callable[[Sequence[Values], int], list[str]], styles: list[int | None],
                   first_row: int = 2, block: int = 1024,
                   check: Callable[[bytes], None] | None = None) -> Iterator[bytes | Deflated]:
        """Every record's worksheet row, ``block`` rows at a time or so; ``write(values, number)`` encodes
        records (their values) from row ``number`` on with the style ids ``styles`` (kept rows are
        used only when they were written with the same).

        A kept row is renumbered by replacing ``<number>"``, which ends every reference of the
        row, when it occurs nowhere else in the row (a text holding it is written again). Where a
        chunk of the sheet published last (deflated in chunks) holds exactly rows kept at the
        same numbers, it is given as it was deflated (``Deflated``: ``row_chunks`` places it, the
        zip writer copies it), never inflated. ``check``: called with the rows written anew (a formula check: the
        rows taken back were checked when they were first compressed, and renumbering changes only numbers).
        """
        kept = self.kept.xlsx if self.kept is not None and self.kept.styles == styles else None
        self.styles = styles
        self.lengths.pop("xlsx", None)  # known again only once every row is made
        lengths = array(LENGTH)
        out: list[bytes] = []
        held = 0  # rows in ``out``
        copied = {} if kept is None else _copied_chunks(kept, self.runs(), len(self.digests), first_row)
        starts = sorted(copied)  # the first record of each chunk copied
        for first, count, old in self._split(starts, copied):
            if first in copied and old == first and kept is not None:
                end, chunk = copied[first]
                assert isinstance(kept.buffer, Inflated)
                lengths.extend(_piece_lengths(kept, old, end - first))
                if out:
                    yield b"".join(out)
                    out.clear()
                    held = 0
                yield kept.buffer.deflated(chunk, first + first_row)
                continue
            if old < 0 or kept is None:
                rows = write(self.values[first:first + count], first + first_row)
                lengths.extend(map(len, rows))
                out.append("".join(rows).encode("ascii"))
                if check is not None:
                    check(out[-1])
            else:
                # The stretch read back at once (a row at a time, each a lookup in the inflated chunks).
                span = kept.span(old, count)
                offsets, base, gap = kept.starts, kept.starts[old], kept.gap
                last = offsets[old + count - 1] - base
                if old == first and count > 1 and span.startswith(b'<row r="%d">' % (old + first_row)) and \
                        span.startswith(b'<row r="%d">' % (old + count - 1 + first_row), last):
                    # At the same numbers as last published: the stretch as it is, its first and
                    # last rows checked to carry their recorded numbers.
                    lengths.extend(_piece_lengths(kept, old, count))
                    out.append(span + b"</row>")
                elif (moved := _renumbered_all(span, old + first_row, first + first_row, count)) is not None:
                    lengths.extend(map(add, map(len, moved), repeat(len(b"</row>"))))
                    out.append(b"</row>".join(moved) + b"</row>")
                else:  # one of them cannot be renumbered safely: each that can, and the others written again
                    for n in range(first, first + count):
                        number = n + first_row
                        at = old + n - first
                        row = _renumbered(span[offsets[at] - base:offsets[at + 1] - gap - base], at + first_row, number)
                        if row is None:
                            row = write(self.values[n:n + 1], number)[0].encode("ascii")
                            if check is not None:
                                check(row)
                        lengths.append(len(row))
                        out.append(row)
            held += count
            if held >= block:
                yield b"".join(out)
                out.clear()
                held = 0
        if out:
            yield b"".join(out)
        self.lengths["xlsx"] = lengths

    def _split(self, starts: list[int], copied: dict[int, tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
        """``runs`` cut where a chunk copied (``copied``: by its first record, whose numbers are ``starts``)
        begins and ends: each chunk copied is one stretch (of records kept at the same numbers)."""
        if not starts:
            yield from self.runs()
            return
        done = 0  # records given so far
        for first, count, old in self.runs():
            end = first + count
            n = max(first, done)
            while n < end:
                if n in copied:
                    stop = copied[n][0]
                else:
                    at = bisect_right(starts, n)
                    stop = min(end, starts[at]) if at < len(starts) else end
                yield n, stop - n, -1 if old < 0 else old + n - first
                n = stop
            done = max(done, n)

    def index(self, shas: dict[str, str], key: str) -> bytes:
        """The index to keep for this table once its files, whose SHA-256 by extension are ``shas``, are published."""
        return self.indexer(key)(shas)

    def indexer(self, key: str) -> Callable[[dict[str, str]], bytes]:
        """``index`` of the files' SHA-256, made of this table's digests and lengths as they are now (the rows are
        not held: the files may still be being written)."""
        count = len(self.digests)
        recorded = [ext for ext in EXTENSIONS if len(self.lengths.get(ext, ())) == count]
        joined = b"".join(self.digests) if self._joined is None else self._joined
        body = joined + b"".join(self.lengths[ext].tobytes() for ext in recorded)
        header = {"code": code_digest(), "key": key, "rows": count, "digests": _sha(body),
                  "styles": self.styles, "lengths": recorded, "byteorder": sys.byteorder}
        return partial(_index, header, body)


def _index(header: dict[str, Any], body: bytes, shas: dict[str, str]) -> bytes:
    """A table's row index: its ``header`` with the SHA-256 of its files (``shas``, by extension), then ``body``."""
    header = {**header, "files": {ext: shas[ext] for ext in EXTENSIONS}}
    return json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + body


def _copied_chunks(kept: Pieces, runs: list[tuple[int, int, int]], total: int,
                   first_row: int) -> dict[int, tuple[int, int]]:
    """The chunks of the sheet published last to copy as they were deflated, by their first record:
    (the record after their last, the chunk's number). Such a chunk holds exactly the rows ``row_chunks``
    puts in one chunk (from a row numbered a multiple of ``EVERY_ROWS`` to the next, ``MOST_ROWS``
    bytes at most), each kept at its number (``runs``), and a row follows it among the ``total``."""
    sheet = kept.buffer
    if not isinstance(sheet, Inflated):
        return {}
    same: list[tuple[int, int]] = []  # stretches of records kept at the same numbers, merged
    for first, count, old in runs:
        if old == first:
            if same and same[-1][1] == first:
                same[-1] = (same[-1][0], first + count)
            else:
                same.append((first, first + count))
    if not same:
        return {}
    begins = [a for a, _ in same]
    rows, found = kept.starts, {}
    bounds = sheet.starts
    for chunk in range(len(bounds) - 1):
        start, stop = bounds[chunk], bounds[chunk + 1]
        i = bisect_left(rows, start)
        if i >= len(rows) - 1 or rows[i] != start or (i + first_row) % EVERY_ROWS or stop - start > MOST_ROWS:
            continue
        j = i + EVERY_ROWS
        if j >= min(len(rows) - 1, total) or rows[j] != stop:
            continue
        at = bisect_right(begins, i) - 1
        if at >= 0 and same[at][1] >= j:
            found[i] = (j, chunk)
    return found


def _moved(moved: Moved, given: int, kept: Pieces, start: int, end: int) -> int:
    """Record in ``moved`` that the CSV lines ``start`` to ``end - 1`` published last (``kept``) are copied after
    the ``given`` bytes of the new CSV's lines (joined to the stretch before when it continues it there too);
    gives the bytes given then."""
    there, length = kept.starts[start], kept.starts[end] - kept.starts[start]
    if moved and moved[-1][0] + moved[-1][2] == given and moved[-1][1] + moved[-1][2] == there:
        moved[-1] = (moved[-1][0], moved[-1][1], moved[-1][2] + length)
    else:
        moved.append((given, there, length))
    return given + length


def _encoded(lines: list[str], sep: str, extra: int, lengths: array[int]) -> bytes:
    """``lines`` joined by ``sep``, in UTF-8; each line's length in bytes and ``extra`` put in ``lengths``."""
    text = sep.join(lines)
    data = text.encode("utf-8")
    if len(data) == len(text):  # ASCII: a character a byte
        lengths.extend(map(len, lines) if not extra else map(add, map(len, lines), repeat(extra)))
    else:
        lengths.extend(len(line.encode("utf-8")) + extra for line in lines)
    return data


def _piece_lengths(pieces: Pieces, first: int, count: int) -> Iterable[int]:
    """The lengths of pieces ``first`` to ``first + count - 1`` with what follows each (its separator)."""
    if pieces.lengths is not None:
        return pieces.lengths[first:first + count]  # as recorded (a slice made in C)
    starts = pieces.starts
    return map(sub, starts[first + 1:first + count + 1], starts[first:first + count])


def _renumbered_all(span: bytes, old: int, new: int, count: int) -> list[bytes] | None:
    """The ``count`` kept rows of ``span`` (joined by ``</row>``, from row ``old``) at rows from ``new`` on, each
    without its end tag, as ``_renumbered`` makes them one by one; None when any of them cannot be so renumbered.

    Each step runs over all the rows at once in C: one by one, the rows moved down by a new agency-month's rows
    (every later row of the agendas and decisions tables) took a Python loop each."""
    rows = span.split(b"</row>")  # (a "<" in text is escaped: these are the end tags)
    if len(rows) != count:
        return None
    if not all(map(bytes.startswith, rows, [b'<row r="%d">' % n for n in range(old, old + count)])):
        return None
    marks = [b'%d"' % n for n in range(old, old + count)]
    # The row's tag and each cell's reference end with the number; text holding it is the only other place.
    if list(map(bytes.count, rows, marks)) != list(map(add, map(bytes.count, rows, repeat(b"<c ")), repeat(1))):
        return None
    if old == new:
        return rows
    return list(map(bytes.replace, rows, marks, [b'%d"' % n for n in range(new, new + count)]))


def _renumbered(row: bytes, old: int, new: int) -> bytes | None:
    """A kept ``<row>`` (without its end tag) at row ``new``, or None when it cannot be renumbered safely."""
    mark = b'%d"' % old
    if not row.startswith(b'<row r="%d">' % old):
        return None
    if old == new:
        return row + b"</row>"
    # The row's tag and each cell's reference end with the number; text content is the only other place.
    if row.count(mark) != row.count(b"<c ") + 1:
        return None
    return row.replace(mark, b'%d"' % new) + b"</row>"


class Indexes:
    """The row indexes of a publish's tables: read from the last run, written once this run's files are in place."""

    def __init__(self, store: Path | None, published: Path | None, scratch: Path | None = None,
                 in_place: set[str] | None = None) -> None:
        self.folder = None if store is None else store / FOLDER
        self.published = published
        self.scratch = scratch  # where a workbook's sheet is inflated to be read back (None: the system's)
        # The files of unchanged tables left in ``published`` (not written again: the caller keeps them in
        # place), filled as tables are written; None: copied into the new folder.
        self.in_place = in_place
        self.new: dict[str, bytes] = {}
        self.reused: dict[str, int] = {}  # rows taken back, by table (for tests and profiles)
        self.new_chunks: dict[str, bytes | None] = {}  # chunk index by archive name (None: none to keep)
        self.chunk_hits: dict[str, int] = {}  # deflated chunks taken back, by archive (for tests and profiles)
        self.chunk_copies: dict[str, int] = {}  # of which copied as deflated, never inflated (the same)
        # The SHA-256 of each published file by its stat (``STATS``): checked without reading it again.
        self.stats = self._stats()

    def _stats(self) -> dict[str, tuple[str, str]]:
        """The kept ``STATS`` record: each published file's SHA-256 and stat key, by name (none when unreadable)."""
        if self.folder is None:
            return {}
        try:
            found = jsonbytes.loads((self.folder / STATS).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {file: (entry[0], entry[1]) for file, entry in found.items() if isinstance(entry, list)
                and len(entry) == 2 and all(isinstance(part, str) for part in entry)}

    def known(self, file: str) -> str | None:
        """The SHA-256 of the published ``file`` when its stat is the one kept with it (not read), else None."""
        entry = self.stats.get(file)
        if entry is None or self.published is None:
            return None
        try:
            info = os.lstat(self.published / file)
        except OSError:
            return None
        return entry[0] if stat.S_ISREG(info.st_mode) and stat_key(info) == entry[1] else None

    def kept(self, name: str, key: str) -> Kept | None:
        """Table ``name``'s kept rows, when there is a usable index (close them once used)."""
        if self.folder is None or self.published is None:
            return None
        return load(self.folder / f"{name}.idx", self.published, name, key, self.scratch, self.known)

    def chunks(self, archive: str) -> ChunkCache:
        """The deflated chunks of the published archive ``archive`` (a file name; close the cache once used)."""
        if self.folder is None or self.published is None:
            return ChunkCache()
        return ChunkCache.load(self.folder / f"{archive}.chunks", self.published / archive, code_digest(),
                               self.known(archive))

    def chunk_index(self, cache: ChunkCache, sha256: str) -> bytes:
        """The chunk index of an archive written with ``cache``, whose SHA-256 is ``sha256``, by this code."""
        return cache.index(sha256, code_digest())

    def put_chunks(self, archive: str, index: bytes | None, hits: int, copies: int = 0) -> None:
        """This run's chunk index of ``archive``, which took ``hits`` chunks back, ``copies`` of them copied
        as they were deflated (None: keep none)."""
        self.new_chunks[archive] = index
        self.chunk_hits[archive] = hits
        self.chunk_copies[archive] = copies

    def put(self, name: str, index: bytes, reused: int) -> None:
        """This run's index of table ``name``, which took back ``reused`` rows."""
        self.new[name] = index
        self.reused[name] = reused

    def save(self) -> None:
        """Write this run's indexes (call once the data folder built with them is in place)."""
        if self.folder is None:
            return
        for archive, index in self.new_chunks.items():
            if index is None:
                (self.folder / f"{archive}.chunks").unlink(missing_ok=True)
            else:
                self._save(self.folder / f"{archive}.chunks", index)
        for name, data in self.new.items():
            self._save(self.folder / f"{name}.idx", data)
        self._save_stats()

    def _save_stats(self) -> None:
        """Keep the stat of each published file whose SHA-256 this run's indexes record, when it lasts
        (``reuse.lasting_stat``): the next run checks those files by stat instead of reading them."""
        assert self.folder is not None and self.published is not None
        shas: dict[str, str] = {}
        for name, data in self.new.items():
            shas.update(_index_shas(name, ".idx", data.partition(b"\n")[0]))
        for archive, index in self.new_chunks.items():
            if index is not None:
                shas.update(_index_shas(archive, ".chunks", index.partition(b"\n")[0]))
        now = time.time_ns()
        stats = {}
        for file, sha in sorted(shas.items()):
            known = lasting_stat(str(self.published / file), None, now)
            if known is not None:
                stats[file] = [sha, known]
        if stats or self.stats:
            self._save(self.folder / STATS, _stats_bytes(stats))

    @staticmethod
    def _save(path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` unless it holds them already.

        Not flushed (a cache: a city's indicators index is 16 MB): a file a power loss left short or zeroed fails
        its checks (the digests' SHA-256, the chunks' lengths, the JSON of the header and of ``STATS``), an older
        one names files that are no longer in place; either way the rows are encoded again.
        """
        try:
            if path.read_bytes() == data:
                return
        except OSError:
            pass
        write_blocks(path, (data,), sync=False)


def settle_stats(store: Path, published: Path, written: dict[str, list[Any]]) -> set[str]:
    """Keep the stat of each published file the indexes name whose stat the run that wrote it could not keep (it
    changed too late before ``Indexes.save``: ``reuse.lasting_stat``), now that it lasts; gives their names.

    Called later in the same run (after the site build): after a new month the indicators' JSON and workbook and
    the zip are written last, and the next run (a late file) hashed them all again (190 MB). Only a file whose
    stat is still the one taken after the swap (``written``: by ``treehash.entry_name``, its stat fields and the
    SHA-256 it was written with, ``run._written``), with the SHA-256 its index records, is kept.
    """
    folder = store / FOLDER
    indexes = Indexes(store, published)
    shas: dict[str, str] = {}
    try:
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".idx", ".chunks") or path.is_symlink():
                continue
            with open(path, "rb") as fh:
                shas.update(_index_shas(path.stem, path.suffix, fh.readline()))
    except (OSError, ValueError, AttributeError):
        return set()  # nothing to trust: the next run hashes what it needs
    now = time.time_ns()
    added: dict[str, tuple[str, str]] = {}
    root = os.path.abspath(published)
    for file, sha in sorted(shas.items()):
        if file in indexes.stats or not isinstance(sha, str):
            continue
        entry = written.get(entry_name(f"{root}/{file}"))
        try:
            info = os.lstat(published / file)
        except OSError:
            continue
        # Unchanged since the swap, holding what its index records, and now lasting.
        if entry is None or entry[:-1] != stat_fields(info) or entry[-1] != sha:
            continue
        known = lasting_stat(str(published / file), info.st_size, now)
        if known is not None and known == stat_key(info):
            added[file] = (sha, known)
    if added:
        stats = {file: list(entry) for file, entry in sorted({**indexes.stats, **added}.items())}
        try:
            Indexes._save(folder / STATS, _stats_bytes(stats))
        except OSError:
            return set()  # (a cache: the next run hashes them)
    return set(added)


def _index_shas(stem: str, suffix: str, head: bytes) -> dict[str, str]:
    """The SHA-256 of each published file a row index (``.idx``: the table's files) or a chunk index (``.chunks``:
    the archive) names in its header line; ValueError when the line is not JSON."""
    header = json.loads(head)
    if suffix == ".idx" and isinstance(header.get("files"), dict):
        return {f"{stem}.{ext}": sha for ext, sha in header["files"].items()}
    if suffix == ".chunks" and isinstance(header.get("sha256"), str):
        return {stem: header["sha256"]}
    return {}


def _stats_bytes(stats: dict[str, Any]) -> bytes:
    """The ``STATS`` record's bytes."""
    return json.dumps(stats, sort_keys=True).encode("utf-8") + b"\n"
