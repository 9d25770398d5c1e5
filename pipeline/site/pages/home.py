"""The home page: this month in figures, agendas to come, latest and overdue decisions."""

from __future__ import annotations

from typing import Any

from pipeline.core.periods import shift
from pipeline.site import fairness, urls
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
    """The four headline figures of the latest month, how many agencies they cover, and a fair comparison."""
    now = month_totals(data, latest_period(data))
    if now is None:
        return None
    return {**_headline(now, kit), **_coverage(data, now.period, kit)}


def _coverage(data: SiteData, period: str, kit: Kit) -> dict[str, Any]:
    """"23 of 25 agencies reported", the same agencies compared with the month before, and the gaps explained."""
    previous = shift(period, -1)
    common, rows_now, rows_before = fairness.same_agencies(data, period, previous)
    same = None
    if common:
        a, b = totals(period, rows_now), totals(previous, rows_before)
        f = kit.f
        same = {"n": f.number(len(common)), "now": f.month(period), "before": f.month(previous), "rows": [
            {"label": kit.t("home.served"), "now": f.number(a.completed), "before": f.number(b.completed)},
            {"label": kit.t("home.within"), "now": f.percent(a.within_share), "before": f.percent(b.within_share)},
            {"label": kit.t("home.ikm"), "now": f.number(a.ikm, 2) if a.ikm is not None else "–",
             "before": f.number(b.ikm, 2) if b.ikm is not None else "–"},
        ]}
    cover = fairness.covered(data, period)
    return {
        "reported": kit.t("fair.reported", n=kit.f.number(cover[0]), m=kit.f.number(cover[1])) if cover else None,
        "same": same,
        "gaps": [{"agency": kit.agency_link(data, g.agency_code), "month": kit.f.month(g.period) if g.period else "",
                  "reason": kit.label("gap", g.reason)} for g in fairness.gaps(data, [previous, period])],
    }


def _headline(now: Totals, kit: Kit) -> dict[str, Any]:
    """The latest month's figures over every agency that reported it (compared only in ``_coverage``)."""
    f = kit.f
    return {
        "period": f.month(now.period),
        "served": f.number(now.completed),
        "within": f.percent(now.within_share),
        "resolved": f.number(now.complaints_resolved),
        "complaints": f.number(now.complaints_received),
        "ikm": f.number(now.ikm, 2) if now.ikm is not None else None,
        "grade": now.grade,
        "grade_label": kit.label("grade", now.grade),
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
