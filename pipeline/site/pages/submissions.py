"""Submission compliance: the agency × month × table matrix and one page per month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pipeline.core.models import TABLES
from pipeline.core.records import Agency
from pipeline.site import exports, urls
from pipeline.site.models import SiteData, Submission
from pipeline.site.page import Kit, Lazy, Page
from pipeline.site.views import sorted_agencies, submission_cell, submission_state

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
    counts = Counter(submission_state(s) for s in data.submissions)
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


@dataclass(frozen=True)
class MonthInputs:
    """Everything a month's compliance page shows: the month's files (in the submissions table's
    order), the known agencies that sent or owed them, and the month's report pages."""

    period: str
    files: tuple[Submission, ...]
    agencies: dict[str, Agency]
    feedback: dict[tuple[str, str, str], str]  # (period, agency, table) -> a file's report page
    feedback_months: dict[tuple[str, str], str]  # (period, agency) -> the agency-month's page


def month_inputs(period: str, data: SiteData, files: list[Submission],
                 links: tuple[Mapping[str, dict[Any, str]], Mapping[str, dict[Any, str]]] | None = None) -> MonthInputs:
    """The declared inputs of one month's page (``files``: the month's rows of the submissions table;
    ``links``: ``by_period`` of the site data's feedback and feedback months, else found here)."""
    filed = {s.agency_code for s in files}
    feedback, months = links if links is not None else (by_period(data.feedback), by_period(data.feedback_months))
    return MonthInputs(period, tuple(files), {c: a for c, a in data.agencies.items() if c in filed},
                       dict(feedback.get(period, {})), dict(months.get(period, {})))


K = TypeVar("K", bound=tuple[str, ...])


def by_period(links: Mapping[K, str]) -> dict[str, dict[K, str]]:
    """Report links (keyed by period first) grouped by period, each group in the links' order: a month's
    page takes its own group instead of scanning every link of the city (10,000 for each of 60 months)."""
    out: dict[str, dict[K, str]] = {}
    for key, rel in links.items():
        out.setdefault(key[0], {})[key] = rel
    return out


def build_month(i: MonthInputs, kit: Kit) -> Page:
    """Every agency's three files of one month: standing, receipt time, problems, feedback."""
    period = i.period
    index = {(s.agency_code, s.table): s for s in i.files}
    rows: list[dict[str, Any]] = []
    for a in sorted_agencies(i, kit):
        summary = i.feedback_months.get((period, a.agency_code))
        rows.append({"agency": kit.agency_link(i, a.agency_code),
                     "summary_url": kit.url(urls.feedback(summary)) if summary else None,
                     "files": [submission_cell(index.get((a.agency_code, t)), i, kit) for t in TABLES]})
    crumbs = [(kit.t("submissions.title"), kit.url(urls.SUBMISSIONS))]
    title = kit.t("submissions.month_title", month=kit.f.month(period))
    return Page(urls.submissions_month(period), "submissions_month.html", title, "submissions",
                {"rows": rows, "month": kit.f.month(period), "legend": legend(kit),
                 "tables": [kit.label("table", t) for t in TABLES]}, crumbs)


def pages(data: SiteData, kit: Kit) -> Iterator[Page | Lazy[Any]]:
    """The matrix, then each month's page known by its inputs (rebuilt only when its month changed)."""
    months: dict[str, list[Submission]] = {}
    for s in data.submissions:
        months.setdefault(s.period, []).append(s)
    yield matrix(data, kit)
    links = (by_period(data.feedback), by_period(data.feedback_months))
    for period in sorted(months):
        yield Lazy(urls.submissions_month(period), "submissions_month.html",
                   month_inputs(period, data, months[period], links), build_month)
