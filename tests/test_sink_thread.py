"""A file written and hashed by a thread (core/sink_thread.py): the bytes and SHA-256 of a plain write, views of
a mapped file written without a copy, a failure raised in the caller naming the file; and a table's files made
from views of those published last equal to a cold write."""

from __future__ import annotations

import hashlib
import mmap
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.sink_thread import ThreadedSink
from pipeline.publish import row_reuse, table_files
from pipeline.publish.row_reuse import Indexes
from pipeline.publish.table_files import csv_bytes, json_bytes, table_bytes, xlsx_bytes


def test_pieces_and_views_are_written_in_order_with_their_sha256(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_bytes(bytes(range(256)) * 40_000)  # 10 MB
    done: list[int] = []
    with open(source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        # Short pieces (a short view copied) gathered; a long view handed as it is; long pieces of their own over
        # ``held``: the caller waits for the thread before handing the next.
        pieces: list[bytes | memoryview] = [b"head,", view[5:700_000], b"x" * 10, b"", view[3_000_000:9_000_000],
                                            b"y" * 300_000, b"z" * 2_000_000, b"w" * 1_500_000, b"tail\n"]
        sink = ThreadedSink(tmp_path / "out", held=1 << 20)
        for n, piece in enumerate(pieces):
            sink.write(piece, (lambda n=n: done.append(n)) if isinstance(piece, memoryview) else None)
        expected = b"".join(bytes(piece) for piece in pieces)
        sink.end()
        assert sink.sha256() == hashlib.sha256(expected).hexdigest()
        del pieces, piece
        view.release()  # the thread holds no view once waited for: the mapping can close
    assert (tmp_path / "out").read_bytes() == expected
    assert sink.size == len(expected)
    assert done == [1, 4]


def test_a_failed_write_is_raised_in_the_caller_naming_the_file(tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    sink = ThreadedSink(Path("/dev/full"))
    sink.write(b"z" * (1 << 20))
    with pytest.raises(OSError) as failure:
        sink.sha256()
    assert failure.value.filename == "/dev/full"


def test_it_is_told_once_the_file_is_whole_and_closed_never_after_a_failure(tmp_path: Path) -> None:
    told: list[tuple[Path, bytes]] = []
    with ThreadedSink(tmp_path / "out", closed=lambda path: told.append((path, path.read_bytes()))) as sink:
        sink.write(b"a" * (3 << 20))
        sink.write(b"b")
    sink.wait()
    assert told == [(tmp_path / "out", b"a" * (3 << 20) + b"b")]  # the file whole when told (its writeback starts)
    if os.path.exists("/dev/full"):
        failed = ThreadedSink(Path("/dev/full"), closed=lambda path: told.append((path, b"")))
        failed.write(b"z" * (1 << 20))
        with pytest.raises(OSError):
            failed.sha256()
        assert len(told) == 1


def test_a_failure_of_the_caller_stops_the_thread_and_is_the_one_raised(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="the caller's"), ThreadedSink(tmp_path / "out") as sink:
        sink.write(b"a" * (1 << 20))
        raise ValueError("the caller's")
    assert not sink._thread.is_alive()


SCHEMA: dict[str, Any] = {"name": "t", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"},
    {"name": "n", "type": "number"}, {"name": "note", "type": "string"}]}


def _rows(count: int, changed: int = -1, prefix: str = "c") -> list[dict[str, Any]]:
    """``count`` records of ``SCHEMA`` (the ``changed``-th with another figure)."""
    return [{"code": f"{prefix}{i:05d}", "day": date(2026, 1, 1 + i % 28), "n": Decimal(i + (i == changed)) / 4,
             "note": None if i % 3 else f'catatan "{i}"\nbaris'} for i in range(count)]


@pytest.mark.parametrize("view", [row_reuse._VIEW, 5_000])  # one view of many kept stretches, or many views
def test_kept_stretches_written_as_views_give_the_bytes_of_a_cold_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       view: int) -> None:
    monkeypatch.setattr(row_reuse, "_VIEW", view)
    first = _rows(5_000)
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    files = table_bytes(SCHEMA, first, indexes, lambda csv: None)
    (tmp_path / "data").mkdir()
    for ext, data in files.items():
        (tmp_path / "data" / f"t.{ext}").write_bytes(data)
    indexes.save()
    # A row changed, rows inserted inside and at both ends, one removed: kept stretches between them.
    second = _rows(5_000, changed=2_500)
    second = [*_rows(1, prefix="a"), *second[:1_200], *_rows(3, prefix="m"), *second[1_201:], *_rows(2, prefix="z")]
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    again = table_bytes(SCHEMA, second, indexes, lambda csv: None)
    assert indexes.reused["t"] == 4_998
    assert again == {"csv": csv_bytes(SCHEMA, second), "json": json_bytes(SCHEMA, second),
                     "xlsx": xlsx_bytes(SCHEMA, second)}


def test_the_csv_and_json_written_by_threads_start_their_writeback_once_whole(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    files = table_bytes(SCHEMA, _rows(3_000), indexes, lambda csv: None)
    (tmp_path / "data").mkdir()
    for ext, data in files.items():
        (tmp_path / "data" / f"t.{ext}").write_bytes(data)
    indexes.save()
    told: dict[str, bytes] = {}
    monkeypatch.setattr(table_files, "flush_ahead", lambda paths: told.update({p: Path(p).read_bytes() for p in paths}))
    second = _rows(3_000, changed=1_500)
    again = table_bytes(SCHEMA, second, Indexes(tmp_path / "store", tmp_path / "data"), lambda csv: None)
    # Each told once written whole (its flush to disk started then, in a thread), the workbook not (written here).
    assert {Path(p).name: data for p, data in told.items()} == {"t.csv": again["csv"], "t.json": again["json"]}


def test_a_stretch_of_rows_is_renumbered_at_once_as_one_by_one() -> None:
    rows = [b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>b</t></is></c><c r="B%d" t="n"><v>%d</v></c>' % (n, n, n, n)
            for n in range(998, 1003)]
    span = b"</row>".join(rows)
    moved = row_reuse._renumbered_all(span, 998, 1_001, 5)
    assert moved is not None
    assert [row + b"</row>" for row in moved] == [row_reuse._renumbered(row, n, n + 3)
                                                  for n, row in zip(range(998, 1003), rows, strict=True)]
    # A text holding a row's number, or a row not at the number the index says: none of the stretch so.
    held = rows[:2] + [b'<row r="1000"><c r="A1000" t="inlineStr"><is><t>pipa 1000"</t></is></c>'] + rows[3:]
    assert row_reuse._renumbered_all(b"</row>".join(held), 998, 1_001, 5) is None
    assert row_reuse._renumbered_all(span, 997, 1_001, 5) is None
    assert row_reuse._renumbered_all(span, 998, 1_001, 4) is None
