"""The pipeline and frictionless find the same errors on the Table Schema's own checks.

A generated mall (tools/bench: 12 agencies, 4 services, 6 months, a clerk's mistake in about
15 % of the files) is judged by the pipeline and by frictionless alone, file by file. On the
plain CSV files (frictionless reads semicolon CSV and Excel's decimal commas differently, and
the pipeline's XLSX reading is its own), the (file, row, field, error type) of type and
constraint errors must be the same set on both sides, and equal to the mistakes the generator
says it made.
"""

from __future__ import annotations

import pytest

from pipeline.core.config import load_portal
from pipeline.validate import validate_datasets
from tools.bench import city
from tools.bench.baseline import findings
from tools.bench.shape import shape_for

STANDARD = ("type-error", "constraint-error")
Finding = tuple[str, int | None, str | None, str]


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> tuple[city.Mall, set[Finding], set[Finding]]:
    """The mall, the pipeline's findings and frictionless' findings on its plain CSV files."""
    mall = city.build(shape_for("12x4x6"))
    datasets = tmp_path_factory.mktemp("differential") / "datasets"
    city.generate(mall, datasets)
    plain = {city.file_name(mall, key) for key in mall.sent if mall.formats[key] == "csv"
             and key[:2] != mall.held_back}
    ours = {(r.file, p.row, p.field, p.code) for r in validate_datasets(load_portal(datasets, datasets.parent / "o"))
            for p in r.errors if r.file in plain and p.code in STANDARD}
    theirs = {f for f in findings(datasets) if f[0] in plain and f[3] in STANDARD}
    return mall, ours, theirs


def test_the_same_errors_as_frictionless(judged: tuple[city.Mall, set[Finding], set[Finding]]) -> None:
    """Same (file, row, field, type) on both sides."""
    _, ours, theirs = judged
    assert len(theirs) >= 10
    assert ours == theirs


def test_the_errors_are_the_mistakes_made(judged: tuple[city.Mall, set[Finding], set[Finding]]) -> None:
    """And they are exactly the standard mistakes the generator put in (none missed, none invented)."""
    mall, ours, _ = judged
    made = {(city.file_name(mall, key), m.row, m.field, m.code) for key, m in mall.mistakes.items()
            if m.standard and key[:2] != mall.held_back}
    assert ours == made
