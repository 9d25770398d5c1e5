"""A large table's workbook is made by a forked child (publish/workbook_child.py) while the parent writes the
CSV, the JSON and the rest: real forks, real files. The files and the row index are byte for byte those of
one process, whenever the child is started; its failure fails the table, and a child still at work when the
parent fails is killed before the parent's clean-up."""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import PublishError
from pipeline.core.xlsx_cells import MAX_CELL_CHARS
from pipeline.publish import run, table_files, workbook_child
from pipeline.publish.row_reuse import EXTENSIONS, Indexes
from pipeline.publish.table_files import csv_bytes, json_bytes, start_table, write_table, xlsx_bytes
from pipeline.publish.workbook_child import BLOCK, Pickled, Written
from pipeline.runner import isolate

SCHEMA: dict[str, Any] = {"name": "t", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"}, {"name": "n", "type": "number"},
    {"name": "count", "type": "integer"}, {"name": "done", "type": "boolean"}, {"name": "note", "type": "string"}]}
ROWS = 2 * BLOCK + 300  # three pieces, the last one short


def record(n: int) -> dict[str, Any]:
    """A record with a value of every kind the published tables hold (None included)."""
    return {"code": f"k{n % 37}", "day": date(2026, 1, 1 + n % 28), "n": Decimal(n) / 8 if n % 5 else Decimal("-0"),
            "count": n * 1_000_003 if n % 3 else None, "done": n % 2 == 0,
            "note": None if n % 4 else f"catatan <{n}> & \"kutip\" é"}


RECORDS = [record(n) for n in range(ROWS)]


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child for a table of any size (the tables here are small)."""
    monkeypatch.setattr(workbook_child, "FORK", True)
    monkeypatch.setattr(workbook_child, "FORK_ROWS", 1)


def written(tmp_path: Path, name: str, records: list[dict[str, Any]],
            fork: Callable[[], bool] | None) -> tuple[dict[str, bytes], Indexes, dict[str, Any]]:
    """The table's three files written (the workbook by a child when ``fork`` allows), its kept index, its sinks."""
    folder = tmp_path / name / "data"
    folder.mkdir(parents=True)
    indexes = Indexes(tmp_path / name / "store", tmp_path / name / "published", folder)
    table = start_table(SCHEMA, records, indexes, lambda csv: None, folder, fork)
    sinks = table.finish()
    return {ext: (folder / f"t.{ext}").read_bytes() for ext in EXTENSIONS}, indexes, sinks


def one_process(tmp_path: Path) -> tuple[dict[str, bytes], Indexes]:
    """The files and index as ``write_table`` makes them, all in this process."""
    folder = tmp_path / "alone" / "data"
    folder.mkdir(parents=True)
    indexes = Indexes(tmp_path / "alone" / "store", tmp_path / "alone" / "published", folder)
    write_table(SCHEMA, RECORDS, indexes, lambda csv: None, folder)
    return {ext: (folder / f"t.{ext}").read_bytes() for ext in EXTENSIONS}, indexes


def test_pickled_rows_read_back_as_the_rows_themselves() -> None:
    values = [tuple(r.values()) for r in RECORDS]
    pickled = Pickled(values)
    assert len(pickled) == ROWS and len(pickled.pieces) == 3
    assert list(pickled[0:ROWS]) == values
    for start, stop in [(0, BLOCK), (BLOCK - 5, BLOCK + 5), (BLOCK, 2 * BLOCK), (2 * BLOCK, ROWS + 10), (7, 7)]:
        assert pickled[start:stop] == values[start:stop]
    assert pickled[::500] == values[::500]
    assert pickled[-1] == values[-1] and pickled[BLOCK + 1] == values[BLOCK + 1]
    assert [type(v) for v in pickled[3]] == [type(v) for v in values[3]]  # a decimal stays a decimal
    with pytest.raises(IndexError):
        pickled[ROWS]


@pytest.mark.usefixtures("forking")
@pytest.mark.parametrize("when", [0, 1, 2, 400])
def test_the_files_and_the_index_are_those_of_one_process_whenever_the_child_starts(tmp_path: Path, when: int) -> None:
    # ``fork`` says no ``when`` times (another child still runs), then yes; 400: never (more than the stretches).
    asked: list[int] = []

    def fork() -> bool:
        asked.append(os.getpid())
        return len(asked) > when

    files, indexes, sinks = written(tmp_path, "split", RECORDS, fork)
    alone, alone_indexes = one_process(tmp_path)
    assert files == alone
    assert files == {"csv": csv_bytes(SCHEMA, RECORDS), "json": json_bytes(SCHEMA, RECORDS),
                     "xlsx": xlsx_bytes(SCHEMA, RECORDS)}
    assert indexes.new == alone_indexes.new  # digests, the three files' line lengths, styles, SHA-256
    assert indexes.new_chunks == alone_indexes.new_chunks
    assert set(asked) == {os.getpid()}  # asked here only
    forked = when < len(asked)
    assert isinstance(sinks["xlsx"], Written) == forked
    assert {ext: (sink.size, sink.sha256()) for ext, sink in sinks.items()} == \
        {ext: (len(data), hashlib.sha256(data).hexdigest()) for ext, data in alone.items()}


@pytest.mark.usefixtures("forking")
def test_a_table_not_asked_to_fork_or_too_small_is_made_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, sinks = written(tmp_path, "none", RECORDS, None)
    assert not isinstance(sinks["xlsx"], Written)
    monkeypatch.setattr(workbook_child, "FORK_ROWS", ROWS + 1)
    _, _, sinks = written(tmp_path, "small", RECORDS, lambda: True)
    assert not isinstance(sinks["xlsx"], Written)


@pytest.mark.usefixtures("forking")
def test_a_text_too_long_for_a_cell_fails_the_table_from_the_child(tmp_path: Path) -> None:
    records = [*RECORDS[:10], {**RECORDS[10], "note": "x" * (MAX_CELL_CHARS + 1)}]
    with pytest.raises(PublishError, match="t") as raised:
        written(tmp_path, "long", records, lambda: True)
    with pytest.raises(PublishError) as here:
        xlsx_bytes(SCHEMA, records)
    assert str(raised.value) == str(here.value)  # the same words as when made in this process


@pytest.mark.usefixtures("forking")
def test_a_child_killed_is_a_failure_naming_the_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(table_files, "_sheet", killed)
    with pytest.raises(PublishError, match=r"publish \(t\.xlsx\).*SIGKILL"):
        written(tmp_path, "killed", RECORDS, lambda: True)


@pytest.mark.usefixtures("forking")
def test_a_failure_here_kills_the_child_before_the_caller_cleans_up(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    start = workbook_child.start

    def started(table: str, make: Callable[[], workbook_child.Sheet]) -> workbook_child.Pending:
        def slow() -> workbook_child.Sheet:
            signal.pause()  # never answers unless killed
            return make()
        pending = start(table, slow)
        pids.append(pending.child.pid)
        return pending

    def broken(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workbook_child, "start", started)
    monkeypatch.setattr(table_files, "_write_together", lambda *args: (args[4](), broken())[1])
    with pytest.raises(OSError, match="No space"):
        written(tmp_path, "full", RECORDS, lambda: True)
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # killed and waited for already


def test_the_side_child_is_idle_only_once_it_answered(tmp_path: Path) -> None:
    # A workbook's child is started only then (publish/run.py): three processes' memory went over the peak.
    gate = tmp_path / "gate"
    os.mkfifo(gate)

    def waits() -> Any:
        with open(gate, "rb") as fh:
            fh.read()
        return {}, None, None

    side = run._Side(isolate.start("publish (feedback)", waits, died=PublishError))
    assert not side.idle()
    with open(gate, "wb"):
        pass  # the child reads the end of the pipe and answers
    side.thread.join(timeout=60)
    assert side.idle() and side.result() == ({}, None, None)
    assert run._Staged(lambda: ({}, None, None)).idle()  # type: ignore[arg-type]
