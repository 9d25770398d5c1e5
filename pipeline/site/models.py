"""Typed records the site reads from the published tables under <output>/data/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pipeline.core.config import Portal
from pipeline.core.records import Agency, Service
from pipeline.site.casting import Row
from pipeline.site.lookup import Lookup

if TYPE_CHECKING:
    from pipeline.site.recordtexts import Origin


@dataclass(frozen=True, slots=True)  # slots: a large city has tens of thousands of each
class Perf:
    """One row of performance.csv: one service in one month."""

    period: str
    agency_code: str
    service_code: str
    received: int
    completed: int
    within_standard: int
    avg_wait: float | None
    avg_service: float | None
    complaints_received: int
    complaints_resolved: int
    respondents: int | None
    u: tuple[float, ...] | None
    ikm: float | None
    grade: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class Agenda:
    """The latest version of one agenda (agendas.csv)."""

    agency_code: str
    agenda_id: str
    date: date
    start_time: time | None
    end_time: time | None
    title: str
    type: str
    participants: tuple[str, ...]
    location: str | None
    status: str
    summary: str | None
    minutes_url: str | None
    period: str
    # Who came (agency codes); None when attendance is unknown: not sent, or not held yet.
    attendees: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The latest state of one decision (decisions.csv)."""

    agency_code: str
    decision_id: str
    date: date
    agenda_id: str | None
    title: str
    description: str | None
    responsible: tuple[str, ...]
    follow_up: str
    # Inside this class ``date`` names the field above, so the type is spelled through the module.
    due_date: dt.date | None
    status: str
    completed_on: dt.date | None
    evidence_url: str | None
    period: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One reported state of a decision (decision_history.csv)."""

    agency_code: str
    decision_id: str
    period: str
    status: str
    follow_up: str
    completed_on: date | None


@dataclass(frozen=True, slots=True)
class AgendaVersion:
    """One reported version of an agenda (agenda_history.csv)."""

    agency_code: str
    agenda_id: str
    period: str
    date: date
    start_time: time | None
    location: str | None
    status: str
    title: str
    attendees: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """One expected or received file (submissions.csv)."""

    period: str
    agency_code: str
    table: str
    status: str
    received_at: datetime | None
    on_time: bool | None
    revision: int | None
    errors: int
    warnings: int
    sha256: str | None


@dataclass(frozen=True)
class FieldInfo:
    """One field of a published table's schema, for the data dictionary."""

    name: str
    type: str
    title: dict[str, str]
    description: dict[str, str]
    required: bool
    constraints: dict[str, Any]


@dataclass(frozen=True)
class FileInfo:
    """A downloadable file under /data/: its site path, size and SHA-256."""

    name: str
    format: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class TableInfo:
    """One published table as the Data Package describes it, plus its files."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    fields: tuple[FieldInfo, ...]
    primary_key: tuple[str, ...]
    rows: int
    files: tuple[FileInfo, ...]
    periods: tuple[str, str] | None


@dataclass(frozen=True)
class Release:
    """One publish event from changelog.json."""

    date: date
    items: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class FileReportView:
    """One received file's current version and the problems found in it."""

    file: str
    revision: int
    sha256: str
    kept_revision: int | None
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    error_total: int
    warning_total: int


@dataclass(frozen=True)
class Misplaced:
    """A file the pipeline could not file under a month, agency and table, with its problems."""

    file: str
    period: str | None
    agency: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SiteData:
    """Everything the site shows, read once from <output>/data/ before any page is built."""

    portal: Portal
    as_of: date
    agencies: dict[str, Agency]
    services: dict[str, Service]
    performance: list[Perf]
    agendas: list[Agenda]
    decisions: list[Decision]
    history: list[HistoryEntry]
    agenda_history: list[AgendaVersion]
    submissions: list[Submission]
    tables: dict[str, TableInfo]
    package_file: FileInfo | None
    releases: list[Release]
    feedback: dict[tuple[str, str, str], str] = field(default_factory=dict)
    feedback_months: dict[tuple[str, str], str] = field(default_factory=dict)
    templates: list[FileInfo] = field(default_factory=list)
    submitted_fields: dict[str, tuple[FieldInfo, ...]] = field(default_factory=dict)
    # The published indicators table as typed rows (field name -> value), in its published order.
    indicators: list[Row] = field(default_factory=list)
    # The report pages under /laporan/: each received file's current version and problems, and
    # the files that could not be filed under a month, agency and table.
    reports: dict[tuple[str, str, str], FileReportView] = field(default_factory=dict)
    misplaced: list[Misplaced] = field(default_factory=list)
    # Where the rows of the tables of ``recordtexts.TABLES`` came from (kept rows), for their records' kept texts.
    origins: dict[str, Origin] = field(default_factory=dict)

    @cached_property
    def lookup(self) -> Lookup:
        """The indexes pages look rows up by, built on first use (the data is complete by then)."""
        return Lookup(self)
