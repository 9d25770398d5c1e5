"""Templates for agencies, generated from the submitted tables' schemas: CSV and XLSX."""

from __future__ import annotations

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
    ("pattern", "pola {}", "pattern {}"),
)


def rules(field: dict[str, Any]) -> tuple[str, str]:
    """The field's constraints in words, Indonesian and English."""
    c = field.get("constraints", {})
    found = [(id_t, en_t, ", ".join(c[key]) if key == "enum" else c[key]) for key, id_t, en_t in RULE_WORDS if key in c]
    return ("; ".join(id_t.format(v) for id_t, _, v in found) or "—",
            "; ".join(en_t.format(v) for _, en_t, v in found) or "—")


def _required(field: dict[str, Any]) -> str:
    return "ya / yes" if field.get("constraints", {}).get("required") else "tidak / no"


def csv_template(schema: dict[str, Any]) -> bytes:
    """The header row only (UTF-8, LF)."""
    return (",".join(f["name"] for f in schema["fields"]) + "\n").encode("utf-8")


def xlsx_template(table: str, schema: dict[str, Any]) -> bytes:
    """Header row with drop-downs for enum fields, plus a "Petunjuk" sheet describing every field."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table
    fields = schema["fields"]
    sheet.append([f["name"] for f in fields])
    for column, field in enumerate(fields, start=1):
        letter = get_column_letter(column)
        sheet.cell(row=1, column=column).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(field["name"]) + 4)
        if field["type"] in TEXT_TYPES:
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


def template_files(portal: Portal) -> dict[str, bytes]:
    """``<table>.csv`` and ``<table>.xlsx`` for each monthly table."""
    files: dict[str, bytes] = {}
    for table in TABLES:
        schema = submitted_schema(portal, table)
        files[f"{table}.csv"] = csv_template(schema)
        files[f"{table}.xlsx"] = xlsx_template(table, schema)
    return files
