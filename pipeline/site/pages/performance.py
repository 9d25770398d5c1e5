"""Performance of the mall, of each agency and of each service (charts with their data tables)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.core.periods import last_ended
from pipeline.core.records import Agency, Service
from pipeline.site import exports, urls
from pipeline.site.chart_views import ikm_chart, volume_chart, within_chart
from pipeline.site.models import Perf, SiteData
from pipeline.site.page import Kit, Lazy, Page
from pipeline.site.pages.agendas import agencies_named
from pipeline.site.stats import Totals, monthly, totals
from pipeline.site.views import chart_periods, latest_period, sorted_agencies, submission_cell


def _latest_row(t: Totals | None, kit: Kit) -> dict[str, str | bool | None]:
    """The latest month's figures as table cells."""
    if t is None:
        return {"received": "–", "completed": "–", "backlog": False, "within": "–", "ikm": "–", "grade": None,
                "grade_label": ""}
    return {"received": kit.f.number(t.received), "completed": kit.f.number(t.completed),
            # More completed than received: applications of earlier months finished this month.
            "backlog": t.completed > t.received,
            "within": kit.f.percent(t.within_share),
            "ikm": kit.f.number(t.ikm, 2) if t.ikm is not None else "–",
            "grade": t.grade, "grade_label": kit.label("grade", t.grade)}


def agencies_latest(data: SiteData, kit: Kit) -> tuple[str | None, list[tuple[Agency, Totals | None]]]:
    """The latest ended month and each reporting agency's totals in it (None: no accepted data),
    in the order the performance page lists them (and its download holds them)."""
    period = latest_period(data)
    out: list[tuple[Agency, Totals | None]] = []
    for a in sorted_agencies(data, kit):
        rows = data.lookup.performance_of.get(a.agency_code, [])
        mine = [r for r in rows if r.period == period]
        if rows:
            out.append((a, totals(period, mine) if period and mine else None))
    return period, out


def missing_reason(data: SiteData, kit: Kit, agency: Agency, period: str) -> dict[str, Any]:
    """Why an agency has no figures for a month: its file was rejected or not sent, it was
    inactive, or nothing was due; with the link to the feedback page when there is one."""
    sub = data.lookup.submission.get((period, agency.agency_code, "performance"))
    if sub is None:
        code = "inactive" if not agency.active else "none"
        return {"code": code, "label": kit.t("agency.inactive") if code == "inactive" else
                kit.label("submission_state", "none"), "url": None}
    cell = submission_cell(sub, data, kit)
    return {"code": cell["state"], "label": cell["label"], "url": cell["url"]}


def overview(data: SiteData, kit: Kit) -> Page:
    """The mall's trends and every agency's latest month."""
    period, latest = agencies_latest(data, kit)
    periods = chart_periods(data)
    series = list(data.lookup.mall_series)
    subject = kit.t("perf.the_mall")
    rows = [{"name": kit.agency_name(a), "url": kit.url(urls.agency_performance(a.agency_code)),
             **_latest_row(t, kit), "reason": None if t or period is None else missing_reason(data, kit, a, period)}
            for a, t in latest]
    context = {
        "period": kit.f.month(period),
        "rows": rows,
        "charts": [volume_chart("c-vol", subject, series, periods, kit),
                   within_chart("c-std", subject, series, periods, kit),
                   ikm_chart("c-ikm", subject, series, periods, kit)] if series else [],
        "services_url": kit.url(urls.SERVICES),
        "downloads": exports.links(kit, exports.PERFORMANCE),
    }
    return Page(urls.PERFORMANCE, "performance.html", kit.t("perf.title"), "performance", context,
                description=kit.t("perf.lede"))


@dataclass(frozen=True)
class AgencyInputs:
    """Everything an agency's performance page shows: the agency, its services, its rows, the
    last ended month as of the build date and the months the charts cover."""

    agency: Agency
    services: tuple[Service, ...]
    rows: tuple[Perf, ...]
    closed: str
    periods: tuple[str, ...]


def agency_inputs(code: str, data: SiteData) -> AgencyInputs:
    """The declared inputs of one agency's performance page."""
    services = tuple(s for s in data.services.values() if s.agency_code == code)
    return AgencyInputs(data.agencies[code], services, tuple(data.lookup.performance_of.get(code, [])),
                        last_ended(data.as_of), data.lookup.chart_periods)


def agency_performance(code: str, data: SiteData, kit: Kit) -> Page:
    """One agency's performance page, built at once (for the tests)."""
    return build_agency(agency_inputs(code, data), kit)


def build_agency(i: AgencyInputs, kit: Kit) -> Page:
    """One agency's trends and each of its services' latest month."""
    agency, rows = i.agency, i.rows
    code = agency.agency_code
    name = kit.agency_name(agency)
    period = max((r.period for r in rows if r.period <= i.closed), default=max(r.period for r in rows))
    periods, series = list(i.periods), monthly(list(rows))
    services = sorted(i.services, key=lambda s: (kit.service_name(s), s.service_code))
    service_rows = []
    for s in services:
        latest = [r for r in rows if r.service_code == s.service_code and r.period == period]
        service_rows.append({"name": kit.service_name(s), "url": kit.url(urls.service(s.service_code)),
                             **_latest_row(totals(period, latest) if latest else None, kit)})
    context = {
        "name": name,
        "agency_url": kit.url(urls.agency(code)),
        "period": kit.f.month(period),
        "rows": service_rows,
        "charts": [volume_chart("c-vol", name, series, periods, kit), within_chart("c-std", name, series, periods, kit),
                   ikm_chart("c-ikm", name, series, periods, kit)],
    }
    crumbs = [(kit.t("perf.title"), kit.url(urls.PERFORMANCE))]
    return Page(urls.agency_performance(code), "performance_agency.html", kit.t("perf.agency_title", name=name),
                "performance", context, crumbs)


@dataclass(frozen=True)
class ServiceInputs:
    """Everything a service's page shows: the service, its monthly rows, the months the charts
    cover and its agency."""

    service: Service
    rows: tuple[Perf, ...]
    periods: tuple[str, ...]
    agencies: dict[str, Agency]


def service_inputs(s: Service, data: SiteData) -> ServiceInputs:
    """The declared inputs of one service's page."""
    return ServiceInputs(s, tuple(data.lookup.performance_of_service.get(s.service_code, [])),
                         data.lookup.chart_periods, agencies_named(data, (s.agency_code,)))


def service_page(s: Service, data: SiteData, kit: Kit) -> Page:
    """One service's page, built at once (for the tests)."""
    return build_service(service_inputs(s, data), kit)


def build_service(i: ServiceInputs, kit: Kit) -> Page:
    """One service: its standard and its monthly performance."""
    s, rows = i.service, list(i.rows)
    periods, series = list(i.periods), monthly(rows)
    notes = sorted({(r.period, r.notes) for r in rows if r.notes}, reverse=True)
    context: dict[str, Any] = {
        "service": {"name": kit.service_name(s), "other_name": s.name if kit.lang == "en" and s.name_en else None,
                    "code": s.service_code, "time": kit.duration(s.standard_time),
                    "fee": kit.f.rupiah(s.fee_idr) if s.fee_idr else kit.t("fee.free"),
                    "requirements": s.requirements, "legal_basis": s.legal_basis},
        "agency": kit.agency_link(i, s.agency_code),
        "charts": [volume_chart("c-vol", kit.service_name(s), series, periods, kit),
                   within_chart("c-std", kit.service_name(s), series, periods, kit),
                   ikm_chart("c-ikm", kit.service_name(s), series, periods, kit)] if rows else [],
        "notes": [{"period": kit.f.month(p), "text": n} for p, n in notes],
    }
    crumbs = [(kit.t("services.title"), kit.url(urls.SERVICES))]
    return Page(urls.service(s.service_code), "service.html", kit.service_name(s), "performance", context, crumbs,
                searchable=True,
                description=kit.t("service.lede", name=kit.service_name(s)))


def services_list(data: SiteData, kit: Kit) -> Page:
    """Every service, agency by agency."""
    groups = []
    for a in sorted_agencies(data, kit):
        mine = sorted((s for s in data.services.values() if s.agency_code == a.agency_code),
                      key=lambda s: (kit.service_name(s), s.service_code))
        if mine:
            groups.append({"agency": kit.agency_link(data, a.agency_code), "rows": [
                {"name": kit.service_name(s), "url": kit.url(urls.service(s.service_code)),
                 "time": kit.duration(s.standard_time),
                 "fee": kit.f.rupiah(s.fee_idr) if s.fee_idr else kit.t("fee.free")} for s in mine]})
    return Page(urls.SERVICES, "services.html", kit.t("services.title"), "performance",
                {"groups": groups, "total": len(data.services)}, description=kit.t("services.lede"))


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """Overview, per agency, the service list and per service (those two known by their inputs)."""
    yield overview(data, kit)
    for c in sorted({r.agency_code for r in data.performance if r.agency_code in data.agencies}):
        yield Lazy(urls.agency_performance(c), "performance_agency.html", agency_inputs(c, data), build_agency)
    yield services_list(data, kit)
    for s in sorted(data.services.values(), key=lambda s: s.service_code):
        yield Lazy(urls.service(s.service_code), "service.html", service_inputs(s, data), build_service,
                   searchable=True)
