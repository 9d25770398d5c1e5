"""Layout of submissions/: every unexpected path is a layout error that blocks nothing else."""

from __future__ import annotations

import pytest
from validate_helpers import flat, make_datasets, perf_row, run, write_raw, write_table, write_xlsx

from pipeline.validate.schemas import CONTRACT


@pytest.fixture()
def ds(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row()])
    return ds


def layout_errors(reports):
    return {f: r for f, r in reports.items() if r.table is None}


@pytest.mark.parametrize("rel, variant_word", [
    ("2026-13/disdukcapil/performance.csv", "2026-13"),
    ("2026-1/disdukcapil/performance.csv", "2026-1"),
    ("abc/disdukcapil/performance.csv", "abc"),
    ("2026-00/disdukcapil/performance.csv", "2026-00"),
    ("0000-01/disdukcapil/performance.csv", "0000-01"),  # no such year: crashed the date rules
    ("1800-01/disdukcapil/performance.csv", "1800-01"),  # would make every agency owe 2,700 months
    ("2100-01/disdukcapil/performance.csv", "2100-01"),
])
def test_bad_period_folder(ds, rel, variant_word):
    write_raw(ds, rel, b"x")
    reports = run(ds)
    errors = layout_errors(reports)
    folder = f"submissions/{variant_word}"
    assert list(errors) == [folder]
    report = errors[folder]
    assert report.status == "rejected" and flat(report.errors) == [("layout-error", None, None)]
    assert report.errors[0].value == variant_word
    assert "2026-10" in report.errors[0].message.id  # says what was expected
    assert reports["submissions/2026-10/disdukcapil/performance.csv"].accepted


def test_unknown_agency_folder(ds):
    write_raw(ds, "2026-10/dinas-x/performance.csv", b"x")
    errors = layout_errors(run(ds))
    report = errors["submissions/2026-10/dinas-x"]
    assert report.period == "2026-10" and report.agency is None
    assert "dinas-x" in report.errors[0].message.id


@pytest.mark.parametrize("name", ["performa.csv", "notes.txt", "performance.CSV", "performance.csv.bak",
                                  "Performance.csv", "agendas.xls"])
def test_unknown_file_names(ds, name):
    write_raw(ds, f"2026-10/disdukcapil/{name}", b"x")
    errors = layout_errors(run(ds))
    report = errors[f"submissions/2026-10/disdukcapil/{name}"]
    assert report.agency == "disdukcapil" and report.period == "2026-10"
    assert "performance.csv" in report.errors[0].message.id


@pytest.mark.parametrize("rel", ["performance.csv", "2026-10/performance.csv"])
def test_stray_files_at_the_wrong_depth(ds, rel):
    write_raw(ds, rel, b"x")
    errors = layout_errors(run(ds))
    assert list(errors) == [f"submissions/{rel}"]
    assert "submissions/2026-10/disdukcapil/performance.csv" in errors[f"submissions/{rel}"].errors[0].message.en


def test_subfolder_in_an_agency_folder(ds):
    write_raw(ds, "2026-10/disdukcapil/lama/performance.csv", b"x")
    assert list(layout_errors(run(ds))) == ["submissions/2026-10/disdukcapil/lama"]


def test_csv_and_xlsx_of_the_same_table(ds):
    write_xlsx(ds, "performance", [list(CONTRACT["performance"])])
    reports = run(ds)
    assert reports["submissions/2026-10/disdukcapil/performance.csv"].accepted
    dup = reports["submissions/2026-10/disdukcapil/performance.xlsx"]
    assert dup.table is None and dup.status == "rejected"
    assert "performance.csv" in dup.errors[0].message.id


@pytest.mark.parametrize("rel", [".DS_Store", "2026-10/.DS_Store", "2026-10/disdukcapil/.DS_Store",
                                 "2026-10/disdukcapil/~$performance.xlsx", "2026-10/disdukcapil/Thumbs.db",
                                 "2026-10/disdukcapil/._performance.csv", ".git/config"])
def test_system_files_are_ignored(ds, rel):
    write_raw(ds, rel, b"\x00\x01")
    assert list(run(ds)) == ["submissions/2026-10/disdukcapil/performance.csv"]


def test_no_submissions_folder_means_no_reports(ds):
    import shutil

    shutil.rmtree(ds / "submissions")
    assert run(ds) == {}


def test_reports_are_sorted_by_path_and_deterministic(ds):
    write_raw(ds, "2026-13/x.csv", b"")
    write_table(ds, "performance", [perf_row(period="2026-09")], period="2026-09")
    write_raw(ds, "2026-09/zzz/a.csv", b"")
    first = [r.to_json() for r in run(ds).values()]
    assert [r["file"] for r in first] == sorted(r["file"] for r in first)
    assert first == [r.to_json() for r in run(ds).values()]
