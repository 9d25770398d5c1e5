"""Compact read-only records (core/compact.py): read like the dicts they replace, in less memory."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

import pytest

from pipeline.core.compact import Strings, record_type

Row = record_type(("indicator", "scope", "value", "gaps"))


def test_a_record_reads_and_compares_like_its_dict() -> None:
    row = Row(["ikm", "mall", Decimal("81.50"), None])
    assert row["value"] == Decimal("81.50") and str(row["value"]) == "81.50"
    assert row.get("gaps") is None and row.get("absent", "x") == "x"
    assert row == {"indicator": "ikm", "scope": "mall", "value": Decimal("81.50"), "gaps": None}
    assert row != {"indicator": "ikm", "scope": "mall", "value": Decimal("81.50"), "gaps": "dukcapil"}
    assert list(row) == ["indicator", "scope", "value", "gaps"] and dict(row)["scope"] == "mall"
    with pytest.raises(KeyError):
        row["absent"]
    with pytest.raises(ValueError):
        Row(["ikm", "mall"])


def test_equal_texts_are_kept_once() -> None:
    strings = Strings()
    a, b = "".join(["kab", "upaten"]), "".join(["kabu", "paten"])
    assert a is not b and strings.one(a) is strings.one(b) and strings.one(3) == 3


def _allocated(make: object) -> int:
    tracemalloc.start()
    try:
        kept = make()  # type: ignore[operator]
        size = tracemalloc.get_traced_memory()[0]
        del kept
        return size
    finally:
        tracemalloc.stop()


def test_compact_rows_take_well_under_the_dicts_memory() -> None:
    """17 fields, as the indicators table: a dict per row was 464 bytes before its values."""
    fields = [f"f{i}" for i in range(17)]
    wide = record_type(fields)
    values = list(range(17))
    dicts = _allocated(lambda: [dict(zip(fields, values)) for _ in range(20_000)])
    compact = _allocated(lambda: [wide(values) for _ in range(20_000)])
    assert compact < 0.6 * dicts, (compact, dicts)
