"""Issue 9 without the web service: receipt-log warnings, ``receive``, ``status``, misplaced files on the agency's page.

Every test runs the real CLI in a subprocess on a small real datasets folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from pipeline.validate.schemas import CONTRACT
from tests.run_support import cli, publish_cmd, run, small_datasets
from tests.validate_helpers import agenda_row, csv_text, perf_row, write_table

PERF = "submissions/2026-10/disdukcapil/performance.csv"


def _with_log(ds: Path, lines: str = "") -> Path:
    toml = ds / "portal.toml"
    toml.write_text('receipts = "receipts.csv"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    (ds / "receipts.csv").write_text("file,sha256,received_at\n" + lines, encoding="utf-8")
    return ds


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store_versions(out: Path, key: tuple[str, str, str]) -> list[dict[str, object]]:
    index = json.loads((out / "store" / "index.json").read_text(encoding="utf-8"))
    return sorted((v for v in index["versions"] if (v["period"], v["agency"], v["table"]) == key),
                  key=lambda v: v["revision"])


@pytest.fixture()
def ds(tmp_path: Path) -> Path:
    return _with_log(small_datasets(tmp_path))


def test_a_time_that_is_no_iso_time_is_a_warning_not_a_stop(ds: Path, tmp_path: Path) -> None:
    sha = _sha(ds / PERF)
    (ds / "receipts.csv").write_text(f"file,sha256,received_at\n{PERF},{sha},08/11/2026 09:00\n", encoding="utf-8")
    done = run(publish_cmd(ds, tmp_path / "out", "--no-site", "--now", "2026-11-20T10:00:00"))
    assert done.returncode == 0, done.stderr
    assert "receipts.csv baris 2: received_at '08/11/2026 09:00' bukan waktu ISO" in done.stderr
    # The file counts as received when publish first saw it.
    [version] = _store_versions(tmp_path / "out", ("2026-10", "disdukcapil", "performance"))
    assert version["received_at"] == "2026-11-20T10:00:00+07:00"


def test_lines_matching_no_file_or_no_version_are_warnings(ds: Path, tmp_path: Path) -> None:
    sha = _sha(ds / PERF)
    lines = (f"submissions/2026-10/disdukcapil/performa.csv,{sha},2026-11-05T09:00:00+07:00\n"
             f"{PERF},{'0' * 64},2026-11-05T09:00:00+07:00\n"
             f"{PERF},{sha},2026-11-06T09:00:00+07:00\n")
    (ds / "receipts.csv").write_text("file,sha256,received_at\n" + lines, encoding="utf-8")
    done = run(publish_cmd(ds, tmp_path / "out", "--no-site", "--now", "2026-11-20T10:00:00"))
    assert done.returncode == 0, done.stderr
    assert ("line 2: 2026-10/disdukcapil/performa.csv matches no received file") in done.stderr
    assert "line 3: SHA-256 000000000000… matches no version of 2026-10/disdukcapil/performance.csv" in done.stderr
    assert "line 4" not in done.stderr
    [version] = _store_versions(tmp_path / "out", ("2026-10", "disdukcapil", "performance"))
    assert version["received_at"] == "2026-11-06T09:00:00+07:00"


def test_a_receipt_before_the_earlier_revision_is_a_warning_and_does_not_count(ds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _sha(ds / PERF)
    (ds / "receipts.csv").write_text(f"file,sha256,received_at\n{PERF},{first},2026-11-05T09:00:00+07:00\n",
                                     encoding="utf-8")
    assert run(publish_cmd(ds, out, "--no-site", "--now", "2026-11-06T10:00:00")).returncode == 0
    write_table(ds, "performance", [perf_row(applications_received="1300")])
    second = _sha(ds / PERF)
    with (ds / "receipts.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{PERF},{second},2026-11-01T08:00:00+07:00\n")
    done = run(publish_cmd(ds, out, "--no-site", "--now", "2026-11-12T10:00:00"))
    assert done.returncode == 0, done.stderr
    assert ("line 3: 2026-10/disdukcapil/performance.csv revision 2 is logged as received "
            "2026-11-01T08:00:00+07:00, before the earlier revision (2026-11-05T09:00:00+07:00); line ignored"
            ) in done.stderr
    versions = _store_versions(out, ("2026-10", "disdukcapil", "performance"))
    assert [v["received_at"] for v in versions] == ["2026-11-05T09:00:00+07:00", "2026-11-12T10:00:00+07:00"]


def _receive(ds: Path, out: Path, file: Path, *extra: str):
    return run(cli("receive", str(file), "--datasets", str(ds), "--output", str(out), *extra))


def test_receive_recognises_the_table_places_the_file_and_logs_its_receipt(ds: Path, tmp_path: Path) -> None:
    sent = tmp_path / "Agenda Oktober (1).csv"
    sent.write_text(csv_text([agenda_row(agenda_id="AGD-9", participants="dpmptsp")], list(CONTRACT["agendas"])),
                    encoding="utf-8")
    done = _receive(ds, tmp_path / "out", sent, "--agency", "dpmptsp", "--period", "2026-10",
                    "--received-at", "2026-11-08T14:30")
    assert done.returncode == 0, done.stderr
    placed = ds / "submissions/2026-10/dpmptsp/agendas.csv"
    assert placed.read_bytes() == sent.read_bytes()
    sha = hashlib.sha256(sent.read_bytes()).hexdigest()
    assert (ds / "receipts.csv").read_text(encoding="utf-8").splitlines()[-1] == (
        f"submissions/2026-10/dpmptsp/agendas.csv,{sha},2026-11-08T14:30:00+07:00")
    assert f"SHA-256: {sha}" in done.stdout and "DITERIMA / ACCEPTED" in done.stdout
    # The next publish takes the logged time as the receipt time.
    assert run(publish_cmd(ds, tmp_path / "out", "--no-site")).returncode == 0
    [version] = _store_versions(tmp_path / "out", ("2026-10", "dpmptsp", "agendas"))
    assert version["received_at"] == "2026-11-08T14:30:00+07:00"


def test_receive_replaces_the_other_format_and_reports_a_rejection(ds: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(list(CONTRACT["performance"]))
    book.active.append([perf_row()[c] for c in CONTRACT["performance"]][:3] + ["banyak"])
    sent = tmp_path / "kinerja.xlsx"
    book.save(sent)
    done = _receive(ds, tmp_path / "out", sent, "--agency", "disdukcapil", "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    assert "DITOLAK / REJECTED" in done.stdout
    folder = ds / "submissions/2026-10/disdukcapil"
    assert (folder / "performance.xlsx").read_bytes() == sent.read_bytes()
    assert not (folder / "performance.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--agency", "../../etc", "--period", "2026-10"), "unknown agency"),
    (("--agency", "nobody", "--period", "2026-10"), "unknown agency"),
    (("--agency", "dpmptsp", "--period", "2026-13"), "must be YEAR-MONTH"),
])
def test_receive_refuses_an_unknown_agency_or_period(ds: Path, tmp_path: Path, args: tuple[str, ...],
                                                     message: str) -> None:
    sent = tmp_path / "x.csv"
    sent.write_text(csv_text([agenda_row()], list(CONTRACT["agendas"])), encoding="utf-8")
    done = _receive(ds, tmp_path / "out", sent, *args)
    assert done.returncode in (1, 2) and message in (done.stderr + done.stdout)
    assert "Traceback" not in done.stderr
    assert not list((ds / "submissions").glob("*/*/x.csv")) and not (tmp_path / "etc").exists()


def test_receive_asks_for_the_table_when_the_header_names_none(ds: Path, tmp_path: Path) -> None:
    sent = tmp_path / "x.csv"
    sent.write_text("a,b\n1,2\n", encoding="utf-8")
    done = _receive(ds, tmp_path / "out", sent, "--agency", "dpmptsp", "--period", "2026-10")
    assert done.returncode == 1 and "give --table" in done.stderr


def test_status_lists_each_table_and_whom_to_chase(ds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    log = "file,sha256,received_at\n"
    for table in ("agendas", "decisions"):
        rel = f"submissions/2026-10/disdukcapil/{table}.csv"
        log += f"{rel},{_sha(ds / rel)},2026-11-09T16:00:00+07:00\n"
    log += f"{PERF},{_sha(ds / PERF)},2026-11-12T09:00:00+07:00\n"
    (ds / "receipts.csv").write_text(log, encoding="utf-8")
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
    # After the publish: dpmptsp sends a rejected agendas file (not yet published).
    write_table(ds, "agendas", [agenda_row(date="2026-13-40")], agency="dpmptsp")
    done = run(cli("status", "--period", "2026-10", "--as-of", "2026-11-28", "--datasets", str(ds),
                   "--output", str(out)))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Batas waktu / Deadline: 2026-11-10 (lewat 18 hari / 18 days past)" in text
    lines = text.splitlines()
    block = lines[lines.index("disdukcapil  Dinas Kependudukan dan Pencatatan Sipil") + 1:][:3]
    assert block[0].split() [:4] == ["agendas", "diterima", "/", "accepted,"]
    assert "2026-11-12 09:00, TERLAMBAT / LATE" in block[2]
    chase = text.split("Perlu dihubungi / To chase: ")[1].splitlines()
    assert chase[0] == "4"
    assert "  disdukcapil: performance terlambat / late" in chase
    # Its performance file was not in the log: received when publish first saw it (today), late.
    assert ("  dpmptsp: agendas ditolak / rejected, decisions belum dikirim / not received, "
            "performance terlambat / late") in chase
    assert any(line.startswith("  bpjs-kesehatan: agendas belum dikirim") for line in chase)
    # kantor-pajak joined in June 2026: it owes October too.
    assert any(line.startswith("  kantor-pajak: agendas belum dikirim") for line in chase)


def test_a_misplaced_file_reaches_the_agency_page(ds: Path, tmp_path: Path) -> None:
    folder = ds / "submissions/2026-10/dpmptsp"
    (folder / "Performance (1).xlsx").write_bytes(b"PK")
    (ds / "submissions/2026-09/dpmptsp/Kantah").mkdir(parents=True)
    out = tmp_path / "out"
    done = run(publish_cmd(ds, out, "--no-site"))
    assert done.returncode == 0, done.stderr
    page = (out / "feedback/2026-10/dpmptsp/index.html").read_text(encoding="utf-8")
    assert "submissions/2026-10/dpmptsp/Performance (1).xlsx" in page
    assert "Berkas yang salah nama atau salah tempat di folder instansi" in page
    # A month where the folder holds nothing else still gets its page.
    alone = (out / "feedback/2026-09/dpmptsp/index.html").read_text(encoding="utf-8")
    assert "submissions/2026-09/dpmptsp/Kantah" in alone
    # The other agency's page does not show it.
    other = (out / "feedback/2026-10/disdukcapil/index.html").read_text(encoding="utf-8")
    assert "Performance (1)" not in other
    assert ("PERLU TINDAKAN / NEEDS ACTION - berkas ditolak atau salah tempat sejak 2026-10 / file rejected or "
            "misplaced since 2026-10: dpmptsp") in done.stdout


def test_validate_names_agencies_that_sent_nothing_without_failing(ds: Path, tmp_path: Path) -> None:
    done = run(cli("validate", "--datasets", str(ds), "--output", str(tmp_path / "out")))
    assert done.returncode == 0, done.stderr
    assert "SEMUA BERKAS DITERIMA / ALL FILES ACCEPTED" in done.stdout
    needs = [line for line in done.stdout.splitlines() if line.startswith("PERLU TINDAKAN")]
    assert len(needs) == 1 and "bpjs-kesehatan (agendas, decisions, performance)" in needs[0]


def test_submissions_csv_is_unchanged_by_the_log_check(ds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
    rows = list(csv.DictReader(io.StringIO((out / "data/submissions.csv").read_text(encoding="utf-8"))))
    assert {r["status"] for r in rows if r["agency_code"] == "disdukcapil" and r["period"] == "2026-10"} == {"accepted"}
