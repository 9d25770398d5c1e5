"""Read the first sheet of an .xlsx workbook as the strings an agency typed."""

from __future__ import annotations

import io
import warnings
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from pipeline.core import periods
from pipeline.core.config import Limits
from pipeline.core.models import Problem
from pipeline.validate.messages import megabytes, problem
from pipeline.validate.row_limits import RowGate
from pipeline.validate.xlsx_zip import TOO_LARGE, ZipRefused, check_container

# Day zero of Excel's 1900 and 1904 date systems, as openpyxl converts them.
_EXCEL_EPOCHS = {date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1), date(1904, 1, 1)}


def read_xlsx(data: bytes, table: str, limits: Limits, gate: RowGate) -> tuple[list[list[str]], Problem | None]:
    """Rows of the first sheet (row 1 first) as text, or the error that stopped reading.

    The container is checked first (``pipeline.validate.xlsx_zip``); rows are then streamed from
    openpyxl's read-only iterator through ``gate``, which stops at the first limit broken.
    """
    if not data.startswith(b"PK\x03\x04"):
        kind = "text" if _looks_like_text(data) else None
        return [], problem("not-an-xlsx", kind, table=table)
    try:
        check_container(data, limits.max_xlsx_bytes)
    except ZipRefused as refused:
        if refused.kind == TOO_LARGE:
            return [], problem("xlsx-too-large", size_mb=megabytes(refused.size),
                               limit_mb=megabytes(limits.max_xlsx_bytes))
        return [], problem("not-an-xlsx", table=table)
    rows: list[list[str]] = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it ignores (data validation, styles).
            warnings.simplefilter("ignore")
            book = _load_workbook(data)
            try:
                sheet = book.worksheets[0]
                # Some writers store a wrong sheet size; without this, rows would be cut off.
                sheet.reset_dimensions()
                period = None
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells = _render_row(values, period)
                    if number == 1:
                        period = _period_column(cells)
                    if not gate.admit(number, cells):
                        break
                    rows.append(cells)
            finally:
                book.close()
    except Exception:  # noqa: BLE001 - any damaged workbook is the agency's problem, not a crash
        return [], problem("not-an-xlsx", table=table)
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows], None


def _load_workbook(data: bytes) -> Any:
    """Open a workbook read-only, without openpyxl's scan of every sheet for its size.

    openpyxl reads each sheet's size when it opens the workbook; in a sheet without a
    ``<dimension>`` element that means parsing the whole sheet (17 s for a sheet of a
    million rows), before a single row can be counted.  The size is reset before reading
    anyway, so the scan is skipped: sheets are built from a subclass without it while the
    workbook opens.
    """
    import openpyxl  # imported late: most submissions are CSV
    from openpyxl.reader import excel

    original = excel.ReadOnlyWorksheet
    excel.ReadOnlyWorksheet = _unsized_sheet_class(original)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    finally:
        excel.ReadOnlyWorksheet = original


@lru_cache(maxsize=1)
def _unsized_sheet_class(base: type) -> type:
    """A read-only sheet class that leaves its size unknown (rows are then read as they come)."""
    return type("UnsizedReadOnlyWorksheet", (base,), {"_get_size": lambda self: None})


def _period_column(header: list[str]) -> int | None:
    """Where the ``period`` column is in the header row, if anywhere."""
    keys = [cell.strip().lower() for cell in header]
    return keys.index("period") if "period" in keys else None


def _render_row(values: tuple[Any, ...], period: int | None) -> list[str]:
    """Every cell as text; a ``period`` typed as 2026-10 that Excel made a date reads back as 2026-10."""
    row = [render_cell(v) for v in values]
    if period is not None and period < len(values):
        value = values[period]
        if isinstance(value, datetime) and value.day == 1 and value.time() == time(0, 0):
            row[period] = periods.of_date(value)
    return row


def render_cell(value: Any) -> str:
    """A cell value as the text the agency typed: dates YYYY-MM-DD, times HH:MM, 1250 not 1250.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.date() in _EXCEL_EPOCHS and value.time() != time(0, 0):
            return _clock(value.time())  # a time-only cell stored as a day-zero serial
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps 15 significant digits; beyond that is binary noise (0.30000000000000004).
        return format(value, ".15g")
    return str(value)


def _clock(value: time) -> str:
    """A time as typed: HH:MM, with seconds only when there are some."""
    return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")


def _looks_like_text(data: bytes) -> bool:
    """True when the bytes look like a text (CSV) file rather than a damaged workbook."""
    head = data[:4096]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the 4096-byte slice is still text.
        if exc.start < len(head) - 3:
            return False
    return b"\x00" not in head
