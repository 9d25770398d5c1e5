"""A long table's workbook is deflated faster (level 1), a short one's smaller (level 6), both readable."""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline.core.deflate_chunks import END, row_chunks
from pipeline.publish import table_files

SCHEMA: dict[str, Any] = {"name": "t", "fields": [{"name": "n", "type": "integer"}, {"name": "s", "type": "string"}]}


@pytest.mark.parametrize("rows", [50, 120])
def test_level_follows_the_length_and_both_writers_agree(rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the threshold at 100 rows: 50 rows at level 6, 120 at level 1; the fast writer and
    openpyxl's give the same bytes, and the sheet reads back."""
    monkeypatch.setattr(table_files, "BULK_ROWS", 100)
    records = [{"n": i, "s": f"baris {i} " * 20} for i in range(rows)]
    fast = table_files.xlsx_bytes(SCHEMA, records)
    assert fast == table_files.openpyxl_xlsx_bytes(SCHEMA, records)
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        raw = archive.read(sheet)
    # Python's zipfile leaves the header's level bits at 0: the level shows in the deflated size
    # (the sheet is deflated in chunks, each alone and flushed, then a final empty block).
    sizes = {level: sum(len((c := zlib.compressobj(level, zlib.DEFLATED, -15)).compress(chunk)
                            + c.flush(zlib.Z_FULL_FLUSH)) for chunk in row_chunks([raw])) + len(END)
             for level in (1, 6)}
    assert sizes[1] != sizes[6] and sheet.compress_size == sizes[1 if rows >= 100 else 6]
    cells = [row for row in load_workbook(io.BytesIO(fast), read_only=True).active.iter_rows(values_only=True)]
    assert cells[0] == ("n", "s") and len(cells) == rows + 1 and cells[-1][0] == rows - 1
