"""Indexes over the site data, built once per build, so that a page looks its rows up instead of
scanning whole tables (the cost of a build then grows with rows + pages, not rows x pages)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pipeline.core import periods
from pipeline.core.periods import last_ended, span
from pipeline.core.records import Service
from pipeline.site.casting import picked

if TYPE_CHECKING:  # models imports this module lazily; the names are for the annotations only
    from pipeline.site.models import Agenda, AgendaVersion, Decision, HistoryEntry, Perf, SiteData, Submission
    from pipeline.site.stats import Totals

# At most this many months in a chart.
MAX_MONTHS = 24

Key = tuple[str, str]  # (agency code, identifier)


class Lookup:
    """The rows of the site data grouped by what pages ask for them by (read-only after building)."""

    def __init__(self, data: SiteData) -> None:
        self.submission: dict[tuple[str, str, str], Submission] = {}
        self.received: dict[tuple[str, str], dict[str, datetime | None]] = defaultdict(dict)
        self.submissions_of: dict[str, list[Submission]] = defaultdict(list)
        for s in data.submissions:  # (period, agency, table) is the table's primary key
            self.submission[(s.period, s.agency_code, s.table)] = s
            self.submissions_of[s.agency_code].append(s)
            if s.status == "accepted":
                self.received[(s.agency_code, s.table)][s.period] = s.received_at
        self.agenda: dict[Key, Agenda] = {}
        self.agendas_of: dict[str, list[Agenda]] = defaultdict(list)  # organiser or participant
        for a in data.agendas:
            self.agenda.setdefault((a.agency_code, a.agenda_id), a)
            for code in dict.fromkeys((a.agency_code, *a.participants)):
                self.agendas_of[code].append(a)
        self.decisions_of_agenda: dict[Key, list[Decision]] = defaultdict(list)
        self.decisions_responsible: dict[str, list[Decision]] = defaultdict(list)
        for d in data.decisions:
            if d.agenda_id is not None:
                self.decisions_of_agenda[(d.agency_code, d.agenda_id)].append(d)
            for code in dict.fromkeys(d.responsible):
                self.decisions_responsible[code].append(d)
        self.versions: dict[Key, list[AgendaVersion]] = defaultdict(list)
        for v in sorted(data.agenda_history, key=lambda v: v.period):
            self.versions[(v.agency_code, v.agenda_id)].append(v)
        self.decision_history: dict[Key, list[HistoryEntry]] = defaultdict(list)
        for h in sorted(data.history, key=lambda h: h.period):
            self.decision_history[(h.agency_code, h.decision_id)].append(h)
        self._performance = data.performance
        self.performance_of: dict[str, list[Perf]] = defaultdict(list)
        self.performance_of_service: dict[str, list[Perf]] = defaultdict(list)
        for r in data.performance:
            self.performance_of[r.agency_code].append(r)
            self.performance_of_service[r.service_code].append(r)
        self.services_of: dict[str, list[Service]] = defaultdict(list)
        for service in data.services.values():
            self.services_of[service.agency_code].append(service)
        closed = last_ended(data.as_of)
        found = sorted({r.period for r in data.performance if r.period <= closed})
        self.chart_periods: tuple[str, ...] = tuple(span(found[0], found[-1])[-MAX_MONTHS:]) if found else ()
        # The indicators table in one scan per build, not one per page that asks: its rows by
        # (indicator, scope, period), service rows left out (a service code may equal an agency or
        # sector code, and no page shows them yet); the closed quarters; the agencies with a
        # scorecard (rows for a closed quarter).
        self.indicator_rows: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        quarters: set[str] = set()
        scored: set[str] = set()
        # Each row's fields taken in one C call (``picked``), not six lookups by name.
        fields = picked(data.indicators, ("indicator", "scope_type", "scope", "period_type", "period", "complete"))
        for row, (indicator, scope_type, scope, period_type, period, complete) in zip(
                data.indicators, fields, strict=True):
            if period_type == periods.QUARTER and complete:
                quarters.add(period)
                if scope_type == "agency":
                    scored.add(scope)
            if scope_type != "service":
                self.indicator_rows[(indicator, scope, period)] = row
        self.closed_quarters: list[str] = sorted(quarters)
        self.scored: frozenset[str] = frozenset(scored)
        # Group name -> the digest of the records its inputs may be gathered from (sources.py), set by a
        # build before the pages are made: a builder then gathers such a group only when it is needed.
        self.group_sources: dict[str, str] = {}

    @cached_property
    def mall_series(self) -> tuple[Totals, ...]:
        """The whole mall's totals per month, oldest first: summed once per build, not once per language."""
        from pipeline.site.stats import monthly  # stats imports models, which imports this module

        return tuple(monthly(self._performance))
