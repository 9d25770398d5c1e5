"""Agendas and decisions as the sample builds them: each with the row reported in every month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tools.sample.source import Slot

Row = dict[str, str]


@dataclass
class Record:
    """An agenda or decision of one agency, with the row it reported in each month."""

    agency: str
    key: str
    versions: dict[str, Row] = field(default_factory=dict)

    def state_at(self, period: str) -> Row | None:
        """The latest reported row at or before ``period``."""
        earlier = [p for p in self.versions if p <= period]
        return self.versions[max(earlier)] if earlier else None


@dataclass
class Ledger:
    """Every agenda and decision built so far, the meetings decisions come from, the identifier counters."""

    agendas: dict[str, list[Record]]
    decisions: dict[str, list[Record]]
    # (agency, kind, period or day) -> (agenda_id, the day it was held)
    meetings: dict[tuple[str, str, str], tuple[str, date]] = field(default_factory=dict)
    counters: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @classmethod
    def empty(cls, agencies: list[str]) -> Ledger:
        """A ledger with no record yet for each agency."""
        return cls({a: [] for a in agencies}, {a: [] for a in agencies})

    def new_id(self, prefix: str, agency: str, period: str) -> str:
        """Next identifier of an agency's agenda ('AG') or decision ('KP') in a month."""
        key = (prefix, agency, period)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{prefix}-{period}-{self.counters[key]:02d}"

    def add_agenda(self, agency: str, versions: dict[str, Row]) -> Record:
        """Register an agenda with its reported rows."""
        record = Record(agency, next(iter(versions.values()))["agenda_id"], versions)
        self.agendas[agency].append(record)
        return record

    def records(self, agency: str, table: str) -> list[Record]:
        """The agendas or decisions of an agency."""
        return (self.agendas if table == "agendas" else self.decisions)[agency]


def agenda_row(
    agenda_id: str,
    day: date,
    slot: Slot | None,
    title: str,
    kind: str,
    participants: list[str],
    location: str,
    status: str,
    summary: str = "",
    minutes: str = "",
    attendees: list[str] | None = None,
) -> Row:
    """One agendas.csv row (``attendees``: who came, for a held meeting whose clerk listed them)."""
    start, end = slot or (None, None)
    return {
        "agenda_id": agenda_id,
        "date": day.isoformat(),
        "start_time": start.strftime("%H:%M") if start else "",
        "end_time": end.strftime("%H:%M") if end else "",
        "title": title,
        "type": kind,
        "participants": ";".join(participants),
        "location": location,
        "attendees": ";".join(attendees or []),
        "status": status,
        "summary": summary,
        "minutes_url": minutes,
    }
