"""The community satisfaction index (IKM, PermenPANRB 14/2017), its exact rounding and its grade bands."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation, Rounded, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
CENT = Decimal("0.01")
TOP = Decimal("100.00")

# (lowest rounded IKM of the band, grade), best first.
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
)
Score = Decimal | float | int


def ikm(scores: Sequence[Score]) -> Decimal:
    """25 × the mean of the nine element scores, rounded to 2 decimals.

    The mean is computed exactly with fractions (each element weighs exactly 1/9);
    the 0.111 weight some guides use, or binary floats, shift results across grade
    bands.  Rounding is half up (``round_cents``).
    """
    if len(scores) != len(ELEMENTS):
        raise ValueError(f"IKM needs {len(ELEMENTS)} element scores, got {len(scores)}")
    # 25 × sum / 9 in cents as one integer fraction: the Fraction products reduced by a gcd
    # twice for each of a city's 28,000 performance rows, every run.
    numerator, denominator = _exact_ratio(scores)
    return cents_half_up(2500 * numerator, len(ELEMENTS) * denominator)


def group_ikm(rows: Iterable[tuple[int, Sequence[Score]]]) -> Decimal | None:
    """IKM of several services: 25 × the respondent-weighted mean of the element scores (None: nobody).

    ``rows`` holds (respondents, nine scores) per service; computed exactly and rounded as ``ikm``.
    """
    total = IkmSum()
    for respondents, scores in rows:
        total.add(respondents, scores)
    return total.value()


@dataclass(slots=True)
class IkmSum:
    """The sums ``group_ikm`` rounds: respondents, and respondents × element sums as integer numerators by
    denominator (adding Fractions one row at a time reduced by a gcd at every step, which made the
    mall's monthly totals the site's costliest sum). Sums of disjoint rows add up (``merge``)."""

    people: int = 0
    numerators: dict[int, int] = field(default_factory=dict)

    def add(self, respondents: int, scores: Iterable[Score]) -> None:
        """Add one service's respondents and nine element scores."""
        numerator, denominator = _exact_ratio(scores)
        self.people += respondents
        self.numerators[denominator] = self.numerators.get(denominator, 0) + respondents * numerator

    def merge(self, other: IkmSum) -> None:
        """Add the sums of other rows."""
        self.people += other.people
        for denominator, numerator in other.numerators.items():
            self.numerators[denominator] = self.numerators.get(denominator, 0) + numerator

    def value(self) -> Decimal | None:
        """25 × the respondent-weighted mean element score, rounded half up (None: nobody)."""
        if not self.people:
            return None
        common = math.lcm(*self.numerators)  # one common denominator, in integers
        total = sum(n * (common // d) for d, n in self.numerators.items())
        return cents_half_up(2500 * total, len(ELEMENTS) * self.people * common)


def round_cents(exact: Fraction) -> Decimal:
    """An exact value rounded half up to 2 decimals.

    Half up because that is how the regulation's worked examples and Excel's ROUND (which
    agencies use to check the figure) round: with Python's default half-to-even, 76.605
    would become 76.60 (grade C) instead of 76.61 (grade B).  Done on the fraction:
    Decimal division is not exact (76.605 = 689.445/9).
    """
    cents = exact * 100
    return cents_half_up(cents.numerator, cents.denominator)


def cents_half_up(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` cents (denominator > 0, the fraction reduced or not) rounded half up."""
    rounded = (numerator * 2 + denominator) // (denominator * 2)  # floor(x + 1/2): the same for any equal fraction
    return (Decimal(rounded) / 100).quantize(CENT)


def exact_sum(scores: Iterable[Score]) -> Fraction:
    """The exact sum of scores; floats through their shortest repr, as the agency wrote them."""
    return Fraction(*_exact_ratio(scores))


def _exact_ratio(scores: Iterable[Score]) -> tuple[int, int]:
    """``exact_sum`` as its (numerator, denominator) in lowest terms, the denominator positive."""
    # The indicators sum the same row's scores for every scope and window it falls in: once each.
    values = tuple(scores)
    return _typed_sum(values, tuple(map(type, values)))  # built in C: a generator of pairs cost a third more


@lru_cache(maxsize=65536)
def _typed_sum(scores: tuple[Score, ...], types: tuple[type, ...]) -> tuple[int, int]:
    """``_exact_ratio`` of scores of these types (in the key: 0.5 and Decimal("0.5") are equal but read apart)."""
    # Added as decimals in a context that refuses to round (exact), summed in C (``sum`` under that
    # context), and taken as a reduced integer ratio in C: the Python loop of ``Context.add`` calls
    # and the Fraction made of the total were most of the city's 28,000 rows' IKM time.
    exact = scores if set(types) <= _DECIMAL_OR_INT else [Decimal(repr(s)) if isinstance(s, float) else s
                                                          for s in scores]
    with localcontext(EXACT):
        total = sum(exact, Decimal(0))
    return total.as_integer_ratio()


# Decimal arithmetic that refuses to round: every sum and product exact, or an error.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded, InvalidOperation])
# Score types added as they are (a bool is an int: True counts 1, as it did).
_DECIMAL_OR_INT = frozenset({Decimal, int, bool})


def grade(value: Decimal | float) -> str:
    """The grade letter (A–D) of a rounded IKM value (a float is read by its shortest repr)."""
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    for lowest, letter in GRADES:
        if exact >= lowest:
            return letter
    return "D"  # below 25 cannot happen with scores of 1–4; the lowest band covers it


def bands() -> list[tuple[str, Decimal, Decimal]]:
    """(grade, lowest, highest rounded IKM) of every band, best first: what a chart shades."""
    highs = [TOP] + [lowest - CENT for lowest, _ in GRADES[:-1]]
    return [(letter, lowest, high) for (lowest, letter), high in zip(GRADES, highs, strict=True)]


def row_ikm(row: Mapping[str, Any]) -> tuple[Decimal | None, str | None]:
    """IKM and grade of a performance row; (None, None) without all nine survey scores."""
    scores = [row[name] for name in ELEMENTS if row.get(name) is not None]
    if len(scores) < len(ELEMENTS):
        return None, None
    value = ikm(scores)
    return value, grade(value)
