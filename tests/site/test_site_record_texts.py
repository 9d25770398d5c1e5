"""The records' texts kept from one build to the next (recordtexts.py): a record made from a row taken from the kept
rows takes the text the last build wrote for it, which is the text written anew; any other record is written."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import load_portal
from pipeline.site import recordtexts
from pipeline.site.build import write_texts
from pipeline.site.inputs_text import InputsText
from pipeline.site.loader import load_site_data
from tests.site.fixture_data import write_fixture

AS_OF = date(2026, 11, 28)


def _written(root: Path, code: str = "code", as_of: date = AS_OF) -> tuple[Any, InputsText, list[Any]]:
    """The site data of ``root`` read through the kept rows, its records' texts written as a build writes them,
    and the records whose texts were taken from those kept."""
    datasets, output = root / "datasets", root / "output"
    data = load_site_data(load_portal(datasets, output), as_of, keep_rows=True)
    texts = InputsText(digests=True)
    taken: list[Any] = []
    real = texts.know

    def spy(pairs: Any) -> None:
        pairs = list(pairs)
        taken.extend(record for record, _ in pairs)
        real(pairs)
    texts.know = spy  # type: ignore[method-assign]
    write_texts(texts, data, code)
    for records in recordtexts.records_of(data).values():
        for record in records:  # each text, taken or written, is the digest of the record's repr
            assert texts.text(record) == "#" + hashlib.sha256(repr(record).encode("utf-8", "surrogatepass")).hexdigest()
    return data, texts, taken


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A tiny published output whose site holds the copies of the CSVs its kept rows are read from."""
    write_fixture(tmp_path)
    shutil.copytree(tmp_path / "output" / "data", tmp_path / "output" / "site" / "data")
    return tmp_path


def test_the_records_of_unchanged_and_patched_rows_take_their_kept_texts(root: Path) -> None:
    data, _, taken = _written(root)
    assert taken == []  # nothing kept yet
    assert set(data.origins) == set(recordtexts.TABLES)
    data, _, taken = _written(root)
    every = [r for records in recordtexts.records_of(data).values() for r in records]
    assert {id(r) for r in taken} == {id(r) for r in every}  # every row kept as it was
    # One performance row changed: the rows are patched from the kept ones (the live copy is the CSV they were read
    # from); only that row's record is written anew.
    csv = root / "output" / "data" / "performance.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    head = lines[0].split(",")
    cells = lines[2].split(",")
    cells[head.index("applications_received")] = "4321"
    lines[2] = ",".join(cells)
    csv.write_text("".join(lines), encoding="utf-8")
    data, _, taken = _written(root)
    assert data.origins["performance"].at.count(None) == 1
    changed = data.performance[1]
    assert changed.received == 4321 and all(r is not changed for r in taken)
    assert len(taken) == len(every) - 1


@pytest.mark.parametrize("other", ["code", "as_of", "damaged"])
def test_texts_kept_under_another_code_or_date_or_damaged_are_not_taken(root: Path, other: str) -> None:
    _written(root)
    _written(root)  # the rows kept, the texts kept with them
    if other == "damaged":
        path = root / "output" / "site-cache" / recordtexts.FILE_NAME
        path.write_bytes(path.read_bytes()[:-10])
    _, _, taken = _written(root, code="other" if other == "code" else "code",
                           as_of=date(2026, 11, 29) if other == "as_of" else AS_OF)
    assert taken == []


def test_records_the_loader_sorts_take_the_texts_of_their_own_rows(root: Path) -> None:
    # The history tables and agendas are published month first and sorted agency first by the loader: their texts
    # are taken and kept by their rows' places, not by the records' sorted places (each text checked in _written).
    for table in ("agendas", "agenda_history", "decision_history"):
        for folder in ("data", "site/data"):
            csv = root / "output" / folder / f"{table}.csv"
            head, *rows = csv.read_text(encoding="utf-8").splitlines(keepends=True)
            csv.write_text(head + "".join(reversed(rows)), encoding="utf-8")
    data, _, _ = _written(root)
    moved = [table for table in ("agendas", "agenda_history", "decision_history")
             if (order := data.origins[table].order) is not None and order != sorted(order)]
    assert {"agenda_history", "decision_history"} <= set(moved)  # records put in another order than their rows
    data, _, taken = _written(root)
    every = [r for records in recordtexts.records_of(data).values() for r in records]
    assert {id(r) for r in taken} == {id(r) for r in every}
    # A row gone (the live copy keeps it): every later row's place moves by one, and each record still takes the text
    # of its own row.
    for table in ("agenda_history", "decision_history"):
        csv = root / "output" / "data" / f"{table}.csv"
        head, _, *rows = csv.read_text(encoding="utf-8").splitlines(keepends=True)
        csv.write_text(head + "".join(rows), encoding="utf-8")
    data, _, taken = _written(root)
    assert len(taken) == len(every) - 2
