"""Zip archives (and so XLSX workbooks) whose bytes depend only on their contents."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, BinaryIO

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from pipeline.core.crc import crc32_combine
from pipeline.core.deflate_chunks import ChunkCache, ChunkDeflater, Deflated, row_chunks
from pipeline.core.xlsx_cells import assert_no_formulas, checked_blocks, is_sheet, sheet_check


@dataclass(frozen=True)
class Chunked:
    """An entry deflated chunk by chunk (``deflate_chunks.py``): its chunks in order (a chunk published
    last may come as it was deflated), the cache of the chunks published last, and a check of each
    chunk compressed anew."""

    chunks: Iterable[bytes | Deflated]
    cache: ChunkCache
    check: Callable[[bytes], None] | None = None
    ahead: int = 0  # chunks compressed by a thread while the next are made (``ChunkDeflater.all``; 0: none)


# A zip entry's bytes, or its blocks in order (compressed as they come, never held whole), or its chunks.
# A block copied as it was deflated (``Deflated``) can only be one of a worksheet's blocks put in chunks.
Entry = bytes | Iterable[bytes | Deflated] | Chunked

# Chunks threads may hold to compress while the next are made (``ChunkDeflater.all``), and the threads: two, so
# that both cores compress while this one waits for them. None for now: on the large city the handing over (a
# future a chunk, turns of the GIL) cost what the other core saved, and more CPU (after a late file
# `datapackage.zip` 0.11 → 0.15 s wall, 0.22 s CPU; the renumbered worksheets of a new month no faster).
AHEAD = 0
THREADS = 2

# The earliest time a zip entry can carry; any fixed value would do.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Workbook properties are shown by Excel; a fixed date keeps the bytes stable.
WORKBOOK_EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True)
class EntryStamp:
    """What every entry of a written zip carries besides its contents: date, deflate level, permissions."""

    date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH
    # Deflate level 6 (zlib's default): on the published workbooks 4.4 times faster than 9 for
    # archives 6 % larger; at level 9 compressing was the largest single cost of a publish after
    # one new month (9 of 83 profiled seconds on a generated mall of 20 agencies over 24 months).
    level: int = 6
    mode: int = 0o644


# The project's own archives: nothing in them depends on when or where they were written.
FIXED = EntryStamp()


def zip_bytes(entries: Mapping[str, Entry], sort: bool = True, stamp: EntryStamp = FIXED) -> bytes:
    """A deflated zip of ``entries``, every entry stamped alike (fixed by default); see ``write_zip``."""
    buffer = io.BytesIO()
    write_zip(buffer, entries, sort, stamp)
    return buffer.getvalue()


def write_zip(out: BinaryIO, entries: Mapping[str, Entry], sort: bool = True, stamp: EntryStamp = FIXED) -> None:
    """Write the zip of ``zip_bytes`` into ``out`` (a seekable file: each entry's header is completed in place).

    An entry given as blocks is compressed block by block as they come (``writestr`` is the
    same writer fed once: the bytes are the same), so it is never held whole.
    """
    names = sorted(entries) if sort else list(entries)
    # Threads for the entries whose chunks are compressed ahead (``Chunked.ahead``), started once for the archive.
    threads = any(isinstance(data, Chunked) and data.ahead for data in entries.values())
    with (ThreadPoolExecutor(THREADS, thread_name_prefix="deflate") if threads else nullcontext()) as pool, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = stamp.mode << 16
            info.create_system = 3  # unix, whatever machine builds it
            data = entries[name]
            if isinstance(data, Chunked):
                with archive.open(info, "w") as entry:
                    # Each chunk's deflate data (compressed alone, taken back or copied: the same bytes)
                    # is written as zipfile writes what its compressor gives, and counted as it counts
                    # what it is given; the CRC-32 is combined from the chunks' (a chunk copied is never
                    # read). zipfile ends the entry: the compressor's final block, sizes, CRC.
                    deflater = entry._compressor = ChunkDeflater(  # type: ignore[attr-defined]
                        name, stamp.level, data.cache, data.check)
                    for made in deflater.all(data.chunks, data.ahead, pool):
                        _append(entry, *made)
                continue
            if isinstance(data, bytes):
                archive.writestr(info, data, compresslevel=stamp.level)
                continue
            info._compresslevel = stamp.level  # type: ignore[attr-defined]  # what writestr sets
            with archive.open(info, "w") as entry:
                for block in _plain(data):
                    entry.write(block)


def _plain(blocks: Iterable[bytes | Deflated]) -> Iterator[bytes]:
    """``blocks``, none of which may be a chunk copied as deflated (TypeError: only an entry deflated
    in chunks takes one)."""
    for block in blocks:
        if isinstance(block, Deflated):
            raise TypeError("a chunk deflated before outside an entry deflated in chunks")
        yield block


def _append(entry: IO[bytes], deflated: bytes, crc: int, size: int) -> None:
    """Put the deflate data of ``size`` bytes whose CRC-32 is ``crc`` into a zip entry being written."""
    if not size:
        return
    state: Any = entry  # zipfile's _ZipWriteFile: the counts it writes into the entry's header on close
    state._file_size += size
    state._crc = crc32_combine(state._crc, crc, size)
    state._compress_size += len(deflated)
    state._fileobj.write(deflated)


def workbook_bytes(workbook: Workbook, saved: datetime = WORKBOOK_EPOCH, author: str = "pipeline",
                   stamp: EntryStamp = FIXED,
                   edit: Callable[[dict[str, Entry]], None] | None = None,
                   chunks: ChunkCache | None = None) -> bytes:
    """Save ``workbook`` with fixed properties, check it holds no formula, rewrite its zip deterministically.

    ``saved`` and ``author`` are the properties Excel shows; ``stamp`` marks the zip entries;
    ``edit`` may change the entries (by name) before the check. With ``chunks``, each worksheet is
    deflated in chunks (``deflate_chunks.row_chunks``), those published last taken back from it.
    """
    buffer = io.BytesIO()
    write_workbook(buffer, workbook, saved, author, stamp, edit, chunks)
    return buffer.getvalue()


def write_workbook(out: BinaryIO, workbook: Workbook, saved: datetime = WORKBOOK_EPOCH, author: str = "pipeline",
                   stamp: EntryStamp = FIXED,
                   edit: Callable[[dict[str, Entry]], None] | None = None,
                   chunks: ChunkCache | None = None) -> None:
    """Write the workbook of ``workbook_bytes`` into ``out`` (a seekable file: a large workbook is never held whole)."""
    props = workbook.properties
    props.created = props.modified = saved
    props.creator = props.lastModifiedBy = author
    raw = io.BytesIO()
    # Stored, not deflated: this archive is only read back below, and compressing it twice
    # cost as much as the final compression.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        # ExcelWriter (unlike Workbook.save) leaves ``modified`` as set above.
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as archive:
        # Keep openpyxl's entry order: [Content_Types].xml must stay where Excel expects it.
        entries: dict[str, Entry] = {name: archive.read(name) for name in archive.namelist()}
    if edit is not None:
        edit(entries)
    if chunks is not None:
        # Each new chunk is checked as it is compressed; a chunk taken back was checked when it was.
        # With a workbook published last (not a first publish), the chunks not taken back are compressed by a thread.
        ahead = AHEAD if chunks.layout else 0
        entries = {name: Chunked(row_chunks((data,) if isinstance(data, bytes) else data), chunks, sheet_check(name),
                                 ahead)
                   if is_sheet(name) and not isinstance(data, Chunked) else data for name, data in entries.items()}
    # Every workbook the project writes passes here; an entry given as blocks is checked block by block.
    assert_no_formulas({name: data for name, data in entries.items() if isinstance(data, bytes)})
    write_zip(out, {name: data if isinstance(data, (bytes, Chunked)) else checked_blocks(name, _plain(data))
                    for name, data in entries.items()}, sort=False, stamp=stamp)
