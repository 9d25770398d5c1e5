"""Monthly sums of service performance and the satisfaction index (IKM) of a group of services."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from typing import Iterable

from pipeline.site.i18n import round2
from pipeline.site.models import Perf

# Contract bands, judged on the IKM rounded to 2 decimals.
GRADES = (("A", Decimal("88.31")), ("B", Decimal("76.61")), ("C", Decimal("65.00")), ("D", Decimal("25.00")))
BAND_LIMITS = {"A": (88.31, 100.0), "B": (76.61, 88.30), "C": (65.0, 76.60), "D": (25.0, 64.99)}


def grade(ikm: Decimal | float | None) -> str | None:
    """The contract's grade (A–D) of a rounded IKM value."""
    if ikm is None:
        return None
    value = Decimal(str(ikm))
    return next((g for g, low in GRADES if value >= low), None)


@dataclass(frozen=True)
class Totals:
    """Sums over a set of performance rows (one month of a service, an agency or the mall)."""

    period: str
    received: int
    completed: int
    within_standard: int
    complaints_received: int
    complaints_resolved: int
    respondents: int
    ikm: float | None
    grade: str | None
    avg_wait: float | None

    @property
    def within_share(self) -> float | None:
        """Share of completed applications finished within the service standard."""
        return share(self.within_standard, self.completed)

    @property
    def resolved_share(self) -> float | None:
        """Share of complaints resolved (can exceed 1 when old complaints are closed)."""
        return share(self.complaints_resolved, self.complaints_received)


def share(part: int, whole: int) -> float | None:
    """part / whole, None when whole is 0, infinity when the quotient is beyond a float."""
    if not whole:
        return None
    try:
        return part / whole
    except OverflowError:  # integers have no size limit in the contract
        return math.inf


def as_float(value: float | int | Decimal) -> float:
    """A value as a float, infinity when it is too large for one (charts draw floats)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def weighted_ikm(rows: Iterable[Perf]) -> float | None:
    """IKM of several services: 25 × the respondent-weighted mean of the nine elements.

    A single surveyed row keeps the IKM the publish stage computed, so the site never
    disagrees with the published table.
    """
    surveyed = [r for r in rows if r.u and r.respondents]
    if len(surveyed) == 1 and surveyed[0].ikm is not None:
        return float(surveyed[0].ikm)
    people = sum(r.respondents or 0 for r in surveyed)
    if not people:
        return None
    total = sum(Decimal(str(r.respondents)) * sum(Decimal(str(u)) for u in r.u) / 9 for r in surveyed)
    return float(round2(25 * total / people))


def _avg_wait(rows: list[Perf]) -> float | None:
    """Mean waiting time weighted by completed applications (rows without a time are left out)."""
    timed = [r for r in rows if r.avg_wait is not None and r.completed]
    weight = sum(r.completed for r in timed)
    if not weight:
        return None
    # In decimals: a float times a count beyond 1e308 overflows, and both are valid data.
    total = sum(Decimal(str(r.avg_wait)) * r.completed for r in timed)
    return as_float(round2(total / weight))


def totals(period: str, rows: list[Perf]) -> Totals:
    """Sum one period's rows."""
    ikm = weighted_ikm(rows)
    return Totals(
        period=period,
        received=sum(r.received for r in rows),
        completed=sum(r.completed for r in rows),
        within_standard=sum(r.within_standard for r in rows),
        complaints_received=sum(r.complaints_received for r in rows),
        complaints_resolved=sum(r.complaints_resolved for r in rows),
        respondents=sum(r.respondents or 0 for r in rows),
        ikm=ikm,
        grade=grade(ikm),
        avg_wait=_avg_wait(rows),
    )


def monthly(rows: Iterable[Perf]) -> list[Totals]:
    """Totals per period, oldest first."""
    ordered = sorted(rows, key=lambda r: r.period)
    return [totals(period, list(group)) for period, group in groupby(ordered, key=lambda r: r.period)]


def fill_months(series: list[Totals], periods: list[str]) -> list[Totals | None]:
    """The totals aligned to ``periods`` (None where a month has no data), for charts."""
    by_period = {t.period: t for t in series}
    return [by_period.get(p) for p in periods]


def last_closed(as_of: date) -> str:
    """The last month that has ended as of ``as_of`` (the current month is still incomplete)."""
    return f"{as_of.year - 1}-12" if as_of.month == 1 else f"{as_of.year:04d}-{as_of.month - 1:02d}"


def period_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from first to last inclusive."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
