"""The mistakes clerks really make, one per chosen file: what was typed, and where.

Each mistake changes one cell of a copy of the clean rows and says which row and field it
touched and the kind of problem the contract finds there (``standard`` when frictionless'
own checks of the Table Schema find it too: the differential test compares those).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tools.bench.rows import Row


@dataclass(frozen=True)
class Mistake:
    """One mistake put into a file: spreadsheet row, field, the problem code, and whether frictionless sees it."""

    kind: str
    row: int
    field: str
    code: str
    standard: bool


Change = Callable[[Row, random.Random], str | None]  # the new text of the cell, None when the row offers no place


def _dmy(text: str) -> str | None:
    """A date written the Indonesian way: 31/10/2026."""
    return date.fromisoformat(text).strftime("%d/%m/%Y") if text else None


def _thousands(text: str) -> str | None:
    """A count typed with a thousands point: 1.250."""
    return f"{int(text) // 1000 + 1}.{int(text) % 1000:03d}" if text else None


# (table, kind, field, code, standard, change)
KINDS: list[tuple[str, str, str, str, bool, Change]] = [
    ("agendas", "status-in-indonesian", "status", "constraint-error", True,
     lambda row, r: {"held": "terlaksana", "planned": "direncanakan"}.get(row["status"], "ditunda")),
    ("agendas", "date-day-first", "date", "type-error", True, lambda row, r: _dmy(row["date"])),
    ("agendas", "time-with-point", "start_time", "type-error", True,
     lambda row, r: row["start_time"].replace(":", ".") if row["start_time"] else None),
    ("agendas", "link-without-scheme", "minutes_url", "constraint-error", True,
     lambda row, r: row["minutes_url"].removeprefix("https://") or None),
    ("decisions", "status-in-indonesian", "status", "constraint-error", True,
     lambda row, r: {"done": "selesai", "open": "terbuka"}.get(row["status"], "proses")),
    ("decisions", "date-day-first", "date", "type-error", True, lambda row, r: _dmy(row["date"])),
    ("decisions", "due-date-day-first", "due_date", "type-error", True, lambda row, r: _dmy(row["due_date"])),
    ("performance", "thousands-point", "applications_received", "type-error", True,
     lambda row, r: _thousands(row["applications_received"]) if int(row["applications_received"]) >= 1000
     else None),
    ("performance", "survey-score-out-of-range", "u3", "constraint-error", True,
     lambda row, r: f"{float(row['u3']) + 1.5:.2f}" if row["u3"] else None),
    ("performance", "negative-complaints", "complaints_resolved", "constraint-error", True,
     lambda row, r: "-1"),
    ("performance", "service-of-another-agency", "service_code", "service-agency-mismatch", False,
     lambda row, r: None),  # filled in by ``inject``: it needs another agency's service
    ("performance", "survey-element-missing", "u7", "survey-incomplete", False,
     lambda row, r: "" if row["u7"] else None),
]


def inject(table: str, rows: list[Row], r: random.Random, other_service: str) -> tuple[list[Row], Mistake] | None:
    """A copy of ``rows`` with one mistake of a kind that fits the table, or None when none fits."""
    kinds = [k for k in KINDS if k[0] == table]
    r.shuffle(kinds)
    for _, kind, name, code, standard, change in kinds:
        order = list(range(len(rows)))
        r.shuffle(order)
        for i in order:
            value = other_service if kind == "service-of-another-agency" else change(rows[i], r)
            if value is None or value == rows[i][name]:
                continue
            changed = [dict(row) for row in rows]
            changed[i][name] = value
            return changed, Mistake(kind, i + 2, name, code, standard)
    return None
