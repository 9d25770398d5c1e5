"""No workbook the project writes holds a formula: agency text is written, and reads back, as text.

The payloads go through the real pipeline: CSV files validated by the real validate stage,
published by the real CLI (site included, which copies output/data), then every written
.xlsx is read back with openpyxl and its raw sheet XML is searched for a formula element.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell

from pipeline.core.errors import PublishError
from pipeline.publish.table_files import openpyxl_xlsx_bytes, xlsx_bytes
from tests.shared_fixture import read_only
from tests.validate_helpers import PERIOD, REPO, agenda_row, decision_row, make_datasets, perf_row, write_table

# What a hostile or careless clerk may type at the start of a free-text cell.
HYPERLINK = '=HYPERLINK("http://evil.example/f","Klik")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+SUM(1;2) rapat"
MINUS = "-2+3 tindak lanjut"
AT = "@SUM(A1:A2)"
ERROR_TEXT = "#N/A"
EQUALS = "=1+1"
PAYLOADS = (HYPERLINK, DDE, PLUS, MINUS, AT, ERROR_TEXT, EQUALS)
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s/>]")


def hostile_datasets(root: Path) -> Path:
    """A datasets folder whose agendas, decisions, performance and reference tables carry the payloads."""
    ds = make_datasets(root)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    write_table(ds, "agendas", [
        agenda_row(agenda_id="AGD-1", title=HYPERLINK, location=DDE, summary=PLUS),
        agenda_row(agenda_id="AGD-2", title=AT, location=ERROR_TEXT, summary=MINUS),
    ])
    write_table(ds, "decisions", [
        decision_row(decision_id="KPT-1", title=EQUALS, description=HYPERLINK, follow_up=DDE),
        decision_row(decision_id="KPT-2", title=MINUS, follow_up=ERROR_TEXT),
    ])
    write_table(ds, "performance", [perf_row(notes=HYPERLINK)])
    services = ds / "reference" / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace(
        '"Kartu Keluarga; surat pengantar"', '"=HYPERLINK(""http://evil.example/f"",""Klik"")"'),
        encoding="utf-8")
    agencies = ds / "reference" / "agencies.csv"
    agencies.write_text(agencies.read_text(encoding="utf-8").replace(
        "BPJS Kesehatan,Social Security Agency for Health", "BPJS Kesehatan,=1+1"), encoding="utf-8")
    # The templates are generated from the schemas, which the data officer may edit.
    schema_path = ds / "schemas" / "agendas.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][0]["description"] = HYPERLINK
    schema["fields"][0]["example"] = EQUALS
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return ds


def publish_cli(ds: Path, output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline publish`` as cron runs it (no CKAN)."""
    cmd = [sys.executable, "-m", "pipeline", "publish", "--datasets", str(ds), "--output", str(output),
           "--as-of", "2026-11-28", "--no-push", *extra]
    return subprocess.run(cmd, check=False, cwd=REPO, capture_output=True, text=True, timeout=600)


def sheet_xml(path: Path) -> dict[str, bytes]:
    """The raw worksheet XML parts of a workbook."""
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")}


def text_cells(path: Path) -> list[tuple[str, object, str]]:
    """(coordinate, value, data_type) of every non-empty cell of every sheet."""
    book = openpyxl.load_workbook(path)
    return [(f"{sheet.title}!{c.coordinate}", c.value, c.data_type)
            for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The hostile datasets published once, site included (read only)."""
    root = tmp_path_factory.mktemp("xlsx")
    ds = hostile_datasets(root)
    done = publish_cli(ds, root / "output")
    assert done.returncode == 0, done.stdout + done.stderr
    with read_only(root):
        yield root / "output"


def test_the_hostile_files_were_accepted_and_published(published: Path) -> None:
    report = json.loads((published / "reports" / "validation.json").read_text(encoding="utf-8"))
    assert {r["file"]: r["status"] for r in report} == {
        f"submissions/{PERIOD}/disdukcapil/{t}.csv": "accepted" for t in ("agendas", "decisions", "performance")
    }


@pytest.mark.parametrize("table", ["agendas", "agenda_history", "decisions", "decision_history",
                                   "performance", "services", "agencies"])
def test_every_payload_reads_back_as_the_same_text(published: Path, table: str) -> None:
    expected = {
        "agendas": {HYPERLINK, DDE, PLUS, AT, ERROR_TEXT, MINUS},
        "agenda_history": {HYPERLINK, DDE, AT, ERROR_TEXT},
        "decisions": {EQUALS, HYPERLINK, DDE, MINUS, ERROR_TEXT},
        "decision_history": {DDE, ERROR_TEXT},
        "performance": {HYPERLINK},
        "services": {HYPERLINK},
        "agencies": {EQUALS},
    }[table]
    for folder in ("data", "site/data"):
        cells = text_cells(published / folder / f"{table}.xlsx")
        found = {value for _, value, _ in cells if value in PAYLOADS}
        assert found == expected, folder
        for where, value, kind in cells:
            if value in PAYLOADS:
                assert kind == "s", (folder, where, value)


def test_no_published_or_template_workbook_holds_a_formula(published: Path) -> None:
    workbooks = sorted(published.rglob("*.xlsx"))
    names = {p.relative_to(published).as_posix() for p in workbooks}
    assert {"data/agendas.xlsx", "site/data/decisions.xlsx", "templates/agendas.xlsx",
            "site/templat/agendas.xlsx"} <= names
    for path in workbooks:
        if path.is_relative_to(published / "store"):
            continue  # the received bytes, kept privately as the agency sent them
        for part, xml in sheet_xml(path).items():
            assert not FORMULA_ELEMENT.search(xml), (path, part)
            assert b't="e"' not in xml, (path, part)
        with zipfile.ZipFile(path) as archive:
            assert "xl/calcChain.xml" not in archive.namelist()


def test_templates_keep_schema_text_as_text(published: Path) -> None:
    cells = {where: (value, kind) for where, value, kind in text_cells(published / "templates" / "agendas.xlsx")}
    assert (HYPERLINK, "s") in cells.values()
    assert (EQUALS, "s") in cells.values()


def test_plain_openpyxl_would_have_written_formulas() -> None:
    """The premise of the guard: without it openpyxl makes "=..." a formula and "#N/A" an error."""
    book = openpyxl.Workbook()
    book.active.append([HYPERLINK, ERROR_TEXT])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert FORMULA_ELEMENT.search(xml) and b't="e"' in xml


def test_a_writer_that_skips_the_text_cell_fails_instead_of_publishing(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The last check in workbook_bytes catches a formula whatever path wrote it."""
    from pipeline.core.zipfiles import workbook_bytes

    book = openpyxl.Workbook()
    book.active["B2"] = EQUALS
    with pytest.raises(PublishError, match=r"rumus|formula"):
        workbook_bytes(book)
    # A writer that binds the value and forgets to set the type back to text (openpyxl's cell-by-cell
    # path, which xlsx_bytes takes for values its direct writer leaves to openpyxl).
    monkeypatch.setattr("pipeline.publish.table_files.text_cell", lambda sheet, text: WriteOnlyCell(sheet, value=text))
    schema = {"name": "agendas", "fields": [{"name": "title", "type": "string"}]}
    with pytest.raises(PublishError, match=r"xl/worksheets/sheet1\.xml"):
        openpyxl_xlsx_bytes(schema, [{"title": HYPERLINK}])


def test_a_workbook_published_by_an_older_pipeline_is_rebuilt(tmp_path: Path) -> None:
    """An unchanged table reuses its last workbook, unless that workbook holds a formula."""
    ds = hostile_datasets(tmp_path)
    output = tmp_path / "output"
    assert publish_cli(ds, output, "--no-site").returncode == 0
    poisoned = openpyxl.Workbook()
    poisoned.active.append(["title"])
    poisoned.active.append([HYPERLINK])
    poisoned.save(output / "data" / "agendas.xlsx")
    assert FORMULA_ELEMENT.search(sheet_xml(output / "data" / "agendas.xlsx")["xl/worksheets/sheet1.xml"])
    assert publish_cli(ds, output, "--no-site").returncode == 0
    for xml in sheet_xml(output / "data" / "agendas.xlsx").values():
        assert not FORMULA_ELEMENT.search(xml)
    assert ("agendas!G2", HYPERLINK, "s") in text_cells(output / "data" / "agendas.xlsx")


def test_a_cell_longer_than_excel_allows_stops_the_publish_naming_it() -> None:
    schema = {"name": "services", "fields": [{"name": "service_code", "type": "string"},
                                             {"name": "requirements", "type": "string"}]}
    fits = "=" + "x" * 32_766
    data = xlsx_bytes(schema, [{"service_code": "ktp-el", "requirements": fits}])
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["B2"]
    assert (cell.value, cell.data_type) == (fits, "s")
    with pytest.raises(PublishError) as caught:
        xlsx_bytes(schema, [{"service_code": "a", "requirements": "ok"},
                            {"service_code": "b", "requirements": "y" * 32_768}])
    text = str(caught.value)
    assert "tabel services, baris 3, kolom requirements: teks 32768 karakter" in text
    assert "table services, row 3, field requirements" in text


def test_the_data_pages_say_csv_is_data_and_xlsx_holds_no_formula(published: Path) -> None:
    site = published / "site"
    for page in ("data/index.html", "data/agendas/index.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "Berkas CSV berisi data, bukan rumus." in text
        assert "Berkas XLSX tidak pernah memuat rumus" in text
        english = (site / "en" / page).read_text(encoding="utf-8")
        assert "The CSV files hold data, not formulas." in english
        assert "The XLSX files never contain formulas" in english


@pytest.mark.parametrize(("xml", "found"), [
    (b'<c r="A2"><f>1+1</f><v>2</v></c>', True),
    (b'<x:c r="A2"><x:f>SUM(A1)</x:f></x:c>', True),
    (b'<c r="A2"><f/></c>', True),
    (b'<c r="A2" t="e"><v>#N/A</v></c>', True),
    (b"<c r='A2' t='e'><v>#REF!</v></c>", True),
    (b'<c r="A2" s="1" t="e"><v>#DIV/0!</v></c>', True),
    # Text that spells the markup is escaped or inert: no formula, whatever the quick tests see.
    (b'<c r="A2" t="inlineStr"><is><t>t="e" and :f and &lt;f&gt;</t></is></c>', False),
    (b'<font/><c r="A2" t="n"><v>1</v></c><c r="B2" t="inlineStr"><is><t>=SUM(A1)</t></is></c>', False),
])
def test_the_formula_check_finds_formulas_and_error_cells(xml: bytes, found: bool) -> None:
    """The quick substring tests in front of the patterns never hide a formula or an error cell."""
    from pipeline.core.xlsx_cells import _has_formula
    assert _has_formula(xml) is found


@pytest.mark.parametrize(("cell", "found"), [
    (b'<c r="A9"><f>1+1</f><v>2</v></c>', True),
    (b'<c r="A9" s="1" t="e"><v>#DIV/0!</v></c>', True),
    (b'<c r="A9" t="inlineStr"><is><t>t="e" and :f and &lt;f&gt;</t></is></c>', False),
])
@pytest.mark.parametrize("block", [1, 5, 17, 1 << 20])
def test_the_formula_check_of_a_workbook_file_reads_it_in_blocks(tmp_path: Path, cell: bytes, found: bool,
                                                                 block: int) -> None:
    """A published workbook is checked from its file a block at a time: a tag cut by a block's end
    is still seen whole (the blocks are cut after their last '>')."""
    from pipeline.core.xlsx_cells import workbook_file_has_formula
    rows = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 9))
    sheet = b"<worksheet><sheetData>" + rows + b'<row r="9">' + cell + b"</row></sheetData></worksheet>"
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    assert workbook_file_has_formula(path, block) is found
    path.write_bytes(b"not a zip")
    assert workbook_file_has_formula(path, block) is True  # unreadable: never reused
