"""A file with a huge number of problems gets a small report: 200 listed, then one summary."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from validate_helpers import REPO, agenda_row, make_datasets, report_for, write_table

from pipeline.validate.problem_bound import MAX_LISTED
from tests.shared_fixture import read_only

AGENDAS = "submissions/2026-10/disdukcapil/agendas.csv"


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """5,000 agenda rows, each with two errors (type and status not among the choices): 10,000."""
    ds = make_datasets(tmp_path_factory.mktemp("bounds"))
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    rows = [agenda_row(agenda_id=f"AGD-{i}", type="rapat", status="selesai") for i in range(5000)]
    write_table(ds, "agendas", rows)
    with read_only(ds):  # the tests publish beside it, never into it
        yield ds


def test_the_report_lists_200_problems_then_a_summary_by_code_and_column(ds):
    report = report_for(ds, "agendas")
    assert report.status == "rejected" and report.error_count == 10_000
    assert len(report.errors) == MAX_LISTED + 1 == 201
    listed, summary = report.errors[:-1], report.errors[-1]
    assert {p.code for p in listed} == {"constraint-error"} and listed[-1].row == 101
    assert (summary.code, summary.row, summary.field, summary.value) == ("too-many-problems", None, None, None)
    assert summary.message.id.startswith("Berkas ini memuat 10.000 kesalahan; 200 yang pertama dirinci")
    assert "9.800 lainnya tidak dirinci" in summary.message.id
    assert "constraint-error di kolom type: 4.900; constraint-error di kolom status: 4.900" in summary.message.id
    assert summary.message.en.startswith("This file has 10,000 errors; the first 200 are listed above")
    assert "constraint-error in column type: 4,900; constraint-error in column status: 4,900" in summary.message.en


def test_the_json_report_keeps_the_contract_shape_and_stays_small(ds):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "--json", "--datasets", str(ds),
         "--output", str(ds.parent / "out-validate")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert len(result.stdout.encode()) < 200_000  # 10,000 listed problems were about 5 MB
    (report,) = json.loads(result.stdout)
    assert set(report) == {"file", "period", "agency", "table", "status", "errors", "warnings"}
    assert all(set(p) == {"code", "row", "field", "value", "message"} for p in report["errors"])
    assert report["errors"][-1]["code"] == "too-many-problems"


def test_the_feedback_page_stays_small_and_counts_every_problem(ds):
    out = ds.parent / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push", "--datasets", str(ds),
         "--output", str(out), "--as-of", "2026-11-28"],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    page = out / "feedback" / "2026-10" / "disdukcapil" / "agendas.html"
    assert page.stat().st_size < 400_000
    html = page.read_text(encoding="utf-8")
    assert "Kesalahan (10000)" in html and "Errors (10000)" in html
    assert "Berkas ini memuat 10.000 kesalahan" in html and "This file has 10,000 errors" in html
    assert html.count("<tr><th scope=\"row\">") == 2 * 201  # 200 problems and the summary, twice
    rows = list(csv.DictReader(io.StringIO((out / "data" / "submissions.csv").read_text(encoding="utf-8"))))
    (row,) = [r for r in rows if r["table"] == "agendas" and r["agency_code"] == "disdukcapil"]
    assert row["errors"] == "10000" and row["status"] == "rejected"
    assert (out / "reports" / "validation.json").stat().st_size < 200_000


def test_more_than_200_warnings_are_summarised_in_the_warnings_and_the_file_is_accepted(tmp_path):
    ds = make_datasets(tmp_path)
    rows = [agenda_row(agenda_id=f"AGD-{i}", status="planned", date="2026-09-30") for i in range(250)]
    write_table(ds, "agendas", rows)
    report = report_for(ds, "agendas")
    assert report.accepted and report.errors == [] and report.warning_count == 250
    assert len(report.warnings) == 201 and report.warnings[-1].code == "too-many-problems"
    assert "250 peringatan" in report.warnings[-1].message.id
    assert "planned-before-period di kolom status: 50" in report.warnings[-1].message.id
    assert "send a corrected file" in report.warnings[-1].message.en


def test_a_long_value_is_shown_shortened_on_the_feedback_page(tmp_path):
    ds = make_datasets(tmp_path)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    write_table(ds, "agendas", [agenda_row(date="d" * 30_000)])
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push", "--datasets", str(ds),
         "--output", str(out), "--as-of", "2026-11-28"],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    html = (out / "feedback" / "2026-10" / "disdukcapil" / "agendas.html").read_text(encoding="utf-8")
    assert "d" * 299 + "…" in html and "d" * 300 not in html
    report = json.loads((out / "reports" / "validation.json").read_bytes())[0]
    assert report["errors"][0]["value"] == "d" * 30_000  # the JSON report keeps the value whole
