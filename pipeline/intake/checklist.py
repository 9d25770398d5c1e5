"""The data officer's monthly checklist: per agency and table, received on time, late, rejected or missing.

What publish has already judged comes from the store (its verdict, its receipt time); a
file that sits in datasets/ but is newer than the store is judged now, by the validate
stage in a private copy (``pipeline.intake.judge``), and its receipt time is the log's.
Nothing is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from pipeline.core import periods
from pipeline.core.config import Portal
from pipeline.core.models import TABLES
from pipeline.core.obligations import collection_start, owes
from pipeline.intake.judge import agency_files, judge_files
from pipeline.publish.feedback_layout import FileKey, file_page, month_page
from pipeline.store import Store
from pipeline.store.receipts import load_receipts

ACCEPTED, REJECTED, MISSING = "accepted", "rejected", "missing"


@dataclass(frozen=True)
class Item:
    """One table of one agency for the month."""

    table: str
    status: str  # accepted, rejected or missing
    received_at: str | None = None
    on_time: bool | None = None
    revision: int | None = None  # the store's revision; None when publish has not seen the file yet
    errors: int = 0
    feedback: str | None = None  # the feedback page under <output>/feedback/, once published


@dataclass(frozen=True)
class AgencyMonth:
    """One agency's three tables for the month, and its misplaced files."""

    agency: str
    name: str
    owes: bool
    items: tuple[Item, ...]
    layout: tuple[str, ...] = ()  # paths inside the agency's folder that are not one of its files

    @property
    def needs_action(self) -> bool:
        """True when a file is missing (and owed), rejected, late, or misplaced."""
        return bool(self.layout) or any(
            (i.status == MISSING and self.owes) or i.status == REJECTED or i.on_time is False for i in self.items)

    def feedback(self, period: str) -> str:
        """The agency's feedback page for the month, under <output>/feedback/."""
        return month_page(period, self.agency)


@dataclass
class Checklist:
    """The month's checklist: the deadline, the days left, and every agency."""

    period: str
    deadline: date
    days_left: int
    agencies: list[AgencyMonth] = field(default_factory=list)

    @property
    def chase(self) -> list[AgencyMonth]:
        """The agencies to contact: a file missing, rejected, late or misplaced."""
        return [a for a in self.agencies if a.needs_action]


def checklist(portal: Portal, period: str, as_of: date) -> Checklist:
    """The checklist of ``period`` as of ``as_of`` (read-only)."""
    from pipeline.validate import load_reference
    from pipeline.validate.layout import scan_submissions

    reference = load_reference(portal)
    store = Store.load(portal.output / "store")
    log = load_receipts(portal.receipts, portal.tz, portal.datasets)
    start = collection_start(portal.start_period, store.first_period())
    due = periods.deadline(period, portal.deadline_day)
    _, layout = scan_submissions(portal.datasets, set(reference.agencies))
    by_sha = {(v.key, v.sha256): v for vs in store.versions.values() for v in vs}
    current = {v.key: v for v in store.current()}
    rows: dict[str, dict[str, Item]] = {}
    unseen: Found = {}
    for code in reference.agencies:
        files = agency_files(portal, period, code)
        rows[code] = {}
        for table in TABLES:
            key = (period, code, table)
            if table in files:
                sha = hashlib.sha256(files[table][1]).hexdigest()
                v = by_sha.get((key, sha))
                if v is None:
                    unseen[key] = files[table]
                    continue
            else:
                v = current.get(key)
                if v is None:
                    rows[code][table] = Item(table, MISSING)
                    continue
            received = log.get((f"{period}/{code}/{v.file.rsplit('/', 1)[-1]}", v.sha256), v.received_at)
            rows[code][table] = Item(table, v.status, received, periods.on_time(received, period, portal.deadline_day,
                                                                                 portal.tz),
                                     v.revision, v.errors, file_page(period, code, table))
    if unseen:
        for report in judge_files(portal, store, _with_siblings(portal, period, unseen)):
            key = (period, report.agency or "", report.table or "")
            if key not in unseen:
                continue
            logged = log.get((f"{period}/{key[1]}/{report.file.rsplit('/', 1)[-1]}", report.sha256 or ""))
            rows[key[1]][key[2]] = Item(key[2], report.status, logged,
                                        periods.on_time(logged, period, portal.deadline_day, portal.tz)
                                        if logged else None, None, report.error_count)
    misplaced: dict[str, list[str]] = {}
    for r in layout:
        if r.period == period and r.agency:
            misplaced.setdefault(r.agency, []).append(r.file)
    out = Checklist(period, due, (due - as_of).days)
    for code, agency in reference.agencies.items():
        owed = owes(agency.active, agency.joined_on, start, period)
        items = tuple(rows[code][t] for t in TABLES)
        if owed or any(i.status != MISSING for i in items) or code in misplaced:
            out.agencies.append(AgencyMonth(code, agency.name, owed, items, tuple(misplaced.get(code, []))))
    return out


Found = dict[FileKey, tuple[str, bytes]]  # (period, agency, table) -> (format, bytes)


def _with_siblings(portal: Portal, period: str, unseen: Found) -> Found:
    """The unseen files plus their agency's other files of the month (decisions name this month's agendas)."""
    files = dict(unseen)
    for agency in {key[1] for key in unseen}:
        for table, found in agency_files(portal, period, agency).items():
            files.setdefault((period, agency, table), found)
    return files
