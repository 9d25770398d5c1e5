"""A large table's workbook is offered to the side child (publish/workbook_child.py) while this process writes
the CSV, the JSON and the rest: real forks, real pipes, real files. The files and the row index are byte for
byte those of one process, whether the child made the workbook or this process took the offer back; the
child's failure fails the stage."""

from __future__ import annotations

import functools
import hashlib
import os
import select
import signal
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import PublishError
from pipeline.core.xlsx_cells import MAX_CELL_CHARS
from pipeline.publish import table_files, workbook_child
from pipeline.publish.row_reuse import EXTENSIONS, Indexes
from pipeline.publish.table_files import csv_bytes, handed_sheet, json_bytes, start_table, write_table, xlsx_bytes
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


class Side:
    """A real forked child acting as publish/run.py's side child: it waits for ``gate`` (a FIFO), then takes the
    workbook offered, if any, and answers with what it made."""

    def __init__(self, tmp_path: Path, json_late: bool = False) -> None:
        """``json_late``: the child, its workbook made, asks for the JSON's token only once this process took it (as
        a child still writing the store's files when this process is done with the rest of the data files)."""
        self.gate = tmp_path / "gate"
        os.mkfifo(self.gate)
        self.handoff = workbook_child.Handoff()

        def taken() -> None:
            """Until this process read the JSON's token (the pipe, still open here, holds nothing to read)."""
            while select.select([self.handoff.token_r], [], [], 0)[0]:
                time.sleep(0.005)

        def side() -> workbook_child.Sheet | None:
            self.handoff.forked(child=True)
            with open(self.gate, "rb") as fh:
                fh.read()
            return handed_sheet(self.handoff, taken if json_late else lambda: None)

        self.child = isolate.start("publish (feedback)", side, died=PublishError)
        self.handoff.forked(child=False)
        self.answer = functools.cache(self.child.result)  # taken once, read as often as asked (as run._Side's)
        self.handoff.answer = self.answer

    def answered(self) -> None:
        """Wait until the child answered (its answer kept for ``answer``)."""
        self.answer()

    def open(self) -> None:
        """Let the child go on."""
        with open(self.gate, "wb"):
            pass


def written(tmp_path: Path, name: str, records: list[dict[str, Any]],
            handoff: workbook_child.Handoff | None, before: Callable[[], None] = lambda: None,
            ) -> tuple[dict[str, bytes], Indexes, dict[str, Any]]:
    """The table's three files written (the workbook offered through ``handoff``), its kept index, its sinks;
    ``before`` runs once the CSV and JSON are written, before the workbook is made or waited for."""
    folder = tmp_path / name / "data"
    folder.mkdir(parents=True)
    indexes = Indexes(tmp_path / name / "store", tmp_path / name / "published", folder)
    table = start_table(SCHEMA, records, indexes, lambda csv: None, folder, handoff)
    before()
    try:
        sinks = table.finish()
    finally:
        if handoff is not None:
            handoff.close()
        table.close()
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
    assert Pickled.of(pickled.pieces, ROWS)[BLOCK:BLOCK + 3] == values[BLOCK:BLOCK + 3]
    with pytest.raises(IndexError):
        pickled[ROWS]


@pytest.fixture
def small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook of any size offered (the tables here are small)."""
    monkeypatch.setattr(workbook_child, "FORK_ROWS", 1)


@pytest.mark.usefixtures("small_tables")
@pytest.mark.parametrize("maker", ["child", "json here", "here"])
def test_the_files_and_the_index_are_those_of_one_process_whoever_makes_the_workbook(
        tmp_path: Path, maker: str) -> None:
    side = Side(tmp_path, json_late=maker == "json here")
    if maker == "child":
        side.open()  # the child takes the offer at once; this process waits until it made the workbook and JSON
        files, indexes, sinks = written(tmp_path, "split", RECORDS, side.handoff, side.answered)
    elif maker == "json here":  # the child took the workbook, is not done when this process is: the JSON made here
        side.open()
        files, indexes, sinks = written(tmp_path, "split", RECORDS, side.handoff,
                                        lambda: side.handoff._sender.join())  # type: ignore[union-attr]
    else:  # the child still busy once the rest is written: this process takes the offer back
        files, indexes, sinks = written(tmp_path, "split", RECORDS, side.handoff)
        side.open()
    answer = side.answer()
    alone, alone_indexes = one_process(tmp_path)
    assert files == alone
    assert files == {"csv": csv_bytes(SCHEMA, RECORDS), "json": json_bytes(SCHEMA, RECORDS),
                     "xlsx": xlsx_bytes(SCHEMA, RECORDS)}
    assert indexes.new == alone_indexes.new  # digests, the three files' line lengths, styles, SHA-256
    assert indexes.new_chunks == alone_indexes.new_chunks
    assert isinstance(sinks["xlsx"], Written) == (maker != "here") == (answer is not None)
    assert isinstance(sinks["json"], Written) == (maker == "child")  # the table's JSON made with its workbook
    assert answer is None or (answer.json is not None) == (maker == "child")  # made once, by one of the two
    assert list(sinks) == ["csv", "json", "xlsx"]
    assert {ext: (sink.size, sink.sha256()) for ext, sink in sinks.items()} == \
        {ext: (len(data), hashlib.sha256(data).hexdigest()) for ext, data in alone.items()}


@pytest.mark.usefixtures("small_tables")
def test_one_workbook_is_offered_and_none_when_the_table_is_small_or_none_is_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, sinks = written(tmp_path, "none", RECORDS, None)
    assert not isinstance(sinks["xlsx"], Written)
    monkeypatch.setattr(workbook_child, "FORK_ROWS", ROWS + 1)
    side = Side(tmp_path)
    _, _, sinks = written(tmp_path, "small", RECORDS, side.handoff)
    assert not side.handoff.offered and not isinstance(sinks["xlsx"], Written)
    side.open()
    assert side.answer() is None  # told that nothing is left to offer: it stops waiting


@pytest.mark.usefixtures("small_tables")
def test_a_text_too_long_for_a_cell_fails_the_table_from_the_child(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_child, "TAKE_BACK", False)
    records = [*RECORDS[:10], {**RECORDS[10], "note": "x" * (MAX_CELL_CHARS + 1)}]
    side = Side(tmp_path)
    side.open()
    with pytest.raises(PublishError) as raised:
        written(tmp_path, "long", records, side.handoff)
    with pytest.raises(PublishError) as here:
        xlsx_bytes(SCHEMA, records)
    assert str(raised.value) == str(here.value)  # the same words as when made in this process


@pytest.mark.usefixtures("small_tables")
def test_a_child_killed_making_it_is_a_failure_of_the_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(table_files, "_sheet", killed)  # in the child, forked after this
    monkeypatch.setattr(workbook_child, "TAKE_BACK", False)
    side = Side(tmp_path)
    side.open()
    with pytest.raises(PublishError, match=r"publish \(feedback\).*SIGKILL"):
        written(tmp_path, "killed", RECORDS, side.handoff)


def test_the_tables_large_enough_to_hand_are_written_first_only_when_a_child_may_take_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.core.models import PUBLISHED_TABLES
    from pipeline.publish.datapackage import _order

    monkeypatch.setattr(workbook_child, "FORK_ROWS", 3)
    tables: dict[str, list[Any]] = {name: [] for name in PUBLISHED_TABLES}
    tables["indicators"], tables["performance"], tables["agencies"] = [{}] * 5, [{}] * 3, [{}] * 2
    assert _order(tables, None, None) == list(PUBLISHED_TABLES)  # no side child: the published order
    handed = _order(tables, workbook_child.Handoff(), None)
    assert handed[:2] == ["performance", "indicators"]  # those it may take, in the published order
    assert handed[2:] == [name for name in PUBLISHED_TABLES if name not in ("performance", "indicators")]


def test_the_pieces_are_read_as_they_come_and_a_pipe_ending_inside_one_is_a_failure() -> None:
    read, write = os.pipe()
    pieces = workbook_child.Received(os.fdopen(read, "rb"))
    with os.fdopen(write, "wb", buffering=0) as pipe:
        workbook_child._put(pipe, b"first")
        assert pieces[0] == b"first"  # not waiting for the end of the pipe (the sender still holds it open)
        workbook_child._put(pipe, b"second")
    assert pieces[1] == b"second" and len(pieces) == 2
    with pytest.raises(IndexError):
        pieces[2]
    read, write = os.pipe()
    with os.fdopen(write, "wb", buffering=0) as pipe:
        pipe.write((10).to_bytes(8, "little") + b"short")  # the sender died inside a piece
    with pytest.raises(PublishError, match="came short"):
        workbook_child.Received(os.fdopen(read, "rb"))[0]
