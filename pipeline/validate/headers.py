"""Match a file's header row to a table's fields (trimmed, case-insensitive, any order)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from pipeline.core.models import Problem
from pipeline.validate.messages import cell_ref, column_letter, problem
from pipeline.validate.reading import Record
from pipeline.validate.schemas import TableSchema


@dataclass
class Columns:
    """Where each field sits in the file (0-based column), and the header's problems."""

    positions: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    errors: list[Problem] = field(default_factory=list)


def map_columns(labels: list[str], records: list[Record], table: TableSchema) -> Columns:
    """Map header labels to schema fields; unknown, duplicate and missing columns are errors.

    A column with neither a heading nor any data is ignored: spreadsheets leave such
    columns behind (a trailing delimiter, a formatted but empty column).
    """
    names = table.field_names
    by_key = {name.lower(): name for name in names}
    cols = Columns()
    for index, label in enumerate(labels):
        key = label.strip().lower()
        where = cell_ref(index, 1)
        if not key:
            if any(index < len(r.cells) and r.cells[index] != "" for r in records):
                cols.errors.append(problem(
                    "blank-label", row=1, value=label, cell=where, column=column_letter(index)
                ))
            continue
        name = by_key.get(key)
        if name is None:
            cols.errors.append(_extra_label(label, index, names))
        elif name in cols.positions:
            cols.errors.append(problem(
                "duplicate-label", row=1, field=name, value=label, cell=where,
                column=column_letter(index), first=column_letter(cols.positions[name]),
            ))
        else:
            cols.positions[name] = index
    cols.missing = {n for n in names if n not in cols.positions}
    for name in names:
        if name in cols.missing and table.is_required(name):
            cols.errors.append(problem("missing-label", row=1, field=name))
    return cols


def _extra_label(label: str, index: int, names: list[str]) -> Problem:
    """An unknown column, with the nearest field name offered when one is close."""
    key = label.strip().lower()
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    field, cell, column = label.strip(), cell_ref(index, 1), column_letter(index)
    if close:
        return problem("extra-label", "suggest", row=1, field=field, value=label, cell=cell, column=column,
                       suggestion=close[0])
    return problem("extra-label", row=1, field=field, value=label, cell=cell, column=column,
                   allowed=", ".join(names))
