"""The validate command: JSON report shape, exit codes, terminal summary, and the bad-input list."""

from __future__ import annotations

import json
import subprocess
import sys

from validate_helpers import (
    REPO,
    agenda_row,
    csv_text,
    decision_row,
    flat,
    make_datasets,
    perf_row,
    run,
    write_raw,
    write_table,
    write_xlsx,
)

from pipeline.core import incidents
from pipeline.core.models import FileReport
from pipeline.validate.report_text import summary_text
from pipeline.validate.schemas import CONTRACT

REPORT_KEYS = {"file", "period", "agency", "table", "status", "errors", "warnings"}
PROBLEM_KEYS = {"code", "row", "field", "value", "message"}


def validate_cli(ds, *args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "--datasets", str(ds),
         "--output", str(ds.parent / "out"), *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def test_exit_0_when_every_file_is_accepted(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(avg_wait_minutes="500")])
    write_table(ds, "agendas", [])
    result = validate_cli(ds, "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert [r["status"] for r in reports] == ["accepted", "accepted"]
    assert [w["code"] for w in reports[1]["warnings"]] == ["long-wait"]


def test_exit_1_and_the_contract_json_shape(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(u3="4,7")], delimiter=";")
    write_table(ds, "performance", [perf_row(period="2026-09", u3="5")], period="2026-09")
    write_raw(ds, "2026-13/disdukcapil/performance.csv", b"x")
    result = validate_cli(ds, "--json")
    assert result.returncode == 1, result.stderr
    reports = json.loads(result.stdout)
    assert [r["file"] for r in reports] == [
        "submissions/2026-09/disdukcapil/performance.csv",
        "submissions/2026-10/disdukcapil/performance.csv",
        "submissions/2026-13",
    ]
    for report in reports:
        assert set(report) == REPORT_KEYS
        for problem in report["errors"] + report["warnings"]:
            assert set(problem) == PROBLEM_KEYS
            assert set(problem["message"]) == {"id", "en"}
    assert reports[1] == {
        "file": "submissions/2026-10/disdukcapil/performance.csv", "period": "2026-10",
        "agency": "disdukcapil", "table": "performance", "status": "rejected",
        "errors": [{"code": "constraint-error", "row": 2, "field": "u3", "value": "4,7",
                    "message": {  # a ';' file reads 4,7 as 4.7: above the scale's 4
                        "id": 'Kolom u3 berisi "4,7", padahal nilai terbesar yang boleh adalah 4. '
                              "Periksa kembali angkanya.",
                        "en": 'Column u3 contains "4,7" but the largest value allowed is 4. Check the figure.'}}],
        "warnings": [],
    }
    assert reports[2]["table"] is None and reports[2]["errors"][0]["code"] == "layout-error"


def test_exit_1_for_a_layout_error_alone(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row()])
    write_raw(ds, "2026-10/disdukcapil/catatan.txt", b"x")
    result = validate_cli(ds)
    assert result.returncode == 1
    assert "catatan.txt" in result.stdout and "SUSUNAN FOLDER / LAYOUT" in result.stdout


def test_exit_2_for_broken_configuration_listing_every_problem(tmp_path):
    ds = make_datasets(tmp_path)
    (ds / "schemas" / "agendas.json").write_text("[", encoding="utf-8")
    (ds / "schemas" / "decisions.json").write_text('{"fields": []}', encoding="utf-8")
    result = validate_cli(ds, "--json")
    assert result.returncode == 2
    assert "schemas/agendas.json" in result.stderr and "decision_id" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_broken_portal_toml_lists_every_problem_and_unknown_keys_only_warn(tmp_path):
    ds = make_datasets(tmp_path)
    toml = (ds / "portal.toml").read_text(encoding="utf-8")
    (ds / "portal.toml").write_text(toml.replace("deadline_day = 10", 'deadline_day = "sepuluh"')
                                    .replace("languages =", 'languages = 5\nbahasa ='), encoding="utf-8")
    broken = validate_cli(ds)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "'deadline_day'" in broken.stderr and "'languages'" in broken.stderr  # every problem at once
    (ds / "portal.toml").write_text('warna_tema = "hijau"\n' + toml, encoding="utf-8")
    write_table(ds, "performance", [perf_row()])
    warned = validate_cli(ds)
    assert warned.returncode == 0, warned.stdout
    assert "unknown key 'warna_tema' ignored" in warned.stderr


def test_a_datasets_folder_without_schemas_uses_the_projects_with_a_warning(tmp_path):
    import shutil

    ds = make_datasets(tmp_path)
    shutil.rmtree(ds / "schemas")
    write_table(ds, "performance", [perf_row(applications_received="seribu")])
    result = validate_cli(ds, "--json")
    assert result.returncode == 1 and "using the project's schemas" in result.stderr
    (report,) = json.loads(result.stdout)
    assert [(e["code"], e["row"], e["field"]) for e in report["errors"]] == [
        ("type-error", 2, "applications_received")]


def test_exit_2_for_usage_errors(tmp_path):
    assert validate_cli(tmp_path, "--jsn").returncode == 2
    assert validate_cli(tmp_path / "nowhere").returncode == 2


def test_bad_input_each_gets_a_clear_error_and_the_rest_is_judged(tmp_path):
    ds = make_datasets(tmp_path)
    perf_cols = list(CONTRACT["performance"])
    write_raw(ds, "2026-01/disdukcapil/performance.csv", b"")
    write_raw(ds, "2026-02/disdukcapil/performance.csv", bytes(range(256)) * 64)
    big = ds / "submissions/2026-03/disdukcapil/performance.csv"
    big.parent.mkdir(parents=True)
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    header, row, _ = csv_text([perf_row(period="2026-04")], perf_cols).split("\r\n")
    write_raw(ds, "2026-04/disdukcapil/performance.csv", f"{header}\r\n{row},x,y\r\n".encode())
    write_raw(ds, "2026-05/disdukcapil/x/performance.csv", b"")
    write_raw(ds, "2026-05/dinas-x/performance.csv", b"")
    write_xlsx(ds, "performance", [perf_cols], period="2026-06", name="performance.csv")
    write_table(ds, "performance", [], period="2026-07")
    write_table(ds, "performance", [perf_row(period="2026-08", applications_received="banyak")], period="2026-08")
    write_table(ds, "performance", [perf_row(period="2026-09")], period="2026-09")
    write_table(ds, "agendas", [agenda_row()], agency="dpmptsp")
    write_table(ds, "decisions", [decision_row()], agency="dpmptsp")
    got = {f: [(p.code, p.row, p.field) for p in r.errors] for f, r in run(ds).items()}
    assert got == {
        "submissions/2026-01/disdukcapil/performance.csv": [("empty-file", None, None)],
        "submissions/2026-02/disdukcapil/performance.csv": [("not-a-csv", None, None)],
        "submissions/2026-03/disdukcapil/performance.csv": [("file-too-large", None, None)],
        "submissions/2026-04/disdukcapil/performance.csv": [("extra-cell", 2, None)],
        "submissions/2026-05/dinas-x": [("layout-error", None, None)],
        "submissions/2026-05/disdukcapil/x": [("layout-error", None, None)],
        "submissions/2026-06/disdukcapil/performance.csv": [("not-a-csv", None, None)],
        "submissions/2026-07/disdukcapil/performance.csv": [("no-rows", None, None)],
        "submissions/2026-08/disdukcapil/performance.csv": [("type-error", 2, "applications_received")],
        "submissions/2026-09/disdukcapil/performance.csv": [],
        "submissions/2026-10/dpmptsp/agendas.csv": [],
        "submissions/2026-10/dpmptsp/decisions.csv": [],
    }


def test_a_crash_inside_frictionless_fails_only_that_file(tmp_path, monkeypatch):
    import pipeline.validate.run as run_module

    real = run_module.run_frictionless

    def fragile(items, schema):
        if any("BOOM" in str(t) for item in items for t in item.texts):
            raise RuntimeError("simulated")
        return real(items, schema)

    monkeypatch.setattr(run_module, "run_frictionless", fragile)
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(notes="BOOM")])
    write_table(ds, "performance", [perf_row(period="2026-09", u1="9")], period="2026-09")
    incidents.clear()
    reports = run(ds)
    # A crash is the pipeline's fault, not the clerk's: internal-error, traceback kept for the officer.
    assert flat(reports["submissions/2026-10/disdukcapil/performance.csv"].errors) == [
        ("internal-error", None, None)]
    [incident] = incidents.collected()
    assert "submissions/2026-10/disdukcapil/performance.csv" in incident.where
    assert "RuntimeError: simulated" in incident.traceback
    assert flat(reports["submissions/2026-09/disdukcapil/performance.csv"].errors) == [
        ("constraint-error", 2, "u1")]


def test_summary_text_groups_by_agency_with_row_field_value_and_fix(tmp_path):
    ds = make_datasets(tmp_path)
    write_table(ds, "performance", [perf_row(applications_received="seribu")])
    write_table(ds, "agendas", [agenda_row(status="planned", date="2026-09-01")], agency="dpmptsp")
    write_raw(ds, "2026-13/x.csv", b"")
    text = summary_text(list(run(ds).values()))
    assert text.index("== disdukcapil ==") < text.index("== dpmptsp ==") < text.index("no agency")
    assert "DITOLAK / REJECTED  submissions/2026-10/disdukcapil/performance.csv" in text
    assert 'baris/row 2, kolom/field applications_received, sel/cell D2, nilai/value "seribu"' in text
    assert "misalnya 1250" in text and "for example 1250" in text
    assert "ACCEPTED WITH WARNINGS  submissions/2026-10/dpmptsp/agendas.csv  (1: planned-before-period)" in text
    assert "Berkas / files: 2  diterima / accepted: 1  ditolak / rejected: 1" in text


def test_summary_text_shortens_long_problem_lists():
    from pipeline.validate.messages import problem

    errors = [problem("blank-row", row=n) for n in range(2, 12)]
    report = FileReport(file="submissions/2026-10/a/performance.csv", period="2026-10", agency="a",
                        table="performance", status="rejected", errors=errors)
    text = summary_text([report])
    assert text.count("[blank-row]") == 5 and "dan 5 lainnya / and 5 more" in text
