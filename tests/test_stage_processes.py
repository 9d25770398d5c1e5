"""publish runs the data stage and the site build each in a child process (runner/isolate.py): real
subprocesses, real signals. The site build must not sit on the data stage's memory, and a failure
in a child is told like any failure of the command, with its exit code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.models import PUBLISHED_TABLES
from tests.run_support import AS_OF, REPO, copy_output, copy_with_new_month, env, publish_cmd, run, tree

INTERNAL_ID = "KESALAHAN INTERNAL / INTERNAL ERROR"


@pytest.fixture
def ds(small_published: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the datasets with one more month submitted (a publish has work to do)."""
    return copy_with_new_month(small_published, tmp_path)


@pytest.fixture
def out(small_published: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the published output."""
    return copy_output(small_published, tmp_path)


def patched_publish(ds: Path, out: Path, patch: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``publish`` in a real interpreter after ``patch`` (Python source) has run in it."""
    cmd = [sys.executable, "-c", patch + "\nfrom pipeline.cli import main\nmain(prog_name='pipeline')\n",
           *publish_cmd(ds, out, *extra)[3:]]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env(), check=False)


def last_run(out: Path) -> dict:
    """The run log's last record."""
    return json.loads((out / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def _pids_recorded(into: Path) -> str:
    """A patch that records the pid of the process running each stage into ``into``/<stage>."""
    return (f"import os, pipeline.publish, pipeline.site\n"
            f"def _mark(name):\n"
            f"    open(os.path.join({str(into)!r}, name), 'w').write(str(os.getpid()))\n"
            f"_data, _site = pipeline.publish.publish_data, pipeline.site.build_site\n"
            f"def publish_data(*a, **k):\n    _mark('data'); return _data(*a, **k)\n"
            f"def build_site(*a, **k):\n    _mark('site'); return _site(*a, **k)\n"
            f"pipeline.publish.publish_data, pipeline.site.build_site = publish_data, build_site\n")


def test_each_stage_runs_in_its_own_process(ds: Path, out: Path, tmp_path: Path) -> None:
    done = patched_publish(ds, out, _pids_recorded(tmp_path))
    assert done.returncode == 0, done.stderr
    data, site = (int((tmp_path / name).read_text()) for name in ("data", "site"))
    command = last_run(out)["pid"]  # the run log is written by the command's own process
    assert len({data, site, command}) == 3
    # Each child's output reaches the command's stdout, in order.
    assert done.stdout.index("Terbit / Published") < done.stdout.index("Situs / site:")
    assert "2026-09" in (out / "site" / "data" / "performance.csv").read_text(encoding="utf-8")


def test_the_data_stage_runs_without_numpy_and_the_site_stage_with_it(ds: Path, out: Path, tmp_path: Path) -> None:
    # Each process that loads one of these modules writes its pid to <tmp_path>/<module> (an audit hook, inherited
    # by the forked children; nothing of the pipeline imported before the fork, as in a real run). numpy.version:
    # an import of numpy kept out is still told as one of "numpy", but none of its modules is loaded.
    watched = ("numpy.version", "pipeline.publish.run", "pipeline.site.search_index")
    patch = (f"import os, sys\n"
             f"def _hook(event, args):\n"
             f"    if event == 'import' and args[0] in {watched!r}:\n"
             f"        open(os.path.join({str(tmp_path)!r}, args[0]), 'a').write(f'{{os.getpid()}}\\n')\n"
             f"sys.addaudithook(_hook)\n")
    done = patched_publish(ds, out, patch)
    assert done.returncode == 0, done.stderr
    loaded = {name: set((tmp_path / name).read_text().split()) for name in watched if (tmp_path / name).exists()}
    data = loaded["pipeline.publish.run"]
    assert len(data) == 1 and not data & loaded.get("numpy.version", set())  # openpyxl without it, in the data child
    assert loaded["pipeline.site.search_index"] & loaded["numpy.version"]  # the site's search index loads it
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")


def test_a_site_build_that_fails_is_told_with_its_exit_code_and_the_data_stays_published(
        ds: Path, out: Path) -> None:
    patch = ("import pipeline.site\nfrom pipeline.core.errors import SiteError\n"
             "def build_site(*a, **k):\n    raise SiteError('situs rusak / site broken')\n"
             "pipeline.site.build_site = build_site\n")
    done = patched_publish(ds, out, patch)
    assert done.returncode == 1, done.stderr
    assert "GAGAL / FAILED: situs rusak / site broken" in done.stderr and "Traceback" not in done.stderr
    assert "Terbit / Published: 5 berkas diterima" in done.stdout
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")  # the data stage's work
    record = last_run(out)
    assert (record["exit_code"], record["error"], record["accepted"]) == (1, "situs rusak / site broken", 5)
    assert "pages" not in record  # the site stage never returned


def test_a_site_child_killed_by_the_kernel_is_a_failure_not_a_hang_or_a_traceback(ds: Path, out: Path) -> None:
    # What the out-of-memory killer does to the site build: SIGKILL, no answer.
    patch = ("import os, signal, pipeline.site\n"
             "def build_site(*a, **k):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
             "pipeline.site.build_site = build_site\n")
    done = patched_publish(ds, out, patch)
    assert done.returncode == 1, done.stderr
    assert ("GAGAL / FAILED: tahap site berhenti tanpa hasil karena sinyal SIGKILL, kemungkinan kehabisan memori "
            "/ the site stage ended without a result on signal SIGKILL, probably out of memory") in done.stderr
    assert "Traceback" not in done.stderr
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")
    assert last_run(out)["exit_code"] == 1
    again = run(publish_cmd(ds, out))  # the lock went with the command: the next run completes the site
    assert again.returncode == 0, again.stderr
    assert "2026-09" in (out / "site" / "data" / "performance.csv").read_text(encoding="utf-8")


def test_a_bug_in_the_site_child_is_an_internal_error_with_the_childs_traceback(ds: Path, out: Path) -> None:
    patch = ("import pipeline.site\n"
             "def exploding_site_build(*a, **k):\n    raise KeyError('no such page')\n"
             "pipeline.site.build_site = exploding_site_build\n")
    done = patched_publish(ds, out, patch)
    assert done.returncode == 4, done.stderr
    assert INTERNAL_ID in done.stderr and "publish: KeyError: 'no such page'" in done.stderr
    # Where it happened: the frame in the child, not only the parent's re-raise.
    assert "in exploding_site_build" in done.stderr
    record = last_run(out)
    assert record["exit_code"] == 4 and "exploding_site_build" in record["internal_errors"][0]["traceback"]


def test_a_config_error_raised_in_a_child_keeps_its_exit_code_and_its_words(
        ds: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ConfigError's own constructor takes a list of problems: the trip back must not garble them.
    from pipeline.core.errors import ConfigError

    def broken(*args: object, **kwargs: object) -> None:
        raise ConfigError(["schemas/published/agendas.json: rusak / broken", "kedua / second"])

    monkeypatch.setattr("pipeline.publish.publish_data", broken)
    result = CliRunner().invoke(main, ["publish", "--no-push", "--datasets", str(ds), "--output", str(out),
                                       "--as-of", AS_OF])
    assert result.exit_code == 2, result.output
    assert "- schemas/published/agendas.json: rusak / broken\n- kedua / second" in result.stderr
    assert last_run(out)["exit_code"] == 2


# ---- the data stage's side child: feedback pages, templates and report beside the data files ----------------


NOW = "2026-11-28T06:15:00"  # both runs record the same time for the files they receive
# What a store keeps about the output's files by their stat (inodes differ between two outputs).
STORE_CACHES = ("feedback-inputs.json", "templates-inputs.json", "feedback-digests.json", "templates-digests.json",
                "published-rows/files.json", "tree-digests.json", "publish-inputs.json",
                "output-listings.json", "input-listings.json", "feedback-pending.json")


def _staging_leftovers(out: Path) -> list[str]:
    """Staging folders and temporary files anywhere under ``out``."""
    return [p.relative_to(out).as_posix() for p in out.rglob(".*") if p.name.endswith((".new", ".old", ".tmp"))]


# The side child's two kinds (run.py): offered the largest table's workbook (from ``FORK_FROM`` store writes: here
# however few), or not (``FORK_SMALL``: the default below ``FORK_FROM``, as at a new agency-month).
SIDE_CHILDREN = {"workbook": "r.FORK_FROM = 0\n", "small": ""}


@pytest.mark.parametrize("kind", SIDE_CHILDREN)
def test_the_feedback_pages_are_staged_by_another_process_than_the_data_files(
        small_published: tuple[Path, Path], ds: Path, out: Path, tmp_path: Path, kind: str) -> None:
    alone = copy_output(small_published, tmp_path / "alone")  # published by one process, to compare with
    patch = (f"import os, pipeline.publish.run as r\n"
             f"def _mark(name):\n    open(os.path.join({str(tmp_path)!r}, name), 'w').write(str(os.getpid()))\n"
             f"_feedback, _data = r.feedback_files, r.data_files\n"
             f"def feedback_files(*a, **k):\n    _mark('feedback'); return _feedback(*a, **k)\n"
             f"def data_files(*a, **k):\n    _mark('data'); return _data(*a, **k)\n"
             f"r.feedback_files, r.data_files = feedback_files, data_files\n"
             f"from pipeline.store.archive import Store\n_index = Store.index_bytes\n"
             f"def index_bytes(self):\n    _mark('index'); return _index(self)\n"
             f"Store.index_bytes = index_bytes\n"
             f"{SIDE_CHILDREN[kind]}")  # a side child however few files the run writes
    done = patched_publish(ds, out, patch, "--no-site", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "feedback").read_text() != (tmp_path / "data").read_text()
    # The store's index made by the child without the workbook (``INDEX_BESIDE``), else by the commit.
    maker = "feedback" if kind == "small" else "data"
    assert (tmp_path / "index").read_text() == (tmp_path / maker).read_text()
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")
    assert any("2026-09" in p.as_posix() for p in (out / "feedback").rglob("*.html"))
    assert _staging_leftovers(out) == []
    # The same bytes as a publish that stages everything in one process.
    one = patched_publish(ds, alone, "import pipeline.publish.run as r\nr.FORK_SMALL = False\n", "--no-site",
                          "--now", NOW)
    assert one.returncode == 0, one.stderr
    for folder in ("data", "feedback", "templates", "reports"):
        assert tree(out / folder) == tree(alone / folder), folder
    assert tree(out / "store", skip=STORE_CACHES) == tree(alone / "store", skip=STORE_CACHES)


def _fails_and_leaves_it_as_it_was(ds: Path, out: Path, patch: str, before: object, how: str, key: str) -> None:
    """The side child killed or raising KeyError(key): the run fails, ``out`` equals ``before``, the next run works."""
    done = patched_publish(ds, out, patch, "--no-site")
    if how == "killed":
        assert done.returncode == 1, done.stderr
        assert "the publish (feedback) stage ended without a result on signal SIGKILL" in done.stderr
        assert "Traceback" not in done.stderr
    else:
        assert done.returncode == 4, done.stderr
        assert INTERNAL_ID in done.stderr and f"KeyError: '{key}'" in done.stderr
    assert tree(out, skip=("runs.jsonl",)) == before
    assert _staging_leftovers(out) == []
    again = run(publish_cmd(ds, out, "--no-site"))  # nothing half-done stands in the next run's way
    assert again.returncode == 0, again.stderr
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", SIDE_CHILDREN)
@pytest.mark.parametrize("how", ["killed", "bug"])
def test_a_failed_feedback_child_fails_the_run_and_leaves_the_output_and_the_store_as_they_were(
        ds: Path, out: Path, how: str, kind: str) -> None:
    # The store's files are being written meanwhile: they must be undone too, and no staging folder left.
    failing = "os.kill(os.getpid(), signal.SIGKILL)" if how == "killed" else "raise KeyError('no such page')"
    patch = (f"import os, signal, pipeline.publish.run as r\n"
             f"def feedback_files(*a, **k):\n    {failing}\n"
             f"r.feedback_files = feedback_files\n"
             f"{SIDE_CHILDREN[kind]}")
    before = tree(out, skip=("runs.jsonl",))
    _fails_and_leaves_it_as_it_was(ds, out, patch, before, how, "no such page")


def _without_row_indexes(out: Path) -> Path:
    """``out`` without the row indexes of the data files published last: every table is written whole."""
    shutil.rmtree(out / "store" / "published-rows")
    return out


def test_a_workbook_made_by_the_side_child_equals_one_made_in_one_process(
        small_published: tuple[Path, Path], ds: Path, out: Path, tmp_path: Path) -> None:
    alone = _without_row_indexes(copy_output(small_published, tmp_path / "alone"))
    _without_row_indexes(out)
    (tmp_path / "pids").mkdir()
    patch = (f"import os, pipeline.publish.run as r, pipeline.publish.table_files as t, "
             f"pipeline.publish.workbook_child as w\n"
             f"_sheet = t._sheet\n"
             f"def sheet(schema, *a, **k):\n"
             f"    open(os.path.join({str(tmp_path / 'pids')!r}, schema['name']), 'w').write(str(os.getpid()))\n"
             f"    return _sheet(schema, *a, **k)\n"
             f"t._sheet = sheet\n"
             f"_feedback = r.feedback_files\n"
             f"def feedback_files(*a, **k):\n"
             f"    open(os.path.join({str(tmp_path / 'pids')!r}, 'feedback'), 'w').write(str(os.getpid()))\n"
             f"    return _feedback(*a, **k)\n"
             f"r.feedback_files = feedback_files\n"
             f"r.FORK_FROM = 0\n"  # a side child however few files the run writes
             f"w.FORK_ROWS = 0\n"  # the first table's workbook offered (one a run)
             f"w.TAKE_BACK = False\n")  # and always made by the side child
    done = patched_publish(ds, out, patch, "--no-site", "--now", NOW)
    assert done.returncode == 0, done.stderr
    pids = {p.name: p.read_text() for p in (tmp_path / "pids").iterdir()}
    assert set(pids) == {"feedback", "agencies"} and pids["agencies"] == pids["feedback"]  # by the side child
    assert _staging_leftovers(out) == []
    assert run(publish_cmd(ds, alone, "--no-site", "--now", NOW)).returncode == 0
    for folder in ("data", "feedback", "templates", "reports"):
        assert tree(out / folder) == tree(alone / folder), folder
    # The row indexes too: the lengths of the sheet's rows and its chunks come from the side child.
    assert tree(out / "store", skip=STORE_CACHES) == tree(alone / "store", skip=STORE_CACHES)


@pytest.mark.parametrize("how", ["killed", "bug"])
def test_a_side_child_failing_on_the_workbook_fails_the_run_and_leaves_the_output_and_the_store_as_they_were(
        ds: Path, out: Path, how: str) -> None:
    failing = "os.kill(os.getpid(), signal.SIGKILL)" if how == "killed" else "raise KeyError('no such sheet')"
    patch = (f"import os, signal, pipeline.publish.run as r, pipeline.publish.table_files as t, "
             f"pipeline.publish.workbook_child as w\n"
             f"def sheet(*a, **k):\n    {failing}\n"
             f"t._sheet = sheet\n"
             f"r.FORK_FROM = 0\n"
             f"w.FORK_ROWS = 0\n"
             f"w.TAKE_BACK = False\n")
    before = tree(_without_row_indexes(out), skip=("runs.jsonl",))
    _fails_and_leaves_it_as_it_was(ds, out, patch, before, how, "no such sheet")


def test_the_largest_table_is_written_first_and_its_workbook_made_by_the_side_child(
        small_published: tuple[Path, Path], ds: Path, out: Path, tmp_path: Path) -> None:
    # Offered first (datapackage._order), not once the other tables' files are written: the child makes it while
    # this process writes the rest; the files, the package's order and the row indexes are those of one process.
    alone = _without_row_indexes(copy_output(small_published, tmp_path / "alone"))
    _without_row_indexes(out)
    (tmp_path / "pids").mkdir()
    marks = str(tmp_path / "pids")
    patch = (f"import os, pipeline.publish.run as r, pipeline.publish.table_files as t, "
             f"pipeline.publish.datapackage as d, pipeline.publish.workbook_child as w\n"
             f"_sheet, _start, _files = t._sheet, d.start_table, r.data_files\n"
             f"def sheet(schema, *a, **k):\n"
             f"    open(os.path.join({marks!r}, 'sheet-' + schema['name']), 'w').write(str(os.getpid()))\n"
             f"    return _sheet(schema, *a, **k)\n"
             f"def start(schema, *a, **k):\n"
             f"    open(os.path.join({marks!r}, 'order'), 'a').write(schema['name'] + '\\n')\n"
             f"    return _start(schema, *a, **k)\n"
             f"def data_files(portal, tables, *a, **k):\n"
             f"    w.FORK_ROWS = max(len(rows) for rows in tables.values())  # the largest table alone handed\n"
             f"    return _files(portal, tables, *a, **k)\n"
             f"_feedback = r.feedback_files\n"
             f"def feedback_files(*a, **k):\n"
             f"    open(os.path.join({marks!r}, 'feedback'), 'w').write(str(os.getpid()))\n"
             f"    return _feedback(*a, **k)\n"
             f"t._sheet, d.start_table, r.data_files, r.feedback_files = sheet, start, data_files, feedback_files\n"
             f"r.FORK_FROM = 0\n"  # a side child however few files the run writes
             f"w.TAKE_BACK = False\n")  # the workbook always made by the side child
    done = patched_publish(ds, out, patch, "--no-site", "--now", NOW)
    assert done.returncode == 0, done.stderr
    order = (tmp_path / "pids" / "order").read_text().split()
    assert order[0] == "indicators" and order[1:] == [n for n in PUBLISHED_TABLES if n != "indicators"]
    assert (tmp_path / "pids" / "sheet-indicators").read_text() == (tmp_path / "pids" / "feedback").read_text()
    assert sorted(p.name for p in (tmp_path / "pids").iterdir()) == ["feedback", "order", "sheet-indicators"]
    assert _staging_leftovers(out) == []
    assert run(publish_cmd(ds, alone, "--no-site", "--now", NOW)).returncode == 0
    for folder in ("data", "feedback", "templates", "reports"):
        assert tree(out / folder) == tree(alone / folder), folder
    assert tree(out / "store", skip=STORE_CACHES) == tree(alone / "store", skip=STORE_CACHES)


@pytest.mark.parametrize("kind", SIDE_CHILDREN)
@pytest.mark.parametrize("how", ["killed", "bug"])
def test_the_side_childs_store_writes_failing_fail_the_run_and_leave_the_output_and_the_store_as_they_were(
        ds: Path, out: Path, how: str, kind: str) -> None:
    # Written by the side child (by a thread while it waits for the workbook, run._Background): its failure, or the
    # child's death there, is the child's. (With the workbook, the data stage takes what is left of them once its
    # data files are written, ``Writing.share``: its own writes do not fail here.)
    failing = "os.kill(os.getpid(), signal.SIGKILL)" if how == "killed" else "raise KeyError('no such file')"
    patch = (f"import os, signal, threading, pipeline.publish.run as r, pipeline.store.archive as a\n"
             f"_write = a.Writing.write\n"
             f"def write(self):\n    _write(self)\n"  # (the files written first: undone too)
             f"    if not self.shared or threading.current_thread().name == 'side-writes':\n        {failing}\n"
             f"a.Writing.write = write\n"
             f"{SIDE_CHILDREN[kind]}")
    before = tree(out, skip=("runs.jsonl",))
    _fails_and_leaves_it_as_it_was(ds, out, patch, before, how, "no such file")


def test_the_data_stages_share_of_the_store_writes_failing_fails_the_run_and_leaves_the_output_as_it_was(
        ds: Path, out: Path) -> None:
    """The store's files the data stage writes beside the side child (``Writing.share``): a bug there is the stage's,
    the side child is stopped and every file either of them wrote is undone."""
    patch = ("import threading, pipeline.publish.run as r, pipeline.store.archive as a\n"
             "_write = a.Writing.write\n"
             "def write(self):\n    _write(self)\n"
             "    if self.shared and threading.current_thread() is threading.main_thread():\n"
             "        raise KeyError('the data stage')\n"
             "a.Writing.write = write\n"
             f"{SIDE_CHILDREN['workbook']}")
    before = tree(out, skip=("runs.jsonl",))
    _fails_and_leaves_it_as_it_was(ds, out, patch, before, "bug", "the data stage")
