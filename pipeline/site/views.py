"""Small view models shared by several pages: list rows, orders, and the months the figures cover."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any, Protocol

from pipeline.core.config import Portal
from pipeline.core.followup import OPEN_STATUSES
from pipeline.core.periods import last_ended
from pipeline.core.records import Agency
from pipeline.site import urls
from pipeline.site.models import Agenda, Decision, SiteData, Submission
from pipeline.site.page import HasAgencies, Kit


class HasFeedback(Protocol):
    """Where each file's report and each agency-month's summary are: the site data, or a page's inputs."""

    @property
    def feedback(self) -> Mapping[tuple[str, str, str], str]:
        """(period, agency, table) -> the report page."""

    @property
    def feedback_months(self) -> Mapping[tuple[str, str], str]:
        """(period, agency) -> the month's summary page."""


def agenda_row(a: Agenda, data: HasAgencies, kit: Kit) -> dict[str, Any]:
    """An agenda as a list row."""
    return {
        "url": kit.url(urls.agenda(a.agency_code, a.agenda_id)),
        "title": a.title,
        "date": kit.f.date(a.date),
        "short_date": kit.f.short_date(a.date),
        "iso": a.date.isoformat(),
        "time": kit.f.time(a.start_time),
        "agency": kit.agency_link(data, a.agency_code),
        "type": kit.label("agenda_type", a.type),
        "status": a.status,
        "status_label": kit.label("agenda_status", a.status),
    }


def decision_row(d: Decision, data: HasAgencies, kit: Kit) -> dict[str, Any]:
    """A decision as a list row (overdue as of the build date)."""
    return {
        "url": kit.url(urls.decision(d.agency_code, d.decision_id)),
        "id": d.decision_id,
        "title": d.title,
        "date": kit.f.short_date(d.date),
        "iso": d.date.isoformat(),
        "due": kit.f.short_date(d.due_date),
        "agency": kit.agency_link(data, d.agency_code),
        "responsible": [kit.agency_link(data, c) for c in d.responsible],
        "status": d.status,
        "status_label": kit.label("decision_status", d.status),
        "overdue": d.overdue,
    }


def agenda_key(a: Agenda) -> tuple[date, time, str, str]:
    """A total order of agendas: date, start time (none = start of the day), agency, identifier.

    Every part has one type whatever the row leaves empty, so equal dates with and without a
    start time compare (mixing ``None``/``""`` with ``time`` broke the whole build once).
    """
    return (a.date, a.start_time or time.min, a.agency_code, a.agenda_id)


def agendas_sorted(agendas: list[Agenda], newest_first: bool = True) -> list[Agenda]:
    """Agendas by date and time, then agency and identifier (a stable order)."""
    return sorted(agendas, key=agenda_key, reverse=newest_first)


def overdue_sorted(decisions: list[Decision]) -> list[Decision]:
    """Overdue decisions, the oldest due date first (a decision without one is never overdue)."""
    overdue = [d for d in decisions if d.overdue and d.due_date is not None]
    return sorted(overdue, key=lambda d: (d.due_date or date.min, d.agency_code, d.decision_id))


def decisions_sorted(decisions: list[Decision]) -> list[Decision]:
    """Decisions newest first, ties by agency and identifier."""
    return sorted(decisions, key=lambda d: (d.date, d.agency_code, d.decision_id), reverse=True)


def register_sorted(decisions: list[Decision]) -> list[Decision]:
    """The register's order: overdue first (oldest due date first), then open or in progress, then the rest.

    Within the last two groups newest first, so what still needs following up leads the first page.
    """
    overdue = overdue_sorted(decisions)
    late = {id(d) for d in overdue}
    rest = decisions_sorted([d for d in decisions if id(d) not in late])
    still_open = [d for d in rest if d.status in OPEN_STATUSES]
    return [*overdue, *still_open, *(d for d in rest if d.status not in OPEN_STATUSES)]


def upcoming(data: SiteData) -> list[Agenda]:
    """Agendas still to come as of the build date, soonest first."""
    coming = [a for a in data.agendas if a.date >= data.as_of and a.status in ("planned", "postponed")]
    return agendas_sorted(coming, newest_first=False)


def submission_state(s: Submission) -> str:
    """A file's standing: accepted, late (accepted after the deadline), rejected or missing."""
    return "late" if s.status == "accepted" and s.on_time is False else s.status


def submission_cell(s: Submission | None, data: HasFeedback, kit: Kit) -> dict[str, Any]:
    """One file's standing (accepted on time, late, rejected, missing) and its feedback link."""
    if s is None:
        return {"state": "none", "label": kit.t("submission.none"), "mark": "", "url": None, "received": "",
                "revision": None, "errors": 0, "warnings": 0, "table": ""}
    state = submission_state(s)
    # A missing file has no report of its own; the agency's month summary says what is owed.
    rel = data.feedback.get((s.period, s.agency_code, s.table)) or data.feedback_months.get((s.period, s.agency_code))
    return {
        "state": state,
        "label": kit.label("submission_state", state),
        "mark": kit.t(f"submission_mark.{state}"),
        "url": kit.url(urls.feedback(rel)) if rel else None,
        "received": kit.f.datetime(s.received_at),
        "revision": s.revision,
        "errors": s.errors,
        "warnings": s.warnings,
        "table": kit.label("table", s.table),
    }


def last_update_date(data: SiteData) -> date | None:
    """When the data last changed: the newest change-log date, else the newest receipt."""
    if data.releases:
        return data.releases[0].date
    received = [s.received_at for s in data.submissions if s.received_at and s.status == "accepted"]
    return max(received).date() if received else None


def sorted_agencies(data: HasAgencies, kit: Kit) -> list[Agency]:
    """Agencies in alphabetical order of their name in this language."""
    return sorted(data.agencies.values(), key=lambda a: (kit.agency_name(a).casefold(), a.agency_code))


def latest_period(data: SiteData) -> str | None:
    """The most recent ended month with performance data (early files for the current month
    would make a partial month look like a collapse)."""
    closed = last_ended(data.as_of)
    return max((r.period for r in data.performance if r.period <= closed), default=None)


def chart_periods(data: SiteData) -> list[str]:
    """The months every chart covers: ended months with performance data, at most the last 24."""
    return list(data.lookup.chart_periods)


def licence_title(portal: Portal, lang: str) -> str:
    """The licence's name in the page's language (its English title on English pages, when given)."""
    if lang == "en" and portal.licence_title_en:
        return portal.licence_title_en
    return portal.licence_title or portal.licence_id


def licence_url(portal: Portal, lang: str) -> str | None:
    """The licence text in the page's language, when given."""
    return (portal.licence_url_en if lang == "en" and portal.licence_url_en else portal.licence_url) or None
