"""A failed run never leaves the output worse: real full disks, real signals, bugs told as bugs, the run log."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.errors import PushError
from pipeline.validate import files as validate_files
from tests.run_support import (
    AS_OF,
    REPO,
    cli,
    copy_output,
    copy_with_new_month,
    env,
    fill,
    kill,
    limit_inodes,
    pages_of,
    publish_cmd,
    run,
    start,
    tmpfs,
    tree,
    wait_for,
)

INTERNAL_ID = "KESALAHAN INTERNAL / INTERNAL ERROR - ini kesalahan pada pipeline, bukan pada data"
INTERNAL_EN = "this is a bug in the pipeline, not in the data"
LEFTOVER = re.compile(r"^\..*\.(new|old|tmp)$")  # staging folders and temporary files


@pytest.fixture
def base(small_published: tuple[Path, Path]) -> tuple[Path, Path]:
    """A small datasets folder published once (site included, shared: tests/conftest.py), to copy from."""
    return small_published


@pytest.fixture
def ds(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the datasets with one more month submitted (a publish has work to do)."""
    return copy_with_new_month(base, tmp_path)


@pytest.fixture
def out(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the published output."""
    return copy_output(base, tmp_path)


@pytest.fixture
def small_disk(base: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The published output copied onto a real 16 MB tmpfs; yields (mount, output)."""
    with tmpfs(tmp_path / "mnt", "16m") as mount:
        shutil.copytree(base[1], mount / "out")
        yield mount, mount / "out"


def leftovers(out: Path) -> list[str]:
    """Staging folders and temporary files anywhere under ``out``."""
    return [p.relative_to(out).as_posix() for p in out.rglob("*") if LEFTOVER.match(p.name)]


def last_run(out: Path) -> dict:
    """The run log's last record."""
    return json.loads((out / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def assert_failed_cleanly(done: subprocess.CompletedProcess[str], out: Path, before: dict[str, bytes],
                          where: str) -> None:
    """Exit 1, the message names the real path, no traceback, nothing left behind, nothing changed."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"disk penuh / disk full: {where}" in done.stderr, done.stderr
    assert ": ?." not in done.stderr and "Traceback" not in done.stderr
    assert leftovers(out) == []
    assert tree(out, skip=("runs.jsonl",)) == before
    record = last_run(out)
    assert record["exit_code"] == 1 and where in record["error"]


# ---- disk full -------------------------------------------------------------------------


def test_disk_full_in_the_data_stage(small_disk: tuple[Path, Path], ds: Path) -> None:
    mount, out = small_disk
    before = tree(out, skip=("runs.jsonl",))
    filler = fill(mount)
    done = run(publish_cmd(ds, out))
    # The first file written (not linked: unchanged files are hard-linked) into the staged data folder
    # fails; which one depends on how much room the filler left, so the message must name a real file
    # of the staged folder, whichever it is.
    named = re.search(rf"disk penuh / disk full: ({re.escape(str(out))}/\.data\.new/[\w.]+)", done.stderr)
    assert named is not None, done.stderr
    assert_failed_cleanly(done, out, before, named.group(1))
    assert "Keluaran sebelumnya tetap utuh" in done.stderr
    filler.unlink()
    assert run(publish_cmd(ds, out)).returncode == 0  # the next run completes the work
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("free", [0, 1, 2, 3, 4])
def test_disk_full_in_the_store_commit(base: tuple[Path, Path], ds: Path, out: Path, tmp_path: Path,
                                       free: int) -> None:
    # The store on its own small filesystem: staging succeeds, the commit runs out of room.
    # Each file this commit writes takes one page, in this order: so each value of ``free``
    # makes a different write fail, and every earlier one must be undone.
    sha = hashlib.sha256((ds / "submissions/2026-09/disdukcapil/performance.csv").read_bytes()).hexdigest()
    failing = [f"files/2026-09/disdukcapil/performance/r001-{sha[:12]}.csv",
               "reports/2026-09/disdukcapil/performance/r001.json",
               "rows/2026-09/disdukcapil/performance/r001.json",
               "changelog.json", "index.json"][free]
    shutil.rmtree(out / "store")
    with tmpfs(out / "store", "1m") as store:
        shutil.copytree(base[1] / "store", store, dirs_exist_ok=True)
        filler = fill(store, free)
        before = tree(out, skip=("runs.jsonl", "store/filler"))
        done = run(publish_cmd(ds, out, "--no-site"))
        filler.unlink()
        assert_failed_cleanly(done, out, before, f"{out}/store/{failing}")
        assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
        assert (store / failing).is_file()


@pytest.mark.parametrize("command", ["build", "publish"])
def test_disk_full_in_the_site_build(small_disk: tuple[Path, Path], ds: Path, command: str) -> None:
    mount, out = small_disk
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0  # new data; the site is behind
    before = tree(out, skip=("runs.jsonl",))
    filler = fill(mount)
    args = ["--datasets", str(ds), "--output", str(out), "--as-of", AS_OF]
    done = run(cli("build", *args) if command == "build" else publish_cmd(ds, out))
    assert_failed_cleanly(done, out, before, f"{out}/.site.new/index.html")
    assert "Situs sebelumnya tetap utuh" in done.stderr
    filler.unlink()
    assert run(cli("build", *args)).returncode == 0


def _reference_site(mount: Path, out: Path, ds: Path) -> Path:
    """The site the next build will write, built once into a sibling output on the same disk."""
    assert run(publish_cmd(ds, out, "--no-site")).returncode == 0
    ref = mount / "ref"
    shutil.copytree(out, ref)
    assert run(cli("build", "--datasets", str(ds), "--output", str(ref), "--as-of", AS_OF)).returncode == 0
    return ref / "site"


def _forget_site(out: Path) -> None:
    """Remove the live site's fingerprint and leave in it what no build makes (an empty folder), so that the next
    build stages the whole site (the room left below is counted for a whole site; an incremental build, or one that
    reads an unknown live site, ``manifest.adopt``, stages only what changed)."""
    (out / "site" / ".build-fingerprint").unlink()
    (out / "site" / "kosong").mkdir()


def test_disk_full_while_the_search_index_is_written(small_disk: tuple[Path, Path], ds: Path) -> None:
    mount, out = small_disk
    ref = _reference_site(mount, out, ds)
    pages, search = pages_of(ref), pages_of(ref, inside="indeks-cari")
    shutil.rmtree(ref.parent)
    _forget_site(out)
    before = tree(out, skip=("runs.jsonl",))
    # Room for the pages and the lock file's words, and for half of the search index: each
    # language's process writes its index after its pages (both at once), so the write that
    # finds the disk full is the index's or a page's: either is named, and the live site stays.
    filler = fill(mount, pages - search + 1 + search // 2)
    done = run(cli("build", "--datasets", str(ds), "--output", str(out), "--as-of", AS_OF))
    assert_failed_cleanly(done, out, before, f"{out}/.site.new/")
    filler.unlink()


def test_no_room_left_for_the_build_fingerprint(small_disk: tuple[Path, Path], ds: Path) -> None:
    mount, out = small_disk
    ref = _reference_site(mount, out, ds)
    entries = sum(1 for _ in ref.rglob("*"))  # files and folders, the fingerprint included
    shutil.rmtree(ref.parent)
    _forget_site(out)
    before = tree(out, skip=("runs.jsonl",))
    # The staging folder and everything in it but one: the fingerprint, written last.
    limit_inodes(mount, entries)
    done = run(cli("build", "--datasets", str(ds), "--output", str(out), "--as-of", AS_OF), timeout=120)
    assert_failed_cleanly(done, out, before, f"{out}/.site.new/.build-fingerprint")
    assert "Situs sebelumnya tetap utuh" in done.stderr


# ---- killed mid-run --------------------------------------------------------------------


def test_a_publish_killed_during_the_site_build_leaves_the_previous_site_and_the_next_run_completes(
        ds: Path, out: Path, base: tuple[Path, Path]) -> None:
    site_before = tree(out / "site")
    victim = start(publish_cmd(ds, out))
    wait_for(lambda: (out / ".site.new").is_dir(), victim, "the site build starts")
    kill(victim)
    assert tree(out / "site") == site_before  # the public site never shows a half-built state
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")
    done = run(publish_cmd(ds, out))
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == []
    assert "2026-09" in (out / "site" / "data" / "performance.csv").read_text(encoding="utf-8")
    assert (out / "site" / "indeks-cari" / "id" / "meta.gz.bin").is_file()


def _site_cache_temps(out: Path) -> list[Path]:
    """Where a killed build leaves temporary files: the top of ``site-cache`` and a folder below it."""
    return [out / "site-cache" / ".agendas.rows.tmp",
            next(p for p in (out / "site-cache").rglob("*") if p.is_dir()) / ".bucket.zz9yx8w7.tmp"]


def _plant(left: list[Path], link: Path, outside: Path) -> list[Path]:
    """Half-written files at ``left`` and ``link``, a link to ``outside`` (out of the output); gives them all."""
    outside.write_text("not ours", encoding="utf-8")
    for path in left:
        path.write_bytes(b"half")
    link.symlink_to(outside)
    return [*left, link]


def _plant_temps(out: Path, outside: Path) -> list[Path]:
    """What a run killed while saving its records leaves: a temporary file in each record folder (one of them a
    link out of the output); gives them."""
    left = [out / ".runs.jsonl.k3x9q2ab.tmp", out / "store" / ".index.json.tmp",
            out / "store" / "published-rows" / ".performance.idx.11c4yobq.tmp",
            out / "store" / "validation" / ".kept.tsv.a1b2c3d4.tmp", *_site_cache_temps(out)]
    return _plant(left, out / "store" / ".tree-digests.json.q1w2e3r4.tmp", outside)


def test_the_temporary_files_of_a_run_killed_while_saving_are_removed_by_the_next_publish(
        ds: Path, out: Path, tmp_path: Path) -> None:
    # The real kill above leaves one only when it lands inside a save (timing): here every record folder holds one.
    left = _plant_temps(out, tmp_path / "outside.txt")
    kept_dir = out / "store" / ".not-a-file.tmp"
    kept_dir.mkdir()
    done = run(publish_cmd(ds, out))
    assert done.returncode == 0, done.stderr
    assert [p for p in left if os.path.lexists(p)] == []
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "not ours"  # the link removed, not followed
    assert kept_dir.is_dir()  # a folder of that name is not a writer's temporary file
    kept_dir.rmdir()
    assert leftovers(out) == []
    # With nothing new too: the check itself tidies them, before it finds nothing to do.
    left = _plant_temps(out, tmp_path / "outside.txt")
    done = run(publish_cmd(ds, out))
    assert done.returncode == 0, done.stderr
    assert "tidak ada" in done.stdout.lower() or "nothing" in done.stdout.lower(), done.stdout
    assert [p for p in left if os.path.lexists(p)] == []


def test_a_build_command_removes_the_temporary_files_a_killed_build_left_in_the_site_cache(
        ds: Path, out: Path, tmp_path: Path) -> None:
    # A build killed alone left them; no publish has run since, and the build command sweeps them itself.
    outside = tmp_path / "outside.txt"
    left = _plant(_site_cache_temps(out), out / "site-cache" / ".site-stamp.json.q1w2e3r4.tmp", outside)
    done = run(cli("build", "--datasets", str(ds), "--output", str(out), "--as-of", AS_OF))
    assert done.returncode == 0, done.stderr
    assert [p for p in left if os.path.lexists(p)] == []
    assert outside.read_text(encoding="utf-8") == "not ours"  # the link removed, not followed
    assert leftovers(out) == []


# ---- bugs are bugs ---------------------------------------------------------------------


def _explode(*args: object) -> None:
    raise RuntimeError("rule exploded")


def forget_judgements(out: Path) -> None:
    """Drop the judgements kept by earlier publishes: a real bug comes with changed code, which
    invalidates them all; a bug patched into this process alone would otherwise never run."""
    shutil.rmtree(out / "store" / "validation", ignore_errors=True)


def test_a_crash_judging_one_file_is_an_internal_error_and_everything_else_is_published(
        ds: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(validate_files.RULES, "decisions", _explode)
    forget_judgements(out)
    result = CliRunner().invoke(main, ["publish", "--no-site", "--no-push", "--datasets", str(ds),
                                       "--output", str(out), "--as-of", AS_OF])
    assert result.exit_code == 4, result.output
    assert INTERNAL_ID in result.stderr and INTERNAL_EN in result.stderr
    assert "submissions/2026-10/disdukcapil/decisions.csv: RuntimeError: rule exploded" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr and "_explode" in result.stderr
    reports = {r["file"]: r for r in json.loads((out / "reports" / "validation.json").read_bytes())}
    decisions = reports["submissions/2026-10/disdukcapil/decisions.csv"]
    assert [e["code"] for e in decisions["errors"]] == ["internal-error"]
    message = decisions["errors"][0]["message"]
    assert "bukan pada berkas Anda" in message["id"] and "tidak perlu diubah atau dikirim ulang" in message["id"]
    assert "not in your file" in message["en"] and "no need to change or resend" in message["en"]
    # Everything else published: the new month, and the decision accepted earlier stays published.
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")
    assert "KPT-1" in (out / "data" / "decisions.csv").read_text(encoding="utf-8")
    record = last_run(out)
    assert (record["exit_code"], record["accepted"], record["rejected"]) == (4, 4, 1)
    assert "rule exploded" in record["internal_errors"][0]["traceback"]
    public = [p for p in out.rglob("*") if p.is_file() and p.name != "runs.jsonl"]
    assert not [p for p in public if b"rule exploded" in p.read_bytes()]  # tracebacks stay private


def test_a_crash_judging_one_file_in_a_real_subprocess(ds: Path, out: Path) -> None:
    patch = ("import pipeline.validate.files as f\n"
             "def boom(t, ctx):\n    raise RuntimeError('agenda rule exploded')\n"
             "f.RULES['agendas'] = boom\n"
             "from pipeline.cli import main\nmain(prog_name='pipeline')\n")
    cmd = [sys.executable, "-c", patch, *publish_cmd(ds, out, "--no-site")[3:]]
    forget_judgements(out)
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env(), check=False)
    assert done.returncode == 4, done.stderr
    assert INTERNAL_ID in done.stderr and "RuntimeError: agenda rule exploded" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "Terbit / Published: 4 berkas diterima / accepted, 1 ditolak / rejected" in done.stdout
    record = last_run(out)
    assert record["exit_code"] == 4 and "agenda rule exploded" in record["internal_errors"][0]["traceback"]


def test_an_unexpected_exception_in_a_command_is_an_internal_error(
        ds: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree(out, skip=("runs.jsonl",))
    monkeypatch.setattr("pipeline.publish.run.build_tables", _explode)
    result = CliRunner().invoke(main, ["publish", "--no-push", "--datasets", str(ds), "--output", str(out),
                                       "--as-of", AS_OF])
    assert result.exit_code == 4
    assert INTERNAL_ID in result.stderr and "publish: RuntimeError: rule exploded" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr and "GAGAL" not in result.stderr
    assert tree(out, skip=("runs.jsonl",)) == before
    record = last_run(out)
    assert record["exit_code"] == 4 and "rule exploded" in record["internal_errors"][0]["traceback"]


def test_validate_reports_a_bug_with_exit_4_and_writes_nothing(
        ds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.validate.report_text.summary_text", _explode)
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["validate", "--datasets", str(ds), "--output", str(out)])
    assert result.exit_code == 4 and INTERNAL_ID in result.stderr and "Traceback" in result.stderr
    assert not out.exists()  # read-only: no lock, no run log


def test_a_file_the_system_cannot_read_is_unreadable_not_a_bug(ds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.core import incidents
    from pipeline.validate import files
    from tests.validate_helpers import run as validate

    real = files.read_file

    def refuse(root: Path, rel: str, *args: object) -> object:
        if rel.endswith("/agendas.csv"):
            raise PermissionError(13, "Permission denied", str(root / rel))
        return real(root, rel, *args)

    monkeypatch.setattr(files, "read_file", refuse)
    incidents.clear()
    report = validate(ds)["submissions/2026-10/disdukcapil/agendas.csv"]
    assert [e.code for e in report.errors] == ["unreadable-file"]
    assert "(Permission denied)" in report.errors[0].message.id
    assert incidents.collected() == []


def test_debug_shows_the_traceback_of_an_expected_failure(tmp_path: Path) -> None:
    args = ["publish", "--datasets", str(tmp_path / "missing"), "--output", str(tmp_path / "out")]
    plain = run(cli(*args))
    assert plain.returncode == 2 and "GAGAL / FAILED:" in plain.stderr and "Traceback" not in plain.stderr
    debug = run(cli("--debug", *args))
    assert debug.returncode == 2 and "GAGAL / FAILED:" in debug.stderr
    assert "Traceback (most recent call last)" in debug.stderr and "ConfigError" in debug.stderr


def test_help_lists_every_exit_code() -> None:
    text = run(cli("--help")).stdout
    for line in ("0  berhasil (validate: semua berkas diterima)",
                 "1  validate: ada berkas ditolak; atau kegagalan mesin (CKAN mati, disk penuh)",
                 "2  konfigurasi rusak", "3  proses lain sedang berjalan",
                 "4  kesalahan internal: bug pada pipeline, bukan pada data; laporkan",
                 "/ internal error: a bug in the pipeline, not in the data; report it"):
        assert line in text, line
    assert "3  proses lain sedang berjalan" in run(cli("publish", "--help")).stdout


# ---- the run log -----------------------------------------------------------------------


def test_every_publish_appends_one_line_to_the_run_log(ds: Path, out: Path) -> None:
    lines = len((out / "runs.jsonl").read_text(encoding="utf-8").splitlines())
    assert run(publish_cmd(ds, out)).returncode == 0
    assert run(publish_cmd(ds, out)).returncode == 0  # nothing new
    (ds / "portal.toml").write_text("name = [broken", encoding="utf-8")
    assert run(publish_cmd(ds, out)).returncode == 2
    records = [json.loads(x) for x in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()][lines:]
    assert len(records) == 3
    changed, same, broken = records
    iso = re.compile(r"^2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")  # the portal's zone, Asia/Jakarta
    assert iso.match(changed["started"]) and iso.match(changed["finished"])
    assert changed["started"] <= changed["finished"]
    assert {k: changed[k] for k in ("command", "exit_code", "accepted", "rejected", "tables_changed", "push")} == {
        "command": "publish", "exit_code": 0, "accepted": 5, "rejected": 0,
        "tables_changed": ["performance", "agency_ikm", "submissions", "indicators"],
        "push": "skipped"}  # agency IKM and indicators follow the data
    assert isinstance(changed["pages"], int) and changed["pages"] > 50
    assert (same["exit_code"], same["tables_changed"], same["pages"]) == (0, [], "skipped")
    assert broken["exit_code"] == 2 and "portal.toml" in broken["error"] and "accepted" not in broken


def test_run_log_lines_from_concurrent_writers_stay_whole(tmp_path: Path) -> None:
    writer = ("import sys\nfrom pathlib import Path\nfrom pipeline.runner.runlog import append_run\n"
              "for i in range(100):\n"
              "    append_run(Path(sys.argv[1]), {'writer': sys.argv[2], 'i': i, 'pad': sys.argv[2] * 30000})\n")
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(tmp_path), str(n)], cwd=REPO) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    records = [json.loads(x) for x in (tmp_path / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["writer"], r["i"]) for r in records) == sorted((str(n), i) for n in range(4) for i in range(100))


def test_a_failed_push_is_logged_with_its_message(ds: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise PushError("CKAN http://127.0.0.1:9: koneksi gagal / connection failed")

    monkeypatch.setattr("pipeline.ckan.push_portal", down)
    monkeypatch.setenv("CKAN_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["publish", "--no-site", "--datasets", str(ds), "--output", str(out),
                                       "--as-of", AS_OF])
    assert result.exit_code == 1 and "connection failed" in result.stderr
    record = last_run(out)
    assert record["push"] == {"failed": "CKAN http://127.0.0.1:9: koneksi gagal / connection failed"}
    assert record["accepted"] == 5 and record["pages"] == "skipped"
