"""Check a read table against its Table Schema with frictionless, row by row.

The rows handed to frictionless are rebuilt in schema order from the file's own column
positions, so one Schema object serves every file of a table.  Before frictionless sees
a cell: a decimal comma in a number field of a ``;`` file becomes a point, and NaN,
sNaN and Infinity are reported as type errors and blanked (sNaN would crash the whole
validation, NaN and Infinity would slip through as minimum/maximum errors).  Ragged CSV
rows and blank rows are reported here with frictionless' codes; every problem carries
the original text and the spreadsheet cell.

Opening a frictionless resource costs tens of milliseconds (it validates copies of every
field's metadata), far more than checking a small file.  So ``prepare_table`` readies
each file and ``run_frictionless`` streams the rows of many files of one table at once,
keyed per file by ``TableSchema.batch_schema``; ``check_table`` does both for one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from frictionless import Dialect
from frictionless.errors import CellError, RowError
from frictionless.resources import TableResource

from pipeline.core.models import Problem
from pipeline.validate.headers import map_columns
from pipeline.validate.messages import cell_ref, message, pattern_words, problem, show
from pipeline.validate.reading import Sheet
from pipeline.validate.schemas import BATCH_FIELD, TableSchema

# frictionless guesses the header row even with a schema unless told (validation-notes.md).
_DIALECT = {"header": True, "headerRows": [1]}
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]*,[0-9]+\s*")
_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"', re.DOTALL)
_POSITION = re.compile(r"at position (\d+)")
_TYPE_VARIANTS = {"integer", "number", "date", "time", "boolean"}


@dataclass
class Checked:
    """A table after the frictionless checks: typed rows, original texts, problems."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)
    bad: set[tuple[int, str]] = field(default_factory=set)
    positions: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    errors: list[Problem] = field(default_factory=list)
    prepared: list[list[str]] = field(default_factory=list)

    def usable(self, i: int, name: str) -> bool:
        """True when row ``i``'s ``name`` cell passed its own checks (cross rules may use it)."""
        return (i, name) not in self.bad

    def at(self, code: str, i: int, name: str | None, variant: str | None = None, /,
           value: str | None = None, **params: Any) -> Problem:
        """A problem located at row ``i`` and field ``name`` (value defaults to the cell's text)."""
        text = value if value is not None else (self.texts[i].get(name) if name else None)
        column = self.positions.get(name) if name else None
        return problem(code, variant, row=self.numbers[i], field=name, value=text,
                       cell=cell_ref(column, self.numbers[i]), **params)


def check_table(sheet: Sheet, table: TableSchema) -> Checked:
    """Header mapping, row preparation and frictionless' checks for one readable sheet."""
    checked = prepare_table(sheet, table)
    run_frictionless([checked], table)
    return checked


def prepare_table(sheet: Sheet, table: TableSchema) -> Checked:
    """Map the header and ready every row for frictionless (ragged, blank, NaN, decimal comma)."""
    cols = map_columns(sheet.labels, sheet.records, table)
    out = Checked(positions=cols.positions, missing=cols.missing, errors=list(cols.errors))
    names = table.field_names
    for record in sheet.records:
        if all(c == "" for c in record.cells):
            out.errors.append(problem("blank-row", row=record.number))
            continue
        i = len(out.numbers)
        out.numbers.append(record.number)
        texts = {n: _cell(record.cells, cols.positions.get(n)) for n in names}
        out.texts.append(texts)
        if sheet.fmt == "csv":
            _ragged(out, i, record.cells, len(sheet.labels), sheet.delimiter or ",")
        out.prepared.append([_prepare(out, i, n, texts[n], table, sheet.delimiter) for n in names])
    return out


def run_frictionless(items: list[Checked], table: TableSchema) -> None:
    """Stream the prepared rows of ``items`` (files of one table) through frictionless at once."""
    where: list[tuple[Checked, int]] = []
    data: list[list[Any]] = [[BATCH_FIELD, *table.field_names]]
    for number, item in enumerate(items):
        for i, cells in enumerate(item.prepared):
            where.append((item, i))
            data.append([str(number), *cells])
    resource = TableResource(data=data, schema=table.batch_schema,
                             dialect=Dialect.from_descriptor(_DIALECT))
    with resource:
        for row in resource.row_stream:
            item, i = where[row.row_number - 2]
            typed = row.to_dict()
            typed.pop(BATCH_FIELD, None)
            item.rows.append(typed)
            for error in row.errors:
                mapped = _map_error(item, i, error, table, where)
                if mapped is not None:
                    item.errors.append(mapped)
    for item in items:
        item.prepared = []
        item.errors += _unique(item, table)


def _cell(cells: list[str], position: int | None) -> str:
    """The text of a cell, "" when the column or the cell is absent."""
    if position is None or position >= len(cells):
        return ""
    return cells[position]


def _ragged(out: Checked, i: int, cells: list[str], width: int, delimiter: str) -> None:
    """Report a CSV row with fewer or more cells than the header (missing-cell / extra-cell)."""
    number = out.numbers[i]
    if len(cells) < width:
        for name, pos in sorted(out.positions.items(), key=lambda kv: kv[1]):
            if pos >= len(cells):
                out.bad.add((i, name))
                out.errors.append(problem(
                    "missing-cell", row=number, field=name, value=None, cell=cell_ref(pos, number),
                    found=len(cells), expected=width, delimiter=delimiter,
                ))
    elif len(cells) > width:
        extra = next((c for c in cells[width:] if c != ""), "")
        out.errors.append(problem(
            "extra-cell", row=number, value=extra, cell=cell_ref(width, number),
            found=len(cells), expected=width, delimiter=delimiter,
        ))


def _prepare(out: Checked, i: int, name: str, text: str, table: TableSchema,
             delimiter: str | None) -> str:
    """The cell as frictionless should see it (decimal comma fixed, NaN/Infinity guarded)."""
    if table.field_type(name) != "number" or text == "" or (i, name) in out.bad:
        return "" if (i, name) in out.bad else text
    if delimiter == ";" and _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        special = not Decimal(text.strip()).is_finite()
    except (InvalidOperation, ValueError):
        special = False
    if special:
        out.bad.add((i, name))
        out.errors.append(out.at("type-error", i, name, "number-special"))
        return ""
    return text


def _map_error(out: Checked, i: int, error: RowError, table: TableSchema,
               where: list[tuple[Checked, int]]) -> Problem | None:
    """Turn one frictionless row error into the project's Problem (None when already reported)."""
    kind = error.type
    name = error.field_name if isinstance(error, CellError) else None
    if kind in ("type-error", "constraint-error") and name is not None:  # cell errors: a field is named
        if (i, name) in out.bad or name in out.missing:
            return None
        out.bad.add((i, name))
        if kind == "type-error":
            ftype = table.field_type(name)
            variant = ftype if ftype in _TYPE_VARIANTS else None
            return out.at(kind, i, name, variant, type=ftype)
        return _constraint(out, i, name, error.note, table)
    if kind == "primary-key":
        return _duplicate(out, i, error.note, table, where)
    if kind == "blank-row":
        return None  # every cell was blanked by the NaN guard, already reported
    return Problem(code=kind, row=out.numbers[i], field=name, value=None,
                   message=message("table-error", note=error.note or error.title))


def _constraint(out: Checked, i: int, name: str, note: str, table: TableSchema) -> Problem:
    """A constraint error with the message for the constraint that failed."""
    match = _CONSTRAINT.search(note or "")
    which = match.group(1) if match else ""
    rules = table.constraints(name)
    example = table.field(name).get("example", "")
    text = out.texts[i].get(name, "")
    if which == "required":
        return out.at("constraint-error", i, name, "required", example=example)
    if which in ("minimum", "maximum", "maxLength", "minLength"):
        return out.at("constraint-error", i, name, which, limit=rules.get(which), length=len(text))
    if which == "pattern":
        words = pattern_words(rules.get("pattern", ""), example)
        return out.at("constraint-error", i, name, "pattern", rule=words)
    if which == "enum":
        return out.at("constraint-error", i, name, "enum", allowed=", ".join(map(str, rules["enum"])))
    return out.at("constraint-error", i, name, rule=which or note)


def _duplicate(out: Checked, i: int, note: str, table: TableSchema,
               where: list[tuple[Checked, int]]) -> Problem | None:
    """A repeated key: point at the row (and cell) of the repeat, naming the first one."""
    match = _POSITION.search(note or "")
    key = table.primary_key
    if match is None:
        if all((i, k) in out.bad for k in key):
            return None  # every key cell is already reported (required), once is enough
        return out.at("primary-key", i, key[-1], "empty", key=", ".join(key))
    _, first = where[int(match.group(1)) - 2]
    values = ", ".join(out.texts[i].get(k, "") for k in key)
    return out.at("primary-key", i, key[-1], key=", ".join(key), shown=show(values),
                  other=out.numbers[first])


def _unique(out: Checked, table: TableSchema) -> list[Problem]:
    """``unique`` constraints, per file (the batch schema cannot hold them)."""
    found = []
    for name in table.unique_fields:
        seen: dict[Any, int] = {}
        for i, row in enumerate(out.rows):
            value = row.get(name)
            if value is None or not out.usable(i, name):
                continue
            if value in seen:
                found.append(out.at("unique-error", i, name, other=out.numbers[seen[value]]))
            else:
                seen[value] = i
    return found
