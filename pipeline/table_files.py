"""A published table as CSV, JSON and XLSX bytes, in its schema's field order."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from pipeline.detzip import workbook_bytes
from pipeline.rowcodec import number_text, ordered_json

Record = dict[str, Any]


def field_names(schema: dict[str, Any]) -> list[str]:
    """The schema's field names in order."""
    return [f["name"] for f in schema["fields"]]


def cell_text(value: Any) -> str:
    """How a typed value is written in the published CSV (frictionless default formats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, float)):
        return number_text(value)
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    return str(value)


def csv_bytes(schema: dict[str, Any], records: list[Record]) -> bytes:
    """UTF-8 CSV without BOM, LF line ends, comma delimiter, header row first."""
    names = field_names(schema)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for record in records:
        writer.writerow([cell_text(record.get(name)) for name in names])
    return buffer.getvalue().encode("utf-8")


def json_bytes(schema: dict[str, Any], records: list[Record]) -> bytes:
    """An array of typed records (numbers as numbers, dates as ISO strings)."""
    names = field_names(schema)
    return ordered_json([{name: record.get(name) for name in names} for record in records])


def _xlsx_value(value: Any) -> Any:
    """A value Excel stores natively (exact decimals become numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, datetime):
        # Excel has no time zones: write local wall time as text to keep the offset visible.
        return value.isoformat()
    return value


_FORMATS = {"date": "yyyy-mm-dd", "time": "hh:mm:ss"}


def xlsx_bytes(schema: dict[str, Any], records: list[Record]) -> bytes:
    """One sheet named after the table: bold header row, typed cells, deterministic bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = schema["name"][:31]
    names = field_names(schema)
    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = [_FORMATS.get(f["type"]) for f in schema["fields"]]
    for record in records:
        sheet.append([_xlsx_value(record.get(name)) for name in names])
    for column, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)
