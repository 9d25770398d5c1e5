"""The file-check reports under /laporan/ in the site's design: an index by month, a page per agency
and month, a page per received file; one language per page (English under /en/laporan/).

The agencies' own copies in <output>/feedback/ (written by the publish stage) keep both
languages on one page; these are the public site's pages of the same reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.core.models import TABLES
from pipeline.core.periods import deadline
from pipeline.core.records import Agency
from pipeline.publish.feedback_layout import file_page, month_page
from pipeline.site import urls
from pipeline.site.models import FileReportView, Misplaced, SiteData, Submission
from pipeline.site.page import Group, Kit, Lazy, Page, Sourced, expanded, grouped
from pipeline.site.pages.agendas import agencies_named
from pipeline.site.sources import Parts, Texts
from pipeline.site.views import sorted_agencies

STATES = ("accepted", "rejected", "missing")


def _month_url(period: str, agency: str) -> str:
    """The page of an agency's month."""
    return urls.feedback(month_page(period, agency))


def _crumbs(kit: Kit) -> list[tuple[str, str]]:
    """Compliance, then the reports index."""
    return [(kit.t("submissions.title"), kit.url(urls.SUBMISSIONS)), (kit.t("report.title"), kit.url(urls.FEEDBACK))]


def _on_time(kit: Kit, value: bool | None) -> str:
    """Yes, no (late), or a dash when nothing was received."""
    return "—" if value is None else kit.t("report.on_time_yes" if value else "report.on_time_no")


def index(data: SiteData, kit: Kit, groups: dict[tuple[str, str], list[Submission]]) -> Page:
    """Months newest first, each a folded table of its agencies with their files' counts."""
    names = {a.agency_code: kit.agency_name(a) for a in data.agencies.values()}
    order = {a.agency_code: i for i, a in enumerate(sorted_agencies(data, kit))}
    months: list[dict[str, Any]] = []
    by_period: dict[str, list[str]] = {}  # each month's agencies, found in one pass (not one per month)
    for p, a in groups:
        by_period.setdefault(p, []).append(a)
    for period in sorted(by_period, reverse=True):
        agencies = sorted(by_period[period], key=lambda a: (order.get(a, len(order)), a))
        rows = []
        total: Counter[str] = Counter()
        for agency in agencies:
            counts = Counter(s.status for s in groups[(period, agency)])
            total.update(counts)
            rows.append({"name": names.get(agency, agency), "url": kit.url(_month_url(period, agency)),
                         "counts": [counts[s] for s in STATES]})
        months.append({"label": kit.f.month(period), "rows": rows, "agencies": len(rows),
                       "rejected": total["rejected"], "missing": total["missing"], "id": f"m-{period}"})
    misplaced = [m for m in data.misplaced if not (m.period and m.agency)]
    return Page(urls.FEEDBACK, "report_index.html", kit.t("report.title"), "submissions",
                {"months": months, "states": [kit.label("submission_state", s) for s in STATES],
                 "misplaced": misplaced},
                [(kit.t("submissions.title"), kit.url(urls.SUBMISSIONS))], description=kit.t("report.lede"))


@dataclass(frozen=True)
class MonthInputs:
    """Everything an agency-month's report page shows: its files, which of them have a report,
    the files found misplaced in its folder, the agency's name, the time zone and deadline day."""

    period: str
    agency: str
    rows: tuple[Submission, ...]
    reported: tuple[str, ...]
    misplaced: tuple[Misplaced, ...]
    agencies: dict[str, Agency]
    tz: str  # the portal's time zone, by name
    deadline_day: int


def month_inputs(data: SiteData, period: str, agency: str, rows: list[Submission],
                 misplaced: list[Misplaced]) -> MonthInputs:
    """The declared inputs of one agency-month's page."""
    reported = tuple(s.table for s in rows if (period, agency, s.table) in data.reports)
    return MonthInputs(period, agency, tuple(rows), reported, tuple(misplaced), agencies_named(data, (agency,)),
                       data.portal.timezone, data.portal.deadline_day)


def month(data: SiteData, kit: Kit, period: str, agency: str, rows: list[Submission]) -> Page:
    """One agency-month's page, built at once (for the tests)."""
    misplaced = [m for m in data.misplaced if m.period == period and m.agency == agency]
    return build_month(month_inputs(data, period, agency, rows, misplaced), kit)


def build_month(i: MonthInputs, kit: Kit) -> Page:
    """One agency's files of one month: status, receipt time, on time, problems, each file's report."""
    period, agency = i.period, i.agency
    by_table = {s.table: s for s in i.rows}
    name = kit.agency_name(i.agencies.get(agency), agency)
    files = []
    for table in TABLES:
        s = by_table.get(table)
        if s is None:
            continue
        files.append({
            "label": kit.label("table", table), "status": s.status,
            "status_label": kit.label("submission_state", s.status),
            "url": kit.url(urls.feedback(file_page(period, agency, table))) if table in i.reported else None,
            "received": kit.f.long_datetime(s.received_at, ZoneInfo(i.tz)) if s.received_at else "—",
            "on_time": _on_time(kit, s.on_time), "revision": s.revision if s.revision is not None else "—",
            "errors": s.errors if s.status != "missing" else "—",
            "warnings": s.warnings if s.status != "missing" else "—",
        })
    title = kit.t("report.month_title", agency=name, month=kit.f.month(period))
    context = {
        "files": files, "agency": kit.agency_link(i, agency), "month": kit.f.month(period),
        "deadline": kit.f.date(deadline(period, i.deadline_day)),
        "misplaced": list(i.misplaced),
    }
    return Page(_month_url(period, agency), "report_month.html", title, "submissions", context, _crumbs(kit))


@dataclass(frozen=True)
class FileInputs:
    """Everything a received file's report page shows: the file's row, its report, the agency's
    name, the time zone and the deadline day."""

    s: Submission
    report: FileReportView
    agencies: dict[str, Agency]
    tz: str  # the portal's time zone, by name
    deadline_day: int


def file(data: SiteData, kit: Kit, s: Submission) -> Page | None:
    """One received file's report page, built at once (None when it has no report)."""
    i = file_inputs(data, s)
    return build_file(i, kit) if i is not None else None


def file_inputs(data: SiteData, s: Submission) -> FileInputs | None:
    """The declared inputs of one file's report page; None when the file has no report."""
    report = data.reports.get((s.period, s.agency_code, s.table))
    if report is None:
        return None
    return FileInputs(s, report, agencies_named(data, (s.agency_code,)), data.portal.timezone, data.portal.deadline_day)


def build_file(i: FileInputs, kit: Kit) -> Page:
    """One received file's report: what was decided and every problem with its cell."""
    s, report = i.s, i.report
    name = kit.agency_name(i.agencies.get(s.agency_code), s.agency_code)
    title = kit.t("report.file_title", table=kit.label("table", s.table), agency=name, month=kit.f.month(s.period))
    crumbs = [*_crumbs(kit), (kit.t("report.month_title", agency=name, month=kit.f.month(s.period)),
                              kit.url(_month_url(s.period, s.agency_code)))]
    context = {
        "s": s, "r": report, "status_label": kit.label("submission_state", s.status),
        "file_name": report.file.rsplit("/", 1)[-1],
        "received": kit.f.long_datetime(s.received_at, ZoneInfo(i.tz)) if s.received_at else "—",
        "deadline": kit.f.date(deadline(s.period, i.deadline_day)),
        "on_time": _on_time(kit, s.on_time),
        # Each problem's message in this page's language only.
        "errors": [{**p, "text": p[kit.lang]} for p in report.errors],
        "warnings": [{**p, "text": p[kit.lang]} for p in report.warnings],
    }
    return Page(urls.feedback(file_page(s.period, s.agency_code, s.table)), "report_file.html", title,
                "submissions", context, crumbs)


@dataclass(frozen=True)
class AgencyReports:
    """Everything the report pages of one agency (or misplaced-files folder) show: its months with
    their files and misplaced files, the files' reports, the agency, the time zone and deadline day."""

    agency: str
    months: tuple[tuple[str, tuple[Submission, ...], tuple[Misplaced, ...]], ...]  # by period
    reports: dict[tuple[str, str], FileReportView]  # (period, table) -> the file's report
    agencies: dict[str, Agency]
    tz: str  # the portal's time zone, by name
    deadline_day: int


def agency_pages(i: AgencyReports) -> Iterator[Lazy[Any]]:
    """One agency's month pages, each followed by its received files' pages."""
    for period, rows, misplaced in i.months:
        reported = tuple(s.table for s in rows if (period, s.table) in i.reports)
        yield Lazy(_month_url(period, i.agency), "report_month.html",
                   MonthInputs(period, i.agency, rows, reported, misplaced, i.agencies, i.tz, i.deadline_day),
                   build_month)
        for s in rows:
            if (report := i.reports.get((period, s.table))) is not None:
                yield Lazy(urls.feedback(file_page(period, i.agency, s.table)), "report_file.html",
                           FileInputs(s, report, i.agencies, i.tz, i.deadline_day), build_file)


def items(data: SiteData, kit: Kit) -> Iterator[Page | Group[Any] | Sourced[Any]]:
    """The index, then one group per agency: its month pages and received files' pages, known by their inputs
    (gathered later when the build knows its source).

    The pages of an agency whose files, reports and name did not change are taken from the live site whole.
    """
    groups: dict[tuple[str, str], list[Submission]] = {}
    for s in data.submissions:
        groups.setdefault((s.period, s.agency_code), []).append(s)
    misplaced: dict[tuple[str, str], list[Misplaced]] = {}
    for m in data.misplaced:  # a misplaced file in an agency's folder has that agency's month page
        if m.period and m.agency:
            groups.setdefault((m.period, m.agency), [])
            misplaced.setdefault((m.period, m.agency), []).append(m)
    yield index(data, kit, groups)
    by_agency: dict[str, list[tuple[str, tuple[Submission, ...], tuple[Misplaced, ...]]]] = {}
    for (period, agency), rows in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        by_agency.setdefault(agency, []).append((period, tuple(rows), tuple(misplaced.get((period, agency), []))))
    for agency, months in by_agency.items():
        yield grouped(data.lookup.group_sources, f"reports/{agency}", agency_reports, (agency, months, data),
                      agency_pages)


def agency_reports(agency: str, months: list[tuple[str, tuple[Submission, ...], tuple[Misplaced, ...]]],
                   data: SiteData) -> AgencyReports:
    """The declared inputs of one agency's report pages (``months``: its months' files and misplaced files)."""
    reports = {(period, s.table): report for period, rows, _ in months for s in rows
               if (report := data.reports.get((period, agency, s.table))) is not None}
    return AgencyReports(agency, tuple(months), reports, agencies_named(data, (agency,)), data.portal.timezone,
                         data.portal.deadline_day)


def sources(data: SiteData, texts: Texts) -> dict[str, str]:
    """Each agency's report group -> its source (sources.py): what ``items`` and ``agency_reports`` read.

    Its months' files (the agency's submissions, in the data's order), its misplaced files (those filed
    under the agency, in the data's order), the files' reports (``data.reports`` of the agency, with their
    keys), and the agency's name, the time zone and the deadline day (shared).
    """
    shared = [texts([data.agencies])[0], repr(data.portal.timezone), repr(data.portal.deadline_day)]
    parts = Parts("reports/", shared)
    parts.add_own("submissions", data.submissions, texts)
    parts.add("misplaced", [m.agency or None for m in data.misplaced], texts(data.misplaced))
    keys = list(data.reports)
    views = texts(list(data.reports.values()))
    parts.add("reports", [key[1] for key in keys], [f"{key!r}{view}" for key, view in zip(keys, views, strict=True)])
    return parts.digests()


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """The index, then every agency's month page and every received file's page, known by their inputs."""
    return expanded(items(data, kit))
