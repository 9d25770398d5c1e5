"""Downloads of what a page shows: the decisions register and its overdue view, the performance table
per agency and the compliance matrix, as CSV and XLSX beside their pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook


def _csv(path: Path) -> list[dict[str, str]]:
    """A CSV file as text rows."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _xlsx(path: Path) -> list[list[object]]:
    """The one sheet of an XLSX file as rows of values (header first)."""
    sheet = load_workbook(path, read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_decision_register_and_overdue_view(site: Path, sample_portal) -> None:
    published = _csv(sample_portal.output / "data" / "decisions.csv")
    every = _csv(site / "keputusan" / "keputusan.csv")
    overdue = _csv(site / "keputusan" / "keputusan-melewati-tenggat.csv")
    assert sorted((r["agency_code"], r["decision_id"]) for r in every) == \
        sorted((r["agency_code"], r["decision_id"]) for r in published)
    late = {(r["agency_code"], r["decision_id"]) for r in published if r["overdue"] == "true"}
    assert len(late) == 8 and {(r["agency_code"], r["decision_id"]) for r in overdue} == late
    # Oldest due date first, as the page lists them; names, not codes, of the responsible agencies.
    assert [r["due_date"] for r in overdue] == sorted(r["due_date"] for r in overdue)
    assert "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi" in overdue[0]["responsible"]
    rows = _xlsx(site / "keputusan" / "keputusan-melewati-tenggat.xlsx")
    assert rows[0][:3] == ["decision_id", "agency_code", "agency"] and len(rows) == 1 + 8
    english = _csv(site / "en" / "keputusan" / "keputusan.csv")
    assert english[0]["page"].startswith("/en/keputusan/")
    html = (site / "keputusan" / "index.html").read_text(encoding="utf-8")
    for name in ("keputusan.csv", "keputusan.xlsx", "keputusan-melewati-tenggat.csv", "keputusan-melewati-tenggat.xlsx"):
        assert f'href="/keputusan/{name}"' in html or f'href="{name}"' in html, name


def test_performance_per_agency_matches_the_published_rows(site: Path, sample_portal) -> None:
    perf = _csv(sample_portal.output / "data" / "performance.csv")
    shown = {r["agency_code"]: r for r in _csv(site / "kinerja" / "kinerja-per-instansi.csv")}
    mine = [r for r in perf if r["agency_code"] == "bpjs-kesehatan" and r["period"] == "2026-10"]
    row = shown["bpjs-kesehatan"]
    assert row["period"] == "2026-10" and row["data"] == "accepted"
    assert int(row["applications_received"]) == sum(int(r["applications_received"]) for r in mine) == 1397
    assert row["ikm"] == "84.71" and row["ikm_grade"] == "B"
    # Its October file was rejected: the row says so instead of a dash.
    assert shown["bpprd"]["data"] == "rejected" and shown["bpprd"]["applications_received"] == ""
    assert len(_xlsx(site / "kinerja" / "kinerja-per-instansi.xlsx")) == 1 + len(shown)
    html = (site / "kinerja" / "index.html").read_text(encoding="utf-8")
    assert 'class="meta reason">(<a href="' in html


def test_compliance_matrix_download_holds_every_cell(site: Path) -> None:
    rows = _csv(site / "kepatuhan" / "kepatuhan.csv")
    months = sorted({r["period"] for r in rows})
    agencies = {r["agency_code"] for r in rows}
    assert len(months) == 12 and len(rows) == len(agencies) * 12 * 3
    cell = next(r for r in rows if (r["period"], r["agency_code"], r["table"]) == ("2026-10", "bpprd", "performance"))
    assert cell["state"] == "rejected" and cell["received_at"].startswith("2026-11-02T09:40")
