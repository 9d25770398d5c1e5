"""A published table as CSV, JSON and XLSX bytes, in its schema's field order."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import itertools
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO, Protocol, cast, overload

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import get_time_format
from openpyxl.styles import Font
from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

from pipeline.core import timeline
from pipeline.core.atomic import Sink, chunks, file_sha
from pipeline.core.compact import Row
from pipeline.core.deflate_chunks import ChunkCache, Deflated, Moved, row_chunks
from pipeline.core.errors import PublishError
from pipeline.core.models import Record
from pipeline.core.oserrors import naming
from pipeline.core.rowcodec import decimal_json, line_json_encoder, number_text, records_json, written_integral
from pipeline.core.sink_thread import ThreadedSink
from pipeline.core.xlsx_cells import MAX_CELL_CHARS, sheet_check, text_cell, too_long_message
from pipeline.core.zipfiles import AHEAD, FIXED, Chunked, Entry, EntryStamp, workbook_bytes, write_workbook
from pipeline.publish import row_maps, workbook_child, workbook_fork
from pipeline.publish.reuse import code_digest
from pipeline.publish.row_batches import CsvLines, JsonLines, Values
from pipeline.publish.row_reuse import EXTENSIONS, SHEET, Digested, Encoder, Indexes, Kept, schema_digest
from pipeline.publish.sheet_xml import NeedsOpenpyxl, SheetRows, row_blocks
from pipeline.publish.workbook_child import Written
from pipeline.runner.isolate import Child
from pipeline.store.flush import flush_ahead


class Counted(Protocol):
    """A file written, read like an ``atomic.Sink``: its path, size and SHA-256 (which may wait for it)."""

    @property
    def path(self) -> Path:
        """Where the file is."""

    @property
    def size(self) -> int:
        """Its size in bytes."""

    def sha256(self) -> str:
        """The SHA-256 (hex) of the file."""


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
# The format openpyxl gives a cell holding a date before its own is set, when it is numbered in the styles part (not
# a built-in one; a time's own, h:mm:ss, is): the only such kind the rows written directly hold (sheet_xml.py).
_DATE_OWN = get_time_format(date)
assert _DATE_OWN not in BUILTIN_FORMATS_REVERSE and get_time_format(time) in BUILTIN_FORMATS_REVERSE
# A sheet this long is deflated at level 1, not 6: the indicators of a large city (414,000 rows,
# a 271 MB sheet) took 3.3 s at level 6 and 0.8 s at level 1, for 27.3 MB instead of 21.7 MB,
# and it is written again after every new month. Smaller tables keep the smaller files.
BULK_ROWS = 100_000
BULK = EntryStamp(level=1)


def xlsx_bytes(schema: dict[str, Any], records: list[Record],
               blocks: Callable[[list[int | None]], Iterator[bytes | Deflated]] | None = None,
               cache: ChunkCache | None = None, checked: bool = False) -> bytes:
    """One sheet named after the table: bold header row, typed cells, text never a formula.

    ``blocks(column_styles)``: the data rows' XML, when they come from elsewhere than
    ``row_blocks`` (``table_bytes`` takes rows published last back from the workbook). The sheet
    is deflated in chunks (``deflate_chunks.py``), those of the workbook published last taken back
    from ``cache``: the same bytes with or without it. ``checked``: ``blocks`` were checked for formulas as they
    were made (``Encoder.sheet_rows``), so the chunks compressed anew are not checked again.
    """
    buffer = io.BytesIO()
    write_xlsx(buffer, schema, records, blocks, cache, checked)
    return buffer.getvalue()


def write_xlsx(out: BinaryIO, schema: dict[str, Any], records: list[Record],
               blocks: Callable[[list[int | None]], Iterator[bytes | Deflated]] | None = None,
               cache: ChunkCache | None = None, checked: bool = False) -> None:
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
        write_workbook(out, workbook, stamp=_stamp(records),
                       edit=lambda entries: _insert_rows(entries, rows, cache if checked else None), chunks=cache)
    except NeedsOpenpyxl:
        out.seek(0)
        out.truncate()  # what was written of the workbook abandoned
        out.write(openpyxl_xlsx_bytes(schema, records, cache))


def table_bytes(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Counted], Path | None]) -> dict[str, bytes]:
    """The bytes ``write_table`` writes, by extension (for tests and small tables)."""
    with tempfile.TemporaryDirectory() as folder:
        write_table(schema, records, indexes, unchanged_xlsx, Path(folder))
        return {ext: (Path(folder) / f"{schema['name']}.{ext}").read_bytes() for ext in EXTENSIONS}


def write_table(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Counted], Path | None], folder: Path) -> dict[str, Counted]:
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
    """A table's files written by ``start_table``, but perhaps its workbook, offered to the side child
    (``workbook_child.py``): ``finish`` takes it back and makes it, or waits for the child's, and records
    the table's row index."""

    def __init__(self, sinks: dict[str, Counted], offer: _Offer | None = None, record: Callable[[], None] | None = None,
                 kept: Kept | None = None) -> None:
        self.sinks = sinks  # the CSV's and JSON's at once; the workbook's once finished
        self.offer = offer
        # With threads still writing the CSV or JSON from views of the files published last (``kept``, let go
        # once they are done), what records the table's row index once they are.
        self.record, self.kept = record, kept
        # The SHA-256 of the CSV published last and the stretches of the new CSV copied from it (``Encoder.moved``,
        # from the file's start), when there was one: the zip takes their chunks back unread (``datapackage.py``).
        self.moved: tuple[str, Moved] | None = None
        self.child: Child[workbook_child.Sheet] | None = None  # making the workbook (``workbook_fork.py``)
        # What the CSV was written from, when it was from the one published last (``row_maps.py``).
        self.source: row_maps.Source | None = None

    def finish(self) -> dict[str, Counted]:
        """Each file's sink (size, SHA-256) by extension, once the workbook is made and the files written (a
        failure raised)."""
        offer, self.offer = self.offer, None
        if offer is not None:
            offer.finish(self.sinks)
        record, self.record = self.record, None
        try:
            if record is not None:
                record()  # (waits for the threads)
        finally:
            self.close()
        return self.sinks

    def close(self) -> None:
        """Let go of what an offer not finished holds, of a forked child not waited for (killed: its workbook is not
        wanted), and of the files published last once no thread reads them."""
        if self.child is not None:
            self.child.stop()  # (nothing when its answer was taken)
            self.child = None
        if self.offer is not None:
            self.offer.cache.close()
            self.offer = None
        if self.kept is not None:
            _settle(self.sinks)
            self.kept.close()
            self.kept = None


class _Offer:
    """A workbook offered to the side child, with what this process needs to make it after all, or to record
    the table's row index from what the child made."""

    def __init__(self, handoff: workbook_child.Handoff, schema: dict[str, Any], records: list[Record], rows: Encoder,
                 cache: ChunkCache, indexes: Indexes | None, path: Path) -> None:
        self.handoff, self.schema, self.records, self.rows = handoff, schema, records, rows
        self.cache, self.indexes, self.path = cache, indexes, path

    def finish(self, sinks: dict[str, Counted]) -> None:
        """Make the workbook here if the child has not taken it, else take what it made; record the row index."""
        rows = self.rows
        try:
            took = self.handoff.take_back()
            if took:  # the workbook, or the JSON only (``Handoff``): the JSON first, made by this process
                sinks["json"] = _json_file(self.path.with_suffix(".json"), field_names(self.schema), rows)
            if took == workbook_child.WORKBOOK:
                _write_xlsx(self.schema, self.records, rows, self.cache, self.indexes, lambda csv: None, False,
                            sinks, self.path)
                return
        finally:
            self.cache.close()
        sheet = self.handoff.result()
        if "json" not in sinks:
            if sheet.json is None:
                raise PublishError("the side child of the publish made no JSON of the table it took")
            size, sha256, rows.lengths["json"] = sheet.json
            sinks["json"] = Written(self.path.with_suffix(".json"), size, sha256)
        rows.styles = sheet.styles
        if sheet.lengths is not None:  # the sheet's rows were written by ``sheet_rows`` (not by openpyxl)
            rows.lengths["xlsx"] = sheet.lengths
        sinks["xlsx"] = Written(self.path, sheet.size, sheet.sha256)
        if self.indexes is not None:
            _record(self.indexes, self.schema, rows, sinks, sheet.chunk_index, sheet.hits, sheet.copied)


def start_table(schema: dict[str, Any], records: list[Record], indexes: Indexes | None,
                unchanged_xlsx: Callable[[Counted], Path | None], folder: Path,
                handoff: workbook_child.Handoff | None = None) -> TableFiles:
    """``write_table``, but the workbook of a large table made whole (none of its rows published last) offered
    to the side child through ``handoff`` when nothing was offered yet (``workbook_child.py``), while this
    process writes the CSV and the JSON and goes on; ``TableFiles.finish`` makes it or waits for it."""
    name, names = schema["name"], field_names(schema)
    key = schema_digest(schema)
    kept = None if indexes is None else indexes.kept(name, key)
    # The deflated chunks of the workbook published last.
    cache = ChunkCache() if indexes is None else indexes.chunks(f"{name}.xlsx")
    if kept is not None:
        kept.inflated = cache.inflated(SHEET)  # its rows read back chunk by chunk, not inflated whole
    offer = None
    child: Child[workbook_child.Sheet] | None = None
    sinks: dict[str, Counted] = {}
    try:
        rows = Encoder(names, records, kept)
        if kept is not None and indexes is not None and rows.unchanged():
            table = TableFiles(_kept_files(schema, rows, kept, cache, indexes, folder))
            table.moved = (kept.shas["csv"], [(0, 0, table.sinks["csv"].size)])  # the same file, whole
            return table
        path = folder / f"{name}.xlsx"
        if handoff is not None and not handoff.offered and kept is None and workbook_child.wanted(len(records)):
            store = None if indexes is None or indexes.folder is None else indexes.folder.parent
            job = workbook_child.Job(schema, len(records), path, store, None if indexes is None else indexes.published,
                                     None if indexes is None else indexes.scratch, json=True)
            handoff.offer(job, rows.values)
            offer = _Offer(handoff, schema, records, rows, cache, indexes, path)
        # A large table's workbook after a change: made by a child forked now, before the CSV and JSON threads start.
        if kept is not None and workbook_fork.wanted(name, len(records), indexes):
            child = workbook_fork.start(partial(_forked_sheet, schema, records, rows, cache, path))
        header: list[str] = []
        csv.writer(SimpleNamespace(write=header.append), lineterminator="\n").writerow(names)
        moved: tuple[str, Moved] | None = None
        source: row_maps.Source | None = None
        if kept is None:
            with Sink(folder / f"{name}.csv") as csv_sink:
                csv_sink.write(header[0].encode("utf-8"))
                for block in _blocks(rows.csv_lines(CsvLines(cell_text, _TEXTS))):
                    csv_sink.write(b"".join(block))
            sinks["csv"] = csv_sink
            if offer is None:  # (else made with the workbook: by the side child, or by ``_Offer.finish``)
                sinks["json"] = _json_file(folder / f"{name}.json", names, rows)
        else:
            # Mostly stretches of the files published last: given as views of them, written and hashed by a
            # thread each while this one goes on to the workbook (``sink_thread.py``).
            head = header[0].encode("utf-8")
            sinks["csv"] = _threaded(folder / f"{name}.csv", head, rows.file_pieces("csv", CsvLines(cell_text, _TEXTS)),
                                     b"")
            moved = (kept.shas["csv"], [(len(head) + at, there, length) for at, there, length in rows.moved])
            source = row_maps.Source(rows, kept.shas["csv"], len(kept.json), len(head))
            sinks["json"] = _threaded(folder / f"{name}.json", b"[\n", rows.file_pieces(
                "json", JsonLines(names, line_json_encoder(), _JSON_TEXTS)), b",\n", b"]\n", b"\n]\n")
        if child is not None and kept is not None and indexes is not None:
            # The row index recorded once the threads are done and the child has answered (``finish``).
            table, kept = TableFiles(sinks, None, partial(_child_record, child, indexes, schema, rows, sinks, path),
                                     kept), None
            table.child, table.moved, table.source, child = child, moved, source, None
            return table
        if offer is None:
            # With threads writing the CSV and JSON, the row index is recorded once they are done (``finish``).
            record = _write_xlsx(schema, records, rows, cache, indexes, unchanged_xlsx, kept is not None, sinks,
                                 path, later=kept is not None)
            if record is not None:
                # The files published last let go of once the threads are done (their views of them).
                table, kept = TableFiles(sinks, None, record, kept), None
                table.moved, table.source = moved, source
                return table
    finally:
        if child is not None:
            child.stop()  # this process failed before handing it on: its workbook is not wanted
        if offer is None:
            cache.close()  # else held for the workbook made here after all (``_Offer.finish``)
        if kept is not None:
            _settle(sinks)  # (no view of the files published last is left with a thread)
            kept.close()
    table = TableFiles(sinks, offer)
    table.source = source
    return table


def _threaded(path: Path, head: bytes, pieces: Iterable[tuple[bytes | memoryview, Callable[[], None] | None]],
              sep: bytes, empty: bytes = b"", tail: bytes = b"") -> ThreadedSink:
    """The file ``path`` started (``ThreadedSink``): ``head``, the ``pieces`` joined by ``sep``, then ``tail``, or
    ``empty`` when there is no piece; the thread may still be writing it when this returns. Its writeback is started
    once it is closed (``flush_ahead``: after a new month the indicators' CSV and JSON, 187 MB of the data files' 250,
    are on disk by the commit, whose flush waited for them)."""
    sink = ThreadedSink(path, closed=_written_back)
    try:
        sink.write(head)
        first = True
        for piece, after in pieces:
            if not first and sep:
                sink.write(sep)
            sink.write(piece, after)
            first = False
            del piece, after  # (a view of a mapped file: the thread's alone)
        sink.write(empty if first else tail)
        sink.end()
    except BaseException:
        with contextlib.suppress(BaseException):
            sink.wait()
        raise
    return sink


def _written_back(path: Path) -> None:
    """Start putting the file ``path`` on disk, in a thread (``flush.flush_ahead``)."""
    flush_ahead([str(path)])


def _settle(sinks: dict[str, Counted]) -> None:
    """Wait for the threads still writing any of ``sinks`` (a failure is raised where the file's SHA-256 is asked
    for, or has been already)."""
    for sink in sinks.values():
        if isinstance(sink, ThreadedSink):
            with contextlib.suppress(BaseException):
                sink.wait()


def _kept_files(schema: dict[str, Any], rows: Encoder, kept: Kept, cache: ChunkCache, indexes: Indexes,
                folder: Path) -> dict[str, Counted]:
    """The files of a table whose rows are those published last (``Encoder.unchanged``): its files published
    last, checked against its row index when it was read, left in place (``Indexes.in_place``) or copied into
    ``folder``, never encoded or hashed again; their index and the workbook's chunk index are kept as they were.

    After a late file most tables of a large city are unchanged, and writing them again from the rows
    kept (and comparing them with those in place afterwards) was a third of the data files' time.
    """
    name = schema["name"]
    assert indexes.published is not None  # (a row index was read from it)
    sinks: dict[str, Counted] = {}
    for ext in EXTENSIONS:
        source, target = indexes.published / f"{name}.{ext}", folder / f"{name}.{ext}"
        with naming(source):
            size = os.lstat(source).st_size
            if indexes.in_place is None:
                shutil.copyfile(source, target, follow_symlinks=False)
            else:
                indexes.in_place.add(target.name)
                target = source  # read from there (the zip of the CSV files)
        sinks[ext] = Written(target, size, kept.shas[ext])
    indexes.put(name, kept.index, rows.reused())
    indexes.put_chunks(f"{name}.xlsx", cache.carried(), cache.hits, cache.copied)
    return sinks


def handed_sheet(handoff: workbook_child.Handoff, before_json: Callable[[], None] = lambda: None,
                 ) -> workbook_child.Sheet | None:
    """In the side child: make the workbook handed over through ``handoff`` (waiting for it), or None when none was;
    then its JSON, unless the parent took it (``Handoff.claim_json``) once ``before_json`` returned (the store's
    files written: until then the parent, done first, takes it)."""
    received = handoff.receive()
    if received is None:
        return None
    job, pieces = received
    records = _Handed(field_names(job.schema), workbook_child.Pickled.of(pieces, job.count))
    rows = Encoder(records.fields, records, None)  # every row made anew: nothing published last is read back
    indexes = None if job.store is None else Indexes(job.store, job.published, job.scratch)
    cache = ChunkCache() if indexes is None else indexes.chunks(f"{job.schema['name']}.xlsx")
    try:
        with timeline.span(f"workbook: {job.schema['name']}"):
            sheet = _sheet(job.schema, cast(list[Record], records), rows, cache, indexes, job.path)
        if not job.json:
            return sheet
        before_json()
        if not handoff.claim_json():
            return sheet  # made by the parent
        # Then the JSON, its lines made again from the values (every piece read by now).
        with timeline.span(f"json: {job.schema['name']}"):
            json_sink = _json_file(job.path.with_suffix(".json"), records.fields, rows)
        return dataclasses.replace(sheet, json=(json_sink.size, json_sink.sha256(), rows.lengths["json"]))
    finally:
        cache.close()
        pieces.close()


class _Handed(Digested):
    """The rows of a table handed to the side child, read from their pickled values (``Encoder`` asks for no
    digest of them: none of the workbook published last is read back)."""

    def __init__(self, names: list[str], values: workbook_child.Pickled) -> None:
        self.fields = tuple(names)
        self._values = values
        self._index = {name: at for at, name in enumerate(names)}
        self._digests = [b""] * len(values)

    @property
    def digests(self) -> list[bytes]:
        """No digest: none is looked for."""
        return self._digests

    def values(self) -> Sequence[Values]:
        """The rows' values, unpickled a piece at a time."""
        return self._values

    @overload
    def __getitem__(self, i: int) -> Row: ...

    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...

    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [Row(self._index, values) for values in self._values[i]]
        return Row(self._index, self._values[i])

    def __len__(self) -> int:
        return len(self._values)


def _write_xlsx(schema: dict[str, Any], records: list[Record], rows: Encoder, cache: ChunkCache,
                indexes: Indexes | None, unchanged_xlsx: Callable[[Counted], Path | None] | None, kept: bool,
                sinks: dict[str, Counted], path: Path, later: bool = False) -> Callable[[], None] | None:
    """Write the table's workbook in this process (its CSV and JSON written, or being written: ``sinks``) and record
    its index; ``later``: give what records it instead, to be called once the CSV and JSON are written."""
    names = field_names(schema)
    # The workbook is made only when its rows are written: one left unwritten prints openpyxl's
    # complaint when it is freed.
    # Only a workbook this code wrote for this schema (its row index is valid: code, schema and
    # files as recorded) is copied: new code may write other bytes (deflated in chunks, say).
    # (None: never copied, the rows changed: ``_forked_sheet``, whose CSV another process writes.)
    same = unchanged_xlsx(sinks["csv"]) if kept and unchanged_xlsx is not None else None
    # Rows taken back were checked for formulas when first compressed: the new ones are checked as they are made.
    check = sheet_check(SHEET) if kept else None
    xlsx = chunks(same) if same is not None else (xlsx_bytes(
        schema, records, lambda styles: rows.sheet_rows(SheetRows(names, styles, _xlsx_value), styles, check=check),
        cache, check is not None),)
    # Recorded later: written and hashed by a thread too.
    with ThreadedSink(path) if later else Sink(path) as sink:
        for piece in xlsx:
            sink.write(piece)
    sinks["xlsx"] = sink
    del xlsx
    if same is not None:
        rows.keep_sheet()  # the same sheet: its rows' recorded lengths hold
    if indexes is None:
        return None
    # A workbook copied as it was keeps the index of its chunks (the index of those written, once its SHA-256 is).
    carried = cache.carried()
    record = partial(_put, indexes, schema["name"], rows.indexer(schema_digest(schema)), rows.reused(), sinks,
                     (lambda: carried) if same is not None else partial(_chunk_index, indexes, cache, sink),
                     cache.hits, cache.copied)
    if later:
        return record  # (holds the index's digests and lengths, not the rows)
    record()
    return None


def _forked_sheet(schema: dict[str, Any], records: list[Record], rows: Encoder, cache: ChunkCache,
                  path: Path) -> workbook_child.Sheet:
    """(In the child of ``workbook_fork``) write the table's workbook as this process would (its rows published
    last taken back, the new ones checked as they are made) and tell what the table's row index records of it."""
    sinks: dict[str, Counted] = {}
    # Never the workbook published last copied whole: the rows changed (``Encoder.unchanged`` was false).
    _write_xlsx(schema, records, rows, cache, None, None, True, sinks, path)
    sheet = sinks["xlsx"]
    sha256 = sheet.sha256()
    return workbook_child.Sheet(sheet.size, sha256, rows.styles, rows.lengths.get("xlsx"),
                                cache.index(sha256, code_digest()), cache.hits, cache.copied)


def _child_record(child: Child[workbook_child.Sheet], indexes: Indexes, schema: dict[str, Any], rows: Encoder,
                  sinks: dict[str, Counted], path: Path) -> None:
    """Take the forked child's workbook (waited for; its failure raised) and record the table's row index."""
    sheet = child.result()
    rows.styles = sheet.styles
    if sheet.lengths is not None:  # the sheet's rows were written by ``sheet_rows`` (not by openpyxl)
        rows.lengths["xlsx"] = sheet.lengths
    sinks["xlsx"] = Written(path, sheet.size, sheet.sha256)
    _record(indexes, schema, rows, sinks, sheet.chunk_index, sheet.hits, sheet.copied)


def _record(indexes: Indexes, schema: dict[str, Any], rows: Encoder, sinks: dict[str, Counted],
            chunk_index: bytes | None, hits: int, copied: int) -> None:
    """Record the table's row index (its files written: ``sinks``) and its workbook's chunk index."""
    _put(indexes, schema["name"], rows.indexer(schema_digest(schema)), rows.reused(), sinks, lambda: chunk_index,
         hits, copied)


def _put(indexes: Indexes, name: str, index: Callable[[dict[str, str]], bytes], reused: int,
         sinks: dict[str, Counted], chunk_index: Callable[[], bytes | None], hits: int, copied: int) -> None:
    """Record table ``name``'s row index (``index`` of its files' SHA-256, waited for) and its workbook's chunk index
    (``chunk_index()``)."""
    indexes.put(name, index({ext: sink.sha256() for ext, sink in sinks.items()}), reused)
    indexes.put_chunks(f"{name}.xlsx", chunk_index(), hits, copied)


def _chunk_index(indexes: Indexes, cache: ChunkCache, workbook: Counted) -> bytes:
    """The chunk index of the workbook written with ``cache`` (its chunks as compressed: kept once it is closed)."""
    return indexes.chunk_index(cache, workbook.sha256())


def _sheet(schema: dict[str, Any], records: list[Record], rows: Encoder, cache: ChunkCache, indexes: Indexes | None,
           path: Path) -> workbook_child.Sheet:
    """Write the table's workbook made whole (in the side child) and tell what the table's row index records of it."""
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


def _json_file(path: Path, names: Sequence[str], rows: Encoder) -> Sink:
    """Write the JSON of a table none of whose rows were published last (``rows``: their encoder) into ``path``."""
    with Sink(path) as sink:
        _write_json(sink, rows.json_lines(JsonLines(list(names), line_json_encoder(), _JSON_TEXTS)))
    return sink


def _write_json(out: Sink, lines: Iterable[bytes]) -> None:
    """The JSON array ``records_json`` writes for records whose lines (UTF-8, without separators) are ``lines``."""
    out.write(b"[\n")
    first = True
    for block in _blocks(lines):
        out.write((b"" if first else b",\n") + b",\n".join(block))
        first = False
    out.write(b"]\n" if first else b"\n]\n")


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
    formatted = [(name, fmt) for name, fmt in formats if fmt is not None]
    if not formatted:
        return {}
    wanted = {fmt for _, fmt in formatted}
    ids: dict[str, int] = {}
    # openpyxl first gives a new cell holding a date its kind's own format (``Cell._bind_value``), numbered in the
    # styles part when it is not a built-in one, even in a column of another format (a date among times): the
    # formats numbered so, met in the same order.
    numbered: set[str] = set()
    for record in records:
        if len(ids) == len(wanted) and _DATE_OWN in numbered:
            break
        for name, fmt in formatted:
            value = record.get(name)
            if value is None or isinstance(_xlsx_value(value), str):
                continue  # written unstyled: registers nothing
            own = _DATE_OWN if type(value) is date else None
            if fmt in ids and (own is None or own in numbered):
                continue
            ids[fmt] = _cell(sheet, value, fmt).style_id
            numbered.update((fmt,) if own is None else (own, fmt))
    return ids


def _insert_rows(entries: dict[str, Entry], rows: Iterator[bytes | Deflated],
                 checked: ChunkCache | None = None) -> None:
    """Put the data rows (blocks, written as they come) after the header row of the workbook's one sheet.

    ``checked``: the rows were checked for formulas as they were made (each new row, and rows taken back that
    were checked when they were first compressed: ``Encoder.sheet_rows``), so only the sheet's head and tail are
    checked here, and the sheet is deflated in chunks with this cache without checking them again (the chunks
    compressed anew were a tenth of a new month's data files in the main process: renumbered rows, mostly).
    """
    name = "xl/worksheets/sheet1.xml"
    sheet = entries[name]
    assert isinstance(sheet, bytes)  # as openpyxl wrote it
    head, tail = sheet.split(b"</sheetData>", 1)  # a "<" in text is escaped: this is the tag
    tail = b"</sheetData>" + tail
    blocks = itertools.chain((head,), rows, (tail,))
    if checked is None:
        entries[name] = blocks
        return
    check = sheet_check(name)
    check(head)
    check(tail)
    entries[name] = Chunked(row_chunks(blocks), checked, _checked, AHEAD if checked.layout else 0)


def _checked(data: bytes) -> None:
    """The check of a worksheet's chunk made of rows checked already (``_insert_rows``): nothing left to check."""


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
