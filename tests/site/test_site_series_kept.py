"""The mall's monthly totals kept between builds (seriescache.py) are the totals ``stats.monthly`` sums."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from pipeline.core.config import Portal
from pipeline.site import seriescache
from pipeline.site.build import _records
from pipeline.site.inputs_text import InputsText
from pipeline.site.keptpickle import load_plain, save_plain
from pipeline.site.loader import load_site_data
from pipeline.site.models import Perf
from pipeline.site.stats import monthly

AS_OF = date(2026, 11, 28)


def _series(rows: list[Perf], folder: Path, code: str = "code") -> tuple[object, ...]:
    """The kept series of ``rows``, their texts written as a build writes them (digests)."""
    texts = InputsText(digests=True)
    texts.write_all(rows)
    return seriescache.mall_series(rows, texts.each, folder, code)


@pytest.fixture()
def rows(sample_portal: Portal) -> list[Perf]:
    """The sample city's performance rows (several months, several agencies)."""
    data = load_site_data(sample_portal, AS_OF)
    assert len({r.period for r in data.performance}) > 1
    return list(data.performance)


def test_kept_or_summed_the_series_is_monthlys(rows: list[Perf], tmp_path: Path) -> None:
    expected = tuple(monthly(rows))
    assert _series(rows, tmp_path) == expected  # nothing kept: every month summed
    kept = (tmp_path / seriescache.FILE_NAME).read_bytes()
    assert _series(rows, tmp_path) == expected  # every month kept
    assert (tmp_path / seriescache.FILE_NAME).read_bytes() == kept  # the same months: not written again


def test_a_changed_row_changes_its_month_only(rows: list[Perf], tmp_path: Path) -> None:
    _series(rows, tmp_path)
    changed = list(rows)
    changed[0] = dataclasses.replace(changed[0], received=changed[0].received + 1000)
    assert _series(changed, tmp_path) == tuple(monthly(changed))
    # A late row of an old month (its place among the month's rows moves it in the sums' order).
    moved = [*rows[1:], rows[0]]
    assert _series(moved, tmp_path) == tuple(monthly(moved))


def test_a_kept_month_is_taken_under_its_own_code_only(rows: list[Perf], tmp_path: Path) -> None:
    _series(rows, tmp_path, "a")
    path = tmp_path / seriescache.FILE_NAME
    kept = load_plain(path, seriescache.MAGIC)
    assert isinstance(kept, dict)
    # Every kept month's received figure made wrong: under its code the kept value is what the build takes.
    save_plain(path, seriescache.MAGIC, {key: (v[0], v[1] + 7, *v[2:]) for key, v in kept.items()})
    assert [t.received for t in _series(rows, tmp_path, "a")] == [t.received + 7 for t in monthly(rows)]
    assert _series(rows, tmp_path, "b") == tuple(monthly(rows))  # another code's months: summed again


def test_a_damaged_or_foreign_file_is_nothing_kept(rows: list[Perf], tmp_path: Path) -> None:
    expected = tuple(monthly(rows))
    path = tmp_path / seriescache.FILE_NAME
    path.write_bytes(b"not a kept file")
    assert _series(rows, tmp_path) == expected
    save_plain(path, seriescache.MAGIC, {"k": ("2026-01", "x")})  # another shape
    assert _series(rows, tmp_path) == expected
    assert _series(rows, None) == expected  # nothing kept, nothing written


def test_the_build_takes_the_sites_records_texts(sample_portal: Portal, tmp_path: Path) -> None:
    # As ``build._write_pages`` calls it: the texts of every record of the site data written first.
    data = load_site_data(sample_portal, AS_OF)
    texts = InputsText(digests=True)
    texts.write_all(_records(data))
    got = seriescache.mall_series(data.performance, texts.each, tmp_path, "code")
    assert got == data.lookup.mall_series
