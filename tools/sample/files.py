"""A file's bytes as the agency's spreadsheet program saved it: CSV in several dialects, or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from functools import cache

from openpyxl import Workbook

from pipeline.core.models import TABLES
from pipeline.core.zipfiles import EntryStamp, workbook_bytes
from pipeline.validate.schemas import CONTRACT
from tools.sample.clerk_errors import Table
from tools.sample.source import Intake, Key


@cache
def fields_of_type(kind: str) -> frozenset[str]:
    """The contract's fields of one type in the submitted tables."""
    return frozenset(name for table in TABLES for name, typ in CONTRACT[table].items() if typ == kind)


def file_name(intake: Intake, key: Key) -> str:
    """Path of a submission under the datasets folder."""
    period, agency, table = key
    return f"submissions/{period}/{agency}/{table}.{'xlsx' if key in intake.xlsx else 'csv'}"


def csv_bytes(intake: Intake, key: Key, table: Table) -> bytes:
    """A table as the agency's spreadsheet program would have saved it."""
    semicolon = key in intake.semicolon
    numbers = fields_of_type("number")
    header = [h for h in table.header if not (key in intake.no_notes and h == "notes")]
    buffer = io.StringIO()
    excel = semicolon or key in intake.bom or key in intake.cp1252
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow([f"{h.title()} " for h in header] if key in intake.title_headers else header)
    for row in table.rows:
        values = [row.get(h, "") for h in header]
        if semicolon:  # decimal comma in number columns
            values = [v.replace(".", ",") if h in numbers else v for h, v in zip(header, values, strict=True)]
        writer.writerow(values)
    text = buffer.getvalue()
    if key in intake.cp1252:
        return text.encode("cp1252")
    return text.encode("utf-8-sig" if key in intake.bom else "utf-8")


def cell(name: str, value: str) -> object:
    """A typed spreadsheet cell value (empty cells stay empty)."""
    if value == "":
        return None
    if name in fields_of_type("integer"):
        return int(value)
    if name in fields_of_type("number"):
        return float(value)
    if name in fields_of_type("date"):
        return date.fromisoformat(value)
    if name in fields_of_type("time"):
        return time.fromisoformat(value)
    return value


def xlsx_bytes(key: Key, table: Table, saved: datetime) -> bytes:
    """A table as a clerk's XLSX workbook, dated when it was saved (deterministic)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = key[2]
    sheet.append(table.header)
    for row in table.rows:
        sheet.append([cell(h, row.get(h, "")) for h in table.header])
    for column in sheet.iter_cols(min_row=2):
        for item in column:
            if isinstance(item.value, date):
                item.number_format = "yyyy-mm-dd"
            elif isinstance(item.value, time):
                item.number_format = "hh:mm"
    local = saved.replace(tzinfo=None)
    # Zip entries dated when saved, zlib's default level and owner-only permissions: how the
    # sample's workbooks were first written; another stamp would change the committed files.
    when = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    stamp = EntryStamp(date_time=when, level=6, mode=0o600)
    return workbook_bytes(workbook, saved=local, author="Operator Gerai", stamp=stamp)


def file_bytes(intake: Intake, key: Key, table: Table, saved: datetime) -> bytes:
    """The bytes of one submitted file in its format."""
    return xlsx_bytes(key, table, saved) if key in intake.xlsx else csv_bytes(intake, key, table)
