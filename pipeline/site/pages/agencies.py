"""The agencies list, one list per sector, a page per agency and a page per agency and year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.core.models import TABLES
from pipeline.core.records import Agency, Service
from pipeline.site import urls
from pipeline.site.chart_views import ikm_chart, volume_chart
from pipeline.site.indicators import scored
from pipeline.site.markup import safe_url
from pipeline.site.models import Agenda, Decision, Perf, SiteData, Submission
from pipeline.site.page import Group, Kit, Lazy, Page, Sourced, expanded, grouped
from pipeline.site.pages.agendas import agencies_named
from pipeline.site.sources import Parts, Texts
from pipeline.site.stats import monthly
from pipeline.site.views import (
    HasFeedback,
    agenda_row,
    agendas_sorted,
    decision_row,
    register_sorted,
    sorted_agencies,
    submission_cell,
)

SECTORS = ("central-government", "regional-government", "state-enterprise", "regional-enterprise",
           "private", "non-government")


def sector_nav(data: SiteData, kit: Kit, current: str | None) -> list[dict[str, Any]]:
    """Links to each sector's list, with the number of agencies in it."""
    counts = Counter(a.sector for a in data.agencies.values())
    return [{"label": kit.label("sector", s), "url": kit.url(urls.sector(s)), "count": counts[s],
             "current": s == current} for s in SECTORS if counts[s]]


def agency_row(a: Agency, data: SiteData, kit: Kit) -> dict[str, Any]:
    """An agency as a list row."""
    return {"name": kit.agency_name(a), "url": kit.url(urls.agency(a.agency_code)), "code": a.agency_code,
            "sector": kit.label("sector", a.sector), "counter": a.counter or "–", "active": a.active,
            "services": len(data.lookup.services_of.get(a.agency_code, []))}


def list_pages(data: SiteData, kit: Kit) -> list[Page]:
    """All agencies grouped by sector, and one page per sector (the no-JavaScript filter)."""
    ordered = sorted_agencies(data, kit)
    groups: list[dict[str, Any]] = [
        {"sector": s, "label": kit.label("sector", s), "url": kit.url(urls.sector(s)),
         "rows": [agency_row(a, data, kit) for a in ordered if a.sector == s]} for s in SECTORS]
    groups = [g for g in groups if g["rows"]]
    title = kit.t("agencies.title")
    out = [Page(urls.AGENCIES, "agencies.html", title, "agencies",
                {"groups": groups, "sectors": sector_nav(data, kit, None), "total": len(ordered),
                 "sector_page": False, "all_url": kit.url(urls.AGENCIES)},
                description=kit.t("agencies.lede"))]
    for g in groups:
        crumbs = [(title, kit.url(urls.AGENCIES))]
        out.append(Page(urls.sector(g["sector"]), "agencies.html", g["label"], "agencies",
                        {"groups": [g], "sectors": sector_nav(data, kit, g["sector"]), "total": len(g["rows"]),
                         "sector_page": True, "all_url": kit.url(urls.AGENCIES)}, crumbs))
    return out


def own_submissions(data: SiteData, code: str, year: str | None) -> dict[tuple[str, str], Submission]:
    """The agency's files (of one ``year``, or all) by (period, table)."""
    return {(s.period, s.table): s for s in data.lookup.submissions_of.get(code, [])
            if year is None or s.period.startswith(year)}


def record_of(mine: Mapping[tuple[str, str], Submission], links: HasFeedback, kit: Kit,
              last: int | None = None) -> dict[str, Any]:
    """Files month by month (the ``last`` months, or all), with counts per standing."""
    periods = sorted({p for p, _ in mine}, reverse=True)[:last]
    rows: list[dict[str, Any]] = [
        {"period": kit.f.month(p), "month_url": kit.url(urls.submissions_month(p)),
         "cells": [submission_cell(mine.get((p, t)), links, kit) for t in TABLES]} for p in periods]
    counts = Counter(c["state"] for r in rows for c in r["cells"] if c["state"] != "none")
    return {"rows": rows, "tables": [kit.label("table", t) for t in TABLES],
            "counts": [{"state": s, "label": kit.label("submission_state", s), "n": counts[s]}
                       for s in ("accepted", "late", "rejected", "missing")]}


# What the agency page lists in full; older meetings, decisions and months are on its year pages,
# so the page stays the same size however long the agency has been in the mall.
SHOWN = 10
RECORD_MONTHS = 12


@dataclass(frozen=True)
class Involved:
    """An agency's meetings (newest first) and the decisions it follows up (overdue and open first)."""

    meetings: list[Agenda]
    decisions: list[Decision]

    @classmethod
    def of(cls, code: str, data: SiteData) -> Involved:
        """The meetings it organised or was invited to, and the decisions naming it responsible."""
        return cls(agendas_sorted(data.lookup.agendas_of.get(code, [])),
                   register_sorted(data.lookup.decisions_responsible.get(code, [])))


def years_of(code: str, involved: Involved, data: SiteData) -> list[str]:
    """The years in which the agency met, decided or owed files, newest first."""
    found = {str(g.date.year) for g in involved.meetings} | {str(d.date.year) for d in involved.decisions}
    found |= {s.period[:4] for s in data.lookup.submissions_of.get(code, [])}
    return sorted(found, reverse=True)


def year_counts(years: list[str], involved: Involved) -> tuple[tuple[str, int, int], ...]:
    """Each year with how many meetings and decisions it holds."""
    meetings = Counter(str(g.date.year) for g in involved.meetings)
    decisions = Counter(str(d.date.year) for d in involved.decisions)
    return tuple((y, meetings[y], decisions[y]) for y in years)


def links_of(code: str, counts: tuple[tuple[str, int, int], ...], kit: Kit,
             current: str | None) -> list[dict[str, Any]]:
    """Links to an agency's year pages from each year's counts."""
    return [{"year": y, "url": kit.url(urls.agency_year(code, int(y))), "current": y == current,
             "meetings": m, "decisions": d} for y, m, d in counts]


def year_links(code: str, years: tuple[str, ...], kit: Kit, current: str) -> list[dict[str, Any]]:
    """Links to an agency's year pages without counts: a year page then changes only with its own
    year's rows (or when a year comes or goes), not with every new meeting of another year."""
    return [{"year": y, "url": kit.url(urls.agency_year(code, int(y))), "current": y == current,
             "meetings": None, "decisions": None} for y in years]


@dataclass(frozen=True)
class AgencyInputs:
    """Everything an agency's page shows: the agency, its services and performance rows, the
    months the charts cover, its latest meetings and decisions with their totals, its files of
    the last months with where their reports are, every year's counts, whether it has a
    scorecard, and the agencies the rows name."""

    agency: Agency
    services: tuple[Service, ...]
    rows: tuple[Perf, ...]
    periods: tuple[str, ...]
    meetings: tuple[Agenda, ...]
    meetings_total: int
    decisions: tuple[Decision, ...]
    decisions_total: int
    files: dict[tuple[str, str], Submission]
    feedback: dict[tuple[str, str, str], str]
    feedback_months: dict[tuple[str, str], str]
    years: tuple[tuple[str, int, int], ...]
    scorecard: bool
    agencies: dict[str, Agency]


def agency_inputs(a: Agency, data: SiteData, involved: Involved, years: list[str],
                  scorecards: frozenset[str]) -> AgencyInputs:
    """The declared inputs of one agency's page."""
    return _agency_inputs(a, _sources(a, data, scorecards), involved, years)


def _agency_inputs(a: Agency, i: AgencySources, involved: Involved, years: list[str]) -> AgencyInputs:
    """One agency's page inputs from what the site data holds of it (``AgencySources``)."""
    every = _own(i, None)
    recent = set(sorted({p for p, _ in every}, reverse=True)[:RECORD_MONTHS])
    files = {k: s for k, s in every.items() if k[0] in recent}
    meetings, decisions = tuple(involved.meetings[:SHOWN]), tuple(involved.decisions[:SHOWN])
    named = [a.agency_code, *(g.agency_code for g in meetings)]
    for d in decisions:
        named += [d.agency_code, *d.responsible]
    return AgencyInputs(a, i.services, i.rows, i.periods, meetings, len(involved.meetings), decisions,
                        len(involved.decisions), files, *_links(i, files), year_counts(years, involved), i.scorecard,
                        agencies_named(i, named))


def _links(data: HasFeedback, files: Mapping[tuple[str, str], Submission]
           ) -> tuple[dict[tuple[str, str, str], str], dict[tuple[str, str], str]]:
    """Where the reports of these files and the summaries of their months are."""
    feedback = {(s.period, s.agency_code, s.table): rel for s in files.values()
                if (rel := data.feedback.get((s.period, s.agency_code, s.table)))}
    months = {(s.period, s.agency_code): rel for s in files.values()
              if (rel := data.feedback_months.get((s.period, s.agency_code)))}
    return feedback, months


def agency_page(a: Agency, data: SiteData, kit: Kit, involved: Involved | None = None,
                years: list[str] | None = None) -> Page:
    """One agency's page, built at once (for the tests)."""
    involved = involved or Involved.of(a.agency_code, data)
    years = years if years is not None else years_of(a.agency_code, involved, data)
    return build_agency(agency_inputs(a, data, involved, years, scored(data)), kit)


def build_agency(i: AgencyInputs, kit: Kit) -> Page:
    """Everything about one agency: the latest meetings, decisions and months, the rest a year page away."""
    a = i.agency
    name = kit.agency_name(a)
    services = sorted(i.services, key=lambda s: (kit.service_name(s), s.service_code))
    series, periods = monthly(i.rows), list(i.periods)
    context = {
        "agency": {"name": name, "code": a.agency_code, "other_name": a.name if kit.lang == "en" else a.name_en,
                   "sector": kit.label("sector", a.sector), "sector_url": kit.url(urls.sector(a.sector)),
                   "counter": a.counter, "joined": kit.f.date(a.joined_on), "website": safe_url(a.website),
                   "active": a.active, "aliases": a.alias_list},
        "services": [{"name": kit.service_name(s), "url": kit.url(urls.service(s.service_code)),
                      "time": kit.duration(s.standard_time),
                      "fee": kit.f.rupiah(s.fee_idr) if s.fee_idr else kit.t("fee.free")} for s in services],
        "charts": [volume_chart("c-vol", name, series, periods, kit), ikm_chart("c-ikm", name, series, periods, kit)]
        if i.rows else [],
        "performance_url": kit.url(urls.agency_performance(a.agency_code)),
        "meetings": [agenda_row(g, i, kit) for g in i.meetings],
        "meetings_total": i.meetings_total,
        "decisions": [decision_row(d, i, kit) for d in i.decisions],
        "decisions_total": i.decisions_total,
        "record": record_of(i.files, i, kit),
        "years": links_of(a.agency_code, i.years, kit, None),
        "calendar": urls.calendar(a.agency_code),
        "scorecard": kit.url(urls.scorecard(a.agency_code)) if i.scorecard else None,
    }
    crumbs = [(kit.t("agencies.title"), kit.url(urls.AGENCIES))]
    return Page(urls.agency(a.agency_code), "agency.html", name, "agencies", context, crumbs, searchable=True,
                description=kit.t("agency.lede", name=name))


@dataclass(frozen=True)
class YearInputs:
    """Everything an agency's year page shows: the agency, its meetings and decisions of the year
    (in the agency page's order), its files of the year with where their reports are, every
    year's counts, and the agencies the rows name."""

    agency: Agency
    year: str
    meetings: tuple[Agenda, ...]
    decisions: tuple[Decision, ...]
    files: dict[tuple[str, str], Submission]
    feedback: dict[tuple[str, str, str], str]
    feedback_months: dict[tuple[str, str], str]
    years: tuple[str, ...]  # every year with a page (not their counts: see ``year_links``)
    agencies: dict[str, Agency]


def year_inputs(a: Agency, year: str, data: SiteData, involved: Involved, years: list[str]) -> YearInputs:
    """The declared inputs of one agency's year page."""
    return _year_inputs(a, year, _sources(a, data, scored(data)), involved, years)


def _year_inputs(a: Agency, year: str, i: AgencySources, involved: Involved, years: list[str]) -> YearInputs:
    """One agency's year page inputs from what the site data holds of it (``AgencySources``)."""
    meetings = tuple(g for g in involved.meetings if str(g.date.year) == year)
    decisions = tuple(d for d in involved.decisions if str(d.date.year) == year)
    files = _own(i, year)
    feedback, months = _links(i, files)
    named = [a.agency_code, *(g.agency_code for g in meetings)]
    for d in decisions:
        named += [d.agency_code, *d.responsible]
    return YearInputs(a, year, meetings, decisions, files, feedback, months, tuple(years),
                      agencies_named(i, named))


def year_page(a: Agency, year: str, data: SiteData, kit: Kit, involved: Involved, years: list[str]) -> Page:
    """One agency's year page, built at once (for the tests)."""
    return build_year(year_inputs(a, year, data, involved, years), kit)


def build_year(i: YearInputs, kit: Kit) -> Page:
    """One agency's meetings, decisions and monthly files of one year."""
    a, year = i.agency, i.year
    name = kit.agency_name(a)
    context = {
        "agency": {"name": name, "url": kit.url(urls.agency(a.agency_code))},
        "year": year,
        "meetings": [agenda_row(g, i, kit) for g in i.meetings],
        "decisions": [decision_row(d, i, kit) for d in i.decisions],
        "record": record_of(i.files, i, kit),
        "years": year_links(a.agency_code, i.years, kit, year),
    }
    crumbs = [(kit.t("agencies.title"), kit.url(urls.AGENCIES)), (name, kit.url(urls.agency(a.agency_code)))]
    return Page(urls.agency_year(a.agency_code, int(year)), "agency_year.html",
                kit.t("agency_year.title", name=name, year=year), "agencies", context, crumbs,
                description=kit.t("agency_year.lede", name=name, year=year))


@dataclass(frozen=True)
class AgencySources:
    """Everything one agency's page and year pages are made from, as the site data holds it: the
    agency, its services, performance rows and the charts' months, the meetings it organised or
    was invited to and the decisions naming it responsible (unsorted), its files with where their
    reports and months' summaries are, whether it has a scorecard, and every agency (the rows name
    any of them). A group's inputs (``page.Group``): an agency whose sources did not change keeps
    its pages."""

    agency: Agency
    services: tuple[Service, ...]
    rows: tuple[Perf, ...]
    periods: tuple[str, ...]
    meetings: tuple[Agenda, ...]
    decisions: tuple[Decision, ...]
    files: tuple[Submission, ...]
    feedback: dict[tuple[str, str, str], str]
    feedback_months: dict[tuple[str, str], str]
    scorecard: bool
    agencies: dict[str, Agency]


def _sources(a: Agency, data: SiteData, scorecards: frozenset[str]) -> AgencySources:
    """What the site data holds of one agency (``AgencySources``)."""
    code = a.agency_code
    files = tuple(data.lookup.submissions_of.get(code, []))
    feedback, months = _links(data, {(s.period, s.table): s for s in files})
    return AgencySources(a, tuple(data.lookup.services_of.get(code, [])),
                         tuple(data.lookup.performance_of.get(code, [])), data.lookup.chart_periods,
                         tuple(data.lookup.agendas_of.get(code, [])),
                         tuple(data.lookup.decisions_responsible.get(code, [])), files, feedback, months,
                         code in scorecards, data.agencies)


def _own(i: AgencySources, year: str | None) -> dict[tuple[str, str], Submission]:
    """``own_submissions`` of the agency's sources."""
    return {(s.period, s.table): s for s in i.files if year is None or s.period.startswith(year)}


def _involved(i: AgencySources) -> Involved:
    """``Involved.of`` the agency's sources."""
    return Involved(agendas_sorted(list(i.meetings)), register_sorted(list(i.decisions)))


def _years(i: AgencySources, involved: Involved) -> list[str]:
    """``years_of`` the agency's sources."""
    found = {str(g.date.year) for g in involved.meetings} | {str(d.date.year) for d in involved.decisions}
    found |= {s.period[:4] for s in i.files}
    return sorted(found, reverse=True)


def agency_pages(i: AgencySources) -> Iterator[Lazy[Any]]:
    """One agency's page, then its year pages (the same inputs as ``agency_inputs`` and ``year_inputs`` give)."""
    a = i.agency
    involved = _involved(i)
    years = _years(i, involved)
    yield Lazy(urls.agency(a.agency_code), "agency.html", _agency_inputs(a, i, involved, years), build_agency,
               searchable=True)
    for y in years:
        yield Lazy(urls.agency_year(a.agency_code, int(y)), "agency_year.html", _year_inputs(a, y, i, involved, years),
                   build_year)


def items(data: SiteData, kit: Kit) -> Iterator[Page | Group[Any] | Sourced[Any]]:
    """The agency list pages, then each agency's page and year pages as a group (by code: the same
    groups in the same order in every language; gathered later when the build knows its source)."""
    yield from list_pages(data, kit)
    scorecards = scored(data)
    for code in sorted(data.agencies):
        a = data.agencies[code]
        yield grouped(data.lookup.group_sources, f"agencies/{code}", _sources, (a, data, scorecards), agency_pages)


def sources(data: SiteData, texts: Texts) -> dict[str, str]:
    """Each agency's group -> its source (sources.py): what ``_sources`` reads of the data.

    Its services (``lookup.services_of``: the agency's, in the data's order), performance rows
    (``lookup.performance_of``), the meetings it organised or was invited to (``lookup.agendas_of``: each
    agenda under its organiser and participants), the decisions naming it responsible
    (``lookup.decisions_responsible``), its files (``lookup.submissions_of``) and where their reports
    and months' summaries are (``data.feedback`` and ``data.feedback_months`` of the agency, with their
    keys); shared: every agency, the charts' months (``lookup.chart_periods``) and the agencies with a
    scorecard (``scored``).
    """
    look = data.lookup
    parts = Parts("agencies/", [texts([data.agencies])[0], repr(look.chart_periods), repr(sorted(scored(data)))])
    services = list(data.services.values())
    parts.add_own("services", services, texts)
    parts.add_own("performance", data.performance, texts)
    parts.add_each("meetings", [dict.fromkeys((a.agency_code, *a.participants)) for a in data.agendas],
                   texts(data.agendas))
    parts.add_each("responsible", [dict.fromkeys(d.responsible) for d in data.decisions], texts(data.decisions))
    parts.add_own("files", data.submissions, texts)
    parts.add("feedback", [key[1] for key in data.feedback], [repr(item) for item in data.feedback.items()])
    parts.add("months", [key[1] for key in data.feedback_months], [repr(item) for item in data.feedback_months.items()])
    return parts.digests()


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """The agency list pages, one page per agency and one per agency and year (known by their inputs)."""
    return expanded(items(data, kit))
