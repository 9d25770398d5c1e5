"""What an indicator's function returns, and the exact arithmetic every indicator shares."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import median

from pipeline.core.ikm import round_cents


@dataclass(frozen=True)
class Measure:
    """An indicator's value for one selection, with the counts it was computed from where it is a ratio."""

    value: Decimal | int | None
    numerator: Decimal | int | None = None
    denominator: int | None = None


def count(n: int) -> Measure:
    """A plain count."""
    return Measure(n)


def share(part: int, whole: int) -> Measure:
    """``part`` of ``whole`` in percent, 2 decimals half up; no value when ``whole`` is 0."""
    if not whole:
        return Measure(None, part, whole)
    return Measure(round_cents(Fraction(100 * part, whole)), part, whole)


def ratio(part: int, whole: int) -> Measure:
    """``part`` per ``whole``, 2 decimals half up; no value when ``whole`` is 0."""
    if not whole:
        return Measure(None, part, whole)
    return Measure(round_cents(Fraction(part, whole)), part, whole)


def weighted_mean(pairs: list[tuple[Decimal | float, int]]) -> Measure:
    """The mean of values weighted by counts (minutes by applications completed), 2 decimals."""
    weight = sum(w for _, w in pairs)
    if not weight:
        return Measure(None, None, 0)
    total = sum((Fraction(Decimal(repr(v)) if isinstance(v, float) else v) * w for v, w in pairs), Fraction(0))
    return Measure(round_cents(total / weight), round_cents(total), weight)


def median_of(values: list[int]) -> Measure:
    """The median (the mean of the middle two for an even count), 2 decimals; denominator = how many."""
    if not values:
        return Measure(None, None, 0)
    return Measure(round_cents(Fraction(median(values))), None, len(values))
