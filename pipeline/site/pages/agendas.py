"""Agendas: the index (upcoming, latest, months), one page per month and one page per agenda with its history."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.core.periods import of_date
from pipeline.site import urls
from pipeline.site.markup import render_markdown, safe_url
from pipeline.site.models import Agenda, AgendaVersion, SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.views import agenda_row, agendas_sorted, decision_row, decisions_sorted, upcoming


def month_of(a: Agenda) -> str:
    """The calendar month an agenda takes place in (not the period it was reported in)."""
    return of_date(a.date)


def month_nav(data: SiteData, kit: Kit, current: str | None) -> list[dict[str, Any]]:
    """Links to every month that has agendas, newest first, with counts and the year each belongs to."""
    counts = Counter(month_of(a) for a in data.agendas)
    return [{"label": kit.f.month(m), "url": kit.url(urls.agenda_month(m)), "count": counts[m],
             "current": m == current, "year": m[:4]} for m in sorted(counts, reverse=True)]


# The latest agendas the index shows; every other one is on its month's page.
RECENT = 20


def list_page(data: SiteData, kit: Kit) -> Page:
    """Upcoming agendas, the latest ones held, and links to every month (where each agenda is listed).

    The index does not list every agenda: its size stays the same however long the history.
    """
    past = [a for a in data.agendas if a.date < data.as_of]
    context = {
        "upcoming": [agenda_row(a, data, kit) for a in upcoming(data)],
        "months": month_nav(data, kit, None),
        "rows": [agenda_row(a, data, kit) for a in agendas_sorted(past)[:RECENT]],
        "total": len(data.agendas),
        "as_of": kit.f.date(data.as_of),
        "calendar": urls.CALENDAR,
        "calendar_page": kit.url(urls.CALENDAR_PAGE),
    }
    return Page(urls.AGENDAS, "agendas.html", kit.t("agendas.title"), "agendas", context,
                description=kit.t("agendas.lede"))


def month_page(month: str, data: SiteData, kit: Kit) -> Page:
    """The agendas of one calendar month, in date order."""
    mine = agendas_sorted([a for a in data.agendas if month_of(a) == month], newest_first=False)
    context = {"month": kit.f.month(month), "rows": [agenda_row(a, data, kit) for a in mine],
               "months": month_nav(data, kit, month)}
    crumbs = [(kit.t("agendas.title"), kit.url(urls.AGENDAS))]
    return Page(urls.agenda_month(month), "agenda_month.html", kit.t("agendas.month_title", month=kit.f.month(month)),
                "agendas", context, crumbs)


# The facts compared between versions, with the words that name them.
COMPARED = (("date", "col.date"), ("start_time", "agenda.start_time"), ("location", "agenda.location"),
            ("status", "col.status"), ("title", "agenda.title_field"))


def versions_by_agenda(data: SiteData) -> dict[tuple[str, str], list[AgendaVersion]]:
    """Every reported version of every agenda, oldest first, by (agency, agenda id)."""
    return data.lookup.versions


def history(a: Agenda, data: SiteData, kit: Kit,
            versions: list[AgendaVersion] | None = None) -> list[dict[str, Any]]:
    """Every reported version, oldest first: its month, the day it arrived, its facts and what changed."""
    if versions is None:
        versions = data.lookup.versions.get((a.agency_code, a.agenda_id), [])
    received = data.lookup.received.get((a.agency_code, "agendas"), {})
    out, previous = [], None
    for v in versions:
        arrived = received.get(v.period)
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


def agenda_page(a: Agenda, data: SiteData, kit: Kit, versions: list[AgendaVersion] | None = None) -> Page:
    """One agenda: when, where, who, what came of it, and every version reported."""
    decisions = decisions_sorted(data.lookup.decisions_of_agenda.get((a.agency_code, a.agenda_id), []))
    context = {
        "agenda": {
            "id": a.agenda_id, "title": a.title, "date": kit.f.weekday_date(a.date),
            "time": _time_span(a, kit), "type": kit.label("agenda_type", a.type), "location": a.location,
            "status": a.status, "status_label": kit.label("agenda_status", a.status),
            "summary": render_markdown(a.summary), "minutes_url": safe_url(a.minutes_url),
            "minutes_unsafe": bool(a.minutes_url) and safe_url(a.minutes_url) is None,
            "period": kit.f.month(a.period),
        },
        "organizer": kit.agency_link(data, a.agency_code),
        "participants": [kit.agency_link(data, c) for c in a.participants],
        "attendance": attendance_view(a, data, kit),
        "decisions": [decision_row(d, data, kit) for d in decisions],
        "month_url": kit.url(urls.agenda_month(month_of(a))),
        "month": kit.f.month(month_of(a)),
        "history": history(a, data, kit, versions),
        "ics": urls.agenda_ics(a.agency_code, a.agenda_id),
    }
    crumbs = [(kit.t("agendas.title"), kit.url(urls.AGENDAS)), (kit.f.month(month_of(a)),
                                                                  kit.url(urls.agenda_month(month_of(a))))]
    return Page(urls.agenda(a.agency_code, a.agenda_id), "agenda.html", a.title, "agendas", context, crumbs,
                searchable=True, description=kit.t("agenda.lede", date=kit.f.date(a.date)))


def attendance_view(a: Agenda, data: SiteData, kit: Kit) -> dict[str, Any] | None:
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


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """All agenda pages."""
    months = sorted({month_of(a) for a in data.agendas})
    ordered = sorted(data.agendas, key=lambda a: (a.agency_code, a.agenda_id))
    versions = versions_by_agenda(data)
    return [list_page(data, kit), *(month_page(m, data, kit) for m in months),
            *(agenda_page(a, data, kit, versions.get((a.agency_code, a.agenda_id), [])) for a in ordered)]
