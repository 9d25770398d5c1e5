"""Rows published last are taken back from the data files by content (publish/row_reuse.py), and the
files are byte for byte those written from scratch; a damaged or stale index, or a published file
changed by hand, only costs the encoding again, never a wrong byte.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.publish import row_reuse
from pipeline.publish.row_reuse import Indexes
from pipeline.publish.table_files import csv_bytes, json_bytes, table_bytes, xlsx_bytes

SCHEMA: dict[str, Any] = {"name": "t", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"},
    {"name": "n", "type": "number"}, {"name": "note", "type": "string"}]}


def row(code: str, day: int, n: str, note: str | None = None) -> dict[str, Any]:
    """One record as build_tables gives them (typed values)."""
    return {"code": code, "day": date(2026, 1, day), "n": Decimal(n), "note": note}


# Row 3 of the first publish (the second record) holds the text 3" (three inches): renumbering it by
# replacing 3" would change the text too.
FIRST = [row("a", 1, "1"), row("b", 2, "2.50", 'pipa 3" / 3" pipe'), row("c", 3, "-0.0"),
         row("d", 4, "7", "baris\nkedua"), row("e", 5, "1E+2")]
# One new row before the second (every later row moves down one), one changed value.
SECOND = [FIRST[0], row("a2", 9, "4"), FIRST[1], FIRST[2], row("d", 4, "8", "baris\nkedua"), FIRST[4]]


def cold(records: list[dict[str, Any]]) -> dict[str, bytes]:
    """The three files written from scratch (the reference writers)."""
    return {"csv": csv_bytes(SCHEMA, records), "json": json_bytes(SCHEMA, records),
            "xlsx": xlsx_bytes(SCHEMA, records)}


def publish(tmp_path: Path, records: list[dict[str, Any]],
            schema: dict[str, Any] = SCHEMA) -> tuple[dict[str, bytes], Indexes]:
    """Encode the table with the kept index and files, put the files in place, keep the index."""
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    files = table_bytes(schema, records, indexes, lambda csv: None)
    (tmp_path / "data").mkdir(exist_ok=True)
    for ext, data in files.items():
        (tmp_path / "data" / f"t.{ext}").write_bytes(data)
    indexes.save()
    return files, indexes


def test_kept_rows_are_taken_back_and_the_files_equal_a_cold_write(tmp_path: Path) -> None:
    first, indexes = publish(tmp_path, FIRST)
    assert first == cold(FIRST)
    assert indexes.reused == {"t": 0}
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4}  # a, b, c and e; the new a2 and the changed d are encoded
    assert second == cold(SECOND)



def test_indexes_are_saved_unflushed_and_one_cut_short_is_not_used(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache: the indexes (a city's indicators index is 16 MB) are written without an ``fsync``; one that a power
    loss left short fails its checks and every row is encoded again, the files as a cold write's."""
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    publish(tmp_path, FIRST)
    assert synced == [] and (tmp_path / "store" / "published-rows" / "t.idx").is_file()
    monkeypatch.setattr(os, "fsync", real)
    index = tmp_path / "store" / "published-rows" / "t.idx"
    index.write_bytes(index.read_bytes()[:-5])
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0} and second == cold(SECOND)

def test_a_damaged_index_is_not_used(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    index = tmp_path / "store" / "published-rows" / "t.idx"
    head, _, body = index.read_bytes().partition(b"\n")
    # The first two rows' digests swapped: without the digests' checksum, a's line would stand for b.
    index.write_bytes(head + b"\n" + body[16:32] + body[:16] + body[32:])
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0}
    assert second == cold(SECOND)


def test_a_published_file_changed_by_hand_is_not_read_back(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    path = tmp_path / "data" / "t.json"
    path.write_bytes(path.read_bytes().replace(b'"code": "a"', b'"code": "z"'))
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0}
    assert second == cold(SECOND)


def test_an_index_of_other_code_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(tmp_path, FIRST)
    monkeypatch.setattr(row_reuse, "code_digest", lambda: "0" * 64)  # the pipeline's code changed
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0}
    assert second == cold(SECOND)


def test_a_row_whose_text_holds_its_number_is_written_again() -> None:
    kept = b'<row r="3"><c r="A3" t="inlineStr"><is><t>pipa 3"</t></is></c>'
    assert row_reuse._renumbered(kept, 3, 4) is None
    plain = b'<row r="3"><c r="A3" t="inlineStr"><is><t>b</t></is></c><c r="B3" t="n"><v>13</v></c>'
    assert row_reuse._renumbered(plain, 3, 14) == (
        b'<row r="14"><c r="A14" t="inlineStr"><is><t>b</t></is></c><c r="B14" t="n"><v>13</v></c></row>')
    assert row_reuse._renumbered(plain, 4, 5) is None  # not the row the index says


def test_many_rows_read_back_from_the_mapped_files_while_their_pages_are_let_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No line break in any text: the CSV's lines are taken back too. Pages are let go after every
    # few pieces, so each piece is read again from the file after a release; the offsets are found
    # 64 bytes at a time, shorter than a JSON line or a worksheet row.
    monkeypatch.setattr(row_reuse, "_RELEASE_PIECES", 3)
    monkeypatch.setattr(row_reuse, "_SCAN", 64)
    first = [row(f"k{i:04d}", 1 + i % 28, f"{i}.5", "é" * (i % 7)) for i in range(3000)]
    second = [*first[:1000], row("new", 2, "9"), *first[1000:2999], row("k2999", 1, "0")]
    files, indexes = publish(tmp_path, first)
    assert files == cold(first) and indexes.reused == {"t": 0}
    files, indexes = publish(tmp_path, second)
    assert indexes.reused == {"t": 2999}  # all but the new row and the changed last one
    assert files == cold(second)
    assert files["csv"].count(b"\n") == 3002 and b"k1000,2026-01-21,1000.5" in files["csv"]


def test_a_value_changed_in_place_copies_the_rows_around_it_in_stretches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A late correction: one value changes, no row moves. The kept rows before and after it are
    # copied from the published files in stretches (worksheet rows included: same numbers), never
    # one by one; a stretch is at most _SPAN rows.
    monkeypatch.setattr(row_reuse, "_SPAN", 100)
    first = [row(f"k{i:04d}", 1 + i % 28, f"{i}.5") for i in range(1000)]
    second = [*first[:500], row("k0500", 1, "99"), *first[501:]]
    publish(tmp_path, first)
    kept = Indexes(tmp_path / "store", tmp_path / "data").kept("t", row_reuse.schema_digest(SCHEMA))
    assert kept is not None
    encoder = row_reuse.Encoder(["code", "day", "n", "note"], second, kept)
    assert encoder.runs() == [(0, 100, 0), (100, 100, 100), (200, 100, 200), (300, 100, 300), (400, 100, 400),
                              (500, 1, -1), (501, 100, 501), (601, 100, 601), (701, 100, 701), (801, 100, 801),
                              (901, 99, 901)]
    kept.close()
    singles: list[int] = []
    renumbered = row_reuse._renumbered

    def one_by_one(kept: bytes, old: int, new: int) -> bytes | None:
        singles.append(old)
        return renumbered(kept, old, new)

    monkeypatch.setattr(row_reuse, "_renumbered", one_by_one)
    files, indexes = publish(tmp_path, second)
    assert indexes.reused == {"t": 999}
    assert files == cold(second)
    assert singles == []  # every kept row came in a stretch


def test_a_write_block_of_kept_stretches_stays_about_a_megabyte() -> None:
    # 1,024 stretches of 1,024 kept lines each made one 377 MB write block for the indicators' JSON.
    from pipeline.publish.table_files import _blocks
    stretches = [b"x" * 400_000] * 6 + [b"y"] * 2000
    sizes = [(len(block), sum(map(len, block))) for block in _blocks(stretches)]
    assert sizes == [(3, 1_200_000), (3, 1_200_000), (1024, 1024), (976, 976)]


def _no_scan(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Record every scan of a published file for line or row ends (the separators scanned for)."""
    scanned: list[bytes] = []
    real = row_reuse._ends

    def counted(buffer: Any, sep: bytes, start: int, end: int) -> Any:
        scanned.append(sep)
        return real(buffer, sep, start, end)

    monkeypatch.setattr(row_reuse, "_ends", counted)
    return scanned


def _index(tmp_path: Path) -> tuple[dict[str, Any], bytes]:
    head, _, body = (tmp_path / "store" / "published-rows" / "t.idx").read_bytes().partition(b"\n")
    return json.loads(head), body


def test_recorded_lengths_spare_the_scan_and_give_the_bytes_of_a_cold_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index records each row's CSV, JSON and worksheet lengths: the next run finds the kept rows
    without scanning the files (a CSV line holding a line break included) and writes the cold bytes."""
    publish(tmp_path, FIRST)
    header, body = _index(tmp_path)
    assert header["lengths"] == ["csv", "json", "xlsx"] and len(body) == len(FIRST) * (16 + 3 * 8)
    scanned = _no_scan(monkeypatch)
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4}
    assert second == cold(SECOND)
    assert scanned == []
    third, indexes = publish(tmp_path, FIRST)  # and back: the lengths recorded by a run that took rows back
    assert indexes.reused == {"t": 4} and third == cold(FIRST) and scanned == []


def test_an_index_without_lengths_falls_back_to_scanning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index recording no lengths (or only some) still serves: the files are scanned for the rest."""
    publish(tmp_path, FIRST)
    header, body = _index(tmp_path)
    digests = body[:16 * len(FIRST)]
    for recorded in ([], ["json"]):
        kept = digests + (body[16 * len(FIRST) + 8 * len(FIRST):16 * len(FIRST) + 16 * len(FIRST)]
                          if recorded else b"")
        (tmp_path / "store" / "published-rows" / "t.idx").write_bytes(
            json.dumps({**header, "lengths": recorded, "digests": row_reuse._sha(kept)}).encode() + b"\n" + kept)
        kept_rows = Indexes(tmp_path / "store", tmp_path / "data").kept("t", row_reuse.schema_digest(SCHEMA))
        assert kept_rows is not None
        assert kept_rows.csv is None  # scanned: the quoted line break makes the CSV's lines unusable
        kept_rows.close()
    scanned = _no_scan(monkeypatch)
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND)
    assert b"</row>" in scanned and b"\n" in scanned and b",\n" not in scanned  # the JSON's were recorded


def test_damaged_or_foreign_lengths_are_not_used(tmp_path: Path) -> None:
    """Lengths changed without the index's checksum, or written in another byte order, void the index;
    lengths that do not fit the files are not used either."""
    publish(tmp_path, FIRST)
    header, body = _index(tmp_path)
    path = tmp_path / "store" / "published-rows" / "t.idx"
    at = 16 * len(FIRST)  # the first row's CSV length
    damaged = body[:at] + (int.from_bytes(body[at:at + 8], sys.byteorder) + 1).to_bytes(8, sys.byteorder) + \
        body[at + 8:]
    key = row_reuse.schema_digest(SCHEMA)
    for changed in ({**header}, {**header, "digests": row_reuse._sha(damaged)}):
        path.write_bytes(json.dumps(changed).encode() + b"\n" + damaged)
        kept = Indexes(tmp_path / "store", tmp_path / "data").kept("t", key)
        # A checksum that does not match voids the index; one that does (lengths off by one byte) leaves
        # CSV lines that do not end the file as recorded: they are not used.
        assert kept is None if changed == header else kept is not None and kept.csv is None
        if kept is not None:
            kept.close()
    other = "big" if sys.byteorder == "little" else "little"
    path.write_bytes(json.dumps({**header, "byteorder": other}).encode() + b"\n" + body)
    assert Indexes(tmp_path / "store", tmp_path / "data").kept("t", key) is None
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0} and second == cold(SECOND)


def test_a_workbook_copied_whole_keeps_its_rows_lengths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unchanged table's workbook is copied as it was: its rows' recorded lengths are kept for the next run."""
    publish(tmp_path, FIRST)
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    files = table_bytes(SCHEMA, FIRST, indexes, lambda csv: tmp_path / "data" / "t.xlsx")
    assert files == cold(FIRST)
    indexes.save()
    header, body = _index(tmp_path)
    assert header["lengths"] == ["csv", "json", "xlsx"]
    scanned = _no_scan(monkeypatch)
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND) and scanned == []


def test_a_kept_worksheet_is_read_back_chunk_by_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook deflated in chunks is read back one chunk at a time (deflate_chunks.Inflated), never
    inflated whole into a temporary file; with one chunk held at a time, rows read out of order inflate
    their chunk again, and the files are those of a cold write."""
    from pipeline.core.deflate_chunks import Inflated

    def no_temporary_file(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the sheet was inflated whole")

    first = [row(f"k{i:04d}", 1 + i % 28, f"{i}.5") for i in range(3000)]
    # New rows in three places (rows renumbered across many chunks), one changed, two swapped.
    second = [row("a", 1, "1"), *first[:1000], row("new", 2, "9"), *first[1000:1500], first[1501], first[1500],
              *first[1502:2999], row("k2999", 1, "0"), row("z", 3, "3")]
    publish(tmp_path, first)
    monkeypatch.setattr(row_reuse.tempfile, "TemporaryFile", no_temporary_file)
    monkeypatch.setattr(Inflated, "HELD", 1)
    files, indexes = publish(tmp_path, second)
    assert indexes.reused == {"t": 2999}
    assert files == cold(second)


def test_a_kept_worksheet_without_its_chunks_is_inflated_whole(tmp_path: Path) -> None:
    """No chunk index for the workbook (removed, or written by other code): its sheet is inflated into a
    temporary file as before, and the files are those of a cold write."""
    publish(tmp_path, FIRST)
    (tmp_path / "store" / "published-rows" / "t.xlsx.chunks").unlink()
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND)


def _count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the data files' code hashes from now on, by name ("mapped": one mapped for its rows' index)."""
    hashed: list[str] = []
    real_sha, real_file_sha = row_reuse._mapped_sha, row_reuse.file_sha
    monkeypatch.setattr(row_reuse, "_mapped_sha", lambda buffer: hashed.append("mapped") or real_sha(buffer))
    monkeypatch.setattr(row_reuse, "file_sha", lambda path: hashed.append(path.name) or real_file_sha(path))
    return hashed


def test_published_files_that_last_are_checked_by_stat_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A published file whose stat is kept with its SHA-256 (``files.json``) is not hashed again by the
    next run; one changed since (another stat) is hashed, and a hand-made change is never taken back."""
    from pipeline.publish import reuse
    monkeypatch.setattr(reuse, "RACY_NS", 0)  # the files count as lasting at once (else: 2 s after their write)
    publish(tmp_path, FIRST)
    stats = json.loads((tmp_path / "store" / "published-rows" / row_reuse.STATS).read_bytes())
    assert set(stats) == {"t.csv", "t.json", "t.xlsx"}
    hashed = _count_hashing(monkeypatch)
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND) and hashed == []
    path = tmp_path / "data" / "t.json"
    path.write_bytes(path.read_bytes().replace(b'"code": "a2"', b'"code": "zz9"'))  # by hand: another size
    third, indexes = publish(tmp_path, FIRST)
    # The CSV still by its stat; the JSON hashed, found changed: nothing taken back.
    assert hashed == ["mapped"] and indexes.reused == {"t": 0} and third == cold(FIRST)


def test_a_damaged_stat_record_only_costs_the_hashing(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    (tmp_path / "store" / "published-rows" / row_reuse.STATS).write_bytes(b'{"t.csv": [1, 2], "t.json": "x"')
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND)


def _written_now(tmp_path: Path, files: dict[str, bytes]) -> dict[str, list[Any]]:
    """What the publish step tells the site stage of the data files it wrote (``run._written``), by their bytes."""
    import hashlib

    from pipeline.publish.run import _written
    return _written(tmp_path / "data", {f"t.{ext}": hashlib.sha256(data).hexdigest() for ext, data in files.items()})


def test_files_written_too_late_to_last_are_settled_later_in_the_run(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Files put in place just before the indexes were saved get no stat then (``reuse.lasting_stat``); later in
    the same run (after the site build) ``settle_stats`` keeps theirs, and the next run hashes none of them."""
    from pipeline.core import treehash
    first, _ = publish(tmp_path, FIRST)
    stats_path = tmp_path / "store" / "published-rows" / row_reuse.STATS
    assert not stats_path.exists() or json.loads(stats_path.read_bytes()) == {}  # written just now: none lasts
    written = _written_now(tmp_path, first)
    assert row_reuse.settle_stats(tmp_path / "store", tmp_path / "data", written) == set()  # not lasting yet
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # as if the site build had taken its seconds
    assert row_reuse.settle_stats(tmp_path / "store", tmp_path / "data", written) == {"t.csv", "t.json", "t.xlsx"}
    hashed = _count_hashing(monkeypatch)
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 4} and second == cold(SECOND) and hashed == []


def test_a_file_changed_since_the_swap_is_never_settled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose stat is not the one taken after the swap (changed by hand since), or whose SHA-256 as written
    is not the one its index records, gets no stat: the next run hashes it and takes nothing back from it."""
    from pipeline.core import treehash
    first, _ = publish(tmp_path, FIRST)
    written = _written_now(tmp_path, first)
    path = tmp_path / "data" / "t.json"
    path.write_bytes(path.read_bytes().replace(b'"code": "a"', b'"code": "z"'))  # same size, later stat
    name = treehash.entry_name(f"{os.path.abspath(tmp_path / 'data')}/t.csv")
    written[name] = [*written[name][:-1], "0" * 64]  # the CSV as if written with other bytes
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    assert row_reuse.settle_stats(tmp_path / "store", tmp_path / "data", written) == {"t.xlsx"}
    second, indexes = publish(tmp_path, SECOND)
    assert indexes.reused == {"t": 0} and second == cold(SECOND)


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 1000])
def test_starts_made_a_block_at_a_time_are_the_offsets(count: int) -> None:
    """``Starts`` gives every start ``_offsets`` gives (each piece's, then the end), at and across block edges,
    from either end, whatever order they are asked for in; and a bisection over it finds what it finds there."""
    from array import array
    from bisect import bisect_left
    lengths = array("q", [(n * 7919) % 97 + 1 for n in range(count)])
    eager = row_reuse._offsets(lengths, 5)
    lazy = row_reuse.Starts(lengths, 5)
    assert len(lazy) == len(eager) == count + 1
    assert [lazy[n] for n in reversed(range(count + 1))] == list(reversed(eager))
    assert lazy[-1] == eager[-1] and list(lazy[3:300]) == list(eager[3:300])
    for n in range(0, count + 1, 37):
        assert bisect_left(lazy, eager[n]) == bisect_left(eager, eager[n]) == n
    with pytest.raises(IndexError):
        lazy[count + 1]


def test_the_csv_stretches_copied_from_the_one_published_last_are_told(tmp_path: Path) -> None:
    """``TableFiles.moved``: the SHA-256 of the CSV published last and each stretch of the new CSV copied from it,
    where it was there (the zip takes their chunks back unread): bytes of that file, every kept line among them."""
    import hashlib

    from pipeline.publish.table_files import start_table
    first, _ = publish(tmp_path, FIRST)
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    out = tmp_path / "out"
    out.mkdir()
    table = start_table(SCHEMA, SECOND, indexes, lambda csv: None, out)
    table.finish()
    assert table.moved is not None
    sha, moved = table.moved
    new = (out / "t.csv").read_bytes()
    assert sha == hashlib.sha256(first["csv"]).hexdigest() and new == cold(SECOND)["csv"]
    assert moved and all(new[at:at + n] == first["csv"][there:there + n] for at, there, n in moved)
    # a, then b and c, then e: three stretches, every kept line's bytes.
    assert len(moved) == 3 and sum(n for _, _, n in moved) == sum(
        len(line) + 1 for line in first["csv"].split(b"\n")[1:] if line.startswith((b"a,", b"b,", b"c,", b"e,")))
