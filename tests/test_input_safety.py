"""Only regular files inside the datasets folder are read: links and special files never are.

Real symbolic links, a real FIFO and a link to /dev/zero; the commands that could hang
run in a subprocess with a timeout, so that a regression fails instead of hanging.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from stat import S_ISDIR

import pytest
from validate_helpers import REPO, csv_text, flat, make_datasets, perf_row, run, write_table

from pipeline.core import safe_open
from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError
from pipeline.validate.layout import MAX_LAYOUT_ERRORS
from pipeline.validate.reference import load_reference
from pipeline.validate.schemas import CONTRACT, load_schemas

PERF_FILE = "submissions/2026-10/disdukcapil/performance.csv"
SECRET = "RAHASIA-DI-LUAR-DATASETS-7731"


@pytest.fixture()
def ds(tmp_path: Path) -> Path:
    return make_datasets(tmp_path)


def good_csv(**kw: str) -> bytes:
    return csv_text([perf_row(**kw)], list(CONTRACT["performance"])).encode()


def secret_file(tmp_path: Path) -> Path:
    """A valid performance file outside the datasets folder, carrying a marker in its notes."""
    path = tmp_path / "elsewhere" / "performance.csv"
    path.parent.mkdir()
    path.write_bytes(good_csv(notes=SECRET))
    return path


def layout(report, variant_word: str) -> None:
    """A rejected layout report whose one error is a layout-error naming the path."""
    assert report.table is None and report.status == "rejected"
    assert flat(report.errors) == [("layout-error", None, None)]
    assert variant_word in report.errors[0].message.en


def validate_cli(ds: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "--datasets", str(ds),
         "--output", str(ds.parent / "out"), *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )


# --- links under submissions/ ----------------------------------------------------------------

def test_a_file_linked_to_etc_passwd_is_a_layout_error_never_read(ds):
    target = ds / "submissions" / "2026-10" / "disdukcapil"
    target.mkdir(parents=True)
    (target / "performance.csv").symlink_to("/etc/passwd")
    reports = run(ds)
    assert list(reports) == [PERF_FILE]
    layout(reports[PERF_FILE], "symbolic link")
    assert reports[PERF_FILE].errors[0].value == "performance.csv"
    assert "root:" not in json.dumps([r.to_json() for r in reports.values()])


def test_a_file_linked_to_a_valid_file_elsewhere_is_refused(ds, tmp_path):
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    (folder / "performance.csv").symlink_to(secret_file(tmp_path))
    report = run(ds)[PERF_FILE]
    layout(report, "symbolic link")
    assert report.rows is None and report.sha256 is None


def test_a_link_to_another_file_inside_datasets_is_refused_too(ds):
    """Links are refused whatever they point to: a link inside the folder is still a link."""
    write_table(ds, "performance", [perf_row(period="2026-09")], period="2026-09")
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    (folder / "performance.csv").symlink_to("../../2026-09/disdukcapil/performance.csv")
    reports = run(ds)
    assert reports["submissions/2026-09/disdukcapil/performance.csv"].accepted
    layout(reports[PERF_FILE], "symbolic link")


def test_a_hard_link_to_a_file_elsewhere_is_refused(ds, tmp_path):
    """A hard link is no symbolic link: the same file under a second name, maybe /etc/shadow's."""
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    os.link(secret_file(tmp_path), folder / "performance.csv")
    report = run(ds)[PERF_FILE]
    assert report.status == "rejected" and [e.code for e in report.errors] == ["layout-error"]
    assert "hard link" in report.errors[0].message.en and report.rows is None
    assert "SECRET" not in json.dumps(report.to_json())


def test_a_hard_linked_configuration_file_is_a_config_error(ds, tmp_path):
    os.link(ds / "reference" / "agencies.csv", tmp_path / "agencies-backup.csv")
    with pytest.raises(ConfigError) as caught:
        load_reference(load_portal(ds, tmp_path / "out"), load_schemas(ds))
    assert any("agencies.csv" in p and "hard link" in p for p in caught.value.problems)


def test_a_linked_agency_folder_is_refused(ds, tmp_path):
    outside = secret_file(tmp_path).parent
    (ds / "submissions" / "2026-10").mkdir(parents=True)
    (ds / "submissions" / "2026-10" / "disdukcapil").symlink_to(outside, target_is_directory=True)
    reports = run(ds)
    assert list(reports) == ["submissions/2026-10/disdukcapil"]
    layout(reports["submissions/2026-10/disdukcapil"], "symbolic link")
    assert reports["submissions/2026-10/disdukcapil"].period == "2026-10"


def test_a_linked_period_folder_is_refused(ds, tmp_path):
    outside = tmp_path / "period"
    (outside / "disdukcapil").mkdir(parents=True)
    (outside / "disdukcapil" / "performance.csv").write_bytes(good_csv(notes=SECRET))
    (ds / "submissions" / "2026-10").symlink_to(outside, target_is_directory=True)
    reports = run(ds)
    assert list(reports) == ["submissions/2026-10"]
    layout(reports["submissions/2026-10"], "symbolic link")


def test_a_linked_submissions_folder_is_refused(ds, tmp_path):
    outside = tmp_path / "subs"
    (outside / "2026-10" / "disdukcapil").mkdir(parents=True)
    (outside / "2026-10" / "disdukcapil" / "performance.csv").write_bytes(good_csv(notes=SECRET))
    (ds / "submissions").rmdir()
    (ds / "submissions").symlink_to(outside, target_is_directory=True)
    reports = run(ds)
    assert list(reports) == ["submissions"]
    layout(reports["submissions"], "symbolic link")


def test_a_link_named_like_a_hidden_file_is_ignored_like_any_hidden_file(ds):
    write_table(ds, "performance", [perf_row()])
    (ds / "submissions" / "2026-10" / "disdukcapil" / ".~lock.performance.csv#").symlink_to("/etc/passwd")
    assert [r.status for r in run(ds).values()] == ["accepted"]


def test_the_datasets_root_itself_may_be_a_link_chosen_by_the_operator(ds, tmp_path):
    write_table(ds, "performance", [perf_row()])
    link = tmp_path / "current"
    link.symlink_to(ds, target_is_directory=True)
    reports = run(link)
    assert reports[PERF_FILE].accepted


# --- special files: they would hang a reader ---------------------------------------------------

def test_a_fifo_is_a_layout_error_and_validate_does_not_hang(ds):
    write_table(ds, "performance", [perf_row()])
    fifo = ds / "submissions" / "2026-10" / "disdukcapil" / "agendas.csv"
    os.mkfifo(fifo)
    result = validate_cli(ds, "--json", timeout=60)  # TimeoutExpired is the regression
    assert result.returncode == 1, result.stderr
    reports = {r["file"]: r for r in json.loads(result.stdout)}
    assert reports[PERF_FILE]["status"] == "accepted"
    fifo_report = reports["submissions/2026-10/disdukcapil/agendas.csv"]
    assert [e["code"] for e in fifo_report["errors"]] == ["layout-error"]
    assert "pipe, a device or a socket" in fifo_report["errors"][0]["message"]["en"]
    assert "pipa, perangkat, atau soket" in fifo_report["errors"][0]["message"]["id"]


def test_a_link_to_dev_zero_is_refused_and_validate_does_not_hang(ds):
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    (folder / "performance.csv").symlink_to("/dev/zero")
    result = validate_cli(ds, "--json", timeout=60)
    assert result.returncode == 1, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["file"] == PERF_FILE and report["errors"][0]["code"] == "layout-error"
    assert "symbolic link" in report["errors"][0]["message"]["en"]


def test_a_fifo_as_a_period_folder_entry_or_a_socket_is_not_regular(ds):
    import socket

    (ds / "submissions" / "2026-10").mkdir()
    os.mkfifo(ds / "submissions" / "2026-10" / "disdukcapil")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(ds / "submissions" / "2026-09"))
        reports = run(ds)
    finally:
        sock.close()
    layout(reports["submissions/2026-10/disdukcapil"], "not an ordinary file")
    layout(reports["submissions/2026-09"], "not an ordinary file")


# --- the checks hold at open time, whatever happened since the folder was listed ----------------

def _pretend_regular(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every lstat say "regular file": as if the path were swapped just after it was checked."""
    real = os.stat
    regular = real(__file__)

    def stat(path, *args, **kwargs):
        found = real(path, *args, **kwargs)
        return found if S_ISDIR(found.st_mode) else regular

    monkeypatch.setattr(os, "stat", stat)


def test_a_file_swapped_for_a_link_after_the_lstat_is_still_refused(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.csv").symlink_to("/etc/passwd")
    _pretend_regular(monkeypatch)
    with pytest.raises(safe_open.Refused) as caught:
        safe_open.read_bytes(tmp_path, "a/f.csv", 1000)
    assert caught.value.reason == safe_open.SYMLINK  # O_NOFOLLOW refused it


def test_a_file_swapped_for_a_fifo_after_the_lstat_is_refused_without_blocking(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "f.csv")
    _pretend_regular(monkeypatch)
    with pytest.raises(safe_open.Refused) as caught:  # O_NONBLOCK opens it, fstat refuses it
        safe_open.read_limited(tmp_path, "f.csv", 1000)
    assert caught.value.reason == safe_open.NOT_REGULAR


def test_a_linked_folder_in_the_middle_of_a_path_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f.csv").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(safe_open.Refused) as caught:
        safe_open.read_bytes(tmp_path, "link/f.csv", 1000)
    assert caught.value.rel == "link"


def test_a_folder_listed_below_an_open_folder_is_listed_as_from_the_root_and_a_link_refused(tmp_path):
    """``entries_at`` (the agency folders below an open period folder) lists what ``entries`` lists, and
    refuses a linked folder, naming it, as a walk from the root does."""
    (tmp_path / "p" / "a").mkdir(parents=True)
    for name in ("z.csv", "b.xlsx", ".hidden"):
        (tmp_path / "p" / "a" / name).write_bytes(b"x")
    (tmp_path / "p" / "a" / "sub").mkdir()
    (tmp_path / "p" / "a" / "l.csv").symlink_to("/etc/passwd")
    (tmp_path / "p" / "linked").symlink_to(tmp_path / "p" / "a", target_is_directory=True)
    with safe_open.open_dir(tmp_path, "p") as fd:
        assert safe_open.entries_at(fd, "a", "p/a") == safe_open.entries(tmp_path, "p/a")
        assert safe_open.listing(fd) == safe_open.entries(tmp_path, "p")
        with pytest.raises(safe_open.Refused) as caught:
            safe_open.entries_at(fd, "linked", "p/linked")
    assert caught.value.rel == "p/linked" and caught.value.reason == safe_open.SYMLINK
    assert ("l.csv", safe_open.LINK) in safe_open.entries(tmp_path, "p/a")


@pytest.mark.parametrize("rel", ["../etc/passwd", "/etc/passwd", "a/../../x", ""])
def test_paths_leaving_the_root_are_refused(tmp_path, rel):
    with pytest.raises(safe_open.Refused):
        safe_open.read_bytes(tmp_path, rel, 1000)


def test_reads_stop_at_the_limit_plus_one_byte(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 5000)
    with pytest.raises(safe_open.TooLarge):
        safe_open.read_bytes(tmp_path, "f", 4999)
    assert safe_open.read_bytes(tmp_path, "f", 5000) == b"x" * 5000
    content = safe_open.read_limited(tmp_path, "f", 100)
    assert content.data is None and content.size == 5000
    assert content.sha256 == hashlib.sha256(b"x" * 5000).hexdigest()  # hashed whole, not kept


# --- the data officer's files: a link or special file is a configuration error -----------------

@pytest.mark.parametrize("rel", ["portal.toml", "reference/agencies.csv", "schemas/agendas.json"])
def test_a_linked_configuration_file_is_a_config_error_naming_it(ds, tmp_path, rel):
    path = ds / rel
    copy = tmp_path / "copy"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)
    with pytest.raises(ConfigError) as caught:
        portal = load_portal(ds, tmp_path / "out")
        load_reference(portal, load_schemas(ds))
    assert any(rel in p and "symbolic link" in p for p in caught.value.problems), caught.value.problems


def test_a_linked_schemas_folder_is_refused_not_replaced_by_the_projects(ds, tmp_path):
    (ds / "schemas").rename(tmp_path / "schemas")
    (ds / "schemas").symlink_to(tmp_path / "schemas", target_is_directory=True)
    with pytest.raises(ConfigError) as caught:
        load_schemas(ds)
    assert all("schemas" in p and "symbolic link" in p for p in caught.value.problems)


def test_a_fifo_as_reference_table_is_a_config_error_without_hanging(ds):
    (ds / "reference" / "services.csv").unlink()
    os.mkfifo(ds / "reference" / "services.csv")
    result = validate_cli(ds, timeout=60)
    assert result.returncode == 2
    assert "reference/services.csv" in result.stderr and "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_linked_receipts_log_is_a_config_error(ds, tmp_path):
    from pipeline.store.receipts import load_receipts

    (tmp_path / "log.csv").write_text("file,sha256,received_at\n", encoding="utf-8")
    (ds / "receipts.csv").symlink_to(tmp_path / "log.csv")
    with pytest.raises(ConfigError) as caught:
        load_receipts(ds / "receipts.csv", load_portal(ds, tmp_path / "out").tz, ds)
    assert "receipts.csv" in caught.value.problems[0] and "symbolic link" in caught.value.problems[0]


@pytest.mark.parametrize("name", ["../receipts.csv", "/etc/passwd"])
def test_a_receipts_path_outside_the_datasets_folder_is_a_config_error(ds, tmp_path, name):
    toml = ds / "portal.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[ckan]", f'receipts = "{name}"\n\n[ckan]'),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_portal(ds, tmp_path / "out")
    assert any("'receipts'" in p and "inside the datasets folder" in p for p in caught.value.problems)


# --- a folder full of strays gives a bounded report ----------------------------------------------

def test_thousands_of_stray_entries_give_100_errors_and_one_summary(ds):
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    for i in range(2500):
        (folder / f"sampah-{i:05d}.txt").write_bytes(b"")
    write_table(ds, "performance", [perf_row()])
    reports = run(ds)
    strays = [f for f, r in reports.items() if r.table is None]
    assert len(strays) == MAX_LAYOUT_ERRORS + 1 == 101
    summary = reports["submissions/2026-10/disdukcapil"]
    assert flat(summary.errors) == [("layout-error", None, None)]
    assert "2500" in summary.errors[0].message.en and "2400" in summary.errors[0].message.id
    assert reports[PERF_FILE].accepted


# --- publish: linked bytes reach neither the store nor any page ----------------------------------

def publish_cli(ds: Path, out: Path) -> subprocess.CompletedProcess:
    """A real publish (no site, no push) of ``ds``, with the published schemas it needs."""
    if not (ds / "schemas" / "published").exists():
        shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push", "--datasets", str(ds),
         "--output", str(out), "--as-of", "2026-11-28"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def test_publish_keeps_linked_bytes_out_of_the_store_and_the_pages(ds, tmp_path):
    folder = ds / "submissions" / "2026-10" / "disdukcapil"
    folder.mkdir(parents=True)
    (folder / "performance.csv").symlink_to(secret_file(tmp_path))
    (folder / "agendas.csv").symlink_to("/etc/passwd")
    out = tmp_path / "out"
    result = publish_cli(ds, out)
    assert result.returncode == 0, result.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written and not any(p.is_symlink() for p in out.rglob("*"))
    for path in written:
        data = path.read_bytes()
        assert SECRET.encode() not in data and b"root:x:0" not in data, path
    index = (out / "feedback" / "index.html").read_text(encoding="utf-8")
    assert "performance.csv" in index and "tautan (symbolic link)" in index


def test_an_oversized_file_is_recorded_in_the_store_but_its_bytes_are_not_kept(ds, tmp_path):
    big = ds / "submissions" / "2026-10" / "disdukcapil" / "performance.csv"
    big.parent.mkdir(parents=True)
    with big.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)  # the fixture's limit is 1 MB
    out = tmp_path / "out"
    result = publish_cli(ds, out)
    assert result.returncode == 0, result.stderr
    index = json.loads((out / "store" / "index.json").read_bytes())
    (version,) = index["versions"]
    assert version["status"] == "rejected" and version["file"] == PERF_FILE
    assert version["sha256"] == hashlib.sha256(bytes(3 * 1024 * 1024)).hexdigest()
    assert not (out / "store" / "files").exists() or not any((out / "store" / "files").rglob("*.csv"))
