"""What an indicator's function returns, and the exact arithmetic every indicator shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from statistics import median

from pipeline.core.ikm import EXACT, round_cents


@dataclass(frozen=True)
class Measure:
    """An indicator's value for one selection, with the counts it was computed from where it is a ratio."""

    value: Decimal | int | None
    numerator: Decimal | int | None = None
    denominator: int | None = None


def cents(exact: Fraction) -> Decimal:
    """``round_cents`` in a decimal context wide enough for any figure (the contract sets no upper bound)."""
    digits = len(str(abs(exact.numerator) // exact.denominator)) + 4
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, digits)
        return round_cents(exact)


def finite(value: Decimal | float) -> bool:
    """False for inf and nan (a Decimal is judged as itself, not as a float: 1E+400 is finite)."""
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def count(n: int) -> Measure:
    """A plain count."""
    return Measure(n)


def share(part: int, whole: int) -> Measure:
    """``part`` of ``whole`` in percent, 2 decimals half up; no value when ``whole`` is 0."""
    if not whole:
        return Measure(None, part, whole)
    return Measure(cents(Fraction(100 * part, whole)), part, whole)


def ratio(part: int, whole: int) -> Measure:
    """``part`` per ``whole``, 2 decimals half up; no value when ``whole`` is 0."""
    if not whole:
        return Measure(None, part, whole)
    return Measure(cents(Fraction(part, whole)), part, whole)


def weighted_mean(pairs: list[tuple[Decimal | float, int]]) -> Measure:
    """The mean of values weighted by counts (minutes by applications completed), 2 decimals."""
    weight = sum(w for _, w in pairs)
    if not weight:
        return Measure(None, None, 0)
    if any(not finite(v) for v, _ in pairs):  # a float beyond range (inf): no mean to give
        return Measure(None, None, weight)
    # Summed as decimals that cannot round (EXACT), made a fraction once: a Fraction per pair,
    # each reduced by a gcd, cost 8 ms per mall-wide mean of a large city.
    total = Decimal(0)
    for v, w in pairs:
        total = EXACT.add(total, EXACT.multiply(Decimal(repr(v)) if isinstance(v, float) else v, w))
    exact = Fraction(total)
    return Measure(cents(exact / weight), cents(exact), weight)


def median_of(values: list[int]) -> Measure:
    """The median (the mean of the middle two for an even count), 2 decimals; denominator = how many."""
    if not values:
        return Measure(None, None, 0)
    return Measure(cents(Fraction(median(values))), None, len(values))
