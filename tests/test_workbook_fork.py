"""After a change, a large table's workbook is made by a child forked for it (publish/workbook_fork.py) while this
process writes the CSV, the JSON and the rest: real forks, real files. The files, the row index and the chunk
index are byte for byte those made in one process (and those written from scratch); the child's error is raised
here in its own words; a child killed fails the table; a table closed unfinished kills and reaps its child."""

from __future__ import annotations

import os
import signal
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import PublishError
from pipeline.core.xlsx_cells import MAX_CELL_CHARS
from pipeline.publish import table_files, workbook_child, workbook_fork
from pipeline.publish.row_reuse import EXTENSIONS, Indexes
from pipeline.publish.table_files import csv_bytes, json_bytes, start_table, xlsx_bytes

SCHEMA: dict[str, Any] = {"name": "t", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"}, {"name": "n", "type": "number"},
    {"name": "count", "type": "integer"}, {"name": "note", "type": "string"}]}


def record(n: int, note: str | None = None) -> dict[str, Any]:
    """A record with values of the kinds the published tables hold."""
    return {"code": f"k{n:05d}", "day": date(2026, 1, 1 + n % 28), "n": Decimal(n) / 8,
            "count": n * 1_000_003 if n % 3 else None, "note": note or (None if n % 4 else f"catatan <{n}> & é")}


FIRST = [record(n) for n in range(3000)]  # a dozen chunks of the sheet (``row_chunks``: 256 rows each)
# A new month's kind of change: rows inserted early (every later row renumbered), one changed in place.
SECOND = [*FIRST[:40], record(90_001), record(90_002), *FIRST[40:2000], record(2000, "berubah"), *FIRST[2001:]]
THIRD = [*SECOND[:2500], record(90_003), *SECOND[2500:]]


@pytest.fixture(autouse=True)
def small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table of any size counts as large (these are small)."""
    monkeypatch.setattr(workbook_child, "FORK_ROWS", 1)


def publish(root: Path, records: list[dict[str, Any]]) -> tuple[dict[str, bytes], Indexes, bool]:
    """Write the table with the index and files published last in ``root``, put them in place, keep the index;
    gives the files, the indexes and whether a child made the workbook."""
    folder = root / "new"
    folder.mkdir(parents=True)
    indexes = Indexes(root / "store", root / "data", folder)
    table = start_table(SCHEMA, records, indexes, lambda csv: None, folder)
    forked = table.child is not None
    try:
        table.finish()
    finally:
        table.close()
    (root / "data").mkdir(exist_ok=True)
    files = {}
    for ext in EXTENSIONS:
        files[ext] = (folder / f"t.{ext}").read_bytes()
        (folder / f"t.{ext}").replace(root / "data" / f"t.{ext}")
    folder.rmdir()
    indexes.save()
    return files, indexes, forked


def test_the_files_and_indexes_are_those_of_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = {}
    for fork in (True, False):
        monkeypatch.setattr(workbook_fork, "FORK", fork)
        root = tmp_path / str(fork)
        made = [publish(root, records) for records in (FIRST, SECOND, THIRD)]
        assert [forked for _, _, forked in made] == [False, fork, fork]  # a first publish never forks
        runs[fork] = made
    for n, records in enumerate((FIRST, SECOND, THIRD)):
        (files, indexes, _), (alone, alone_indexes, _) = runs[True][n], runs[False][n]
        assert files == alone == {"csv": csv_bytes(SCHEMA, records), "json": json_bytes(SCHEMA, records),
                                  "xlsx": xlsx_bytes(SCHEMA, records)}
        assert indexes.new == alone_indexes.new  # digests, the three files' line lengths, styles, SHA-256
        assert indexes.new_chunks == alone_indexes.new_chunks
        assert (indexes.reused, indexes.chunk_hits, indexes.chunk_copies) == \
            (alone_indexes.reused, alone_indexes.chunk_hits, alone_indexes.chunk_copies)
    # What the child recorded is used by the next run: the third run took rows and chunks back.
    assert runs[True][2][1].reused["t"] == len(SECOND) and runs[True][2][1].chunk_copies["t.xlsx"] > 0


def test_the_childs_error_is_raised_here_in_its_words(tmp_path: Path) -> None:
    publish(tmp_path, FIRST)
    records = [*FIRST[:10], record(10, "x" * (MAX_CELL_CHARS + 1)), *FIRST[11:]]
    with pytest.raises(PublishError) as raised:
        publish(tmp_path, records)
    with pytest.raises(PublishError) as here:
        xlsx_bytes(SCHEMA, records)
    assert str(raised.value) == str(here.value)


def test_a_child_killed_is_a_failure_of_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    publish(tmp_path, FIRST)
    monkeypatch.setattr(table_files, "_forked_sheet", killed)  # in the child, forked after this
    with pytest.raises(PublishError, match=r"publish \(workbook\).*SIGKILL"):
        publish(tmp_path, SECOND)


def test_a_table_closed_unfinished_kills_and_reaps_its_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def waits(*args: Any) -> None:
        signal.pause()

    publish(tmp_path, FIRST)
    monkeypatch.setattr(table_files, "_forked_sheet", waits)
    folder = tmp_path / "failed"
    folder.mkdir()
    table = start_table(SCHEMA, SECOND, Indexes(tmp_path / "store", tmp_path / "data", folder), lambda csv: None,
                        folder)
    assert table.child is not None
    pid = table.child.pid
    table.close()  # (this process failed elsewhere)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already
