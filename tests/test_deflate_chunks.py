"""Zip entries deflated in content-defined chunks (core/deflate_chunks.py): the chunks do not depend on
how the bytes arrive, the archive reads back (CRC checked), and an archive built with the chunks
of the one published last is byte for byte the archive built from nothing; a damaged index or a
changed archive only costs the compression again. Each chunk compressed anew is checked for
formulas; a chunk taken back was checked when it was compressed.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import random
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline.core import deflate_chunks
from pipeline.core.deflate_chunks import ChunkCache, Deflated, line_chunks, row_chunks
from pipeline.core.errors import PublishError
from pipeline.core.xlsx_cells import sheet_check
from pipeline.core.zipfiles import Chunked, EntryStamp, write_zip
from pipeline.publish import row_reuse
from pipeline.publish.row_reuse import Indexes
from pipeline.publish.table_files import xlsx_bytes
from tests.test_row_reuse import publish as publish_table


def pieces(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    """``data`` in blocks of the given sizes, in turn."""
    at, i = 0, 0
    while at < len(data):
        yield data[at:at + sizes[i % len(sizes)]]
        at += sizes[i % len(sizes)]
        i += 1


def csv_text(rows: int, seed: int = 1) -> bytes:
    """Lines of varied lengths (a CSV's)."""
    rng = random.Random(seed)
    return b"".join(b"%d,%s,%d\n" % (i, bytes(rng.choice(b"abcdefgh ") for _ in range(rng.randint(3, 80))),
                                      rng.randint(0, 10**6)) for i in range(rows))


def sheet_text(rows: int, first: int = 1) -> bytes:
    """A worksheet's XML with numbered rows."""
    return (b'<?xml version="1.0"?><worksheet><sheetData>'
            + b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x%d</t></is></c></row>' % (n, n, n * 7)
                       for n in range(first, first + rows)) + b"</sheetData></worksheet>")


@pytest.mark.parametrize("sizes", [[1 << 20], [7, 100_000, 3333], [1], [5_000_000]])
def test_line_chunks_do_not_depend_on_the_blocks(sizes: list[int]) -> None:
    data = csv_text(60_000)
    expected = list(line_chunks([data]))
    assert list(line_chunks(pieces(data, sizes))) == expected
    assert b"".join(expected) == data and len(expected) > 10
    # Each chunk but the last ends a line, holds at least LEAST bytes and at most MOST and a line.
    assert all(c.endswith(b"\n") and deflate_chunks.LEAST <= len(c) for c in expected[:-1])


def test_line_chunks_cut_a_long_unmarked_stretch_at_the_first_line_past_the_limit() -> None:
    data = csv_text(20_000)
    chunks = list(line_chunks(pieces(data, [4096]), mask=(1 << 30) - 1, least=100, most=10_000))
    assert b"".join(chunks) == data
    assert all(10_000 <= len(c) <= 10_000 + 200 and c.endswith(b"\n") for c in chunks[:-1])
    assert chunks == list(line_chunks([data], mask=(1 << 30) - 1, least=100, most=10_000))


@pytest.mark.parametrize("sizes", [[1 << 20], [5, 99_999, 123], [1]])
def test_row_chunks_cut_before_every_nth_row_whatever_the_blocks(sizes: list[int]) -> None:
    data = sheet_text(2000)
    chunks = list(row_chunks(pieces(data, sizes), every=256))
    assert b"".join(chunks) == data
    assert [c[:c.index(b">")] for c in chunks[1:]] == [b'<row r="%d"' % n for n in range(256, 2001, 256)]


def test_row_chunks_without_rows_cut_before_a_tag_past_the_limit() -> None:
    data = sheet_text(3000, first=10_001)  # no row number a multiple of ``every`` is reached
    chunks = list(row_chunks(pieces(data, [777]), every=1 << 30, most=5000))
    assert b"".join(chunks) == data and len(chunks) > 10
    assert all(c.startswith(b"<") for c in chunks)  # never inside a tag
    assert chunks == list(row_chunks([data], every=1 << 30, most=5000))


def archive(entries: dict[str, bytes], cache: ChunkCache) -> bytes:
    """A zip of ``entries``, each deflated in line chunks."""
    out = io.BytesIO()
    write_zip(out, {name: Chunked(line_chunks(pieces(data, [65536])), cache) for name, data in entries.items()})
    return out.getvalue()


def publish(folder: Path, entries: dict[str, bytes]) -> tuple[bytes, ChunkCache]:
    """Write the zip with the chunks of the one in ``folder`` and keep it and its index there."""
    cache = ChunkCache.load(folder / "a.zip.chunks", folder / "a.zip")
    data = archive(entries, cache)
    cache.close()
    (folder / "a.zip").write_bytes(data)
    (folder / "a.zip.chunks").write_bytes(cache.index(hashlib.sha256(data).hexdigest()))
    return data, cache


FIRST = {"a.csv": csv_text(40_000), "b.csv": csv_text(5000, seed=2), "empty.csv": b""}
# A line inserted in the middle of a.csv, b.csv unchanged.
SECOND = {**FIRST, "a.csv": FIRST["a.csv"][:1_000_000] + b"new,line\n" + FIRST["a.csv"][1_000_000:]}


def test_an_archive_built_with_kept_chunks_equals_one_built_from_nothing(tmp_path: Path) -> None:
    first, cache = publish(tmp_path, FIRST)
    assert first == archive(FIRST, ChunkCache()) and cache.hits == 0
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.testzip() is None and {n: zf.read(n) for n in zf.namelist()} == FIRST
    second, cache = publish(tmp_path, SECOND)
    total = sum(len(chunks) for chunks in cache.entries.values())
    assert second == archive(SECOND, ChunkCache())
    assert total - 3 <= cache.hits < total  # only the chunks around the new line are compressed
    with zipfile.ZipFile(io.BytesIO(second)) as zf:
        assert zf.testzip() is None and {n: zf.read(n) for n in zf.namelist()} == SECOND
    # Close to the size deflated whole.
    whole = sum(len(zlib.compress(data, 6)) for data in SECOND.values())
    assert len(second) < whole * 1.08 + 1000


@pytest.mark.parametrize("damage", ["archive", "index", "format", "body"])
def test_a_damaged_index_or_archive_only_costs_the_compression(tmp_path: Path, damage: str) -> None:
    publish(tmp_path, FIRST)
    path = tmp_path / ("a.zip" if damage == "archive" else "a.zip.chunks")
    data = path.read_bytes()
    if damage == "archive":  # a byte of the published archive changed
        path.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif damage == "index":
        path.write_bytes(b"{not json\n" + data.partition(b"\n")[2])
    elif damage == "format":  # written with another zlib
        path.write_bytes(data.replace(deflate_chunks.FORMAT.encode(), b"other zlib"))
    else:  # a record cut off
        path.write_bytes(data[:-1])
    second, cache = publish(tmp_path, SECOND)
    assert cache.hits == 0 and second == archive(SECOND, ChunkCache())


def test_each_new_chunk_is_checked_and_a_kept_one_is_not_checked_again(tmp_path: Path) -> None:
    sheet = sheet_text(3000)
    checked: list[bytes] = []

    def check(chunk: bytes) -> None:
        checked.append(chunk)
        sheet_check("xl/worksheets/sheet1.xml")(chunk)

    def build(data: bytes, cache: ChunkCache) -> bytes:
        out = io.BytesIO()
        write_zip(out, {"xl/worksheets/sheet1.xml": Chunked(row_chunks([data]), cache, check)})
        return out.getvalue()

    first = build(sheet, ChunkCache())
    assert b"".join(checked) == sheet  # every byte checked once
    (tmp_path / "a.zip").write_bytes(first)
    cache = ChunkCache()
    build(sheet, cache)
    (tmp_path / "a.zip.chunks").write_bytes(cache.index(hashlib.sha256(first).hexdigest()))
    # Row 1000 changed: only its chunk is compressed, and checked.
    changed = sheet.replace(b"<t>x7000</t>", b"<t>y7000</t>")
    checked.clear()
    cache = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    assert build(changed, cache) == build(changed, ChunkCache())
    assert len(checked) == 1 + len(list(row_chunks([changed]))) and b"y7000" in checked[0]
    # A formula in a new chunk stops the archive.
    with pytest.raises(PublishError, match="formula"):
        build(sheet.replace(b'<c r="A9" t="inlineStr"><is><t>x63</t></is></c>', b'<c r="A9"><f>1+1</f></c>'),
              ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip"))




SCHEMA: dict[str, Any] = {"name": "t", "fields": [{"name": "n", "type": "integer"}, {"name": "s", "type": "string"}]}


def write(folder: Path, records: list[dict[str, Any]]) -> tuple[dict[str, bytes], Indexes]:
    """A table's files written with the kept rows and chunks, put in place, their indexes kept."""
    return publish_table(folder, records, SCHEMA)


def test_a_table_workbook_takes_its_unchanged_chunks_back_and_equals_a_cold_one(tmp_path: Path) -> None:
    records = [{"n": i, "s": f"baris {i}"} for i in range(3000)]
    first, indexes = write(tmp_path, records)
    assert first["xlsx"] == xlsx_bytes(SCHEMA, records) and indexes.chunk_hits == {"t.xlsx": 0}
    changed = [*records[:2000], {"n": 2000, "s": "berubah"}, *records[2001:]]
    second, indexes = write(tmp_path, changed)
    assert second["xlsx"] == xlsx_bytes(SCHEMA, changed)
    assert indexes.chunk_hits["t.xlsx"] >= 10  # of 12 chunks: all but the changed row's (and the tail's)
    rows = list(load_workbook(io.BytesIO(second["xlsx"]), read_only=True).active.iter_rows(values_only=True))
    assert rows[0] == ("n", "s") and rows[2001] == (2000, "berubah") and len(rows) == 3001


def test_chunks_kept_by_other_code_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"n": i, "s": f"baris {i}"} for i in range(3000)]
    write(tmp_path, records)
    monkeypatch.setattr(row_reuse, "code_digest", lambda: "0" * 64)  # the pipeline's code changed
    second, indexes = write(tmp_path, records)
    assert indexes.chunk_hits == {"t.xlsx": 0} and second["xlsx"] == xlsx_bytes(SCHEMA, records)


def test_an_entry_read_as_inflated_gives_every_slice_as_bytes(tmp_path: Path) -> None:
    """``Inflated`` slices (within a chunk, across several, empty, whole) are the entry's bytes, as ``bytes``."""
    publish(tmp_path, FIRST)
    cache = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    try:
        inflated = cache.inflated("a.csv")
        assert inflated is not None and len(cache.layout["a.csv"]) > 3
        data = FIRST["a.csv"]
        assert len(inflated) == len(data)
        rng = random.Random(3)
        # Around every chunk's start (the chunks' lengths summed), and anywhere.
        starts = list(itertools.accumulate(size for _, _, size, _, _ in cache.layout["a.csv"]))
        cuts = [0, len(data)] + [n for at in starts[:-1] for n in (at - 1, at, at + 1)]
        spans = [(0, len(data)), (5, 5), (7, 3)] + [tuple(sorted(rng.sample(cuts + [rng.randrange(len(data))
                                                                                   for _ in range(4)], 2)))
                                                    for _ in range(200)]
        for start, stop in spans:
            piece = inflated[start:stop]
            assert type(piece) is bytes and piece == data[start:stop]
        assert inflated.find(b"\n") == data.find(b"\n") and inflated.rfind(b"\n") == data.rfind(b"\n")
    finally:
        cache.close()


SHEET = "xl/worksheets/sheet1.xml"


def sheet_zip(blocks: Iterable[bytes | Deflated], cache: ChunkCache, level: int = 6) -> bytes:
    """A zip of one worksheet given as ``blocks``, deflated in row chunks with ``cache``."""
    out = io.BytesIO()
    write_zip(out, {SHEET: Chunked(row_chunks(blocks), cache, sheet_check(SHEET))}, stamp=EntryStamp(level=level))
    return out.getvalue()


def kept_sheet(folder: Path, sheet: bytes, level: int = 6) -> ChunkCache:
    """The chunks of ``sheet`` zipped and kept in ``folder``, loaded back as the next run would."""
    cache = ChunkCache()
    data = sheet_zip([sheet], cache, level)
    (folder / "a.zip").write_bytes(data)
    (folder / "a.zip.chunks").write_bytes(cache.index(hashlib.sha256(data).hexdigest()))
    return ChunkCache.load(folder / "a.zip.chunks", folder / "a.zip")


def as_kept(cache: ChunkCache, copy: Callable[[int], bool], row: Callable[[int, bytes], int]) -> list[bytes | Deflated]:
    """The kept sheet's chunks in order: chunk ``n`` as it was deflated (claiming to start with row
    ``row(n, its bytes)``) when ``copy(n)``, else its bytes."""
    inflated = cache.inflated(SHEET)
    assert inflated is not None
    starts = inflated.starts
    blocks: list[bytes | Deflated] = []
    for n in range(len(starts) - 1):
        data = inflated[starts[n]:starts[n + 1]]
        blocks.append(inflated.deflated(n, row(n, data)) if copy(n) else data)
    return blocks


def first_row(n: int, data: bytes) -> int:
    """The number of the row ``data`` starts with (0 when it starts with none)."""
    return int(data[8:data.index(b'"', 8)]) if data.startswith(b'<row r="') else 0


def test_chunks_copied_as_deflated_give_the_archive_built_from_nothing(tmp_path: Path) -> None:
    sheet = sheet_text(3000)
    cold = sheet_zip([sheet], ChunkCache())
    cache = kept_sheet(tmp_path, sheet)
    blocks = as_kept(cache, lambda n: n % 3 != 1, first_row)
    copies = sum(isinstance(block, Deflated) for block in blocks)
    assert copies >= 6
    again = ChunkCache()
    assert sheet_zip(blocks, again) == cold
    # Every chunk copied but the first (the sheet's head: no row to start with) and the last (nothing
    # after it shows it ends a chunk: it is given on as it is, as the end of the entry).
    assert again.copied == copies - (1 if isinstance(blocks[0], Deflated) else 0)
    with zipfile.ZipFile(io.BytesIO(cold)) as zf:
        assert zf.testzip() is None and zf.read(SHEET) == sheet


def test_a_chunk_copied_where_it_would_not_be_cut_is_inflated_and_cut_as_any(tmp_path: Path) -> None:
    sheet = sheet_text(3000)
    cache = kept_sheet(tmp_path, sheet)
    # Claims to start with another row: its bytes are cut as any, the same archive.
    wrong = as_kept(cache, lambda n: n == 4, lambda n, data: first_row(n, data) + 1)
    again = ChunkCache()
    assert sheet_zip(wrong, again) == sheet_zip([sheet], ChunkCache()) and again.copied == 0
    # Followed by rows that do not start the next chunk (a row inserted after it).
    blocks = as_kept(cache, lambda n: n == 4, first_row)
    extra = b'<row r="0"></row>'
    changed = [*blocks[:5], extra, *blocks[5:]]
    plain = b"".join(block.inflate() if isinstance(block, Deflated) else block for block in changed)
    again = ChunkCache()
    assert sheet_zip(changed, again) == sheet_zip([plain], ChunkCache()) and again.copied == 0


def test_a_chunk_deflated_at_another_level_is_compressed_again(tmp_path: Path) -> None:
    sheet = sheet_text(3000)
    cache = kept_sheet(tmp_path, sheet, level=1)
    again = ChunkCache()
    assert sheet_zip(as_kept(cache, lambda n: True, first_row), again) == sheet_zip([sheet], ChunkCache())
    assert again.copied == 0 and again.hits == 0


def test_a_table_workbook_copies_its_chunks_of_rows_at_their_numbers(tmp_path: Path) -> None:
    records = [{"n": i, "s": f"baris {i}"} for i in range(3000)]
    write(tmp_path, records)
    # A row changed in place: the chunks of the rows at their numbers are copied as deflated.
    changed = [*records[:2000], {"n": 2000, "s": "berubah"}, *records[2001:]]
    second, indexes = write(tmp_path, changed)
    assert second["xlsx"] == xlsx_bytes(SCHEMA, changed)
    assert indexes.chunk_copies["t.xlsx"] >= 9  # of 12: not the head's, the changed row's, the tail's
    # A row inserted: the rows after it move, so only the chunks before it are copied.
    inserted = [*changed[:1000], {"n": -1, "s": "baru"}, *changed[1000:]]
    third, indexes = write(tmp_path, inserted)
    assert third["xlsx"] == xlsx_bytes(SCHEMA, inserted)
    assert 2 <= indexes.chunk_copies["t.xlsx"] <= 3
    # Rows dropped at the end: every chunk before them is copied, the new last one is not.
    fourth, indexes = write(tmp_path, inserted[:2700])
    assert fourth["xlsx"] == xlsx_bytes(SCHEMA, inserted[:2700])
    assert indexes.chunk_copies["t.xlsx"] >= 9


def kept_chunks(cache: ChunkCache, entry: str, data: bytes) -> list[bytes | Deflated]:
    """``kept_line_chunks`` of ``data`` with the chunks of ``entry`` published last (``cache``)."""
    return list(deflate_chunks.kept_line_chunks(lambda at, count: data[at:at + count], len(data), cache, entry))


def as_bytes(chunks: list[bytes | Deflated]) -> list[bytes]:
    """Each chunk's bytes (a chunk copied as deflated inflated)."""
    return [c.inflate() if isinstance(c, Deflated) else c for c in chunks]


BASE = csv_text(40_000, seed=3)
MIDDLE = len(BASE) // 2
# Each the bytes published next: the same; a line added, changed, removed, at the start, in the middle, at
# the end; the end without its last line break; nothing; every line new.
EDITS = {
    "same": BASE,
    "added": BASE[:MIDDLE] + b"\n".join([b"new,line"] * 3) + BASE[MIDDLE:],
    "changed": BASE.replace(b"20000,", b"20000,changed ", 1),
    "removed": BASE[:MIDDLE] + BASE[BASE.index(b"\n", MIDDLE) + 1:],
    "first": b"0,new first line\n" + BASE,
    "last": BASE + b"40000,a new last line,1\n",
    "cut": BASE[:BASE.rindex(b"\n", 0, len(BASE) - 1) + 1],
    "no line break at the end": BASE[:-1],
    "a tail without line break": BASE + b"40000,tail",
    "empty": b"",
    "other": csv_text(30_000, seed=4),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_kept_line_chunks_are_the_line_chunks_of_the_same_bytes(tmp_path: Path, edit: str) -> None:
    publish(tmp_path, {"a.csv": BASE})
    data = EDITS[edit]
    cache = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    try:
        chunks = kept_chunks(cache, "a.csv", data)
        assert as_bytes(chunks) == list(line_chunks([data]))
        copied = sum(isinstance(c, Deflated) for c in chunks)
        if edit in ("same", "added", "changed", "removed", "first", "last", "cut"):
            assert copied >= len(chunks) - 3  # only the chunks around the edit are read line by line
        if edit == "other":
            assert copied == 0
        # The zip built with them is the zip built from nothing.
        out = io.BytesIO()
        write_zip(out, {"a.csv": Chunked(chunks, cache)})
        assert out.getvalue() == archive({"a.csv": data}, ChunkCache())
    finally:
        cache.close()


def test_a_kept_chunk_whose_bytes_changed_is_read_again(tmp_path: Path) -> None:
    publish(tmp_path, {"a.csv": BASE})
    # The same first line of every chunk, a byte changed further in one: its SHA-256 is not the key.
    cache = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    at = cache.inflated("a.csv").starts[5] + 200  # type: ignore[union-attr]
    data = BASE[:at] + (b"X" if BASE[at:at + 1] != b"X" else b"Y") + BASE[at + 1:]
    try:
        chunks = kept_chunks(cache, "a.csv", data)
        assert as_bytes(chunks) == list(line_chunks([data]))
        assert not isinstance(chunks[5], Deflated) and isinstance(chunks[4], Deflated)
    finally:
        cache.close()


def test_kept_line_chunks_without_chunks_published_last_read_every_line(tmp_path: Path) -> None:
    data = EDITS["added"]
    for cache in (ChunkCache(), ChunkCache.load(tmp_path / "none.chunks", tmp_path / "none.zip")):
        chunks = kept_chunks(cache, "a.csv", data)
        assert chunks == list(line_chunks([data]))


def test_chunks_compressed_ahead_by_threads_give_the_same_archive_and_counts(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)

    def ahead(entries: dict[str, bytes], cache: ChunkCache) -> bytes:
        """``archive`` with the chunks keyed, looked for and compressed by threads (``ChunkDeflater.all``)."""
        out = io.BytesIO()
        write_zip(out, {name: Chunked(line_chunks(pieces(data, [65536])), cache, ahead=3)
                        for name, data in entries.items()})
        return out.getvalue()

    plain = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    threaded = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    assert ahead(SECOND, threaded) == archive(SECOND, plain) == archive(SECOND, ChunkCache())
    assert threaded.hits == plain.hits > 0 and threaded.entries == plain.entries
    plain.close()
    threaded.close()


def _same_ends(old: bytes, new: bytes) -> list[tuple[int, int, int]]:
    """The stretches of ``new`` that are bytes of ``old`` at its start and end (as a table's writer copies them)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return [stretch for stretch in ((0, 0, head), (len(new) - tail, len(old) - tail, tail)) if stretch[2]]


@pytest.mark.parametrize("edit", sorted(set(EDITS) - {"other"}))
def test_chunks_within_stretches_moved_are_taken_back_unread(tmp_path: Path, edit: str) -> None:
    """Stretches known to be bytes of the entry published last (``moved``) give its chunks without reading or
    hashing them: the chunks, and the zip, are those made from nothing; only the bytes around the edit are read."""
    publish(tmp_path, {"a.csv": BASE})
    data = EDITS[edit]
    cache = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    read: list[int] = []

    def reader(at: int, count: int) -> bytes:
        read.append(count)
        return data[at:at + count]

    try:
        moved = _same_ends(BASE, data)
        chunks = list(deflate_chunks.kept_line_chunks(reader, len(data), cache, "a.csv", moved))
        assert as_bytes(chunks) == list(line_chunks([data]))
        out = io.BytesIO()
        write_zip(out, {"a.csv": Chunked(chunks, cache)})
        assert out.getvalue() == archive({"a.csv": data}, ChunkCache())
        if edit in ("same", "added", "changed", "removed", "first", "last"):
            # The last byte and the chunks read line by line around the edit (and the heads looked up after them).
            assert sum(read) < len(data) // 10, sum(read)
            assert sum(isinstance(c, Deflated) for c in chunks) >= len(chunks) - 3
    finally:
        cache.close()


def test_the_files_an_archive_was_made_of_are_kept_in_its_index(tmp_path: Path) -> None:
    """``new_sources`` (each entry's file, by its SHA-256) is kept in the index and read back as ``sources``."""
    cache = ChunkCache()
    data = archive({"a.csv": BASE}, cache)
    cache.new_sources = {"a.csv": "ab" * 32}
    (tmp_path / "a.zip").write_bytes(data)
    (tmp_path / "a.zip.chunks").write_bytes(cache.index(hashlib.sha256(data).hexdigest()))
    loaded = ChunkCache.load(tmp_path / "a.zip.chunks", tmp_path / "a.zip")
    try:
        assert loaded.sources == {"a.csv": "ab" * 32} and loaded.layout
    finally:
        loaded.close()
    assert ChunkCache.load(tmp_path / "none.chunks", tmp_path / "a.zip").sources == {}
