"""A first publish forks its site child at the data stage's commit (runner/early_site.py): the site comes out as
a site child started after the data stage builds it, and a data stage or an early child that fails or dies leaves
the output as it was, the next run succeeding.

Real publishes of the small town in real interpreters; a failure is made by a patch run in that interpreter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.run_support import REPO, add_month, env, publish_cmd, run, small_datasets, tree

# What a store keeps about the output's files by their stat (inodes differ between two outputs), and the run log.
BY_STAT = ("runs.jsonl", "store/feedback-inputs.json", "store/templates-inputs.json", "store/feedback-digests.json",
           "store/feedback-pending.json", "store/templates-digests.json", "store/published-rows/files.json", "store/publish-inputs.json",
           "store/tree-digests.json", "store/output-listings.json", "store/input-listings.json",
           "site/.build-fingerprint")
NOW = ("--now", "2026-11-28T06:15:00")  # every run records the same time for the files it receives
# Off: the site child started after the data stage (its notice at the commit is never given).
NOT_EARLY = "import pipeline.runner.ahead as a\na.Ahead.told_at_commit = lambda self: None\n"


def _patched(ds: Path, out: Path, patch: str) -> subprocess.CompletedProcess[str]:
    """``publish`` in a real interpreter after ``patch`` (Python source) has run in it."""
    cmd = [sys.executable, "-c", patch + "\nfrom pipeline.cli import main\nmain(prog_name='pipeline')\n",
           *publish_cmd(ds, out, *NOW)[3:]]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env(), check=False)


def _marks(into: Path, settle: float = 0.0) -> str:
    """A patch recording the pid of the site build's process and of its parent, and the data stage's end (its records
    saved, made ``settle`` seconds longer)."""
    return (f"import os, time, pipeline.site, pipeline.publish.run as r\n"
            f"def _mark(name):\n"
            f"    open(os.path.join({str(into)!r}, name), 'w').write(f'{{os.getpid()}} {{time.time()}}')\n"
            f"_site, _remember = pipeline.site.build_site, r.remember\n"
            f"def build_site(*a, **k):\n    _mark('site'); return _site(*a, **k)\n"
            f"def remember(*a, **k):\n    _remember(*a, **k); time.sleep({settle}); _mark('data-end')\n"
            f"pipeline.site.build_site, r.remember = build_site, remember\n"
            f"import pipeline.runner.early_site as e\n_up = e._start_up\n"
            f"def _start_up(*a, **k):\n    _mark('early'); return _up(*a, **k)\n"
            f"e._start_up = _start_up\n")


def _same_output(a: Path, b: Path) -> None:
    """Two outputs hold the same files with the same bytes (but what is kept by stat), and the same kept templates."""
    assert tree(a, skip=BY_STAT) == tree(b, skip=BY_STAT)
    kept = sorted(p.relative_to(a).as_posix() for p in (a / "site-cache" / "templates").rglob("*") if p.is_file())
    assert kept and kept == sorted(p.relative_to(b).as_posix()
                                   for p in (b / "site-cache" / "templates").rglob("*") if p.is_file())


def test_a_first_publish_starts_its_site_child_before_the_data_stage_ends_and_builds_the_same_site(
        tmp_path: Path) -> None:
    ds = small_datasets(tmp_path)
    marks = tmp_path / "marks"
    marks.mkdir()
    early = _patched(ds, tmp_path / "early", _marks(marks))
    assert early.returncode == 0, early.stderr
    (early_pid, started), (site_pid, _), (_, data_end) = (
        (int(p), float(t)) for p, t in ((marks / n).read_text().split() for n in ("early", "site", "data-end")))
    assert early_pid == site_pid and started < data_end  # one child, started while the data stage still worked
    late = _patched(ds, tmp_path / "late", NOT_EARLY)
    assert late.returncode == 0, late.stderr
    assert early.stdout.replace(str(tmp_path / "early"), "OUT") == late.stdout.replace(str(tmp_path / "late"), "OUT")
    _same_output(tmp_path / "early", tmp_path / "late")


def test_a_data_stage_failing_at_its_commit_kills_the_early_site_child_and_the_next_run_succeeds(
        tmp_path: Path) -> None:
    ds = small_datasets(tmp_path)
    out = tmp_path / "out"
    # The store's commit fails once the site child was started (a full disk, say): the data stage undoes its work.
    patch = ("import errno, pipeline.store.archive as a\n"
             "def commit(self, *args, **kwargs):\n    raise OSError(errno.ENOSPC, 'disk full')\n"
             "a.Store.commit = commit\n")
    done = _patched(ds, out, patch)
    assert done.returncode != 0
    assert not (out / "site").exists() and not (out / "site-cache").exists()  # the site child wrote nothing
    assert not (out / "store" / "index.json").exists() and not (out / "data").exists()
    again = run(publish_cmd(ds, out, *NOW))
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean"
    assert run(publish_cmd(ds, clean, *NOW)).returncode == 0
    _same_output(out, clean)


def test_an_early_site_child_that_dies_before_the_word_fails_the_site_stage_and_the_next_run_completes_it(
        tmp_path: Path) -> None:
    ds = small_datasets(tmp_path)
    out = tmp_path / "out"
    patch = ("import os, signal, pipeline.runner.early_site as e\n"
             "def _start_up(*a, **k):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
             "e._start_up = _start_up\n")
    done = _patched(ds, out, patch)
    assert done.returncode == 1, done.stderr
    assert "the site stage ended without a result on signal SIGKILL" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "data").is_dir() and not (out / "site").exists()  # the data stays published
    assert json.loads((out / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])["exit_code"] == 1
    again = run(publish_cmd(ds, out, *NOW))
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean"
    assert run(publish_cmd(ds, clean, *NOW)).returncode == 0
    _same_output(out, clean)
    shutil.rmtree(clean)


def test_an_early_site_child_raising_in_its_start_fails_the_run_with_its_error(tmp_path: Path) -> None:
    ds = small_datasets(tmp_path)
    out = tmp_path / "out"
    patch = ("import pipeline.runner.early_site as e\nfrom pipeline.core.errors import SiteError\n"
             "def _start_up(*a, **k):\n    raise SiteError('site_templates/base.html: broken')\n"
             "e._start_up = _start_up\n")
    done = _patched(ds, out, patch)
    assert done.returncode == 1, done.stderr
    assert "GAGAL / FAILED: site_templates/base.html: broken" in done.stderr
    assert (out / "data").is_dir() and not (out / "site").exists() and not (out / "site-cache").exists()
    again = run(publish_cmd(ds, out, *NOW))
    assert again.returncode == 0, again.stderr


# After a first publish: the site child is started at the data stage's commit and reads ahead (early_site.read_first).
# Off: the site child started after the data stage, as a build command's (its commit notice never heard).
NOT_AHEAD = "import pipeline.runner.ahead as a\na.Ahead.heard_commit = lambda self: False\n"


def _published_twice(tmp_path: Path, *names: str) -> tuple[Path, list[Path]]:
    """The small datasets published once into one output, copied under each of ``names``; one more month then
    submitted (the next publish has work to do)."""
    ds = small_datasets(tmp_path)
    first = tmp_path / "first"
    assert run(publish_cmd(ds, first, *NOW)).returncode == 0
    outs = [tmp_path / name for name in names]
    for out in outs:
        shutil.copytree(first, out, symlinks=True)
    add_month(ds)
    return ds, outs


def _ahead_marks(into: Path) -> str:
    """``_marks`` for a publish after a first: the site child's read-ahead marked as "ahead". The data stage's
    records, saved after its commit while the site child reads ahead, take a few milliseconds on this small mall:
    made half a second longer, so that a loaded machine's late scheduling of the child forked at the commit does not
    decide the order (the fresh-clone ``make test`` of 07120cd once saw the read-ahead start 23 ms after them)."""
    return (_marks(into, settle=0.5) + "_ahead = e._read_ahead\n"
            "def _read_ahead(*a, **k):\n    _mark('ahead'); return _ahead(*a, **k)\n"
            "e._read_ahead = _read_ahead\n")


def test_a_later_publish_starts_its_site_child_at_the_data_stage_commit_and_builds_the_same_site(
        tmp_path: Path) -> None:
    ds, (ahead, late) = _published_twice(tmp_path, "ahead", "late")
    marks = tmp_path / "marks"
    marks.mkdir()
    early = _patched(ds, ahead, _ahead_marks(marks))
    assert early.returncode == 0, early.stderr
    (ahead_pid, started), (site_pid, _), (_, data_end) = (
        (int(p), float(t)) for p, t in ((marks / n).read_text().split() for n in ("ahead", "site", "data-end")))
    assert ahead_pid == site_pid and started < data_end  # one child, reading ahead while the data stage ended
    done = _patched(ds, late, NOT_AHEAD)
    assert done.returncode == 0, done.stderr
    assert early.stdout.replace(str(ahead), "OUT") == done.stdout.replace(str(late), "OUT")
    _same_output(ahead, late)


def test_what_changed_after_it_was_read_ahead_is_read_again(tmp_path: Path) -> None:
    # The live site's manifest removed by hand once the site child read it ahead: the build must not take the copy
    # it read (it keeps no page of a site it cannot vouch for, and writes every one), as one started later.
    ds, (ahead, late) = _published_twice(tmp_path, "ahead", "late")
    gone = "os.remove(os.path.join(str(a[0].output), 'site', '.build-manifest'))"
    early = _patched(ds, ahead, f"import os, pipeline.runner.early_site as e\n_ahead = e._read_ahead\n"
                                    f"def _read_ahead(*a, **k):\n    found = _ahead(*a, **k)\n    {gone}\n"
                                    f"    return found\ne._read_ahead = _read_ahead\n")
    assert early.returncode == 0, early.stderr
    done = _patched(ds, late, NOT_AHEAD + f"import os, pipeline.site as s\n_site = s.build_site\n"
                                             f"def build_site(*a, **k):\n    {gone}\n    return _site(*a, **k)\n"
                                             f"s.build_site = build_site\n")
    assert done.returncode == 0, done.stderr
    assert early.stdout.replace(str(ahead), "OUT") == done.stdout.replace(str(late), "OUT")
    assert "0 tidak berubah / " in early.stdout  # every page written again
    _same_output(ahead, late)


# Pages the new month leaves as they were (kept from the live site unless found gone), and a copied file.
_BY_HAND = ("site/agenda/disdukcapil/AGD-1/index.html", "site/en/untuk-instansi/index.html", "site/data/agencies.csv")


def test_pages_deleted_by_hand_are_written_again_by_a_site_child_that_read_the_manifest_ahead(tmp_path: Path) -> None:
    # The live manifest is read ahead, its files checked to be there as it is read: pages and a copied file deleted
    # by hand before the run are written again, as by a site child that reads everything after the data stage.
    ds, (ahead, late) = _published_twice(tmp_path, "ahead", "late")
    for out in (ahead, late):
        for rel in _BY_HAND:
            (out / rel).unlink()
    early = _patched(ds, ahead, "")
    assert early.returncode == 0, early.stderr
    done = _patched(ds, late, NOT_AHEAD)
    assert done.returncode == 0, done.stderr
    for out in (ahead, late):
        assert all((out / rel).is_file() for rel in _BY_HAND)
    _same_output(ahead, late)


def test_a_data_stage_failing_after_the_site_child_started_leaves_the_site_and_the_next_run_succeeds(
        tmp_path: Path) -> None:
    ds, (out, clean) = _published_twice(tmp_path, "out", "clean")
    before = _site_files(out)
    # The store's commit fails once the site child was started at the commit notice: the data stage undoes its work.
    patch = ("import errno, pipeline.store.archive as a\n"
             "def commit(self, *args, **kwargs):\n    raise OSError(errno.ENOSPC, 'disk full')\n"
             "a.Store.commit = commit\n")
    done = _patched(ds, out, patch)
    assert done.returncode != 0
    assert _site_files(out) == before  # the site child wrote nothing, its cache neither
    again = run(publish_cmd(ds, out, *NOW))
    assert again.returncode == 0, again.stderr
    assert run(publish_cmd(ds, clean, *NOW)).returncode == 0
    _same_output(out, clean)


def _site_files(out: Path) -> dict[str, bytes]:
    """The files of the site and of its cache, and the published data (by path under ``out``)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for name in ("site", "site-cache", "data")
            for p in sorted((out / name).rglob("*")) if p.is_file()}
