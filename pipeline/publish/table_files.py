"""A published table as CSV, JSON and XLSX bytes, in its schema's field order."""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from pipeline.core.atomic import Sink, chunks, file_sha
from pipeline.core.deflate_chunks import ChunkCache, Deflated
from pipeline.core.errors import PublishError
from pipeline.core.models import Record
from pipeline.core.oserrors import naming
from pipeline.core.rowcodec import decimal_json, line_json_encoder, number_text, records_json, written_integral
from pipeline.core.xlsx_cells import MAX_CELL_CHARS, text_cell, too_long_message
from pipeline.core.zipfiles import FIXED, Entry, EntryStamp, workbook_bytes, write_workbook
from pipeline.publish import workbook_child
from pipeline.publish.row_batches import CsvLines, JsonLines
from pipeline.publish.row_reuse import EXTENSIONS, SHEET, Encoder, Indexes, schema_digest
from pipeline.publish.sheet_xml import NeedsOpenpyxl, SheetRows, row_blocks
from pipeline.publish.workbook_child import Written


def field_names(schema: dict[str, Any]) -> list[str]:
    """The schema's field names in order."""
    return [f["name"] for f in schema["fields"]]


def cell_text(value: Any) -> str:
    """How a typed value is written in the published CSV (frictionless default formats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, float)):
        return number_text(value)
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    return str(value)


# ``cell_text`` of a value of exactly these types.
_TEXTS: dict[type, Callable[[Any], str]] = {Decimal: number_text, float: number_text}


def csv_bytes(schema: dict[str, Any], records: list[Record]) -> bytes:
    """UTF-8 CSV without BOM, LF line ends, comma delimiter, header row first."""
    names = field_names(schema)
    # Encoded as written, into one buffer returned without a copy (text, then its encoding,
    # took twice the file's size more).
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(names)
    # Text, most cells, is written as it is without cell_text's type tests (a million cells a publish).
    writer.writerows([value if type(value) is str else cell_text(value) for value in map(record.get, names)]
                     for record in records)
    text.detach()  # leaves the buffer open
    return buffer.getvalue()


def json_bytes(schema: dict[str, Any], records: list[Record]) -> bytes:
    """An array of typed records (numbers as numbers, dates as ISO strings)."""
    names = field_names(schema)
    # A generator: a copy of every record at once was the largest transient of a big table.
    return records_json({name: record.get(name) for name in names} for record in records)


# Excel numbers are doubles: integers beyond 2^53 lose digits, and 1E+400 is no number at all.
EXCEL_MAX_EXACT = 2**53


# Below this a decimal's float is written as its integer would be ("%.16g": 12.0 and 12 both "12"),
# and far enough from EXCEL_MAX_EXACT that rounding to a float cannot cross it.
_SAFE_FLOAT = float(2**52)


def _xlsx_value(value: Any) -> Any:
    """A value Excel stores natively (exact decimals become numbers; what it cannot hold, text)."""
    if type(value) is Decimal:
        # Most decimals: their float, whether written integral or not (the cell is the same), without
        # the slower test of how the decimal was written (a million cells of a large city). Not zero:
        # "-0" written integral is the integer 0, written "0"; as a float it would be "-0".
        number = float(value)
        if number and -_SAFE_FLOAT < number < _SAFE_FLOAT:
            return number
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        number = int(value) if isinstance(value, int) or written_integral(value) else float(value)
        if (isinstance(number, float) and not math.isfinite(number)) or abs(number) > EXCEL_MAX_EXACT:
            return cell_text(value)  # a valid but huge figure: its exact text rather than a crash
        return number
    if isinstance(value, datetime):
        # Excel has no time zones: write local wall time as text to keep the offset visible.
        return value.isoformat()
    return value


_FORMATS = {"date": "yyyy-mm-dd", "time": "hh:mm:ss"}
# A sheet this long is deflated at level 1, not 6: the indicators of a large city (414,000 rows,
# a 271 MB sheet) took 3.3 s at level 6 and 0.8 s at level 1, for 27.3 MB instead of 21.7 MB,
# and it is written again after every new month. Smaller tables keep the smaller files.
BULK_ROWS = 100_000
BULK = EntryStamp(level=1)


def xlsx_bytes(schema: dict[str, Any], records: list[Record],
               blocks: Callable[[list[int | None]], Iterator[bytes | Deflated]] | None = None,
               cache: ChunkCache | None = None) -> bytes:
    """One sheet named after the table: bold header row, typed cells, text never a formula.

    ``blocks(column_styles)``: the data rows' XML, when they come from elsewhere than
    ``row_blocks`` (``table_bytes`` takes rows published last back from the workbook). The sheet
    is deflated in chunks (``deflate_chunks.py``), those of the workbook published last taken back
    from ``cache``: the same bytes with or without it.
    """
    buffer = io.BytesIO()
    write_xlsx(buffer, schema, records, blocks, cache)
    return buffer.getvalue()


def write_xlsx(out: BinaryIO, schema: dict[str, Any], records: list[Record],
               blocks: Callable[[list[int | None]], Iterator[bytes | Deflated]] | None = None,
               cache: ChunkCache | None = None) -> None:
    """Write the workbook of ``xlsx_bytes`` into ``out`` (an empty seekable file: never held whole)."""
    cache = ChunkCache() if cache is None else cache
    formats = _formats(schema)
    workbook, sheet = _sheet_with_header(schema)
    styles = _register_styles(sheet, records, formats)
    # The data rows formatted directly (sheet_xml.py), when every value is of a kind it writes
    # exactly as openpyxl would; else (a text too long for a cell included) openpyxl's path.
    column_styles = [None if f is None else styles.get(f) for _, f in formats]
    rows = (blocks(column_styles) if blocks is not None
            else row_blocks(records, [n for n, _ in formats], column_styles, _xlsx_value))
    try:
        # The rows are made while the workbook's zip is written: only their compressed bytes are held.
        write_workbook(out, workbook, stamp=_stamp(records), edit=lambda entries: _insert_rows(entries, rows),
                       chunks=cache)
    except NeedsOpenpyxl:
        out.seek(0)
        out.truncate()  # what was written of the workbook abandoned
        out.write(openpyxl_xlsx_bytes(schema, records, cache))


def table_bytes(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Path], Path | None]) -> dict[str, bytes]:
    """The bytes ``write_table`` writes, by extension (for tests and small tables)."""
    with tempfile.TemporaryDirectory() as folder:
        write_table(schema, records, indexes, unchanged_xlsx, Path(folder))
        return {ext: (Path(folder) / f"{schema['name']}.{ext}").read_bytes() for ext in EXTENSIONS}


def write_table(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Path], Path | None], folder: Path) -> dict[str, Sink | Written]:
    """Write the table's CSV, JSON and XLSX into ``folder`` as ``<table>.<ext>``, byte for byte
    ``csv_bytes``, ``json_bytes`` and ``xlsx_bytes``; rows published last are taken back from the
    files (``row_reuse.py``). Gives each file's sink (size, SHA-256) by extension.

    Each file is written as its lines are made: a large table's files (the indicators' JSON is
    148 MB for a large city) are never held in memory. ``unchanged_xlsx(csv)`` gives the
    workbook published last (its path: it is copied) when the table (whose CSV is the file
    ``csv``) is unchanged; it is asked only when the row index of that workbook is valid.
    """
    return start_table(schema, records, indexes, unchanged_xlsx, folder).finish()


class TableFiles:
    """A table's files written by ``start_table``, but perhaps its workbook, made by a forked child
    (``workbook_child.py``): ``finish`` waits for it and records the table's row index."""

    def __init__(self, name: str, key: str, rows: Encoder, sinks: dict[str, Sink | Written],
                 indexes: Indexes | None, pending: workbook_child.Pending | None) -> None:
        self.name, self.key, self.indexes, self.pending = name, key, indexes, pending
        self.rows: Encoder | None = rows if pending is not None else None  # held only for the index
        self.sinks = sinks  # the CSV's and JSON's at once; the workbook's once finished

    def finish(self) -> dict[str, Sink | Written]:
        """Each file's sink (size, SHA-256) by extension, once the child made the workbook (its failure raised)."""
        if self.pending is not None:
            sheet = self.pending.result()
            self.pending = None
            rows, self.rows = self.rows, None  # the records are let go once the index is made
            assert rows is not None
            rows.styles = sheet.styles
            if sheet.lengths is not None:  # the sheet's rows were written here (not by openpyxl)
                rows.lengths["xlsx"] = sheet.lengths
            self.sinks["xlsx"] = Written(self.sinks["csv"].path.with_suffix(".xlsx"), sheet.size, sheet.sha256)
            if self.indexes is not None:
                self.indexes.put(self.name, rows.index({ext: sink.sha256() for ext, sink in self.sinks.items()},
                                                       self.key), rows.reused())
                self.indexes.put_chunks(f"{self.name}.xlsx", sheet.chunk_index, sheet.hits, sheet.copied)
        return self.sinks

    def stop(self) -> None:
        """Kill the child still making the workbook, if any, and wait for it (the caller failed)."""
        if self.pending is not None:
            self.pending.stop()
            self.pending = None


def start_table(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Path], Path | None], folder: Path,
                fork: Callable[[], bool] | None = None) -> TableFiles:
    """``write_table``, but the workbook of a large table made whole (none of its rows published last)
    by a forked child (``workbook_child.py``) while this process writes the CSV and the JSON and goes
    on; ``TableFiles.finish`` waits for it (``stop`` on failure). ``fork()``, asked before each stretch
    of rows until it says yes: whether a child may start now (none given: the workbook is made here)."""
    name, names = schema["name"], field_names(schema)
    key = schema_digest(schema)
    kept = None if indexes is None else indexes.kept(name, key)
    # The deflated chunks of the workbook published last.
    cache = ChunkCache() if indexes is None else indexes.chunks(f"{name}.xlsx")
    if kept is not None:
        kept.inflated = cache.inflated(SHEET)  # its rows read back chunk by chunk, not inflated whole
    started: list[workbook_child.Pending] = []
    try:
        rows = Encoder(names, records, kept)
        path = folder / f"{name}.xlsx"

        def start() -> bool:
            """Fork the child that makes the workbook, when ``fork`` allows it now."""
            if fork is None or not fork():
                return False
            # From here both processes read the rows' values pickled (``Pickled``: reading the rows
            # themselves, either would copy the memory pages they share); the cache closed below
            # stays open in the child.
            rows.values = workbook_child.Pickled(rows.values)
            started.append(workbook_child.start(name, partial(_sheet, schema, records, rows, cache, indexes, path)))
            return True

        sinks: dict[str, Sink | Written] = {}
        with Sink(folder / f"{name}.csv") as csv_sink, Sink(folder / f"{name}.json") as json_sink:
            header: list[str] = []
            csv.writer(SimpleNamespace(write=header.append), lineterminator="\n").writerow(names)
            csv_sink.write(header[0].encode("utf-8"))
            csv_lines = rows.csv_lines(CsvLines(cell_text, _TEXTS))
            json_lines = rows.json_lines(JsonLines(names, line_json_encoder(), _JSON_TEXTS))
            if fork is not None and kept is None and workbook_child.wanted(len(records)):
                _write_together(csv_sink, csv_lines, json_sink, json_lines, start)
            else:
                for block in _blocks(csv_lines):
                    csv_sink.write(b"".join(block))
                _write_json(json_sink, json_lines)
        sinks["csv"], sinks["json"] = csv_sink, json_sink
        if not started:
            _write_xlsx(schema, records, rows, cache, indexes, unchanged_xlsx, kept is not None, sinks, path)
    except BaseException:
        for pending in started:
            pending.stop()  # before the caller removes the folder the child writes into
        raise
    finally:
        cache.close()
        if kept is not None:
            kept.close()
    return TableFiles(name, key, rows, sinks, indexes, started[0] if started else None)


def _write_xlsx(schema: dict[str, Any], records: list[Record], rows: Encoder, cache: ChunkCache,
                indexes: Indexes | None, unchanged_xlsx: Callable[[Path], Path | None], kept: bool,
                sinks: dict[str, Sink | Written], path: Path) -> None:
    """Write the table's workbook in this process (its CSV and JSON written: ``sinks``) and record its index."""
    name, names = schema["name"], field_names(schema)
    # The workbook is made only when its rows are written: one left unwritten prints openpyxl's
    # complaint when it is freed.
    # Only a workbook this code wrote for this schema (its row index is valid: code, schema and
    # files as recorded) is copied: new code may write other bytes (deflated in chunks, say).
    same = unchanged_xlsx(sinks["csv"].path) if kept else None
    xlsx = chunks(same) if same is not None else (xlsx_bytes(
        schema, records, lambda styles: rows.sheet_rows(SheetRows(names, styles, _xlsx_value), styles), cache),)
    with Sink(path) as sink:
        for piece in xlsx:
            sink.write(piece)
    sinks["xlsx"] = sink
    del xlsx
    if same is not None:
        rows.keep_sheet()  # the same sheet: its rows' recorded lengths hold
    if indexes is not None:
        indexes.put(name, rows.index({ext: sink.sha256() for ext, sink in sinks.items()}, schema_digest(schema)),
                    rows.reused())
        # A workbook copied as it was keeps the index of its chunks.
        indexes.put_chunks(f"{name}.xlsx", cache.carried() if same is not None else
                           indexes.chunk_index(cache, sink.sha256()), cache.hits, cache.copied)


def _sheet(schema: dict[str, Any], records: list[Record], rows: Encoder, cache: ChunkCache, indexes: Indexes | None,
           path: Path) -> workbook_child.Sheet:
    """Write the table's workbook made whole (in the forked child: the rows' values pickled) and tell what the
    table's row index records of it."""
    names = field_names(schema)
    # Written straight into its file, never held whole (the indicators' workbook of a city is 27 MB).
    with naming(path), open(path, "w+b") as out:
        write_xlsx(out, schema, records,
                   lambda styles: rows.sheet_rows(SheetRows(names, styles, _xlsx_value), styles), cache)
        size = out.seek(0, os.SEEK_END)
    sha256 = file_sha(path)
    index = None if indexes is None else indexes.chunk_index(cache, sha256)
    return workbook_child.Sheet(size, sha256, rows.styles, rows.lengths.get("xlsx"), index, cache.hits, cache.copied)


_LINES = 1024  # lines written at a time


_BLOCK_BYTES = 1 << 20  # and at most about this many bytes: a kept stretch is up to 1,024 lines in one piece


def _blocks(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    """``lines`` in lists of ``_LINES``, or fewer once they hold ``_BLOCK_BYTES`` (one write a block, not a line)."""
    block: list[bytes] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if len(block) == _LINES or size >= _BLOCK_BYTES:
            yield block
            block, size = [], 0
    if block:
        yield block


# A value of exactly these types in a JSON line.
_JSON_TEXTS: dict[type, Callable[[Any], str]] = {Decimal: decimal_json}


def _write_json(out: Sink, lines: Iterable[bytes]) -> None:
    """The JSON array ``records_json`` writes for records whose lines (UTF-8, without separators) are ``lines``."""
    out.write(b"[\n")
    first = True
    for block in _blocks(lines):
        out.write((b"" if first else b",\n") + b",\n".join(block))
        first = False
    out.write(b"]\n" if first else b"\n]\n")


def _write_together(csv_out: Sink, csv_lines: Iterable[bytes], json_out: Sink, json_lines: Iterable[bytes],
                    start: Callable[[], bool]) -> None:
    """The CSV lines and the JSON array (as ``_write_json``) written stretch by stretch together, ``start()``
    asked before each stretch until it forked the workbook's child: both encoders read the same stretch of
    values one after the other (once pickled, it is unpickled once: ``Pickled`` keeps one piece)."""
    csv_block: list[bytes] = []
    json_block: list[bytes] = [b"[\n"]
    size = 0
    first = True
    forked = start()
    for csv_piece, json_piece in zip(csv_lines, json_lines, strict=True):
        csv_block.append(csv_piece)
        if not first:
            json_block.append(b",\n")
        json_block.append(json_piece)
        first = False
        size += len(json_piece)
        if size >= _BLOCK_BYTES:
            csv_out.write(b"".join(csv_block))
            json_out.write(b"".join(json_block))
            csv_block.clear()
            json_block.clear()
            size = 0
        forked = forked or start()
    json_block.append(b"]\n" if first else b"\n]\n")
    csv_out.write(b"".join(csv_block))
    json_out.write(b"".join(json_block))


def openpyxl_xlsx_bytes(schema: dict[str, Any], records: list[Record], cache: ChunkCache | None = None) -> bytes:
    """The same workbook written by openpyxl cell by cell (the reference ``xlsx_bytes`` must equal)."""
    _check_lengths(schema, records)  # before the streaming writer starts: it cannot be abandoned cleanly
    workbook, sheet = _sheet_with_header(schema)
    for record in records:
        sheet.append([_cell(sheet, record.get(name), fmt) for name, fmt in _formats(schema)])
    return workbook_bytes(workbook, stamp=_stamp(records), chunks=ChunkCache() if cache is None else cache)


def _stamp(records: list[Record]) -> EntryStamp:
    """How a table's workbook is deflated: faster for a long table (see ``BULK_ROWS``)."""
    return BULK if len(records) >= BULK_ROWS else FIXED


def _formats(schema: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Each field's name and its Excel number format (dates and times only)."""
    return [(f["name"], _FORMATS.get(f["type"])) for f in schema["fields"]]


def _sheet_with_header(schema: dict[str, Any]) -> tuple[Workbook, Any]:
    """A streaming workbook whose one sheet holds the bold header row."""
    workbook = Workbook(write_only=True)  # streaming writer: several times faster on big tables
    sheet = workbook.create_sheet(schema["name"][:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in field_names(schema):
        cell = text_cell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return workbook, sheet


def _register_styles(sheet: Any, records: list[Record], formats: list[tuple[str, str | None]]) -> dict[str, int]:
    """The style id of each date/time format, registered in the order openpyxl meets them row by row.

    openpyxl numbers a style when it writes its first cell; registering the same cells in
    the same order gives the same ids and the same styles part.
    """
    wanted = {fmt for _, fmt in formats if fmt is not None}
    ids: dict[str, int] = {}
    for record in records:
        if len(ids) == len(wanted):
            break
        for name, fmt in formats:
            if fmt is None or fmt in ids:
                continue
            value = record.get(name)
            if value is None or isinstance(_xlsx_value(value), str):
                continue  # written unstyled: registers nothing
            ids[fmt] = _cell(sheet, value, fmt).style_id
    return ids


def _insert_rows(entries: dict[str, Entry], rows: Iterator[bytes | Deflated]) -> None:
    """Put the data rows (blocks, written as they come) after the header row of the workbook's one sheet."""
    name = "xl/worksheets/sheet1.xml"
    sheet = entries[name]
    assert isinstance(sheet, bytes)  # as openpyxl wrote it
    head, tail = sheet.split(b"</sheetData>", 1)  # a "<" in text is escaped: this is the tag
    entries[name] = itertools.chain((head,), rows, (b"</sheetData>" + tail,))


def _check_lengths(schema: dict[str, Any], records: list[Record]) -> None:
    """PublishError naming the first text too long for an Excel cell (never cut silently)."""
    names = field_names(schema)
    for number, record in enumerate(records, start=2):
        for name in names:
            value = record.get(name)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise PublishError(too_long_message(schema["name"], number, name, len(value)))


def _cell(sheet: Any, value: Any, fmt: str | None) -> Any:
    """A plain value, a text cell, or a cell carrying its date/time number format."""
    value = _xlsx_value(value)
    if isinstance(value, str):
        return text_cell(sheet, value)
    if fmt is None or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = fmt
    return cell
