"""Monthly sums of service performance and the satisfaction index (IKM) of a group of services."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import groupby

from pipeline.core.ikm import grade, group_ikm
from pipeline.site.models import Perf


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
    value = group_ikm((r.respondents or 0, r.u or ()) for r in surveyed)
    return None if value is None else float(value)


def round2(value: float | Decimal) -> Decimal:
    """Round half up to 2 decimals, as the published figures are (not Python's banker's rounding).

    Infinity (a valid ``1E+400`` read as a float) stays as it is, and the decimal context
    grows with the number, so no valid figure makes the rounding itself fail.
    """
    number = Decimal(str(value))
    if not number.is_finite():
        return number
    with localcontext() as ctx:
        ctx.prec = max(28, number.adjusted() + 4)
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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
    # One pass for the six sums, each added in the rows' order as ``sum`` adds them: the site sums
    # every service's months on its page and every agency's and the mall's (35,000 a language at a
    # city's size), mostly of a single row, where six generators cost more than the sums.
    received = completed = within = complaints = resolved = respondents = 0
    for r in rows:
        received += r.received
        completed += r.completed
        within += r.within_standard
        complaints += r.complaints_received
        resolved += r.complaints_resolved
        respondents += r.respondents or 0
    return Totals(
        period=period,
        received=received,
        completed=completed,
        within_standard=within,
        complaints_received=complaints,
        complaints_resolved=resolved,
        respondents=respondents,
        ikm=ikm,
        grade=None if ikm is None else grade(ikm),
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
