"""Templates for agencies, generated from the submitted tables' schemas: CSV and XLSX.

Besides the three general templates, each active agency gets its own workbooks
(``<agency>/<table>.xlsx``): its code already filled in, its services listed in the
performance template, a drop-down list on every coded column (the schema's lists, the
agency's own services), date columns formatted and checked as dates, and a guide sheet that
says every rule in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.core.config import Portal, read_config_file, schemas_root
from pipeline.core.errors import ConfigError
from pipeline.core.models import TABLES
from pipeline.core.rowcodec import json_object
from pipeline.core.xlsx_cells import force_text
from pipeline.core.zipfiles import workbook_bytes
from pipeline.publish.reuse import Files, Reuse, inputs_key

# Rows that get the drop-down lists: far more than any agency sends in a month.
LAST_ROW = 1000
TYPE_LABELS = {
    "string": ("teks", "text"),
    "integer": ("bilangan bulat", "whole number"),
    "number": ("angka, boleh desimal", "number, decimals allowed"),
    "date": ("tanggal TTTT-BB-HH", "date YYYY-MM-DD"),
    "time": ("jam JJ:MM", "time HH:MM"),
    "boolean": ("true atau false", "true or false"),
}
TEXT_TYPES = ("string", "date", "time")
GUIDE_HEADER = ("Kolom / Field", "Jenis / Type", "Wajib / Required", "Aturan", "Rules",
                "Contoh / Example", "Keterangan", "Description")


def submitted_schema(portal: Portal, table: str) -> dict[str, Any]:
    """The Table Schema agencies fill in for ``table``."""
    path = portal.schemas_dir / f"{table}.json"
    try:
        return json_object(read_config_file(schemas_root(portal.datasets), f"schemas/{table}.json"))
    except (OSError, ValueError) as exc:
        raise ConfigError([f"{path}: skema tidak terbaca / schema unreadable ({exc})"]) from None


# A field's constraints in words, in the order the guide lists them: (key, Indonesian, English).
RULE_WORDS = (
    ("enum", "salah satu dari: {}", "one of: {}"),
    ("minimum", "paling kecil {}", "at least {}"),
    ("maximum", "paling besar {}", "at most {}"),
    ("maxLength", "paling banyak {} karakter", "at most {} characters"),
    ("pattern", "{}", "{}"),
)
# Patterns of the contract's schemas said in words; another pattern is described by its example.
PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$": (
        ("huruf, angka, titik, garis bawah atau tanda hubung, tanpa spasi, diawali huruf atau angka, paling "
         "banyak 64 karakter"),
        ("letters, digits, dots, underscores or hyphens, no spaces, starting with a letter or digit, at most "
         "64 characters")),
    r"^https?://[^\s]+$": ("alamat web lengkap yang diawali http:// atau https://, tanpa spasi",
                           "a full web address starting with http:// or https://, no spaces"),
    r"^[0-9]{4}-(0[1-9]|1[0-2])$": ("tahun dan bulan: empat angka tahun, tanda hubung, dua angka bulan",
                                   "year and month: four digits of year, a hyphen, two digits of month"),
    r"^[a-z][a-z0-9-]{1,31}$": ("kode instansi dari daftar instansi (huruf kecil, angka, tanda hubung)",
                               "an agency code from the list of agencies (lowercase letters, digits, hyphens)"),
    r"^[a-z][a-z0-9-]{1,63}$": ("kode layanan dari daftar layanan (huruf kecil, angka, tanda hubung)",
                               "a service code from the list of services (lowercase letters, digits, hyphens)"),
}


def pattern_words(field: dict[str, Any]) -> tuple[str, str]:
    """A field's pattern in words (never a regular expression)."""
    found = PATTERN_WORDS.get(field.get("constraints", {}).get("pattern", ""))
    if found:
        return found
    example = field.get("example")
    return (f"tulis seperti contoh: {example}", f"written like the example: {example}") if example is not None \
        else ("lihat keterangan", "see the description")


def rules(field: dict[str, Any]) -> tuple[str, str]:
    """The field's constraints in words, Indonesian and English."""
    c = field.get("constraints", {})
    found: list[tuple[str, str, Any, tuple[str, str] | None]] = []
    for key, id_t, en_t in RULE_WORDS:
        if key == "pattern" and key in c:
            found.append((id_t, en_t, "", pattern_words(field)))
        elif key in c:
            value = ", ".join(c[key]) if key == "enum" else c[key]
            found.append((id_t, en_t, value, None))
    id_parts = [words[0] if words else id_t.format(v) for id_t, _, v, words in found]
    en_parts = [words[1] if words else en_t.format(v) for _, en_t, v, words in found]
    return "; ".join(id_parts) or "—", "; ".join(en_parts) or "—"


def _required(field: dict[str, Any]) -> str:
    return "ya / yes" if field.get("constraints", {}).get("required") else "tidak / no"


def csv_template(schema: dict[str, Any]) -> bytes:
    """The header row only (UTF-8, LF)."""
    return (",".join(f["name"] for f in schema["fields"]) + "\n").encode("utf-8")


def xlsx_template(table: str, schema: dict[str, Any], agency: AgencyKit | None = None) -> bytes:
    """Header row with drop-downs for enum fields, plus a "Petunjuk" sheet describing every field.

    With ``agency``: its code filled in, its services listed (performance), drop-downs for the
    codes, and date columns as real dates.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table
    fields = schema["fields"]
    sheet.append([f["name"] for f in fields])
    if agency is not None:
        _prefill(sheet, table, fields, agency)
    for column, field in enumerate(fields, start=1):
        letter = get_column_letter(column)
        sheet.cell(row=1, column=column).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(field["name"]) + 4)
        if agency is not None and field["type"] == "date":
            # A real date cell: Excel shows a calendar-checked date, and the reader takes it as
            # YYYY-MM-DD. (The general templates keep text, for spreadsheet programs that
            # would show 05/10/2026 and store it as text.)
            _date_column(sheet, letter)
        elif agency is not None and field["name"] in ("agency_code", "service_code"):
            codes = [agency.code] if field["name"] == "agency_code" else list(agency.services)
            sheet.column_dimensions[letter].number_format = "@"
            if codes:
                sheet.add_data_validation(_dropdown(codes, f"{letter}2:{letter}{LAST_ROW}", field))
        elif field["type"] in TEXT_TYPES:
            # Text cells keep what the clerk types: Excel would otherwise turn 2026-10 into a
            # date, 05/10/2026 into a locale date, and drop the leading zero of 08:30.
            sheet.column_dimensions[letter].number_format = "@"
        enum = field.get("constraints", {}).get("enum")
        if enum:
            sheet.add_data_validation(_dropdown(enum, f"{letter}2:{letter}{LAST_ROW}", field))
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Petunjuk")
    _guide(guide, fields)
    # Descriptions and examples come from the schemas, which the officer may edit: text only.
    force_text(sheet)
    force_text(guide)
    return workbook_bytes(workbook)


@dataclass(frozen=True)
class AgencyKit:
    """What an agency's own templates are filled with: its code and the codes of its services."""

    code: str
    services: tuple[str, ...]


def _prefill(sheet: Any, table: str, fields: list[dict[str, Any]], agency: AgencyKit) -> None:
    """Performance: one row per service of the agency, its codes filled in (the clerk adds the month and numbers)."""
    if table != "performance":
        return
    names = [f["name"] for f in fields]
    for service in agency.services:
        row = ["" for _ in names]
        row[names.index("agency_code")] = agency.code
        row[names.index("service_code")] = service
        sheet.append(row)


def _date_column(sheet: Any, letter: str) -> None:
    """Format a column as YYYY-MM-DD dates and refuse anything that is not a date."""
    sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    rule = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                          showErrorMessage=True)
    rule.errorTitle = "Bukan tanggal / Not a date"
    rule.error = "Tulis tanggal, misalnya 2026-10-14 / Type a date, e.g. 2026-10-14"
    rule.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(rule)


def _dropdown(enum: list[str], cells: str, field: dict[str, Any]) -> DataValidation:
    """A list validation that refuses values outside ``enum``."""
    required = bool(field.get("constraints", {}).get("required"))
    rule = DataValidation(type="list", formula1='"' + ",".join(enum) + '"', allow_blank=not required,
                          showErrorMessage=True, showDropDown=False)
    rule.errorTitle = "Nilai tidak sah / Invalid value"
    rule.error = f"Pilih dari daftar / Choose from the list: {', '.join(enum)}"[:255]
    rule.add(cells)
    return rule


def _guide(sheet: Any, fields: list[dict[str, Any]]) -> None:
    """One row per field: name, type, required, rules, example, descriptions."""
    sheet.append(GUIDE_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for field in fields:
        type_id, type_en = TYPE_LABELS.get(field["type"], (field["type"], field["type"]))
        rules_id, rules_en = rules(field)
        example = field.get("example")
        sheet.append([
            field["name"], f"{type_id} / {type_en}", _required(field), rules_id, rules_en,
            "" if example is None else str(example),
            field.get("description", ""), field.get("description_en", ""),
        ])
    widths = (24, 26, 14, 40, 40, 22, 60, 60)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def template_files(portal: Portal, agencies: Iterable[AgencyKit] = (), reuse: Reuse | None = None) -> Files:
    """``<table>.csv`` and ``<table>.xlsx`` for each monthly table, and ``<agency>/<table>.xlsx`` for each agency.

    With ``reuse``, a workbook whose schema and kit are as last time is left in place, not built (reuse.py).
    """
    files = Files(None if reuse is None else reuse.folder)
    kits = list(agencies)
    for table in TABLES:
        schema = submitted_schema(portal, table)
        files[f"{table}.csv"] = csv_template(schema)
        for kit in (None, *kits):
            rel = f"{table}.xlsx" if kit is None else f"{kit.code}/{table}.xlsx"
            build = partial(xlsx_template, table, schema, kit)
            files[rel] = build() if reuse is None else reuse.get(rel, inputs_key(table, schema, kit), build)
    return files


def agency_kits(agencies: Iterable[Any], services: Iterable[Any]) -> list[AgencyKit]:
    """The kit of every active agency (reference records: ``Agency``, ``Service``)."""
    listed = list(services)
    return [AgencyKit(a.agency_code, tuple(s.service_code for s in listed if s.agency_code == a.agency_code))
            for a in agencies if a.active]
