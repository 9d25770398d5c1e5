"""What the cross-table rules know about the file being judged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.core import periods
from pipeline.core.models import Message, Problem
from pipeline.core.records import split_codes
from pipeline.validate.reference import Reference
from pipeline.validate.tablecheck import Checked


@dataclass(frozen=True)
class FileContext:
    """The folder's period and agency, the reference tables, the agendas a decision may name, public contacts."""

    period: str
    agency: str
    reference: Reference
    agenda_ids: frozenset[str] = frozenset()
    public: frozenset[str] = frozenset()  # keys of the public contacts (portal.toml)

    @property
    def start(self) -> date:
        """First day of the period."""
        return periods.first_day(self.period)

    @property
    def end(self) -> date:
        """Last day of the period."""
        return periods.last_day(self.period)


def value(t: Checked, i: int, name: str) -> Any:
    """The typed value of a cell, or None when it is empty, absent or already wrong."""
    return t.rows[i].get(name) if t.usable(i, name) else None


def unknown_codes(t: Checked, i: int, name: str, code: str, ctx: FileContext) -> list[Problem]:
    """One problem per code of a ``;``-separated cell that is not in agencies.csv."""
    if not t.usable(i, name) or not t.texts[i].get(name):
        return []
    agencies = ctx.reference.agencies
    out = []
    for part in split_codes(t.texts[i][name]):
        if part in agencies:
            continue
        near = next((a for a in agencies if a == part.lower().replace(" ", "")), None)
        hint = Message(f" Mungkin maksudnya {near}?", f" Did you mean {near}?") if near else ""
        out.append(t.at(code, i, name, listed=f"\"{part}\"", suggestion=hint))
    return out
