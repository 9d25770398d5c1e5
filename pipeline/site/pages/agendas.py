"""Agendas: the index (upcoming, latest, months), one page per month and one page per agenda with its history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.core.periods import of_date
from pipeline.core.records import Agency
from pipeline.site import urls
from pipeline.site.markup import render_markdown, safe_url
from pipeline.site.models import Agenda, AgendaVersion, Decision, SiteData
from pipeline.site.page import Group, HasAgencies, Kit, Lazy, Page, Sourced, expanded, grouped
from pipeline.site.sources import Parts, Texts
from pipeline.site.views import agenda_row, agendas_sorted, decision_row, decisions_sorted, upcoming


def month_of(a: Agenda) -> str:
    """The calendar month an agenda takes place in (not the period it was reported in)."""
    return of_date(a.date)


def month_counts(data: SiteData) -> dict[str, int]:
    """How many agendas each calendar month holds, newest month first."""
    counts = Counter(month_of(a) for a in data.agendas)
    return {m: counts[m] for m in sorted(counts, reverse=True)}


def month_nav(counts: Mapping[str, int], kit: Kit, current: str | None) -> list[dict[str, Any]]:
    """Links to every month that has agendas, newest first, with counts and the year each belongs to."""
    return [{"label": kit.f.month(m), "url": kit.url(urls.agenda_month(m)), "count": n,
             "current": m == current, "year": m[:4]} for m, n in counts.items()]


def agencies_named(data: HasAgencies, codes: Iterable[str]) -> dict[str, Agency]:
    """The agencies among ``codes`` (first mention first) that the site knows: what a page names."""
    return {c: data.agencies[c] for c in dict.fromkeys(codes) if c in data.agencies}


# The latest agendas the index shows; every other one is on its month's page.
RECENT = 20


def list_page(data: SiteData, kit: Kit) -> Page:
    """Upcoming agendas, the latest ones held, and links to every month (where each agenda is listed).

    The index does not list every agenda: its size stays the same however long the history.
    """
    past = [a for a in data.agendas if a.date < data.as_of]
    context = {
        "upcoming": [agenda_row(a, data, kit) for a in upcoming(data)],
        "months": month_nav(month_counts(data), kit, None),
        "rows": [agenda_row(a, data, kit) for a in agendas_sorted(past)[:RECENT]],
        "total": len(data.agendas),
        "as_of": kit.f.date(data.as_of),
        "calendar": urls.CALENDAR,
        "calendar_page": kit.url(urls.CALENDAR_PAGE),
    }
    return Page(urls.AGENDAS, "agendas.html", kit.t("agendas.title"), "agendas", context,
                description=kit.t("agendas.lede"))


@dataclass(frozen=True)
class MonthInputs:
    """Everything a month page shows: its agendas in date order, the agencies they name, and the
    months with agendas just before and after it (not every month: a new month's agendas then
    change the page of the month before it only, not every month's page)."""

    month: str
    agendas: tuple[Agenda, ...]
    agencies: dict[str, Agency]
    previous: str | None
    next: str | None


def month_inputs(month: str, mine: list[Agenda], data: SiteData, counts: Mapping[str, int]) -> MonthInputs:
    """The declared inputs of one month's page (``counts``: every month with agendas)."""
    ordered = tuple(agendas_sorted(mine, newest_first=False))
    months = sorted(counts)
    at = months.index(month)
    return MonthInputs(month, ordered, agencies_named(data, (a.agency_code for a in ordered)),
                       months[at - 1] if at > 0 else None, months[at + 1] if at + 1 < len(months) else None)


def neighbours(i: MonthInputs, kit: Kit) -> dict[str, Any]:
    """The links to the months before and after one month's page, and to the index of every month."""
    def link(month: str | None) -> dict[str, str] | None:
        return None if month is None else {"label": kit.f.month(month), "url": kit.url(urls.agenda_month(month))}

    return {"previous": link(i.previous), "next": link(i.next), "all": kit.url(urls.AGENDAS) + "#h-months"}


def build_month(i: MonthInputs, kit: Kit) -> Page:
    """The agendas of one calendar month, in date order."""
    context = {"month": kit.f.month(i.month), "rows": [agenda_row(a, i, kit) for a in i.agendas],
               "months": neighbours(i, kit)}
    crumbs = [(kit.t("agendas.title"), kit.url(urls.AGENDAS))]
    return Page(urls.agenda_month(i.month), "agenda_month.html",
                kit.t("agendas.month_title", month=kit.f.month(i.month)), "agendas", context, crumbs)


def month_page(month: str, data: SiteData, kit: Kit) -> Page:
    """The agendas of one calendar month (built at once, for the tests)."""
    mine = [a for a in data.agendas if month_of(a) == month]
    return build_month(month_inputs(month, mine, data, month_counts(data)), kit)


# The facts compared between versions, with the words that name them.
COMPARED = (("date", "col.date"), ("start_time", "agenda.start_time"), ("location", "agenda.location"),
            ("status", "col.status"), ("title", "agenda.title_field"))


def versions_by_agenda(data: SiteData) -> dict[tuple[str, str], list[AgendaVersion]]:
    """Every reported version of every agenda, oldest first, by (agency, agenda id)."""
    return data.lookup.versions


@dataclass(frozen=True)
class AgendaInputs:
    """Everything an agenda's page shows: the agenda, its versions with the day each month's file
    arrived, its decisions (newest first) and the agencies it names."""

    agenda: Agenda
    versions: tuple[AgendaVersion, ...]
    received: dict[str, datetime | None]
    decisions: tuple[Decision, ...]
    agencies: dict[str, Agency]


def agenda_inputs(a: Agenda, data: SiteData) -> AgendaInputs:
    """The declared inputs of one agenda's page, looked up in the indexes."""
    versions = tuple(data.lookup.versions.get((a.agency_code, a.agenda_id), []))
    arrived = data.lookup.received.get((a.agency_code, "agendas"), {})
    decisions = tuple(decisions_sorted(data.lookup.decisions_of_agenda.get((a.agency_code, a.agenda_id), [])))
    named = [a.agency_code, *a.participants, *(a.attendees or ())]
    for d in decisions:
        named += [d.agency_code, *d.responsible]
    return AgendaInputs(a, versions, {v.period: arrived.get(v.period) for v in versions}, decisions,
                        agencies_named(data, named))


def history(a: Agenda, data: SiteData, kit: Kit) -> list[dict[str, Any]]:
    """Every reported version, oldest first (from the site data, for the tests)."""
    return version_rows(agenda_inputs(a, data), kit)


def version_rows(i: AgendaInputs, kit: Kit) -> list[dict[str, Any]]:
    """Every reported version, oldest first: its month, the day it arrived, its facts and what changed."""
    out, previous = [], None
    for v in i.versions:
        arrived = i.received.get(v.period)
        changed: list[dict[str, str | None]] = [] if previous is None else [
            {"label": kit.t(word), "title": v.title if name == "title" else None}
            for name, word in COMPARED if getattr(previous, name) != getattr(v, name)]
        out.append({"period": kit.f.month(v.period),
                    "received": kit.f.date(arrived.date()) if arrived else "–",
                    "date": kit.f.date(v.date), "time": kit.f.time(v.start_time), "location": v.location,
                    "status": v.status, "status_label": kit.label("agenda_status", v.status),
                    "first": previous is None, "changes": changed})
        previous = v
    return out


def agenda_page(a: Agenda, data: SiteData, kit: Kit) -> Page:
    """One agenda's page, built at once (for the tests)."""
    return build_agenda(agenda_inputs(a, data), kit)


def build_agenda(i: AgendaInputs, kit: Kit) -> Page:
    """One agenda: when, where, who, what came of it, and every version reported."""
    a = i.agenda
    context = {
        "agenda": {
            "id": a.agenda_id, "title": a.title, "date": kit.f.weekday_date(a.date),
            "time": _time_span(a, kit), "type": kit.label("agenda_type", a.type), "location": a.location,
            "status": a.status, "status_label": kit.label("agenda_status", a.status),
            "summary": render_markdown(a.summary), "minutes_url": safe_url(a.minutes_url),
            "minutes_unsafe": bool(a.minutes_url) and safe_url(a.minutes_url) is None,
            "period": kit.f.month(a.period),
        },
        "organizer": kit.agency_link(i, a.agency_code),
        "participants": [kit.agency_link(i, c) for c in a.participants],
        "attendance": attendance_view(a, i, kit),
        "decisions": [decision_row(d, i, kit) for d in i.decisions],
        "month_url": kit.url(urls.agenda_month(month_of(a))),
        "month": kit.f.month(month_of(a)),
        "history": version_rows(i, kit),
        "ics": urls.agenda_ics(a.agency_code, a.agenda_id),
    }
    crumbs = [(kit.t("agendas.title"), kit.url(urls.AGENDAS)), (kit.f.month(month_of(a)),
                                                                  kit.url(urls.agenda_month(month_of(a))))]
    return Page(urls.agenda(a.agency_code, a.agenda_id), "agenda.html", a.title, "agendas", context, crumbs,
                searchable=True, description=kit.t("agenda.lede", date=kit.f.date(a.date)))


def attendance_view(a: Agenda, data: HasAgencies, kit: Kit) -> dict[str, Any] | None:
    """Who came to a held meeting and who was invited but did not, or None when not held.

    Unknown attendance is said in words, never shown as an empty list (nobody came).
    """
    if a.status != "held":
        return None
    if a.attendees is None:
        return {"known": False}
    came = set(a.attendees)
    return {"known": True, "present": [kit.agency_link(data, c) for c in a.attendees],
            "absent": [kit.agency_link(data, c) for c in a.participants if c not in came],
            "summary": kit.t("agenda.attendance_summary", came=len([c for c in a.participants if c in came]),
                             invited=len(a.participants))}


def _time_span(a: Agenda, kit: Kit) -> str:
    """``09.00–11.00`` (or just the start, or nothing)."""
    if a.start_time and a.end_time:
        return f"{kit.f.time(a.start_time)}–{kit.f.time(a.end_time)}"
    return kit.f.time(a.start_time)


@dataclass(frozen=True)
class AgencyAgendas:
    """Everything the pages of one agency's agendas show: the agendas (by id), each one's versions
    and decisions (newest first), the day each month's agendas file of the agency arrived, and
    the agencies the pages name."""

    agency: str
    agendas: tuple[Agenda, ...]
    versions: dict[str, tuple[AgendaVersion, ...]]  # agenda id -> its versions, oldest first
    decisions: dict[str, tuple[Decision, ...]]  # agenda id -> its decisions, newest first
    received: dict[str, datetime | None]
    agencies: dict[str, Agency]


def agency_agendas(code: str, mine: list[Agenda], data: SiteData) -> AgencyAgendas:
    """The declared inputs of one agency's agenda pages (``mine``: its agendas, by id)."""
    versions = {a.agenda_id: tuple(data.lookup.versions.get((code, a.agenda_id), [])) for a in mine}
    decisions = {a.agenda_id: tuple(decisions_sorted(data.lookup.decisions_of_agenda.get((code, a.agenda_id), [])))
                 for a in mine}
    named: list[str] = []
    for a in mine:
        named += [a.agency_code, *a.participants, *(a.attendees or ())]
        for d in decisions[a.agenda_id]:
            named += [d.agency_code, *d.responsible]
    return AgencyAgendas(code, tuple(mine), versions, decisions, data.lookup.received.get((code, "agendas"), {}),
                         agencies_named(data, named))


def agency_agenda_pages(i: AgencyAgendas) -> Iterator[Lazy[Any]]:
    """The page of each of one agency's agendas (the same inputs as ``agenda_inputs`` gives)."""
    for a in i.agendas:
        versions, decisions = i.versions[a.agenda_id], i.decisions[a.agenda_id]
        named = [a.agency_code, *a.participants, *(a.attendees or ())]
        for d in decisions:
            named += [d.agency_code, *d.responsible]
        inputs = AgendaInputs(a, versions, {v.period: i.received.get(v.period) for v in versions}, decisions,
                              agencies_named(i, named))
        yield Lazy(urls.agenda(a.agency_code, a.agenda_id), "agenda.html", inputs, build_agenda, searchable=True)


def items(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any] | Group[Any] | Sourced[Any]]:
    """All agenda pages, one at a time: the index, then each month's, then each agency's agendas as a group
    (gathered later when the build knows its source)."""
    yield list_page(data, kit)
    counts = month_counts(data)
    by_month: dict[str, list[Agenda]] = {}
    for a in data.agendas:
        by_month.setdefault(month_of(a), []).append(a)
    for m in sorted(by_month):
        yield Lazy(urls.agenda_month(m), "agenda_month.html", month_inputs(m, by_month[m], data, counts), build_month)
    del by_month
    by_agency: dict[str, list[Agenda]] = {}
    for a in sorted(data.agendas, key=lambda a: (a.agency_code, a.agenda_id)):
        by_agency.setdefault(a.agency_code, []).append(a)
    for code, mine in by_agency.items():
        yield grouped(data.lookup.group_sources, f"agendas/{code}", agency_agendas, (code, mine, data),
                      agency_agenda_pages)


def sources(data: SiteData, texts: Texts) -> dict[str, str]:
    """Each agency's agenda group -> its source (sources.py): what ``agency_agendas`` reads of the data.

    Its agendas (the agency's, in the data's order, which sorting by id keeps among equals), each
    one's versions (``lookup.versions``: the agency's agenda history, in the data's order before its
    stable sort by month), its decisions (``lookup.decisions_of_agenda``: the agency's decisions), the
    day each month's agendas file arrived (``lookup.received``: the agency's submissions of agendas),
    and the agencies it names (every agency: shared).
    """
    parts = Parts("agendas/", [texts([data.agencies])[0]])
    parts.add_own("agendas", data.agendas, texts)
    parts.add_own("versions", data.agenda_history, texts)
    parts.add_own("decisions", data.decisions, texts)
    parts.add_own("received", [s for s in data.submissions if s.table == "agendas"], texts)
    return parts.digests()


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """All agenda pages, one at a time: the index, then each month's and each agenda's, known by their inputs."""
    return expanded(items(data, kit))
