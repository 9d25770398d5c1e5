"""Fair comparisons: which agencies a figure covers, which are absent and why, the same agencies in two periods."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core import periods
from pipeline.site.models import Perf, SiteData

# Why an agency's figures are absent from a month (the codes of the indicators table's gaps).
REJECTED, MISSING, NOT_YET_JOINED, INACTIVE = "rejected", "missing", "not-yet-joined", "inactive"


@dataclass(frozen=True)
class Gap:
    """An agency without figures for a month, and why."""

    agency_code: str
    period: str
    reason: str


def reporting(data: SiteData, period: str) -> set[str]:
    """Agencies with published performance rows for a month."""
    return {r.agency_code for r in data.performance if r.period == period}


def expected(data: SiteData, period: str, table: str = "performance") -> set[str]:
    """Agencies that owed (or sent) a table's file for a month."""
    return {s.agency_code for s in data.submissions if s.period == period and s.table == table}


def reason(data: SiteData, agency: str, period: str, table: str = "performance") -> str | None:
    """Why an agency has no figures for a month: rejected, missing, not yet joined or inactive (None: it has)."""
    if table == "performance" and agency in reporting(data, period):
        return None
    found = next((s for s in data.submissions if (s.period, s.agency_code, s.table) == (period, agency, table)),
                 None)
    if found is not None:
        return REJECTED if found.status == "rejected" else MISSING if found.status == "missing" else None
    info = data.agencies.get(agency)
    if info is not None and not info.active:
        return INACTIVE
    if info is not None and info.joined_on is not None and periods.of_date(info.joined_on) > period:
        return NOT_YET_JOINED
    return MISSING


def gaps(data: SiteData, months: list[str], agencies: set[str]) -> list[Gap]:
    """Every (agency, month) of ``agencies`` without performance figures, with its reason, by month then agency."""
    out = []
    for period in months:
        for agency in sorted(agencies - reporting(data, period)):
            why = reason(data, agency, period)
            if why is not None:
                out.append(Gap(agency, period, why))
    return out


def same_agencies(data: SiteData, now: str, before: str) -> tuple[set[str], list[Perf], list[Perf]]:
    """The agencies with figures in both months, and each month's rows restricted to them."""
    common = reporting(data, now) & reporting(data, before)
    rows_now = [r for r in data.performance if r.period == now and r.agency_code in common]
    rows_before = [r for r in data.performance if r.period == before and r.agency_code in common]
    return common, rows_now, rows_before
