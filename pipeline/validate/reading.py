"""Turn a received file (.csv or .xlsx) into a header and rows of strings, with the file rules.

File rules enforced here (contract, "File rules", and the portal's limits): the file is
opened without following links (``pipeline.core.safe_open``), its size checked before any
parsing and never read past the limit; rows, columns and cell length are checked while
the rows are read (``pipeline.validate.row_limits``); UTF-8 with or without BOM,
Windows-1252 decoded with a warning or rejected, binary junk and disguised workbooks
rejected with a clear error, ``,`` or ``;`` sniffed from the header line, quoted fields
with delimiters and newlines (row numbers are CSV record numbers, header = row 1), and
.xlsx read from its first sheet.  Trailing empty rows are dropped (Excel writes them when
cells were only formatted); the header mapping itself lives in ``pipeline.validate.headers``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.config import Limits
from pipeline.core.models import Message, Problem
from pipeline.core.safe_open import read_limited
from pipeline.validate.messages import megabytes, problem
from pipeline.validate.row_limits import RowGate
from pipeline.validate.xlsx import read_xlsx

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
# Windows-1252 characters that office text almost never contains but a wrong guess
# (text in another encoding read as cp1252) produces often: seeing one means mojibake.
_SUSPECT = re.compile("[\u00a4\u00a6\u00a8\u00ac\u00ad\u00af\u00b4\u00b8\u02c6\u02dc\u0192\u00b6]")


@dataclass(frozen=True)
class Record:
    """One CSV record or sheet row: its spreadsheet row number and its cells as text."""

    number: int
    cells: list[str]


@dataclass
class Sheet:
    """A received file as read: header cells as sent, data records, and file-level problems."""

    fmt: str
    sha256: str
    labels: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    delimiter: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """True when a header was read (row checks can run)."""
        return not self.errors and bool(self.labels)


def read_file(root: Path, rel: str, fmt: str, table: str, limits: Limits) -> Sheet:
    """Read ``root/rel`` as ``fmt`` ("csv" or "xlsx"); problems are recorded on the Sheet.

    A link or a special file is never opened: ``safe_open.Refused`` is raised instead.
    """
    content = read_limited(root, rel, limits.max_file_bytes)
    sheet = Sheet(fmt=fmt, sha256=content.sha256)
    data = content.data
    if data is None:
        sheet.errors.append(problem(
            "file-too-large", value=str(content.size), size_mb=megabytes(content.size),
            limit_mb=megabytes(limits.max_file_bytes),
        ))
        return sheet
    if not data:
        sheet.errors.append(problem("empty-file", "zero", table=table))
        return sheet
    gate = RowGate(limits, table)
    if fmt == "xlsx":
        rows, error = read_xlsx(data, table, limits, gate)
        if error or gate.errors:
            sheet.errors += [error] if error else gate.errors
            return sheet
        _fill(sheet, [Record(i, cells) for i, cells in enumerate(rows, start=1)], table)
        return sheet
    text = _decode_csv(data, sheet, table)
    if text is not None:
        _parse_csv(text, sheet, table, gate)
    return sheet


def _decode_csv(data: bytes, sheet: Sheet, table: str) -> str | None:
    """Decode CSV bytes: UTF-8 (BOM optional), else clean Windows-1252 with a warning."""
    kind = _binary_kind(data)
    if kind == "utf16":
        sheet.errors.append(problem("encoding-error", "utf16"))
        return None
    if kind:
        sheet.errors.append(problem("not-a-csv", kind, table=table))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    if _UTF8_MULTIBYTE.search(data):
        # Valid UTF-8 sequences next to invalid bytes: decoding as cp1252 would garble them.
        sheet.errors.append(problem("encoding-error", "mixed", line=line))
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        sheet.errors.append(problem("encoding-error", line=data[: exc.start].count(b"\n") + 1))
        return None
    odd = _implausible(text)
    if odd is not None:
        sheet.errors.append(problem("encoding-error", line=text[:odd].count("\n") + 1))
        return None
    sheet.warnings.append(problem("encoding-converted"))
    return text


def _implausible(text: str) -> int | None:
    """Where cp1252-decoded text stops looking like Indonesian or English office text, or None.

    Such text is mostly ASCII with a few accented letters and typographic quotes; text in
    another encoding read as cp1252 is dense with accented letters and odd symbols.
    """
    first = _NON_ASCII.search(text)
    if first is None:
        return None
    # Counted, not listed: a 10 MB file of accented bytes must not become a list of 10M ints.
    foreign = sum(1 for _ in _NON_ASCII.finditer(text))
    letters = sum(ch.isalpha() for ch in text)
    if foreign > max(3, letters * 0.3):
        return first.start()
    suspect = _SUSPECT.search(text)
    return suspect.start() if suspect else None


def _binary_kind(data: bytes) -> str | None:
    """What a non-text file is ("xlsx", "xls", "zip", "pdf", "binary", "utf16"), or None for text."""
    head = data[:8192]
    if head.startswith(_UTF16_BOMS):
        return "utf16"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if _is_workbook(data) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in head or len(_CONTROL.findall(head)) > max(2, len(head) // 100):
        return "binary"
    return None


def _is_workbook(data: bytes) -> bool:
    """True when a ZIP holds an Excel workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(name.startswith("xl/") for name in zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _parse_csv(text: str, sheet: Sheet, table: str, gate: RowGate) -> None:
    """Split CSV text into records, sniffing the delimiter from the header line, within the limits."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    if delimiter not in first:
        other = next((d for d in ("\t", "|") if d in first), None)
        if other:
            sheet.errors.append(problem("delimiter-error", found=_found(other)))
            return
    sheet.delimiter = delimiter
    records: list[Record] = []
    # csv's own ceiling on a field (131,072 characters by default) would call a long cell
    # "broken quoting"; the file's length bounds every field, and cell-too-long names it.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(_lines(text, delimiter, gate, records), delimiter=delimiter, strict=True)
    try:
        for cells in reader:
            if not gate.admit(len(records) + 1, cells):
                break
            records.append(Record(len(records) + 1, cells))
    except csv.Error:
        sheet.errors.append(problem("malformed-csv", row=len(records) + 1))
        return
    if gate.errors:
        sheet.errors += gate.errors
        return
    _fill(sheet, records, table)


def _lines(text: str, delimiter: str, gate: RowGate, records: list[Record]) -> Iterator[str]:
    """The lines of ``text`` for csv.reader, one at a time, stopping at a plainly too wide one.

    A line that starts a record and has no quote holds one cell per delimiter plus one:
    when that is over the column limit, reading stops before csv builds a list of a
    million cells.  (A line with quotes is left to csv; the row is checked when read.)
    """
    at_record_start = True
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            return
        if at_record_start and '"' not in line and line.count(delimiter) >= gate.limits.max_columns:
            gate.too_wide(len(records) + 1, line.count(delimiter) + 1)
            return
        if line.count('"') % 2:
            at_record_start = not at_record_start
        yield line


def _found(delimiter: str) -> Message:
    """The "found: tab" part of a delimiter error, in both languages."""
    name = {"\t": ("tab", "tabs"), "|": ("garis tegak |", "vertical bars |")}[delimiter]
    return Message(f"; yang ditemukan adalah {name[0]}", f"; found {name[1]}")


def _fill(sheet: Sheet, records: list[Record], table: str) -> None:
    """Set the header and data records, dropping trailing empty rows."""
    while records and all(c == "" for c in records[-1].cells):
        records.pop()
    if not records or all(c.strip() == "" for c in records[0].cells):
        sheet.errors.append(problem("empty-file", "no-header", table=table))
        return
    sheet.labels = records[0].cells
    sheet.records = records[1:]
