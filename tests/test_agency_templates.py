"""Each agency's own templates (issue 9): pre-filled services, drop-downs for codes, dates as dates, rules in words.

Each workbook is filled as a clerk would (with openpyxl, dates typed as dates) and judged by
the real validate stage.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.core.config import load_portal
from pipeline.publish.agency_templates import agency_kits, template_files
from pipeline.validate import load_reference
from tests.run_support import publish_cmd, run
from tests.validate_helpers import make_datasets
from tests.validate_helpers import run as run_validate


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    ds = make_datasets(tmp_path_factory.mktemp("tpl"))
    portal = load_portal(ds, ds.parent / "out")
    reference = load_reference(portal)
    return template_files(portal, agency_kits(reference.agencies.values(), reference.services.values()))


def _book(files: dict[str, bytes], name: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(files[name]))


def test_every_active_agency_gets_its_three_workbooks(files: dict[str, bytes]) -> None:
    own = sorted(name for name in files if "/" in name)
    assert own == [f"{a}/{t}.xlsx" for a in ("bpjs-kesehatan", "disdukcapil", "dpmptsp", "kantor-pajak")
                   for t in ("agendas", "decisions", "performance")]


def test_the_performance_template_lists_the_agency_services_with_drop_downs(files: dict[str, bytes]) -> None:
    sheet = _book(files, "disdukcapil/performance.xlsx")["performance"]
    rows = list(sheet.values)
    assert [r[1:3] for r in rows[1:]] == [("disdukcapil", "ktp-el"), ("disdukcapil", "kk"),
                                         ("disdukcapil", "akta-lahir")]
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["B2:B1000"] == '"disdukcapil"' and lists["C2:C1000"] == '"ktp-el,kk,akta-lahir"'


def test_date_columns_are_dates_and_the_guide_has_no_regular_expression(files: dict[str, bytes]) -> None:
    book = _book(files, "dpmptsp/agendas.xlsx")
    sheet = book["agendas"]
    assert sheet.column_dimensions["B"].number_format == "yyyy-mm-dd"  # date
    kinds = {str(dv.sqref): dv.type for dv in sheet.data_validations.dataValidation}
    assert kinds["B2:B1000"] == "date"
    for name in ("dpmptsp/agendas.xlsx", "dpmptsp/decisions.xlsx", "dpmptsp/performance.xlsx"):
        guide = list(_book(files, name)["Petunjuk"].values)[1:]
        words = " ".join(f"{r[3]} {r[4]}" for r in guide)
        assert not any(mark in words for mark in ("^", "$", "[", "]{", "\\s")), (name, words)
    agenda_id = next(r for r in list(book["Petunjuk"].values) if r[0] == "agenda_id")
    assert "huruf, angka, titik, garis bawah atau tanda hubung, tanpa spasi" in agenda_id[3]


def test_filled_templates_are_accepted_by_the_validator(files: dict[str, bytes], tmp_path: Path) -> None:
    ds = make_datasets(tmp_path)
    folder = ds / "submissions/2026-10/disdukcapil"
    folder.mkdir(parents=True)
    perf = _book(files, "disdukcapil/performance.xlsx")
    sheet = perf["performance"]
    names = [c.value for c in sheet[1]]
    for row in range(2, 5):
        values = {"period": "2026-10", "applications_received": 10, "applications_completed": 9,
                  "completed_within_standard": 8, "complaints_received": 0, "complaints_resolved": 0}
        for key, value in values.items():
            sheet.cell(row=row, column=names.index(key) + 1, value=value)
    perf.save(folder / "performance.xlsx")
    agendas = _book(files, "disdukcapil/agendas.xlsx")
    sheet = agendas["agendas"]
    names = [c.value for c in sheet[1]]
    filled = {"agenda_id": "AGD-1", "date": datetime(2026, 10, 14), "start_time": "09:00", "end_time": "11:00",
              "title": "Rapat koordinasi", "type": "coordination", "participants": "disdukcapil;dpmptsp",
              "location": "Ruang rapat", "status": "held"}
    for key, value in filled.items():
        sheet.cell(row=2, column=names.index(key) + 1, value=value)
    agendas.save(folder / "agendas.xlsx")
    reports = run_validate(ds)
    perf_report = reports["submissions/2026-10/disdukcapil/performance.xlsx"]
    agenda_report = reports["submissions/2026-10/disdukcapil/agendas.xlsx"]
    assert perf_report.accepted, perf_report.errors
    assert agenda_report.accepted, agenda_report.errors
    assert agenda_report.rows[0]["date"].isoformat() == "2026-10-14"


def test_publish_writes_them_under_templates(tmp_path: Path) -> None:
    from tests.run_support import small_datasets

    ds = small_datasets(tmp_path)
    out = tmp_path / "out"
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
    assert (out / "templates/kantor-pajak/performance.xlsx").is_file()


def test_unchanged_workbooks_are_read_back_and_changed_ones_rebuilt(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run builds no workbook; an agency whose services change gets only its own three rebuilt."""
    from pipeline.core.records import Service
    from pipeline.publish import agency_templates
    from pipeline.publish.reuse import Reuse

    portal = load_portal(make_datasets(tmp_path / "ds"), tmp_path / "out")
    reference = load_reference(portal)
    built: list[str] = []
    real = agency_templates.xlsx_template

    def counted(table: str, schema: dict, kit: agency_templates.AgencyKit | None = None) -> bytes:
        built.append(f"{kit.code if kit else '-'}/{table}")
        return real(table, schema, kit)

    monkeypatch.setattr(agency_templates, "xlsx_template", counted)

    def run(services: list[Service]) -> dict[str, bytes]:
        reuse = Reuse(portal.output, "templates")
        out = template_files(portal, agency_kits(reference.agencies.values(), services), reuse)
        for rel, data in out.items():  # what the publish puts in place before keeping the digests
            (portal.output / "templates" / rel).parent.mkdir(parents=True, exist_ok=True)
            (portal.output / "templates" / rel).write_bytes(data)
        reuse.save()
        return out

    services = list(reference.services.values())
    first = run(services)
    assert len(built) == 3 * (1 + len(agency_kits(reference.agencies.values(), services)))
    built.clear()
    assert run(services) == first and built == []
    changed = services[0].agency_code
    fewer = [s for s in services if s is not services[0]]
    again = run(fewer)
    assert built == [f"{changed}/{table}" for table in ("agendas", "decisions", "performance")]
    fresh = template_files(portal, agency_kits(reference.agencies.values(), fewer))
    assert again == fresh and again[f"{changed}/performance.xlsx"] != first[f"{changed}/performance.xlsx"]
