"""A table's CSV lines, JSON lines and worksheet rows read back from its last published files, by row content.

A published row's CSV line, JSON line and worksheet row are pure functions of its values (and
of the schema, the workbook's style ids and the code); only the worksheet row carries its row
number. After one new agency-month most rows of every table are the rows published last, at
other positions (the tables are sorted, so new rows land everywhere), and encoding them again
was most of the data stage. So each table's row index is kept in
``<output>/store/published-rows/<table>.idx``: a JSON header line, then a 16-byte digest of
each published row's values (their ``repr``: a Decimal keeps its digits, a date its type), in
order. The next run encodes only the rows whose digest the index lacks and takes the others
from the published files (a worksheet row renumbered to its new position).

The index is a cache: it is used only when its header names this code, this schema and these
style ids, the digests' SHA-256 matches, and the three published files still hold the bytes
it recorded (a file rewritten by hand, an interrupted run, a damaged index: every row is
encoded again). A row read back is checked to start with its recorded row number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter, methodcaller
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pipeline.core.atomic import write_bytes
from pipeline.publish.reuse import code_digest

FOLDER = "published-rows"  # under <output>/store
SHEET = "xl/worksheets/sheet1.xml"
DIGEST = 16  # bytes a row
EXTENSIONS = ("csv", "json", "xlsx")


def _sha(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def schema_digest(schema: dict[str, Any]) -> str:
    """The digest of what a row's encodings depend on besides its values, the code and the style ids."""
    return _sha(json.dumps(schema, sort_keys=True, default=repr).encode("utf-8"))


def row_digests(names: Sequence[str], records: Sequence[dict[str, Any]]) -> list[bytes]:
    """Each record's digest: its values in field order, by ``repr`` (the type is part of the value)."""
    if not names:
        return [hashlib.blake2b(b"()", digest_size=DIGEST).digest() for _ in records]
    # One C-level pass per step (itemgetter, repr, encode, hash): a Python loop took 2.5 times as long.
    try:
        values = list(map(itemgetter(*names), records)) if len(names) > 1 else \
            [(record[names[0]],) for record in records]
    except KeyError:  # a record without some field: its value is None, as the encoders read it
        values = [tuple(map(record.get, names)) for record in records]
    texts = map(methodcaller("encode", "utf-8", "backslashreplace"), map(repr, values))
    return list(map(methodcaller("digest"), map(partial(hashlib.blake2b, digest_size=DIGEST), texts)))


@dataclass
class Kept:
    """The last published encodings of one table's rows, by row digest."""

    where: dict[bytes, int]  # digest -> position in the published table
    csv: list[bytes] | None  # each line with its LF; None when a field held a line break
    json: list[bytes]
    xlsx: list[bytes] | None  # each ``<row>`` without its ``</row>``; None when unusable
    styles: Any  # the style id of each column's dates and times in that workbook (None: unknown)


def load(index: Path, published: Path, name: str, key: str) -> Kept | None:
    """The kept rows of table ``name`` when its index and published files agree with ``key``, else None."""
    try:
        raw = index.read_bytes()
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("code") != code_digest() or header.get("key") != key:
            return None
        count, files = header.get("rows"), header.get("files")
        if type(count) is not int or len(body) != DIGEST * count or header.get("digests") != _sha(body) \
                or not isinstance(files, dict):
            return None
        data = {}
        for ext in EXTENSIONS:
            path = published / f"{name}.{ext}"
            if path.is_symlink():
                return None
            data[ext] = path.read_bytes()
            if _sha(data[ext]) != files.get(ext):
                return None
    except (OSError, ValueError):
        return None  # none yet, unreadable or damaged: every row is encoded
    lines = _json_lines(data["json"], count)
    if lines is None:
        return None
    where = {body[i:i + DIGEST]: n for n, i in enumerate(range(0, len(body), DIGEST))}
    return Kept(where, _csv_lines(data["csv"], count), lines, _sheet_rows(data["xlsx"], count),
                header.get("styles"))


def _json_lines(data: bytes, count: int) -> list[bytes] | None:
    """The record lines of a JSON array as ``records_json`` writes it (a string's line break is escaped)."""
    if count == 0 or not (data.startswith(b"[\n") and data.endswith(b"\n]\n")):
        return None
    lines = data[2:-3].split(b",\n")
    return lines if len(lines) == count else None


def _csv_lines(data: bytes, count: int) -> list[bytes] | None:
    """The data lines of a CSV (with their LF), or None when a quoted field holds a line break."""
    lines = data.split(b"\n")
    if len(lines) != count + 2 or lines[-1] != b"":
        return None
    return [line + b"\n" for line in lines[1:-1]]


def _sheet_rows(data: bytes, count: int) -> list[bytes] | None:
    """The data rows of a workbook's one sheet (without ``</row>``), or None when it is not as written."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(SHEET)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    start, end = xml.find(b"<sheetData>"), xml.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    rows = xml[start + len(b"<sheetData>"):end].split(b"</row>")
    # The header row, the data rows, then the empty piece after the last </row>.
    if len(rows) != count + 2 or rows[-1] != b"" or not rows[0].startswith(b'<row r="1">'):
        return None
    return rows[1:-1]


class Encoder:
    """A table's rows encoded, or taken back from ``kept``, in the three published forms."""

    def __init__(self, names: Sequence[str], records: Sequence[dict[str, Any]], kept: Kept | None) -> None:
        self.names, self.records, self.kept = names, records, kept
        self.digests = row_digests(names, records)
        where = kept.where if kept is not None else {}
        self.old = [where.get(d, -1) for d in self.digests]  # position last published, or -1
        # The workbook's style ids: set when its rows are written; when the workbook published last
        # is kept whole, those it was written with.
        self.styles: list[int | None] | None = None if kept is None else kept.styles

    def reused(self) -> int:
        """How many records were published last (their lines are taken back)."""
        return sum(1 for old in self.old if old >= 0)

    def csv_lines(self, text: Callable[[Any], str]) -> list[bytes]:
        """Every record's CSV line (UTF-8, LF), ``text`` writing a value that is not a string."""
        kept = self.kept.csv if self.kept is not None else None
        lines: list[str] = []
        writer = csv.writer(SimpleNamespace(write=lines.append), lineterminator="\n")  # one write a row
        out = []
        for record, old in zip(self.records, self.old, strict=True):
            if old >= 0 and kept is not None:
                out.append(kept[old])
                continue
            writer.writerow([value if type(value) is str else text(value) for value in
                             map(record.get, self.names)])
            out.append(lines.pop().encode("utf-8"))
        return out

    def json_lines(self, encode: Callable[[dict[str, Any]], str]) -> list[bytes]:
        """Every record's JSON line (UTF-8), ``encode`` turning a dict into its line."""
        kept = self.kept.json if self.kept is not None else None
        names = self.names
        out = []
        for record, old in zip(self.records, self.old, strict=True):
            if old >= 0 and kept is not None:
                out.append(kept[old])
            else:
                out.append(encode({name: record.get(name) for name in names}).encode("utf-8"))
        return out

    def sheet_rows(self, write: Callable[[Any, int], str], styles: list[int | None], first_row: int = 2,
                   block: int = 1024) -> Iterator[bytes]:
        """Every record's worksheet row, ``block`` rows at a time; ``write(record, number)`` encodes one
        with the style ids ``styles`` (kept rows are used only when they were written with the same).

        A kept row is renumbered by replacing ``<number>"``, which ends every reference of the
        row, when it occurs nowhere else in the row (a text holding it is written again).
        """
        kept = self.kept.xlsx if self.kept is not None and self.kept.styles == styles else None
        self.styles = styles
        out: list[bytes] = []
        for number, (record, old) in enumerate(zip(self.records, self.old, strict=True), start=first_row):
            row = None
            if old >= 0 and kept is not None:
                row = _renumbered(kept[old], old + first_row, number)
            if row is None:
                row = write(record, number).encode("ascii")
            out.append(row)
            if len(out) == block:
                yield b"".join(out)
                out.clear()
        if out:
            yield b"".join(out)

    def index(self, files: dict[str, bytes], key: str) -> bytes:
        """The index to keep for this table once ``files`` (by extension) are published."""
        body = b"".join(self.digests)
        header = {"code": code_digest(), "key": key, "rows": len(self.digests), "digests": _sha(body),
                  "styles": self.styles,
                  "files": {ext: _sha(files[ext]) for ext in EXTENSIONS}}
        return json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + body


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

    def __init__(self, store: Path | None, published: Path | None) -> None:
        self.folder = None if store is None else store / FOLDER
        self.published = published
        self.new: dict[str, bytes] = {}
        self.reused: dict[str, int] = {}  # rows taken back, by table (for tests and profiles)

    def kept(self, name: str, key: str) -> Kept | None:
        """Table ``name``'s kept rows, when there is a usable index."""
        if self.folder is None or self.published is None:
            return None
        return load(self.folder / f"{name}.idx", self.published, name, key)

    def put(self, name: str, index: bytes, reused: int) -> None:
        """This run's index of table ``name``, which took back ``reused`` rows."""
        self.new[name] = index
        self.reused[name] = reused

    def save(self) -> None:
        """Write this run's indexes (call once the data folder built with them is in place)."""
        if self.folder is None:
            return
        for name, data in self.new.items():
            path = self.folder / f"{name}.idx"
            try:
                if path.read_bytes() == data:
                    continue
            except OSError:
                pass
            write_bytes(path, data)
