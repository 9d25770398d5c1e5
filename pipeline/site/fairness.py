"""Fair comparisons: how many agencies a month's figures cover and why the others are absent (read from
the indicators table, where the publish stage decided it), and the same agencies in two months."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.site.models import Perf, SiteData

COVERAGE_INDICATOR = "applications"  # any service indicator: they share the performance files' coverage


@dataclass(frozen=True)
class Gap:
    """An agency without figures, and why (``period`` None: not owed at all, e.g. inactive)."""

    agency_code: str
    period: str | None
    reason: str


def _row(data: SiteData, period: str) -> Mapping[str, Any] | None:
    """The mall's coverage row of a month (looked up in the build's index of the indicators table)."""
    return data.lookup.indicator_rows.get((COVERAGE_INDICATOR, "mall", period))


def covered(data: SiteData, period: str) -> tuple[int, int] | None:
    """(agencies whose performance figures are published, agencies that owed them) for a month."""
    row = _row(data, period)
    return None if row is None else (row["agencies_covered"], row["agencies_expected"])


def gaps(data: SiteData, months: list[str]) -> list[Gap]:
    """Why agencies lack performance figures in these months, as the indicators table says, without repeats."""
    found: dict[tuple[str, str | None, str], None] = {}
    for period in months:
        row = _row(data, period)
        for entry in ((row or {}).get("gaps") or "").split(";"):
            if entry:
                agency, reason, *month = entry.split(":")
                found[(agency, month[0] if month else None, reason)] = None
    return [Gap(*key) for key in found]


def reporting(data: SiteData, period: str) -> set[str]:
    """Agencies with published performance rows for a month."""
    return {r.agency_code for r in data.performance if r.period == period}


def same_agencies(data: SiteData, now: str, before: str) -> tuple[set[str], list[Perf], list[Perf]]:
    """The agencies with figures in both months, and each month's rows restricted to them."""
    common = reporting(data, now) & reporting(data, before)
    rows_now = [r for r in data.performance if r.period == now and r.agency_code in common]
    rows_before = [r for r in data.performance if r.period == before and r.agency_code in common]
    return common, rows_now, rows_before
