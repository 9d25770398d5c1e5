"""The shared arithmetic of the indicators (evaluation/measure.py) is exact."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from pipeline.publish.evaluation.measure import cents, weighted_mean

VALUES = st.one_of(st.floats(min_value=0, max_value=1e6, allow_nan=False),
                   st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))


@given(st.lists(st.tuples(VALUES, st.integers(min_value=0, max_value=10**6)), max_size=40))
def test_weighted_mean_equals_the_mean_in_fractions(pairs: list[tuple[Decimal | float, int]]) -> None:
    """Summed as decimals that cannot round, the mean and total equal the ones summed as fractions
    (a float read by its shortest repr, as the agency wrote it)."""
    weight = sum(w for _, w in pairs)
    got = weighted_mean(pairs)
    if not weight:
        assert got.value is None and got.denominator == 0
        return
    total = sum((Fraction(Decimal(repr(v)) if isinstance(v, float) else v) * w for v, w in pairs), Fraction(0))
    assert (got.value, got.numerator, got.denominator) == (cents(total / weight), cents(total), weight)
