"""Small builders for validation tests: a datasets dir in tmp_path and agency files in it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any, Iterable

from pipeline.core.config import load_portal
from pipeline.core.models import FileReport
from pipeline.validate import validate_datasets
from pipeline.validate.schemas import CONTRACT

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "validate"
PERIOD = "2026-10"
U_GOOD = {f"u{i}": "3.2" for i in range(1, 10)}


def make_datasets(root: Path) -> Path:
    """A datasets dir: the fixture's portal.toml and reference, the project's own schemas."""
    ds = root / "ds"
    shutil.copytree(FIXTURE, ds)
    shutil.copytree(REPO / "datasets" / "schemas", ds / "schemas", ignore=shutil.ignore_patterns("published"))
    (ds / "submissions").mkdir()
    return ds


def perf_row(**kw: Any) -> dict[str, str]:
    """A valid performance row of disdukcapil for 2026-10 (override any field)."""
    row = {
        "period": PERIOD, "agency_code": "disdukcapil", "service_code": "ktp-el",
        "applications_received": "1250", "applications_completed": "1210",
        "completed_within_standard": "1175", "avg_wait_minutes": "12.5",
        "avg_service_minutes": "8.2", "complaints_received": "4", "complaints_resolved": "3",
        "survey_respondents": "150", **U_GOOD, "notes": "",
    }
    row.update({k: str(v) for k, v in kw.items()})
    return row


def agenda_row(**kw: Any) -> dict[str, str]:
    """A valid agenda row for 2026-10 (override any field)."""
    row = {
        "agenda_id": "AGD-1", "date": "2026-10-14", "start_time": "09:00", "end_time": "11:30",
        "title": "Rapat koordinasi", "type": "coordination", "participants": "disdukcapil;dpmptsp",
        "location": "Ruang rapat", "status": "held", "summary": "", "minutes_url": "",
    }
    row.update({k: str(v) for k, v in kw.items()})
    return row


def decision_row(**kw: Any) -> dict[str, str]:
    """A valid decision row for 2026-10 (override any field)."""
    row = {
        "decision_id": "KPT-1", "date": "2026-10-14", "agenda_id": "", "title": "Loket lansia",
        "description": "", "responsible": "dpmptsp", "follow_up": "Siapkan kursi",
        "due_date": "2026-11-30", "status": "open", "completed_on": "", "evidence_url": "",
    }
    row.update({k: str(v) for k, v in kw.items()})
    return row


def csv_text(rows: Iterable[dict[str, str]], columns: list[str], delimiter: str = ",") -> str:
    """CSV text with a header of ``columns`` (CRLF, as Excel writes)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buf.getvalue()


def write_table(ds: Path, table: str, rows: list[dict[str, str]], *, period: str = PERIOD,
                agency: str = "disdukcapil", columns: list[str] | None = None,
                delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """Write ``submissions/<period>/<agency>/<table>.csv``."""
    text = csv_text(rows, columns or list(CONTRACT[table]), delimiter)
    return write_raw(ds, f"{period}/{agency}/{table}.csv", text.encode(encoding))


def write_raw(ds: Path, rel: str, data: bytes) -> Path:
    """Write any bytes at ``submissions/<rel>``."""
    path = ds / "submissions" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_xlsx(ds: Path, table: str, rows: list[list[Any]], *, period: str = PERIOD,
               agency: str = "disdukcapil", name: str | None = None) -> Path:
    """Write a workbook whose first sheet holds ``rows`` (header first)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("Petunjuk").append(["ignored"])
    path = ds / "submissions" / period / agency / (name or f"{table}.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def run(ds: Path, previous: Any = None) -> dict[str, FileReport]:
    """Validate ``ds``; reports keyed by their file path."""
    portal = load_portal(ds, ds.parent / "out")
    return {r.file: r for r in validate_datasets(portal, previous)}


def report_for(ds: Path, table: str, period: str = PERIOD, agency: str = "disdukcapil",
               ext: str = "csv") -> FileReport:
    """Validate ``ds`` and return the report of one file."""
    return run(ds)[f"submissions/{period}/{agency}/{table}.{ext}"]


def flat(problems: list[Any]) -> list[tuple[str, int | None, str | None]]:
    """(code, row, field) of each problem: the shape most assertions compare."""
    return [(p.code, p.row, p.field) for p in problems]
