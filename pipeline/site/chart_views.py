"""Chart blocks for performance pages: the SVG, a sentence that says what it shows, and the data table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.core.ikm import bands
from pipeline.site.charts import Band, Series, line_chart
from pipeline.site.page import Kit
from pipeline.site.stats import Totals, as_float, fill_months


def _extremes(known: list[tuple[float, int]]) -> tuple[tuple[float, int], tuple[float, int]]:
    """The highest and the lowest (value, index) (the earliest month wins a tie)."""
    high = max(known, key=lambda p: (p[0], -p[1]))
    low = min(known, key=lambda p: (p[0], p[1]))
    return high, low


def _summary(kit: Kit, key: str, values: list[float | None], periods: list[str],
             fmt: Callable[[float], str]) -> str:
    """``Tertinggi ... pada ..., terendah ...; bulan terakhir ...`` for one series."""
    known = [(v, i) for i, v in enumerate(values) if v is not None]
    if not known:
        return kit.t("chart.no_data")
    (last, i_last), ((high, i_high), (low, i_low)) = known[-1], _extremes(known)
    return kit.t(key, last=fmt(last), last_month=kit.f.month(periods[i_last]),
                 high=fmt(high), high_month=kit.f.month(periods[i_high]),
                 low=fmt(low), low_month=kit.f.month(periods[i_low]))


def _block(chart_id: str, title: str, svg: Any, summary: str, legend: list[str],
           columns: list[str], rows: list[list[str]]) -> dict[str, Any]:
    """The template-facing chart block."""
    return {"id": chart_id, "title": title, "svg": svg, "summary": summary,
            "legend": [{"label": label, "css": f"s{i + 1}"} for i, label in enumerate(legend)],
            "columns": columns, "rows": rows, "empty": False}


def volume_chart(chart_id: str, subject: str, series: list[Totals], periods: list[str], kit: Kit) -> dict[str, Any]:
    """Applications received and completed per month."""
    months = fill_months(series, periods)
    received = [as_float(m.received) if m else None for m in months]
    completed = [as_float(m.completed) if m else None for m in months]
    labels = [kit.t("perf.received"), kit.t("perf.completed")]
    title = kit.t("chart.volume_title", subject=subject)
    svg = line_chart(chart_id, title, [kit.f.short_month(p) for p in periods],
                     [Series(labels[0], tuple(received)), Series(labels[1], tuple(completed))],
                     y_format=kit.f.number)
    rows = [[kit.f.month_abbr(p), kit.f.number(m.received) if m else "–", kit.f.number(m.completed) if m else "–",
             kit.f.percent(m.within_share) if m else "–"] for p, m in zip(periods, months, strict=True)]
    summary = _summary(kit, "chart.volume_summary", completed, periods, kit.f.number)
    columns = [kit.t("col.month"), *labels, kit.t("perf.within_share")]
    return _block(chart_id, title, svg, summary, labels, columns, rows)


def ikm_chart(chart_id: str, subject: str, series: list[Totals], periods: list[str], kit: Kit) -> dict[str, Any]:
    """The satisfaction index per month against the grade bands."""
    months = fill_months(series, periods)
    values = [m.ikm if m else None for m in months]
    known = [v for v in values if v is not None]
    low = min([60.0, *(v - 5 for v in known)])
    shaded = tuple(Band(float(lo), float(hi), f"{g} ({kit.label('grade', g)})", f"band-{g.lower()}")
                   for g, lo, hi in bands())
    title = kit.t("chart.ikm_title", subject=subject)
    svg = line_chart(chart_id, title, [kit.f.short_month(p) for p in periods],
                     [Series("IKM", tuple(values))], y_format=kit.f.number, bands=shaded,
                     y_range=(max(25.0, low // 5 * 5), 100.0))
    rows = [[kit.f.month_abbr(p), kit.f.number(m.ikm, 2) if m and m.ikm is not None else "–",
             f"{m.grade} ({kit.label('grade', m.grade)})" if m and m.grade else "–",
             kit.f.number(m.respondents) if m else "–"] for p, m in zip(periods, months, strict=True)]
    summary = _summary(kit, "chart.ikm_summary", values, periods, lambda v: kit.f.number(v, 2))
    columns = [kit.t("col.month"), "IKM", kit.t("col.grade"), kit.t("col.respondents")]
    if not known:  # no survey in any month: say so instead of an empty chart and a table of dashes
        return {**_block(chart_id, title, svg, kit.t("chart.no_survey"), [], columns, []), "empty": True}
    return _block(chart_id, title, svg, summary, ["IKM"], columns, rows)


def within_chart(chart_id: str, subject: str, series: list[Totals], periods: list[str], kit: Kit) -> dict[str, Any]:
    """The share completed within the service standard, and complaints resolved, per month."""
    months = fill_months(series, periods)
    within = [m.within_share * 100 if m and m.within_share is not None else None for m in months]
    labels = [kit.t("perf.within_share")]
    title = kit.t("chart.within_title", subject=subject)
    svg = line_chart(chart_id, title, [kit.f.short_month(p) for p in periods], [Series(labels[0], tuple(within))],
                     y_format=kit.f.number, y_range=(0.0, 100.0))
    rows = [[kit.f.month_abbr(p), kit.f.percent(m.within_share) if m else "–",
             f"{kit.f.number(m.complaints_resolved)} / {kit.f.number(m.complaints_received)}" if m else "–",
             kit.f.number(m.avg_wait, 1) if m and m.avg_wait is not None else "–"]
            for p, m in zip(periods, months, strict=True)]
    summary = _summary(kit, "chart.within_summary", within, periods, lambda v: kit.f.percent(v / 100))
    columns = [kit.t("col.month"), labels[0], kit.t("perf.complaints_resolved_of"), kit.t("perf.avg_wait")]
    return _block(chart_id, title, svg, summary, labels, columns, rows)
