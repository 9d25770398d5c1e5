"""IKM: exact 1/9 weights, half-up rounding to 2 decimals, grade from the rounded value."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from pipeline.core.ikm import exact_sum, grade, group_ikm, ikm, row_ikm


@pytest.mark.parametrize("value, letter", [
    ("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
    ("65.00", "C"), ("64.99", "D"), ("25.00", "D"),
])
def test_grade_bands_at_their_boundaries(value: str, letter: str) -> None:
    assert grade(Decimal(value)) == letter


def test_extremes() -> None:
    assert ikm([4] * 9) == Decimal("100.00") and ikm([1] * 9) == Decimal("25.00")


def test_exact_ninths_cross_a_band_that_0111_weights_would_miss() -> None:
    # Sum 31.8: 25 × 31.8 / 9 = 88.333… -> 88.33 (A); with 0.111 weights 88.245 -> 88.25 (B).
    scores = [Decimal("3.5")] * 8 + [Decimal("3.8")]
    assert ikm(scores) == Decimal("88.33") and grade(ikm(scores)) == "A"
    rough = (sum(scores) * Decimal("0.111") * 25).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert rough == Decimal("88.25") and grade(rough) == "B"


def test_thirds_are_rounded_not_truncated() -> None:
    # Sum 28: 77.777… -> 77.78; a sum of 27.6 gives 76.666… -> 76.67 (B, not C).
    assert ikm([3] * 8 + [4]) == Decimal("77.78")
    assert ikm([Decimal("3.0")] * 8 + [Decimal("3.6")]) == Decimal("76.67")
    assert grade(ikm([Decimal("3.0")] * 8 + [Decimal("3.6")])) == "B"


def test_half_up_at_an_exact_half_cent() -> None:
    # Sum 27.5778: 25 × 27.5778 / 9 = 76.605 exactly. Half-up gives 76.61 (B);
    # half-even (Python's round) would give 76.60 (C).
    scores = [Decimal("3.5778")] + [Decimal(3)] * 8
    assert ikm(scores) == Decimal("76.61") and grade(ikm(scores)) == "B"


def test_floats_are_read_as_the_decimals_they_show() -> None:
    assert ikm([3.5778] + [3.0] * 8) == Decimal("76.61")


def test_row_without_survey_has_no_ikm() -> None:
    row = {f"u{i}": Decimal(3) for i in range(1, 10)}
    assert row_ikm(row) == (Decimal("75.00"), "C")
    assert row_ikm({**row, "u9": None}) == (None, None)


def test_wrong_number_of_scores_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ikm([3] * 8)


def test_agency_ikm_weights_services_by_respondents() -> None:
    from pipeline.publish.tables import agency_ikm

    def perf(agency: str, service: str, people: int, score: str | None) -> dict:
        scores = {f"u{i}": None if score is None else Decimal(score) for i in range(1, 10)}
        value = None if score is None else Decimal("0")  # only "is there an IKM" matters here
        return {"period": "2026-10", "agency_code": agency, "service_code": service,
                "survey_respondents": people, "ikm": value, **scores}

    rows = [perf("a", "s1", 30, "4"), perf("a", "s2", 10, "2"), perf("a", "s3", 0, None),
            perf("b", "s4", 0, None)]
    out = {r["agency_code"]: r for r in agency_ikm(rows)}
    # (30 × 4 + 10 × 2) / 40 = 3.5 per element -> 25 × 3.5 = 87.50 (B); an unweighted mean would give 75.00 (C).
    assert out["a"] == {"period": "2026-10", "agency_code": "a", "services_reported": 3, "services_surveyed": 2,
                        "survey_respondents": 40, "ikm": Decimal("87.50"), "ikm_grade": "B"}
    assert out["b"]["ikm"] is None and out["b"]["ikm_grade"] is None and out["b"]["services_surveyed"] == 0


def test_scores_of_every_spelling_are_summed_exactly() -> None:
    # The sum runs in integers (digits at the smallest exponent): every spelling a score can
    # come in must still count as the agency wrote it. 1e-07 is a float repr with an exponent,
    # 0.1 a float that is not 1/10 in binary, Decimal("4E+1") a positive exponent.
    from fractions import Fraction

    from pipeline.core.ikm import exact_sum

    assert exact_sum([0.1, 1e-07, Decimal("4E+1"), 3, Decimal("-2.50"), -0.0, True]) == (
        Fraction(1, 10) + Fraction(1, 10_000_000) + 40 + 3 - Fraction(5, 2) + 1)
    assert exact_sum([123456789012345678.0]) == 123456789012345680  # its shortest repr, 1.2345678901234568e+17


def test_a_group_is_weighted_by_respondents_over_every_denominator() -> None:
    # 10 people at 36/9 (4.0 each) and 30 at 27/9 (3.0 each): mean 3.25, IKM 81.25;
    # the halves (7/2) and fifths (16/5) sum on other denominators than the integers.
    from pipeline.core.ikm import group_ikm

    assert group_ikm([(10, [4.0] * 9), (30, [3] * 9)]) == Decimal("81.25")
    # 2 x 31.5 + 2 x 28.8 = 120.6 over 4 people and 9 elements: 25 x 120.6 / 36 = 83.75
    assert group_ikm([(2, [3.5] * 9), (2, [Decimal("3.2")] * 9)]) == Decimal("83.75")
    assert group_ikm([(0, [4] * 9)]) is None


def test_integer_cents_equal_the_fraction_rounding() -> None:
    """``ikm`` and ``group_ikm`` round 25 × the exact mean on integers: the same as ``round_cents`` on the
    Fraction (the definition), for floats, decimals and ints, exact halves included."""
    import random
    from fractions import Fraction

    from pipeline.core.ikm import exact_sum, group_ikm, round_cents

    rng = random.Random(7)
    cases: list[list[Decimal | float | int]] = [[Decimal("3.0644")] * 9, [Decimal("27.5778")] + [0] * 8]
    for _ in range(3000):
        kind = rng.choice(("float", "decimal", "int"))
        if kind == "float":
            cases.append([round(rng.uniform(1, 4), rng.choice((1, 2, 3))) for _ in range(9)])
        elif kind == "decimal":
            cases.append([Decimal(rng.randint(1000, 4000)) / rng.choice((10, 100, 1000, 10000)) for _ in range(9)])
        else:
            cases.append([rng.randint(1, 4) for _ in range(9)])
    for scores in cases:
        assert ikm(scores) == round_cents(Fraction(25) * exact_sum(scores) / 9), scores
        assert str(ikm(scores)) == str(round_cents(Fraction(25) * exact_sum(scores) / 9))
    for _ in range(500):
        rows = [(rng.randint(0, 50), rng.choice(cases)) for _ in range(rng.randint(1, 6))]
        people = sum(n for n, _ in rows)
        expected = None if not people else \
            round_cents(Fraction(25) * sum((n * exact_sum(s) for n, s in rows), Fraction(0)) / (9 * people))
        assert group_ikm(rows) == expected and str(group_ikm(rows)) == str(expected)


def _reference_sum(scores: list[object]) -> Fraction:
    """The exact sum as Fractions add it (a float read as the decimal it shows)."""
    return sum((Fraction(Decimal(repr(s))) if isinstance(s, float) else Fraction(s) for s in scores),  # type: ignore[arg-type]
               Fraction(0))


@pytest.mark.parametrize("scores", [
    [Decimal("3.67"), Decimal("3.58"), Decimal("3.55"), Decimal("3.58"), Decimal("3.60"), Decimal("3.57"),
     Decimal("3.45"), Decimal("3.60"), Decimal("3.46")],
    [4, 3, 2, 1, 4, 3, 2, 1, 4],
    [3.1, 2.9, 0.1, 3, Decimal("1.25"), True, False, Decimal("-0.5"), Decimal("3.450000")],
    [Decimal("1E+2"), Decimal("0.000000000000000000000000000001"), 1, 2, 3, 4, 1, 2, Decimal("3.333333333333333333333333")],
])
def test_the_exact_sum_summed_in_c_is_the_sum_of_fractions(scores: list[object]) -> None:
    # The sum is made under a context that refuses to round, then read as a reduced integer ratio.
    total = exact_sum(scores)  # type: ignore[arg-type]
    assert type(total) is Fraction and total == _reference_sum(scores)
    exact = _reference_sum(scores)
    cents = exact * 2500 / 9
    assert ikm(scores) == (Decimal((cents * 2 + 1).__floor__() // 2) / 100).quantize(Decimal("0.01"))  # type: ignore[arg-type]


def test_a_score_that_is_no_number_still_fails() -> None:
    with pytest.raises(TypeError):
        ikm(["3"] * 9)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        exact_sum([Fraction(1, 3)] * 9)  # type: ignore[list-item]
    with pytest.raises(ValueError):
        ikm([Decimal("NaN")] * 9)


def test_group_sums_use_the_same_exact_sums() -> None:
    rows = [(12, [Decimal("3.67")] * 9), (3, [3.1, 2.9, 0.1, 3, 4, 4, 4, 4, 4]), (0, [1] * 9)]
    people = sum(n for n, _ in rows)
    exact = sum((n * _reference_sum(s) for n, s in rows), Fraction(0)) * 2500 / (9 * people)
    assert group_ikm(rows) == (Decimal((exact * 2 + 1).__floor__() // 2) / 100).quantize(Decimal("0.01"))  # type: ignore[arg-type]
