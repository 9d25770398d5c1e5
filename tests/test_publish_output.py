"""publish_data end to end on a small fixture: every output folder, determinism, atomicity."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
from frictionless import Package
from openpyxl import load_workbook

from pipeline.core.errors import PublishError
from pipeline.core.models import PUBLISHED_TABLES, FileReport, Message, Problem
from pipeline.publish import run as publish
from pipeline.runner.exitcodes import exit_code_for
from tests.publish_support import Fixture, install_fakes, make_fixture, perf_row, problem, tree_bytes
from tests.test_publish_tables import agenda, decision

AS_OF = date(2026, 11, 28)
NOW = datetime.fromisoformat("2026-11-28T06:15:00+07:00")


def populate(fx: Fixture) -> None:
    """Accepted, warned, rejected and hostile-text files, with receipts for all but one."""
    a = fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", date(2026, 10, 2))])
    fx.receipt(a.file, a.sha256, "2026-10-05T09:00:00+07:00")
    d = fx.put("2026-09", "disdukcapil", "decisions", [decision("D-1", "open", date(2026, 10, 31))])
    fx.receipt(d.file, d.sha256, "2026-10-11T09:00:00+07:00")
    fx.put("2026-09", "disdukcapil", "performance",
           [perf_row("2026-09", "disdukcapil", "ktp", ["3.5"] * 8 + ["3.8"])],
           warnings=[problem("avg-wait-high", 2, "avg_wait_minutes", "500", "G2")])
    fx.put("2026-10", "disdukcapil", "performance", None, status="rejected", content=b"x;y\n",
           errors=[problem("type-error", 3, "u3", "<script>alert(1)</script>", "P3")])
    fx.reports["submissions/2026-13"] = FileReport(  # a layout error: no period, agency or table
        "submissions/2026-13", None, None, None, "rejected",
        [Problem("layout-error", Message("Folder <2026-13> salah", "Folder <2026-13> is wrong"))])


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fixture, dict[str, bytes], dict[str, bytes]]]:
    """Two publishes of the same input: the output after each."""
    fx = make_fixture(tmp_path_factory.mktemp("publish"))
    with pytest.MonkeyPatch.context() as mp:
        install_fakes(fx, mp)
        populate(fx)
        publish.publish_data(fx.portal, AS_OF, NOW)
        first = tree_bytes(fx.output)
        publish.publish_data(fx.portal, AS_OF, datetime.fromisoformat("2026-11-29T06:15:00+07:00"))
        yield fx, first, tree_bytes(fx.output)


def test_every_output_folder_is_written(published: Any) -> None:
    fx, first, _ = published
    tops = {k.split("/")[0] for k in first}
    assert tops == {"data", "reports", "feedback", "templates", "store"}
    for name in PUBLISHED_TABLES:
        assert {f"data/{name}.{ext}" for ext in ("csv", "json", "xlsx")} <= set(first)
    assert {"data/datapackage.json", "data/datapackage.zip", "data/changelog.json",
            "reports/validation.json", "feedback/index.html"} <= set(first)
    assert not [k for k in first if "/." in k or k.startswith(".")]  # no staging left-overs


def test_second_publish_with_nothing_new_changes_no_byte(published: Any) -> None:
    _, first, second = published
    assert second == first


def test_second_publish_validates_against_the_store(published: Any) -> None:
    fx, _, _ = published
    assert fx.calls[0] is not None and fx.calls[0]("disdukcapil", "2026-10") == set()
    assert fx.calls[1]("disdukcapil", "2026-10") == {"A-1"}


def test_datapackage_passes_frictionless_validate_cli(published: Any) -> None:
    fx, _, _ = published
    cli = Path(sys.executable).with_name("frictionless")
    done = subprocess.run([str(cli), "validate", "--json", str(fx.output / "data" / "datapackage.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert json.loads(done.stdout)["valid"] is True


def test_datapackage_descriptor_carries_titles_hashes_and_licence(published: Any) -> None:
    fx, first, _ = published
    package = json.loads(first["data/datapackage.json"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["title"] and package["title_en"]
    assert [r["name"] for r in package["resources"]] == list(PUBLISHED_TABLES)
    for resource in package["resources"]:
        data = first[f"data/{resource['path']}"]
        assert resource["bytes"] == len(data) and resource["hash"].startswith("sha256:")
        schema = resource["schema"]
        assert all(schema[k] for k in ("title", "description", "title_en", "description_en"))
        assert all(f["title"] and f["description"] and f["title_en"] and f["description_en"]
                   for f in schema["fields"])
    report = Package(str(fx.output / "data" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_zip_holds_the_package_sorted_with_fixed_times(published: Any) -> None:
    _, first, _ = published
    archive = zipfile.ZipFile(io.BytesIO(first["data/datapackage.zip"]))
    names = archive.namelist()
    assert names == sorted(names) and "datapackage.json" in names and "submissions.csv" in names
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert archive.read("performance.csv") == first["data/performance.csv"]


def test_csv_is_utf8_lf_without_bom_and_json_is_typed(published: Any) -> None:
    _, first, _ = published
    data = first["data/performance.csv"]
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    (row,) = json.loads(first["data/performance.json"])
    assert row["ikm"] == 88.33 and row["ikm_grade"] == "A" and row["applications_received"] == 100
    (dec,) = json.loads(first["data/decisions.json"])
    assert dec["overdue"] is True and dec["due_date"] == "2026-10-31"


def test_xlsx_tables_open_with_typed_cells(published: Any) -> None:
    _, first, _ = published
    sheet = load_workbook(io.BytesIO(first["data/agendas.xlsx"])).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("agency_code", "period", "agenda_id") and rows[1][2] == "A-1"
    assert isinstance(rows[1][3], datetime)


def test_changelog_records_the_first_publish_only(published: Any) -> None:
    _, first, _ = published
    events = json.loads(first["data/changelog.json"])
    assert len(events) == 1 and events[0]["date"] == "2026-11-28"
    assert events[0]["published_at"] == "2026-11-28T06:15:00+07:00"
    kinds = [c["change"] for c in events[0]["changes"]]
    assert kinds == ["reference", "reference", "added", "added", "added", "rejected"]
    assert events[0]["changes"][5] == {
        "change": "rejected", "file": "submissions/2026-10/disdukcapil/performance.csv", "period": "2026-10",
        "agency": "disdukcapil", "table": "performance", "revision": 1,
        "sha256": hashlib.sha256(b"x;y\n").hexdigest()}
    assert first["store/changelog.json"] == first["data/changelog.json"]


def test_submissions_use_receipts_and_first_seen(published: Any) -> None:
    _, first, _ = published
    rows = {(r["period"], r["table"]): r for r in json.loads(first["data/submissions.json"])
            if r["agency_code"] == "disdukcapil"}
    assert (rows["2026-09", "agendas"]["received_at"], rows["2026-09", "agendas"]["on_time"]) == (
        "2026-10-05T09:00:00+07:00", True)
    assert rows["2026-09", "decisions"]["on_time"] is False
    assert rows["2026-09", "performance"]["received_at"] == "2026-11-28T06:15:00+07:00"


def test_validation_report_has_contract_shape_and_cells(published: Any) -> None:
    _, first, _ = published
    reports = json.loads(first["reports/validation.json"])
    assert [r["status"] for r in reports] == ["accepted", "accepted", "accepted", "rejected", "rejected"]
    assert reports[4]["file"] == "submissions/2026-13" and reports[4]["errors"][0]["cell"] is None
    assert set(reports[3]) == {"file", "period", "agency", "table", "status", "errors", "warnings"}
    assert reports[3]["errors"][0] == {"code": "type-error", "row": 3, "field": "u3", "cell": "P3",
                                       "value": "<script>alert(1)</script>",
                                       "message": {"id": "Perbaiki u3", "en": "Fix u3"}}


class _Page(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_feedback_pages_are_escaped_bilingual_and_accessible(published: Any) -> None:
    _, first, _ = published
    pages = {k: v.decode("utf-8") for k, v in first.items() if k.startswith("feedback/")}
    assert {"feedback/index.html", "feedback/2026-09/disdukcapil/index.html",
            "feedback/2026-09/disdukcapil/performance.html", "feedback/2026-10/disdukcapil/performance.html",
            "feedback/2026-10/dpmptsp/index.html"} <= set(pages)
    bad = pages["feedback/2026-10/disdukcapil/performance.html"]
    assert "<script" not in bad and "&lt;script&gt;alert(1)&lt;/script&gt;" in bad
    assert "P3" in bad and bad.index('lang="id"') < bad.index('lang="en"') and "Ditolak" in bad
    for name, text in pages.items():
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"id\">"), name
        parser = _Page()
        parser.feed(text)
        tags = [t for t, _ in parser.tags]
        assert "script" not in tags and tags.count("table") == tags.count("caption"), name
        assert all(a.get("scope") in ("col", "row") for t, a in parser.tags if t == "th"), name
    index = pages["feedback/index.html"]
    assert "submissions/2026-13" in index and "Folder &lt;2026-13&gt; salah" in index
    assert 'href="2026-09/disdukcapil/index.html"' in index
    warned = pages["feedback/2026-09/disdukcapil/performance.html"]
    assert "G2" in warned and "Diterima" in warned


def test_agency_templates_have_headers_dropdowns_and_guide(published: Any) -> None:
    fx, first, _ = published
    schema = json.loads((fx.datasets / "schemas" / "agendas.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    assert first["templates/agendas.csv"].decode() == ",".join(names) + "\n"
    book = load_workbook(io.BytesIO(first["templates/agendas.xlsx"]))
    assert book.sheetnames == ["agendas", "Petunjuk"]
    assert list(next(book["agendas"].values)) == names
    lists = {str(dv.sqref): dv.formula1 for dv in book["agendas"].data_validations.dataValidation}
    col = "ABCDEFGHIJKLMNOP"
    assert "monitoring-evaluation" in lists[f"{col[names.index('type')]}2:{col[names.index('type')]}1000"]
    assert '"planned,held,postponed,cancelled"' == lists[f"{col[names.index('status')]}2:{col[names.index('status')]}1000"]
    guide = list(book["Petunjuk"].values)
    assert [r[0] for r in guide[1:]] == names and all(r[6] and r[7] for r in guide[1:])


def test_outputs_are_identical_from_a_fresh_output(published: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx, first, _ = published
    fx2 = Fixture(fx.datasets, tmp_path / "again", fx.reports, fx.agencies)
    install_fakes(fx2, monkeypatch)
    publish.publish_data(fx2.portal, AS_OF, NOW)
    again = tree_bytes(fx2.output)
    assert again == first


@pytest.mark.parametrize("stage", ["data_files", "feedback_files", "template_files", "build_tables"])
def test_a_failure_mid_publish_leaves_the_previous_output_intact(
        published: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    fx, first, _ = published
    out = tmp_path / "out"
    fx2 = Fixture(fx.datasets, out, dict(fx.reports), fx.agencies)
    install_fakes(fx2, monkeypatch)
    publish.publish_data(fx2.portal, AS_OF, NOW)
    before = tree_bytes(out)
    fx2.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", date(2026, 10, 9))])

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", str(out / "data" / "x"))

    monkeypatch.setattr(publish, stage, boom)
    with pytest.raises(PublishError, match="disk penuh / disk full"):
        publish.publish_data(fx2.portal, AS_OF, NOW)
    assert tree_bytes(out) == before
    monkeypatch.undo()
    install_fakes(fx2, monkeypatch)
    publish.publish_data(fx2.portal, AS_OF, NOW)  # the next run completes the work
    assert "feedback/2026-10/dpmptsp/agendas.html" in tree_bytes(out)


def test_interrupted_swap_is_recovered_by_the_next_run(published: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fx, first, _ = published
    out = tmp_path / "out"
    fx2 = Fixture(fx.datasets, out, dict(fx.reports), fx.agencies)
    install_fakes(fx2, monkeypatch)
    publish.publish_data(fx2.portal, AS_OF, NOW)
    (out / "data").rename(out / ".data.old")  # died between the two renames of a swap
    publish.publish_data(fx2.portal, AS_OF, NOW)
    assert tree_bytes(out) == first


def test_an_unwritable_output_is_a_clear_publish_error(published: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fx, _, _ = published
    out = tmp_path / "ro"
    out.mkdir()
    fx2 = Fixture(fx.datasets, out, dict(fx.reports), fx.agencies)
    install_fakes(fx2, monkeypatch)

    def denied(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("pipeline.store.journal.write_unsynced", denied)
    monkeypatch.setattr("pipeline.store.journal.write_bytes", denied)
    with pytest.raises(PublishError, match="no permission to write") as info:
        publish.publish_data(fx2.portal, AS_OF, NOW)
    assert exit_code_for(info.value) == 1 and str(out / "store" / "files") in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == []  # no staging folder, no store file left


VNU = Path(__file__).resolve().parent.parent / ".cache/node/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.mark.skipif(not VNU.is_file(), reason="vnu-jar not installed (make node-deps)")
def test_feedback_pages_pass_the_nu_html_checker(published: Any) -> None:
    fx, _, _ = published
    pages = sorted(str(p) for p in (fx.output / "feedback").rglob("*.html"))
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", *pages],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_incremental_publish_matches_a_fresh_one(published: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fx, _, _ = published
    step = Fixture(fx.datasets, tmp_path / "step", dict(fx.reports), fx.agencies)
    install_fakes(step, monkeypatch)
    publish.publish_data(step.portal, AS_OF, NOW)
    step.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", date(2026, 10, 9))])
    publish.publish_data(step.portal, AS_OF, NOW)
    fresh = Fixture(fx.datasets, tmp_path / "fresh", dict(step.reports), fx.agencies)
    install_fakes(fresh, monkeypatch)
    publish.publish_data(fresh.portal, AS_OF, NOW)
    a, b = tree_bytes(step.output / "data"), tree_bytes(fresh.output / "data")
    assert a.pop("changelog.json") != b.pop("changelog.json")  # two events against one
    assert a == b  # every table, XLSX included, is the same whether rebuilt or reused


def test_package_title_does_not_repeat_the_prefix() -> None:
    from pipeline.core.config import load_portal
    from pipeline.publish.datapackage import descriptor

    root = Path(__file__).resolve().parents[1]
    package = descriptor(load_portal(root / "datasets", root / "output"), [])
    assert package["title"] == "Data Terbuka Mal Pelayanan Publik Kota Jambi"
    assert package["title_en"] == "Open Data of the Jambi City Public Service Mall"
    from pipeline.publish.datapackage import _titled
    assert _titled("Mal Pelayanan Publik Kota Medan", "Data Terbuka") == "Data Terbuka Mal Pelayanan Publik Kota Medan"
