"""Validate a whole datasets directory: layout, then each agency's files in period order.

Files are judged per agency in period order, agendas before decisions, because a
decision may name "an agenda of the same agency, in this submission or an earlier
accepted one": this period's agendas file counts whatever its status; earlier periods
count only when accepted (in this run, or in an earlier run via ``previous_agenda_ids``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

from pipeline.config import Portal
from pipeline.layout import Submitted, scan_submissions
from pipeline.models import FileReport
from pipeline.reference import Reference, load_reference
from pipeline.schemas import TableSchema, load_schemas
from pipeline.validate.context import FileContext
from pipeline.validate.files import judge_file

PreviousAgendas = Callable[[str, str], set[str]]
_TABLE_ORDER = {"agendas": 0, "decisions": 1, "performance": 2}


def validate_datasets(portal: Portal, previous_agenda_ids: PreviousAgendas | None = None) -> list[FileReport]:
    """One FileReport per submitted file and per layout error, sorted by file path."""
    schemas = load_schemas(portal.datasets)
    reference = load_reference(portal, schemas)
    submitted, reports = scan_submissions(portal.datasets, set(reference.agencies))
    by_agency: dict[str, list[Submitted]] = defaultdict(list)
    for sub in submitted:
        by_agency[sub.agency].append(sub)
    for agency in sorted(by_agency):
        reports += _judge_agency(by_agency[agency], portal, schemas, reference, previous_agenda_ids)
    return sorted(reports, key=lambda r: r.file)


def _judge_agency(subs: list[Submitted], portal: Portal, schemas: dict[str, TableSchema],
                  reference: Reference, previous: PreviousAgendas | None) -> list[FileReport]:
    """Judge one agency's files, carrying accepted agenda ids forward from period to period."""
    reports: list[FileReport] = []
    accepted_ids: set[str] = set()
    for sub in sorted(subs, key=lambda s: (s.period, _TABLE_ORDER[s.table])):
        known: frozenset[str] = frozenset()
        if sub.table == "decisions":
            this_period = _agenda_ids(reports, sub.period)
            earlier = previous(sub.agency, sub.period) if previous else set()
            known = frozenset(accepted_ids | this_period | set(earlier))
        ctx = FileContext(period=sub.period, agency=sub.agency, reference=reference, agenda_ids=known)
        report = judge_file(sub, ctx, schemas[sub.table], portal.max_file_mb)
        reports.append(report)
        if sub.table == "agendas" and report.accepted:
            accepted_ids |= _agenda_ids([report], sub.period)
    return reports


def _agenda_ids(reports: list[FileReport], period: str) -> set[str]:
    """agenda_id values of the agendas file of ``period`` among ``reports`` (any status)."""
    return {
        row["agenda_id"]
        for r in reports if r.table == "agendas" and r.period == period and r.rows
        for row in r.rows if row.get("agenda_id")
    }
