"""Submission compliance: the agency × month × table matrix and one page per month."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.core.models import TABLES
from pipeline.core.records import Agency
from pipeline.site import exports, urls
from pipeline.site.models import SiteData, Submission
from pipeline.site.page import Kit, Page
from pipeline.site.views import sorted_agencies, submission_cell

STATES = ("accepted", "late", "rejected", "missing")
MATRIX_MONTHS = 12


def _index(data: SiteData) -> dict[tuple[str, str, str], Submission]:
    """Submissions by (period, agency, table)."""
    return {(s.period, s.agency_code, s.table): s for s in data.submissions}


def legend(kit: Kit) -> list[dict[str, str]]:
    """What each mark in the matrix means."""
    marks = [{"state": s, "mark": kit.t(f"submission_mark.{s}"), "label": kit.label("submission_state", s)}
             for s in STATES]
    # A blank cell is a month the agency owed nothing (not yet joined, left, inactive): say so.
    return [*marks, {"state": "none", "mark": "", "label": kit.t("fold.blank_legend")}]


def matrix_cells(data: SiteData, kit: Kit) -> tuple[list[str], list[Agency], dict[tuple[str, str, str], Submission]]:
    """The months and agencies the matrix shows, and the submissions by (period, agency, table)."""
    index = _index(data)
    shown = sorted({s.period for s in data.submissions})[-MATRIX_MONTHS:]
    agencies = [a for a in sorted_agencies(data, kit) if any(k[1] == a.agency_code for k in index)]
    return shown, agencies, index


def matrix(data: SiteData, kit: Kit) -> Page:
    """Agencies down, the last twelve months across, three files per month."""
    periods = sorted({s.period for s in data.submissions})
    shown, agencies, index = matrix_cells(data, kit)
    rows = [{"agency": kit.agency_link(data, a.agency_code),
             "months": [[submission_cell(index.get((p, a.agency_code, t)), data, kit) for t in TABLES] for p in shown]}
            for a in agencies]
    counts = Counter(submission_cell(s, data, kit)["state"] for s in data.submissions)
    context = {
        "months": [{"label": kit.f.short_month(p), "long": kit.f.month(p), "url": kit.url(urls.submissions_month(p))}
                   for p in shown],
        "all_months": [{"label": kit.f.month(p), "url": kit.url(urls.submissions_month(p))} for p in reversed(periods)],
        "tables": [{"short": kit.t(f"table_short.{t}"), "label": kit.label("table", t)} for t in TABLES],
        "rows": rows,
        "legend": legend(kit),
        "counts": [{"label": kit.label("submission_state", s), "n": counts[s], "state": s} for s in STATES],
        "deadline_day": data.portal.deadline_day,
        "downloads": exports.links(kit, exports.COMPLIANCE),
    }
    return Page(urls.SUBMISSIONS, "submissions.html", kit.t("submissions.title"), "submissions", context,
                description=kit.t("submissions.lede"))


def month_page(period: str, data: SiteData, kit: Kit,
               index: dict[tuple[str, str, str], Submission] | None = None) -> Page:
    """Every agency's three files of one month: standing, receipt time, problems, feedback
    (``index``: ``_index(data)``, made once for every month's page)."""
    index = _index(data) if index is None else index
    filed = {agency for p, agency, _ in index if p == period}
    agencies = [a for a in sorted_agencies(data, kit) if a.agency_code in filed]
    rows: list[dict[str, Any]] = []
    for a in agencies:
        summary = data.feedback_months.get((period, a.agency_code))
        rows.append({"agency": kit.agency_link(data, a.agency_code),
                     "summary_url": kit.url(urls.feedback(summary)) if summary else None,
                     "files": [submission_cell(index.get((period, a.agency_code, t)), data, kit) for t in TABLES]})
    crumbs = [(kit.t("submissions.title"), kit.url(urls.SUBMISSIONS))]
    title = kit.t("submissions.month_title", month=kit.f.month(period))
    return Page(urls.submissions_month(period), "submissions_month.html", title, "submissions",
                {"rows": rows, "month": kit.f.month(period), "legend": legend(kit),
                 "tables": [kit.label("table", t) for t in TABLES]}, crumbs)


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """The matrix and the month pages."""
    periods = sorted({s.period for s in data.submissions})
    index = _index(data)
    return [matrix(data, kit), *(month_page(p, data, kit, index) for p in periods)]
