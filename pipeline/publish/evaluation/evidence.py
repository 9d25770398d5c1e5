"""The published tables indexed for the evaluation, and the scope and period an indicator is computed for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar, cast

from pipeline.core import periods
from pipeline.core.config import Targets
from pipeline.core.models import Record
from pipeline.core.records import split_codes

MALL, SECTOR, AGENCY, SERVICE = "mall", "sector", "agency", "service"
# Why an agency's figures are absent from a period (the ``gaps`` column and the site say it in words).
REJECTED, MISSING, NOT_YET_JOINED, INACTIVE = "rejected", "missing", "not-yet-joined", "inactive"


T = TypeVar("T")


@dataclass(frozen=True)
class Selection:
    """One scope (the mall, a sector or an agency) over one period label (month, quarter or year)."""

    scope_type: str
    scope: str
    agencies: frozenset[str]
    period: str
    months: tuple[str, ...]  # the months of the label the portal has closed
    end: date  # the day stocks (open and overdue decisions) are taken: the label's last day, or today
    services: frozenset[str] | None = None  # a service scope: only these services' performance rows

    @property
    def month_count(self) -> int:
        """How many months the selection covers."""
        return len(self.months)


@dataclass(frozen=True)
class Coverage:
    """How many agencies of a selection owed data for it, how many sent it, and why the others did not."""

    covered: int
    expected: int
    gaps: tuple[str, ...]  # "agency:reason" or "agency:reason:YYYY-MM"


class Evidence:
    """The published tables, indexed by month and agency once for every indicator."""

    def __init__(self, tables: dict[str, list[Record]], as_of: date, targets: Targets,
                 changelog: list[dict[str, Any]] | None = None) -> None:
        self.as_of = as_of
        self.targets = targets
        self.agencies = {a["agency_code"]: a for a in tables["agencies"]}
        self.agendas_by_month: dict[str, list[Record]] = defaultdict(list)
        for row in tables["agendas"]:  # the latest version of each agenda, filed under the month it is dated
            if row.get("date") is not None:
                self.agendas_by_month[periods.of_date(row["date"])].append(row)
        self.decisions: dict[str, list[tuple[tuple[str, str], Record]]] = defaultdict(list)  # by agency
        for r in tables["decisions"]:
            self.decisions[r["agency_code"]].append(((r["agency_code"], r["decision_id"]), r))
        self.history: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for row in tables["decision_history"]:  # sorted by agency, decision, period
            self.history[(row["agency_code"], row["decision_id"])].append(row)
        self.performance: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for row in tables["performance"]:
            self.performance[(row["period"], row["agency_code"])].append(row)
        self.submissions: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for row in tables["submissions"]:
            self.submissions[(row["period"], row["agency_code"])].append(row)
        self.rejected_first = first_rejections(changelog or [])
        # (period, agency) pairs with published rows of a table: data stays published when a
        # later version of the same file is rejected.
        self.published: dict[str, set[tuple[str, str]]] = {
            "agendas": {(r["period"], r["agency_code"]) for r in tables["agenda_history"]},
            "decisions": {(r["period"], r["agency_code"]) for r in tables["decision_history"]},
            "performance": set(self.performance),
        }
        self._derived: dict[Callable[[Evidence], Any], Any] = {}

    def derived(self, make: Callable[[Evidence], T]) -> T:
        """``make(self)``, made once: an index an indicator module builds from the evidence for every selection."""
        if make not in self._derived:
            self._derived[make] = make(self)
        return cast(T, self._derived[make])

    def sector_of(self, agency: str) -> str | None:
        """The sector of an agency (None for a code no longer in the agencies table)."""
        found = self.agencies.get(agency)
        return found["sector"] if found else None

    def meetings(self, sel: Selection, organised_in_scope: bool = True) -> Iterator[Record]:
        """Agendas dated in the selection's months (organised by an agency in scope, unless told otherwise)."""
        for month in sel.months:
            for row in self.agendas_by_month.get(month, ()):
                if not organised_in_scope or row["agency_code"] in sel.agencies:
                    yield row

    def state_at(self, key: tuple[str, str], month: str) -> Record | None:
        """The last reported state of a decision in or before ``month`` (None: not reported yet)."""
        found = None
        for row in self.history.get(key, ()):
            if row["period"] > month:
                break
            found = row
        return found

    def coverage(self, sel: Selection, source: str) -> Coverage:
        """Agencies of the selection that owed ``source`` files, those whose data is published, and the gaps."""
        covered = expected = 0
        gaps: list[str] = []
        for agency in sorted(sel.agencies):
            owed = [(m, row) for m in sel.months for row in self.submissions.get((m, agency), ())
                    if source == "submissions" or row["table"] == source]
            if not owed:
                gaps.extend(self._absence(agency, sel))
                continue
            expected += 1
            if source == "submissions":
                covered += 1
                continue
            lacking = [f"{agency}:{row['status']}:{m}" for m, row in owed
                       if row["status"] != "accepted" and (m, agency) not in self.published[source]]
            covered += not lacking
            gaps.extend(lacking)
        return Coverage(covered, expected, tuple(gaps))

    def _absence(self, agency: str, sel: Selection) -> Iterable[str]:
        """Why an agency owed nothing in a selection: inactive, or not yet joined (else no gap to explain)."""
        found = self.agencies.get(agency)
        if found is None:
            return ()
        if not found.get("active"):
            return (f"{agency}:{INACTIVE}",)
        joined = found.get("joined_on")
        if joined is not None and periods.of_date(joined) > sel.months[-1]:
            return (f"{agency}:{NOT_YET_JOINED}",)
        return ()


def first_rejections(changelog: list[dict[str, Any]]) -> frozenset[tuple[str, str, str]]:
    """(period, agency, table) of every file whose first version was rejected when it arrived.

    Read from the published change log (changelog.json): the submissions table keeps only each
    file's latest version, but the log records the verdict on revision 1 in the run that received it.
    """
    first: dict[tuple[str, str, str], str] = {}
    for event in changelog:  # oldest first
        for item in event.get("changes", ()):
            if item.get("revision") == 1 and item.get("change") in ("added", "rejected"):
                first.setdefault((item["period"], item["agency"], item["table"]), item["change"])
    return frozenset(key for key, change in first.items() if change == "rejected")


def invited(row: Record) -> frozenset[str]:
    """The agencies invited to a meeting (its participants column)."""
    return _code_set(row.get("participants"))


def inter_agency(row: Record) -> bool:
    """True when a meeting brings together at least two agencies, its organiser counted."""
    return len(invited(row) | {row["agency_code"]}) >= 2


def attendees(row: Record) -> frozenset[str] | None:
    """The agencies that came to a held meeting; None when the file did not say (attendance unknown)."""
    text = row.get("attendees")
    return _code_set(text) if text else None


@lru_cache(maxsize=65536)
def _code_set(text: str | None) -> frozenset[str]:
    """The codes of a ``;``-separated cell, split once: every indicator of every window asks again."""
    return frozenset(split_codes(text))
