"""start_period (contract revision 2): nothing is owed before the portal's first month, whatever joined_on says."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from pipeline.core.obligations import collection_start, first_owed, owed_periods, owes
from tests.run_support import publish_cmd, run, small_datasets
from tests.validate_helpers import perf_row, write_table


def test_the_first_owed_month_is_the_later_of_joining_and_the_start() -> None:
    assert first_owed(date(2024, 1, 15), "2026-09") == "2026-09"
    assert first_owed(date(2026, 10, 3), "2026-09") == "2026-10"
    assert first_owed(None, "2026-09") == "2026-09"
    assert first_owed(date(2026, 10, 3), None) == "2026-10"
    assert first_owed(None, None) is None
    assert collection_start("2026-09", "2025-01") == "2026-09"
    assert collection_start(None, "2025-01") == "2025-01"


def test_owed_months_stop_at_the_last_one_and_skip_inactive_agencies() -> None:
    assert owed_periods(True, date(2024, 1, 15), "2026-08", "2026-10") == ["2026-08", "2026-09", "2026-10"]
    assert owed_periods(False, date(2024, 1, 15), "2026-08", "2026-10") == []
    assert owed_periods(True, date(2026, 11, 1), "2026-08", "2026-10") == []
    assert owes(True, None, "2026-08", "2026-08") and not owes(True, None, "2026-08", "2026-07")


def _submissions(out: Path) -> dict[tuple[str, str, str], str]:
    text = (out / "data" / "submissions.csv").read_text(encoding="utf-8")
    return {(r["period"], r["agency_code"], r["table"]): r["status"] for r in csv.DictReader(io.StringIO(text))}


@pytest.fixture()
def datasets(tmp_path: Path) -> Path:
    """Two agencies that joined in 2024; files for 2026-07 (one) and 2026-10."""
    ds = small_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(period="2026-07")], period="2026-07")
    return ds


def test_without_start_period_the_first_month_in_the_store_counts(tmp_path: Path, datasets: Path) -> None:
    out = tmp_path / "out"
    done = run(publish_cmd(datasets, out, "--no-site"))
    assert done.returncode == 0, done.stderr
    rows = _submissions(out)
    assert rows[("2026-07", "dpmptsp", "performance")] == "missing"
    assert rows[("2026-08", "disdukcapil", "agendas")] == "missing"


def test_nothing_is_owed_before_start_period_whatever_joined_on(tmp_path: Path, datasets: Path) -> None:
    toml = datasets / "portal.toml"
    toml.write_text('start_period = "2026-09"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    done = run(publish_cmd(datasets, out, "--no-site"))
    assert done.returncode == 0, done.stderr
    rows = _submissions(out)
    # Before September: only what was actually received is listed, nothing is missing.
    assert {k: v for k, v in rows.items() if k[0] < "2026-09"} == {("2026-07", "disdukcapil", "performance"): "accepted"}
    # From September every active agency owes its files, kantor-pajak included (joined in June).
    assert rows[("2026-09", "kantor-pajak", "decisions")] == "missing"
    assert rows[("2026-09", "dpmptsp", "performance")] == "missing"


def test_start_period_may_begin_before_the_first_file(tmp_path: Path) -> None:
    ds = small_datasets(tmp_path)
    toml = ds / "portal.toml"
    toml.write_text('start_period = "2026-08"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
    rows = _submissions(out)
    assert rows[("2026-08", "disdukcapil", "performance")] == "missing"
    assert ("2026-07", "disdukcapil", "performance") not in rows
