"""publish_data end to end on a small fixture: every output folder, determinism, atomicity."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from frictionless import Package
from openpyxl import load_workbook

from pipeline.core.errors import PublishError
from pipeline.publish import run as publish
from pipeline.runner.exitcodes import exit_code_for
from tests.checkers import require_vnu
from tests.publish_support import Fixture, Sent, agenda, decision, make_fixture, perf_row, tree_bytes
from tests.shared_fixture import read_only
from tests.test_publish_sample import STAT_RECORDS, _digests
from tests.validate_helpers import write_raw

AS_OF = date(2026, 11, 28)
NOW = datetime.fromisoformat("2026-11-28T06:15:00+07:00")
SCRIPT = "<script>alert(1)</script>"
# The published tables in the Data Package's order.
TABLES = ["agencies", "services", "performance", "agency_ikm", "agendas", "agenda_history", "decisions", "decision_history",
          "submissions", "indicators"]


def populate(fx: Fixture) -> dict[str, Sent]:
    """Accepted, warned, rejected and hostile-text files, with receipts for all but two, and a bad folder."""
    sent = {"agendas": fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-10-02")])}
    fx.receipt(sent["agendas"].file, sent["agendas"].sha256, "2026-10-05T09:00:00+07:00")
    sent["decisions"] = fx.put("2026-09", "disdukcapil", "decisions", [decision("D-1", "open", "2026-10-31")])
    fx.receipt(sent["decisions"].file, sent["decisions"].sha256, "2026-10-11T09:00:00+07:00")
    # Accepted with a warning: a wait over 8 hours (cell G2).
    sent["warned"] = fx.put("2026-09", "disdukcapil", "performance", [
        perf_row("2026-09", "disdukcapil", "ktp", ["3.5"] * 8 + ["3.8"], avg_wait_minutes="500")])
    # Rejected: markup where a survey score belongs (cell N2).
    sent["rejected"] = fx.put("2026-10", "disdukcapil", "performance", [
        perf_row("2026-10", "disdukcapil", "ktp", ["3"] * 9, u3=SCRIPT)])
    write_raw(fx.datasets, "<2026-13>/disdukcapil/performance.csv", b"x")  # a period folder that is none
    return sent


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fixture, dict[str, bytes], dict[str, bytes],
                                                                          dict[str, Sent]]]:
    """Two publishes of the same input: the output after each. Read only: tests that change files copy it."""
    fx = make_fixture(tmp_path_factory.mktemp("publish"))
    sent = populate(fx)
    publish.publish_data(fx.portal, AS_OF, NOW)
    first = tree_bytes(fx.output)
    publish.publish_data(fx.portal, AS_OF, datetime.fromisoformat("2026-11-29T06:15:00+07:00"))
    with read_only(fx.datasets, fx.output):
        yield fx, first, tree_bytes(fx.output), sent


def assert_same_output(found: dict[str, bytes], expected: dict[str, bytes]) -> None:
    """Byte for byte, but the stat-keeping records (test_publish_sample's rule): a record holds a file's
    stat only once the file is old enough (its bytes written 2 s before they were moved in, or changed
    2 s before it was read), which depends on the clock, so there only the digests both runs keep are
    compared; the feedback pages, staged beside the data files, can be that old when swapped in."""
    found, expected = dict(found), dict(expected)
    for name in STAT_RECORDS:
        mine, theirs = (_digests(name, t.pop(name, None)) for t in (found, expected))
        assert {k: v for k, v in mine.items() if k in theirs} == {k: v for k, v in theirs.items() if k in mine}
    assert found == expected


def test_every_output_folder_is_written(published: Any) -> None:
    _, first, _, _ = published
    tops = {k.split("/")[0] for k in first}
    assert tops == {"data", "reports", "feedback", "templates", "store"}
    for name in TABLES:
        assert {f"data/{name}.{ext}" for ext in ("csv", "json", "xlsx")} <= set(first)
    assert {"data/datapackage.json", "data/datapackage.zip", "data/changelog.json",
            "reports/validation.json", "feedback/index.html"} <= set(first)
    assert not [k for k in first if "/." in k or k.startswith(".")]  # no staging left-overs


def test_second_publish_with_nothing_new_changes_no_byte(published: Any) -> None:
    _, first, second, _ = published
    assert_same_output(second, first)


def test_decisions_are_judged_against_agendas_published_in_earlier_runs(tmp_path: Path) -> None:
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "held", "2026-09-14")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    fx.remove("2026-09", "disdukcapil", "agendas")  # archived away: only the store still holds A-1
    fx.put("2026-10", "disdukcapil", "decisions", [decision("D-1", "open", "2026-10-31", date="2026-10-01")])
    # Into a fresh output (no store), the agenda is unknown and the decision rejected ...
    fresh = Fixture(fx.datasets, tmp_path / "fresh")
    publish.publish_data(fresh.portal, AS_OF, NOW)
    (report,) = json.loads((fresh.output / "reports" / "validation.json").read_bytes())
    assert [(e["code"], e["field"], e["value"]) for e in report["errors"]] == [("unknown-agenda", "agenda_id", "A-1")]
    # ... into the output that published A-1 in September, it is known and the decision accepted.
    publish.publish_data(fx.portal, AS_OF, NOW)
    (report,) = json.loads((fx.output / "reports" / "validation.json").read_bytes())
    assert (report["file"], report["status"]) == ("submissions/2026-10/disdukcapil/decisions.csv", "accepted")
    assert "D-1" in (fx.output / "data" / "decisions.csv").read_text(encoding="utf-8")


def test_datapackage_passes_frictionless_validate_cli(published: Any) -> None:
    fx, _, _, _ = published
    cli = Path(sys.executable).with_name("frictionless")
    done = subprocess.run([str(cli), "validate", "--json", str(fx.output / "data" / "datapackage.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert json.loads(done.stdout)["valid"] is True


def test_datapackage_descriptor_carries_titles_hashes_and_licence(published: Any) -> None:
    fx, first, _, _ = published
    package = json.loads(first["data/datapackage.json"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["title"] and package["title_en"]
    assert [r["name"] for r in package["resources"]] == TABLES
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
    _, first, _, _ = published
    archive = zipfile.ZipFile(io.BytesIO(first["data/datapackage.zip"]))
    names = archive.namelist()
    assert names == sorted(names) and "datapackage.json" in names and "submissions.csv" in names
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert archive.read("performance.csv") == first["data/performance.csv"]


def test_csv_is_utf8_lf_without_bom_and_json_is_typed(published: Any) -> None:
    _, first, _, _ = published
    data = first["data/performance.csv"]
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    (row,) = json.loads(first["data/performance.json"])
    assert row["ikm"] == 88.33 and row["ikm_grade"] == "A" and row["applications_received"] == 100
    (dec,) = json.loads(first["data/decisions.json"])
    assert dec["overdue"] is True and dec["due_date"] == "2026-10-31"


def test_xlsx_tables_open_with_typed_cells(published: Any) -> None:
    _, first, _, _ = published
    sheet = load_workbook(io.BytesIO(first["data/agendas.xlsx"])).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("agency_code", "period", "agenda_id") and rows[1][2] == "A-1"
    assert isinstance(rows[1][3], datetime)


def test_changelog_records_the_first_publish_only(published: Any) -> None:
    _, first, _, sent = published
    events = json.loads(first["data/changelog.json"])
    assert len(events) == 1 and events[0]["date"] == "2026-11-28"
    assert events[0]["published_at"] == "2026-11-28T06:15:00+07:00"
    kinds = [c["change"] for c in events[0]["changes"]]
    assert kinds == ["reference", "reference", "added", "added", "added", "rejected"]
    assert events[0]["changes"][5] == {
        "change": "rejected", "file": "submissions/2026-10/disdukcapil/performance.csv", "period": "2026-10",
        "agency": "disdukcapil", "table": "performance", "revision": 1,
        "sha256": sent["rejected"].sha256}
    assert first["store/changelog.json"] == first["data/changelog.json"]


def test_submissions_use_receipts_and_first_seen(published: Any) -> None:
    _, first, _, _ = published
    rows = {(r["period"], r["table"]): r for r in json.loads(first["data/submissions.json"])
            if r["agency_code"] == "disdukcapil"}
    assert (rows["2026-09", "agendas"]["received_at"], rows["2026-09", "agendas"]["on_time"]) == (
        "2026-10-05T09:00:00+07:00", True)
    assert rows["2026-09", "decisions"]["on_time"] is False
    assert rows["2026-09", "performance"]["received_at"] == "2026-11-28T06:15:00+07:00"


def test_validation_report_has_contract_shape_and_cells(published: Any) -> None:
    _, first, _, _ = published
    reports = json.loads(first["reports/validation.json"])
    assert [r["status"] for r in reports] == ["accepted", "accepted", "accepted", "rejected", "rejected"]
    assert reports[4]["file"] == "submissions/<2026-13>" and reports[4]["errors"][0]["cell"] is None
    assert set(reports[3]) == {"file", "period", "agency", "table", "status", "errors", "warnings"}
    assert reports[3]["errors"] == [{
        "code": "type-error", "row": 2, "field": "u3", "cell": "N2", "value": SCRIPT,
        "message": {
            "id": 'Kolom u3 berisi "<script>alert(1)</script>", padahal harus angka. Tulis angka tanpa pemisah '
                  "ribuan, dengan titik sebagai tanda desimal, misalnya 3.45 atau 12.",
            "en": 'Column u3 contains "<script>alert(1)</script>" but must be a number. Write the number without '
                  "thousands separators, with a point as the decimal mark, for example 3.45 or 12."}}]
    assert [(w["code"], w["cell"], w["value"]) for w in reports[2]["warnings"]] == [("long-wait", "G2", "500")]


class _Page(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_feedback_pages_are_escaped_bilingual_and_accessible(published: Any) -> None:
    _, first, _, _ = published
    pages = {k: v.decode("utf-8") for k, v in first.items() if k.startswith("feedback/")}
    assert {"feedback/index.html", "feedback/2026-09/disdukcapil/index.html",
            "feedback/2026-09/disdukcapil/performance.html", "feedback/2026-10/disdukcapil/performance.html",
            "feedback/2026-10/dpmptsp/index.html"} <= set(pages)
    bad = pages["feedback/2026-10/disdukcapil/performance.html"]
    assert "<script" not in bad and "&lt;script&gt;alert(1)&lt;/script&gt;" in bad
    assert "N2" in bad and bad.index('lang="id"') < bad.index('lang="en"') and "Ditolak" in bad
    for name, text in pages.items():
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"id\">"), name
        parser = _Page()
        parser.feed(text)
        tags = [t for t, _ in parser.tags]
        assert "script" not in tags and tags.count("table") == tags.count("caption"), name
        assert all(a.get("scope") in ("col", "row") for t, a in parser.tags if t == "th"), name
    index = pages["feedback/index.html"]
    assert "submissions/&lt;2026-13&gt;" in index and "Folder periode &#34;&lt;2026-13&gt;&#34; tidak sah" in index
    assert "<2026-13>" not in index
    assert 'href="2026-09/disdukcapil/index.html"' in index
    warned = pages["feedback/2026-09/disdukcapil/performance.html"]
    assert "G2" in warned and "Diterima" in warned


def test_agency_templates_have_headers_dropdowns_and_guide(published: Any) -> None:
    fx, first, _, _ = published
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


def test_outputs_are_identical_from_a_fresh_output(published: Any, tmp_path: Path) -> None:
    fx, first, _, _ = published
    fx2 = Fixture(fx.datasets, tmp_path / "again")
    publish.publish_data(fx2.portal, AS_OF, NOW)
    again = tree_bytes(fx2.output)
    assert_same_output(again, first)


@pytest.mark.parametrize("stage", ["data_files", "feedback_files", "template_files", "build_tables"])
def test_a_failure_mid_publish_leaves_the_previous_output_intact(
        published: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    fx, _, _, _ = published
    fx2 = fx.copy(tmp_path)  # its own datasets folder: this test sends one more file
    out = fx2.output
    publish.publish_data(fx2.portal, AS_OF, NOW)
    before = tree_bytes(out)
    fx2.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", str(out / "data" / "x"))

    monkeypatch.setattr(publish, stage, boom)
    with pytest.raises(PublishError, match="disk penuh / disk full"):
        publish.publish_data(fx2.portal, AS_OF, NOW)
    assert tree_bytes(out) == before
    monkeypatch.undo()
    publish.publish_data(fx2.portal, AS_OF, NOW)  # the next run completes the work
    assert "feedback/2026-10/dpmptsp/agendas.html" in tree_bytes(out)


def test_interrupted_swap_is_recovered_by_the_next_run(published: Any, tmp_path: Path) -> None:
    fx, first, _, _ = published
    out = tmp_path / "out"
    fx2 = Fixture(fx.datasets, out)
    publish.publish_data(fx2.portal, AS_OF, NOW)
    (out / "data").rename(out / ".data.old")  # died between the two renames of a swap
    publish.publish_data(fx2.portal, AS_OF, NOW)
    assert_same_output(tree_bytes(out), first)


def test_an_unwritable_output_is_a_clear_publish_error(published: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fx, _, _, _ = published
    out = tmp_path / "ro"
    out.mkdir()
    fx2 = Fixture(fx.datasets, out)

    def denied(path: Path, data: bytes, *_: object) -> None:  # write_unsynced also takes its folders made
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("pipeline.store.journal.write_unsynced", denied)
    monkeypatch.setattr("pipeline.store.journal.write_bytes", denied)
    with pytest.raises(PublishError, match="no permission to write") as info:
        publish.publish_data(fx2.portal, AS_OF, NOW)
    assert exit_code_for(info.value) == 1 and str(out / "store" / "files") in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == []  # no staging folder, no store file left


def test_feedback_pages_pass_the_nu_html_checker(published: Any) -> None:
    vnu = require_vnu()
    fx, _, _, _ = published
    pages = sorted(str(p) for p in (fx.output / "feedback").rglob("*.html"))
    assert len(pages) > 5
    done = subprocess.run(["java", "-jar", str(vnu), "--errors-only", *pages],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_incremental_publish_matches_a_fresh_one(published: Any, tmp_path: Path) -> None:
    fx, _, _, _ = published
    step = fx.copy(tmp_path / "step")  # its own datasets folder: this test sends one more file
    publish.publish_data(step.portal, AS_OF, NOW)
    step.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    publish.publish_data(step.portal, AS_OF, NOW)
    fresh = Fixture(step.datasets, tmp_path / "fresh")
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


def test_only_changed_files_are_swapped_in_and_strays_are_removed(published: Any, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """One new file: the swap moves only the files whose bytes changed (their describing files last) and
    deletes what does not belong to the folder (a stray file, a link, a linked folder); the rest is untouched."""
    fx, _, _, _ = published
    step = fx.copy(tmp_path / "step")
    publish.publish_data(step.portal, AS_OF, NOW)
    feedback = step.output / "feedback"
    (feedback / "stray.html").write_text("x", encoding="utf-8")
    (feedback / "link.html").symlink_to(step.output / "data" / "agencies.csv")
    (feedback / "2026-09" / "linked").symlink_to(tmp_path, target_is_directory=True)
    step.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    plans: dict[str, tuple[list[str], list[str]]] = {}
    real = publish.commit_files

    def seen(staging: Path, target: Path, moves: list[str], deletes: list[str], gone: bool = False) -> None:
        plans.setdefault(target.name, (list(moves), list(deletes)))  # this run's, not the fresh one's below
        real(staging, target, moves, deletes, gone)

    monkeypatch.setattr(publish, "commit_files", seen)
    publish.publish_data(step.portal, AS_OF, NOW)
    fresh = Fixture(step.datasets, tmp_path / "fresh")
    publish.publish_data(fresh.portal, AS_OF, NOW)
    assert tree_bytes(feedback) == tree_bytes(fresh.output / "feedback")  # strays gone, new pages in
    moves, deletes = plans["feedback"]
    assert sorted(deletes) == ["2026-09/linked", "link.html", "stray.html"]
    assert "2026-10/dpmptsp/agendas.html" in moves and moves[-1] == "index.html"
    # The pages of other agencies and months did not change: they are not in the plan.
    assert "2026-09/disdukcapil/agendas.html" not in moves
    data_moves, _ = plans["data"]
    assert "agencies.csv" not in data_moves and data_moves[-2:] == ["datapackage.json", "datapackage.zip"]


def test_a_publish_dying_after_a_swap_plan_is_committed_is_completed_by_the_next_run(
        published: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan is the commit point: a run killed while moving files leaves it, and the next run finishes it."""
    fx, _, _, _ = published
    step = fx.copy(tmp_path / "step")
    publish.publish_data(step.portal, AS_OF, NOW)
    step.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    real = publish.commit_files

    def dies(staging: Path, target: Path, moves: list[str], deletes: list[str], gone: bool = False) -> None:
        if target.name == "feedback":  # the plan written, then the machine fails before any move
            (staging / ".swap-commit").write_text(json.dumps({"moves": moves, "deletes": deletes}), encoding="utf-8")
            raise OSError(28, "No space left on device", str(target / moves[0]))
        real(staging, target, moves, deletes, gone)

    monkeypatch.setattr(publish, "commit_files", dies)
    with pytest.raises(PublishError):
        publish.publish_data(step.portal, AS_OF, NOW)
    assert not (step.output / "feedback" / "2026-10" / "dpmptsp" / "agendas.html").exists()
    monkeypatch.undo()
    publish.publish_data(step.portal, AS_OF, NOW)
    fresh = Fixture(step.datasets, tmp_path / "fresh")
    publish.publish_data(fresh.portal, AS_OF, NOW)
    for folder in ("data", "feedback", "templates", "reports"):
        a, b = tree_bytes(step.output / folder), tree_bytes(fresh.output / folder)
        if folder == "data":
            assert a.pop("changelog.json") != b.pop("changelog.json")  # two events against one
        assert a == b, folder
    assert not any(p.name.endswith((".new", ".old")) for p in step.output.iterdir())  # no staging folder left
