"""The community satisfaction index (IKM, PermenPANRB 14/2017) and its grade."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping, Sequence

ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
CENT = Decimal("0.01")

# (lowest rounded IKM of the band, grade, Indonesian label, English label), best first.
GRADES: tuple[tuple[Decimal, str, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang Baik", "Less than good"),
    (Decimal("25.00"), "D", "Tidak Baik", "Not good"),
)


def ikm(scores: Sequence[Decimal | float | int]) -> Decimal:
    """25 × the mean of the nine element scores, rounded to 2 decimals.

    The mean is computed exactly with fractions (each element weighs exactly 1/9);
    the 0.111 weight some guides use, or binary floats, shift results across grade
    bands.  Rounding is ROUND_HALF_UP because that is how the regulation's worked
    examples and Excel's ROUND (which agencies use to check the figure) round: with
    Python's default half-to-even, 76.605 would become 76.60 (grade C) instead of
    76.61 (grade B).
    """
    if len(scores) != len(ELEMENTS):
        raise ValueError(f"IKM needs {len(ELEMENTS)} element scores, got {len(scores)}")
    exact = Fraction(25) * sum((_fraction(s) for s in scores), Fraction(0)) / len(ELEMENTS)
    # Decimal division is not exact (76.605 = 689.445/9); do the half-up step on fractions.
    cents = exact * 100
    rounded = (cents.numerator * 2 + cents.denominator) // (cents.denominator * 2)
    return (Decimal(rounded) / 100).quantize(CENT)


def _fraction(value: Decimal | float | int) -> Fraction:
    """An exact fraction; floats through their shortest repr, as the agency wrote them."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def grade(value: Decimal) -> str:
    """The grade letter (A–D) of a rounded IKM value."""
    for lowest, letter, _, _ in GRADES:
        if value >= lowest:
            return letter
    return "D"  # below 25 cannot happen with scores of 1–4; the lowest band covers it


def grade_label(letter: str, lang: str = "id") -> str:
    """The grade's name (``Sangat Baik`` / ``Very good``)."""
    for _, g, label_id, label_en in GRADES:
        if g == letter:
            return label_id if lang == "id" else label_en
    raise ValueError(f"unknown grade {letter!r}")


def row_ikm(row: Mapping[str, Any]) -> tuple[Decimal | None, str | None]:
    """IKM and grade of a performance row; (None, None) without all nine survey scores."""
    scores = [row.get(name) for name in ELEMENTS]
    if any(s is None for s in scores):
        return None, None
    value = ikm(scores)  # type: ignore[arg-type]
    return value, grade(value)
