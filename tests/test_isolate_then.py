"""A child that answers before its last work (``isolate.Then``): the parent goes on with the answer while the child
finishes; ``reap`` waits for that work and raises what it raised, or that the child died before it was done. Real
forks; the publish step through the real data stage of a small published output, whose records are saved after the
site child got its word, and a failure to save them told once the site is built."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from pipeline.core.errors import PipelineError
from pipeline.runner import isolate
from tests.run_support import copy_output, copy_with_new_month, publish_cmd, run, tree
from tests.test_publish_incremental_equals_cold import FOLDERS
from tests.town_support import copy_received


def _mark(path: Path) -> None:
    """The later work of the children below: waits a little, then leaves a file."""
    time.sleep(0.3)
    path.write_text("done", encoding="utf-8")


def test_the_answer_comes_before_the_later_work_and_reap_waits_for_it(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    child = isolate.start("test", lambda: isolate.Then(42, lambda: _mark(mark)))
    assert child.result(reap=False) == 42
    assert child.finishing and not mark.exists()  # the answer came first
    child.reap()
    assert mark.read_text(encoding="utf-8") == "done" and not child.finishing
    child.reap()  # once only


def test_result_with_reap_waits_for_the_later_work_too(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    child = isolate.start("test", lambda: isolate.Then("yes", lambda: _mark(mark)))
    assert child.result() == "yes"
    assert mark.exists()


def test_a_failure_of_the_later_work_is_raised_by_reap() -> None:
    def fail() -> None:
        raise PipelineError("could not save")

    child = isolate.start("test", lambda: isolate.Then(1, fail))
    assert child.result(reap=False) == 1
    with pytest.raises(PipelineError, match="could not save"):
        child.reap()


def test_a_child_killed_during_its_later_work_is_a_clear_error() -> None:
    child = isolate.start("test", lambda: isolate.Then(1, lambda: time.sleep(60)))
    assert child.result(reap=False) == 1
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(PipelineError, match="SIGKILL"):
        child.reap()


def test_a_stopped_child_is_not_asked_for_its_later_work() -> None:
    child = isolate.start("test", lambda: isolate.Then(1, lambda: time.sleep(60)))
    assert child.result(reap=False) == 1
    child.stop()
    child.reap()  # (waited for by ``stop``: nothing raised)


def test_a_publish_whose_records_cannot_be_saved_builds_its_site_fails_and_the_next_run_is_right(
        small_published: tuple[Path, Path], tmp_path: Path) -> None:
    # The indicators' memo cannot be written (a folder holds its name): the data and the site are published from
    # the new month, the command fails with the reason, and the run after it writes what a run from scratch writes.
    ds, out = copy_with_new_month(small_published, tmp_path), copy_output(small_published, tmp_path)
    memo = out / "store" / "indicators-memo.tsv"
    memo.unlink(missing_ok=True)
    (memo / "blocked").mkdir(parents=True)
    failed = run(publish_cmd(ds, out))
    assert failed.returncode != 0
    assert "not all of the records kept for the next run were saved" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "halaman dibangun ulang" in failed.stdout  # the site was built meanwhile
    shutil.rmtree(memo)
    again = run(publish_cmd(ds, out))
    assert again.returncode == 0, again.stderr
    assert "halaman dibangun ulang" in again.stdout or "dilewati" in again.stdout
    # From scratch: the same datasets and store of received versions, nothing the runs kept to reuse their work.
    scratch = tmp_path / "scratch"
    copy_received(out, scratch)
    done = run(publish_cmd(ds, scratch))
    assert done.returncode == 0, done.stderr
    assert _published(out) == _published(scratch)


def _published(output: Path) -> dict[str, bytes]:
    """The files of the data stage's published folders."""
    return {rel: body for rel, body in tree(output).items() if rel.split("/", 1)[0] in FOLDERS}
