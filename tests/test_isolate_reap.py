"""A child's answer taken without waiting for its exit (``isolate.Child.result(reap=False)``), reaped later: real forks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.runner import isolate
from tests.run_support import AS_OF, copy_output, copy_with_new_month


def _state(pid: int) -> str:
    """The process's state letter from /proc (``Z``: ended, not yet reaped), or "" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return ""


def test_an_answered_child_is_left_to_be_reaped_later_and_then_reaped() -> None:
    child = isolate.start("test", lambda: 42)
    assert child.result(reap=False) == 42
    for _ in range(200):  # it ends right after its answer, and stays a zombie until reaped
        if _state(child.pid) == "Z":
            break
        time.sleep(0.01)
    assert _state(child.pid) == "Z"
    child.reap()
    assert _state(child.pid) == ""
    child.reap()  # once only: a second call does nothing
    child.stop()  # nor does stopping it (it was waited for)
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


def test_a_child_without_an_answer_is_reaped_at_once_however_asked() -> None:
    child = isolate.start("test", lambda: os._exit(3))
    with pytest.raises(Exception, match="exit status 3"):
        child.result(reap=False)
    assert _state(child.pid) == ""
    child.reap()  # (already waited for)


def test_a_child_that_raised_is_reaped_later_too() -> None:
    def fail() -> None:
        raise KeyError("no such thing")

    child = isolate.start("test", fail)
    with pytest.raises(KeyError, match="no such thing"):
        child.result(reap=False)
    child.reap()
    assert _state(child.pid) == ""


def _zombies() -> set[int]:
    """This process's children that ended and were not reaped."""
    me, found = os.getpid(), set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z" and int(fields[1]) == me:
                found.add(int(name))
    return found


def test_a_publish_with_its_site_leaves_no_child_unreaped(small_published: tuple[Path, Path], tmp_path: Path) -> None:
    # The data stage's child answered before the site child's word and was reaped after it (steps.publish, build).
    ds, out = copy_with_new_month(small_published, tmp_path), copy_output(small_published, tmp_path)
    before = _zombies()
    result = CliRunner().invoke(main, ["publish", "--no-push", "--datasets", str(ds), "--output", str(out),
                                       "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "halaman dibangun ulang" in result.output  # the site was built, by the child forked ahead
    assert _zombies() - before == set()
