"""After a new month a workbook's rows taken back from the one published last are not checked for formulas again
(they were when first compressed; renumbering changes only numbers): the rows written anew are checked as they are
made, and a formula among them still stops the publish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import PublishError
from pipeline.core.xlsx_cells import sheet_check
from pipeline.publish import row_reuse
from pipeline.publish.row_batches import Values
from pipeline.publish.row_reuse import SHEET, Indexes
from pipeline.publish.table_files import csv_bytes, json_bytes, table_bytes, xlsx_bytes
from tests.test_row_reuse import publish

SCHEMA: dict[str, Any] = {"name": "t", "fields": [
    {"name": "code", "type": "string"}, {"name": "day", "type": "date"}, {"name": "n", "type": "number"}]}


def _rows(count: int, prefix: str) -> list[dict[str, Any]]:
    """``count`` records of ``SCHEMA``."""
    return [{"code": f"{prefix}{i:05d}", "day": date(2026, 2, 1 + i % 28), "n": Decimal(i) / 8} for i in range(count)]


def test_rows_moved_down_by_new_ones_give_the_workbook_of_a_cold_write(tmp_path: Path) -> None:
    first = _rows(3_000, "b")
    publish(tmp_path, first, SCHEMA)
    second = [*_rows(5, "a"), *first]  # every kept row renumbered, in chunks compressed anew
    indexes = Indexes(tmp_path / "store", tmp_path / "data")
    files = table_bytes(SCHEMA, second, indexes, lambda csv: None)
    assert indexes.reused == {"t": 3_000}
    assert files == {"csv": csv_bytes(SCHEMA, second), "json": json_bytes(SCHEMA, second),
                     "xlsx": xlsx_bytes(SCHEMA, second)}


def test_a_formula_in_a_row_written_anew_is_found(tmp_path: Path) -> None:
    first = _rows(600, "b")
    publish(tmp_path, first, SCHEMA)
    kept = Indexes(tmp_path / "store", tmp_path / "data").kept("t", row_reuse.schema_digest(SCHEMA))
    assert kept is not None
    encoder = row_reuse.Encoder(["code", "day", "n"], [*first[:300], *_rows(1, "x"), *first[300:]], kept)

    def hostile(values: Sequence[Values], number: int) -> list[str]:
        """A writer that made a formula of a text (what the check is there for)."""
        return [f'<row r="{number + at}"><c r="A{number + at}"><f>HYPERLINK("x")</f></c></row>'
                for at in range(len(values))]

    with pytest.raises(PublishError, match=r"xl/worksheets/sheet1\.xml"):
        for _ in encoder.sheet_rows(hostile, [None, None, None], check=sheet_check(SHEET)):
            pass
    kept.close()
