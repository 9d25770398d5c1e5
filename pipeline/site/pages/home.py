"""The home page: this month in figures, agendas to come, latest and overdue decisions."""

from __future__ import annotations

from typing import Any

from pipeline.core.periods import shift
from pipeline.site import urls
from pipeline.site.models import SiteData
from pipeline.site.page import Kit, Page
from pipeline.site.stats import Totals, totals
from pipeline.site.views import (
    agenda_row,
    decision_row,
    decisions_sorted,
    last_update_date,
    latest_period,
    overdue_sorted,
    upcoming,
)

UPCOMING, LATEST, OVERDUE = 5, 5, 8


def month_totals(data: SiteData, period: str | None) -> Totals | None:
    """The mall's totals for one month (None without data)."""
    rows = [r for r in data.performance if r.period == period]
    return totals(period, rows) if period and rows else None


def figures(data: SiteData, kit: Kit) -> dict[str, Any] | None:
    """The four headline figures of the latest month, with the month before for comparison."""
    now = month_totals(data, latest_period(data))
    if now is None:
        return None
    before = month_totals(data, shift(now.period, -1))
    f = kit.f
    return {
        "period": f.month(now.period),
        "previous": f.month(before.period) if before else None,
        "served": f.number(now.completed),
        "served_before": f.number(before.completed) if before else None,
        "within": f.percent(now.within_share),
        "within_before": f.percent(before.within_share) if before else None,
        "resolved": f.number(now.complaints_resolved),
        "complaints": f.number(now.complaints_received),
        "ikm": f.number(now.ikm, 2) if now.ikm is not None else None,
        "grade": now.grade,
        "grade_label": kit.label("grade", now.grade),
        "ikm_before": f.number(before.ikm, 2) if before and before.ikm is not None else None,
        "respondents": f.number(now.respondents),
    }


def last_update(data: SiteData, kit: Kit) -> str | None:
    """When the data last changed, as the page writes it."""
    return kit.f.date(last_update_date(data))


def pages(data: SiteData, kit: Kit) -> list[Page]:
    """The home page."""
    overdue = overdue_sorted(data.decisions)
    context = {
        "figures": figures(data, kit),
        "upcoming": [agenda_row(a, data, kit) for a in upcoming(data)[:UPCOMING]],
        "latest": [decision_row(d, data, kit) for d in decisions_sorted(data.decisions)[:LATEST]],
        "overdue": [decision_row(d, data, kit) for d in overdue[:OVERDUE]],
        "overdue_count": len(overdue),
        "last_update": last_update(data, kit),
        "as_of": kit.f.date(data.as_of),
        "counts": {"agencies": sum(a.active for a in data.agencies.values()), "services": len(data.services)},
        "links": {"agendas": kit.url(urls.AGENDAS), "decisions": kit.url(urls.DECISIONS),
                  "overdue": kit.url(urls.DECISIONS) + "#overdue", "performance": kit.url(urls.PERFORMANCE),
                  "data": kit.url(urls.DATA), "calendar": urls.CALENDAR, "changelog": kit.url(urls.CHANGELOG),
                  "decisions_feed": kit.url(urls.feed("keputusan"))},
    }
    title = kit.t("home.title")
    return [Page(urls.HOME, "home.html", title, "home", context, description=kit.t("home.lede"))]
