"""Quarter and year arithmetic of core/periods.py, values written by hand."""

from __future__ import annotations

import pytest

from pipeline.core import periods


@pytest.mark.parametrize("month, quarter", [("2026-01", "2026-Q1"), ("2026-03", "2026-Q1"), ("2026-04", "2026-Q2"),
                                            ("2026-09", "2026-Q3"), ("2026-10", "2026-Q4"), ("2025-12", "2025-Q4")])
def test_quarter_of_a_month(month: str, quarter: str) -> None:
    assert periods.quarter_of(month) == quarter


def test_months_of_each_kind_of_label() -> None:
    assert periods.months_of("2026-10") == ["2026-10"]
    assert periods.months_of("2026-Q3") == ["2026-07", "2026-08", "2026-09"]
    assert periods.months_of("2025-Q4") == ["2025-10", "2025-11", "2025-12"]
    assert periods.months_of("2026") == [f"2026-{m:02d}" for m in range(1, 13)]


def test_kind_and_containing_labels() -> None:
    assert [periods.kind(x) for x in ("2026-10", "2026-Q4", "2026")] == ["month", "quarter", "year"]
    assert periods.containing("2026-02") == ("2026-02", "2026-Q1", "2026")


@pytest.mark.parametrize("label, steps, expected", [
    ("2026-Q1", -1, "2025-Q4"), ("2026-Q3", -4, "2025-Q3"), ("2025-Q4", 1, "2026-Q1"),
    ("2026", -1, "2025"), ("2026-01", -1, "2025-12"),
])
def test_shift_label(label: str, steps: int, expected: str) -> None:
    assert periods.shift_label(label, steps) == expected


def test_closed_labels_only_whole_quarters_and_years() -> None:
    # The sample's span: September 2025 to October 2026. 2025-Q3 lacks July and August,
    # 2026-Q4 has only October: neither is closed; no year is whole.
    assert periods.closed_labels("2025-09", "2026-10") == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert periods.closed_labels("2025-01", "2025-12") == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"]
    assert periods.closed_labels("2026-11", "2026-10") == []
