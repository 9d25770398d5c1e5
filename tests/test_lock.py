"""One run at a time: the output lock, with real processes, real signals and a real flock."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.core.errors import BusyError, PipelineError
from pipeline.runner.lock import output_lock
from tests.run_support import (
    AS_OF,
    add_month,
    cli,
    holds_lock,
    kill,
    publish_cmd,
    run,
    start,
    tree,
    wait_for,
)

SINCE = "2026-11-28T06:15:00+07:00"


@pytest.fixture
def base(small_published: tuple[Path, Path]) -> tuple[Path, Path]:
    """A small datasets folder published once (site included, shared: tests/conftest.py), to copy from."""
    return small_published


@pytest.fixture
def copy(base: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the published base, with one more month submitted (a publish has work to do)."""
    ds, out = tmp_path / "ds", tmp_path / "out"
    shutil.copytree(base[0], ds)
    shutil.copytree(base[1], out, symlinks=True)
    add_month(ds)
    return ds, out


@pytest.fixture
def held(copy: tuple[Path, Path]) -> Iterator[int]:
    """The test itself holds the output lock, as a running publish would, and says so in the file."""
    fd = os.open(copy[1] / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"command": "publish", "pid": 4242, "since": SINCE}).encode())
    try:
        yield fd
    finally:
        os.close(fd)


def log_lines(out: Path) -> list[dict]:
    """The run log's records."""
    return [json.loads(line) for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]


def assert_whole(out: Path) -> None:
    """A complete output: every folder there, the new month published and shown, no staging left."""
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".lock"]
    assert "2026-09" in (out / "data" / "performance.csv").read_text(encoding="utf-8")
    for page in ("index.html", "laporan/index.html", "agenda/index.html", "kinerja/index.html",
                 "indeks-cari/id/meta.gz.bin", ".build-fingerprint"):
        assert (out / "site" / page).is_file(), page
    assert (out / "feedback" / "2026-09" / "disdukcapil").is_dir()


def test_a_held_lock_refuses_publish_build_and_push_with_exit_3_and_changes_nothing(
        copy: tuple[Path, Path], held: int) -> None:
    ds, out = copy
    before = tree(out, skip=("runs.jsonl",))
    lines_before = len(log_lines(out))
    common = ["--datasets", str(ds), "--output", str(out)]
    for command in (["publish", "--as-of", AS_OF, "--no-push"], ["build", "--as-of", AS_OF], ["push", "--dry-run"]):
        done = run(cli(*command, *common))
        assert done.returncode == 3, (command, done.stdout, done.stderr)
        assert (f"proses lain (publish) sedang berjalan sejak {SINCE}, pid 4242; tidak ada yang diubah, "
                f"coba lagi nanti / another run (publish) is in progress since {SINCE}, pid 4242; "
                f"nothing was changed, try again later.") in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert tree(out, skip=("runs.jsonl",)) == before  # .lock included: its holder's words untouched
    refused = log_lines(out)[lines_before:]
    assert [(r["command"], r["exit_code"]) for r in refused] == [("publish", 3), ("build", 3), ("push", 3)]
    assert all("pid 4242" in r["error"] for r in refused)
    # validate only reads: it takes no lock and runs while another run holds it.
    assert run(cli("validate", *common)).returncode == 0


def test_a_publish_started_while_another_runs_exits_3_and_the_first_completes(copy: tuple[Path, Path]) -> None:
    ds, out = copy
    first = start(publish_cmd(ds, out))
    try:
        wait_for(holds_lock(out, first.pid), first, "the first publish takes the lock")
        os.kill(first.pid, signal.SIGSTOP)  # keep it mid-run for as long as the second one needs
        second = start(publish_cmd(ds, out))
        _, err2 = second.communicate(timeout=300)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out1, err1 = first.communicate(timeout=300)
    assert second.returncode == 3, err2
    assert f"pid {first.pid}" in err2 and "Traceback" not in err2
    assert first.returncode == 0, err1
    assert "Traceback" not in err1 and "Situs / site:" in out1
    assert_whole(out)
    assert [(r["pid"], r["exit_code"]) for r in log_lines(out)[-2:]] == [(second.pid, 3), (first.pid, 0)]


def test_two_publishes_started_together_never_break_the_output(copy: tuple[Path, Path]) -> None:
    ds, out = copy
    procs = [start(publish_cmd(ds, out)) for _ in range(2)]
    results = [(p, *p.communicate(timeout=300)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes in ([0, 0], [0, 3]), results  # one waits its turn or is refused, never both run
    for _, _, err in results:
        assert "Traceback" not in err
    assert_whole(out)
    assert sorted(r["exit_code"] for r in log_lines(out)[-2:]) == codes


def test_a_lock_left_by_a_killed_run_does_not_block_the_next(copy: tuple[Path, Path]) -> None:
    ds, out = copy
    victim = start(publish_cmd(ds, out))
    wait_for(holds_lock(out, victim.pid), victim, "the publish takes the lock")
    kill(victim)
    assert victim.returncode == -signal.SIGKILL
    assert f'"pid": {victim.pid},' in (out / ".lock").read_text(encoding="utf-8")  # stale words stay
    done = run(publish_cmd(ds, out))
    assert done.returncode == 0, done.stderr
    assert_whole(out)
    assert (out / ".lock").read_bytes() == b""  # a clean end empties it


def test_the_lock_is_exclusive_within_one_process_and_released_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with output_lock(out, "publish", _when()):
        holder = json.loads((out / ".lock").read_text(encoding="utf-8"))
        assert holder == {"command": "publish", "pid": os.getpid(), "since": SINCE}
        with pytest.raises(BusyError, match=re.escape(f"sejak {SINCE}, pid {os.getpid()}")), \
                output_lock(out, "build", _when()):
            pass
    assert (out / ".lock").read_bytes() == b""
    with output_lock(out, "build", _when()):  # free again
        pass


def test_an_output_that_cannot_hold_a_lock_is_a_clear_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    with pytest.raises(PipelineError, match=re.escape("cannot create the output lock: ")) as info, \
            output_lock(out, "publish", _when()):
        pass
    assert not isinstance(info.value, BusyError) and str(out) in str(info.value)


def _when() -> datetime:
    """A fixed, aware start time."""
    return datetime.fromisoformat(SINCE)
