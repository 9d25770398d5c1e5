"""What each agency adds to the memo's shared slices (memo.py ``Slices``), made from its own rows alone.

The digest of what an agency's decisions show a selection ending in each month (``decision_chain``) and each of
its meetings' month, digest and agencies (``meeting_entries``) read only that agency's rows of the decisions,
decision_history and agendas tables and where its agendas were read: the tables keep them in the agency's part
(tables.py, table_parts.py), so that an agency whose versions are as last run does not repr and hash its rows
again (after one new agency-month, 59 of a city's 60). ``Slices`` joins them in the tables' order, which is the
agencies' order: the same digests as made from the whole tables.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from pipeline.core import periods
from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import attendees, invited

Chain = tuple[list[str], list[str]]  # months from which what the decisions show changes, and each one's digest
Meeting = tuple[str, str, list[str]]  # a meeting's month, its digest (or where it was read) and its agencies


def _digest(value: object) -> str:
    """The SHA-256 of a value's repr (as memo.py's)."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


def decision_chain(agency: str, history: Iterable[Record], decisions: Iterable[Record]) -> Chain | None:
    """The agency's months and digests (memo.py ``_decision_chains``) from its decision_history rows and its
    latest decisions' rows, each in its table's order; None when no selection reads any of them.

    A selection ending in month M reads the reports (decision_history) of M and before, and the date and due
    date of each decision reported by M or dated by M (accountability.py): a report of a later month leaves its
    rows as they are. Each month's digest chains the one before.
    """
    reports: dict[str, list[Record]] = defaultdict(list)  # by decision, in the order first reported
    for row in history:
        reports[row["decision_id"]].append(row)
    added = [(row["period"], repr(row)) for rows in reports.values() for row in rows]
    for row in decisions:
        key = (agency, row["decision_id"])
        day, reported = row.get("date"), reports.get(row["decision_id"])
        starts = ([periods.of_date(day)] if day is not None else []) + ([reported[0]["period"]] if reported else [])
        if starts:  # neither dated nor reported: no selection reads it
            added.append((min(starts), repr((key, day, row.get("due_date")))))
    if not added:
        return None
    h = hashlib.sha256()
    months: list[str] = []
    digests: list[str] = []
    for month, text in sorted(added, key=lambda e: e[0]):  # stable: the tables' order within a month
        if months and months[-1] != month:
            digests.append(h.hexdigest())  # the previous month's, complete
        if not months or months[-1] != month:
            months.append(month)
        h.update(f"{month}\0{text}\0".encode())
    digests.append(h.hexdigest())
    return months, digests


def meeting_entries(agendas: Iterable[Record], sources: Mapping[tuple[str, str], str | None]) -> list[Meeting]:
    """Each dated meeting of ``agendas`` (rows of the agendas table, in its order): its month, its digest (where
    it was read, tagged, when ``sources`` knows; else its row's) and the agencies it involves, sorted."""
    out = []
    for row in agendas:
        if row.get("date") is None:
            continue
        source = sources.get((row["agency_code"], row["agenda_id"]))
        digest = f"s{source}" if source else _digest(row)
        involved = {row["agency_code"]} | invited(row) | (attendees(row) or frozenset())
        out.append((periods.of_date(row["date"]), digest, sorted(involved)))
    return out


def joined_meetings(entries: Iterable[Sequence[Meeting]]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """memo.py's ``_meetings`` from the agencies' entries in the agendas table's order: the digest of each month's
    meetings, and by (month, agency) of those the agency organised, was invited to or attended."""
    by_month: dict[str, list[str]] = defaultdict(list)
    involving: dict[tuple[str, str], list[str]] = defaultdict(list)
    for agency_entries in entries:
        for month, digest, involved in agency_entries:
            by_month[month].append(digest)
            for agency in involved:
                involving[(month, agency)].append(digest)
    return ({month: _digest(digests) for month, digests in by_month.items()},
            {key: _digest(digests) for key, digests in involving.items()})
