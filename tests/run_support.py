"""A small real datasets folder and helpers to run the CLI in a subprocess, for the run-safety tests."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.checkers import missing
from tests.validate_helpers import agenda_row, decision_row, make_datasets, perf_row, write_table

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-28"


def small_datasets(root: Path) -> Path:
    """Two agencies, one month, every table: accepted by the real validator."""
    ds = make_datasets(root)
    shutil.copytree(REPO / "datasets" / "schemas" / "published", ds / "schemas" / "published")
    write_table(ds, "performance", [perf_row(), perf_row(service_code="kk")])
    write_table(ds, "agendas", [agenda_row()])
    write_table(ds, "decisions", [decision_row(agenda_id="AGD-1")])
    write_table(ds, "performance", [perf_row(agency_code="dpmptsp", service_code="izin-usaha")],
                agency="dpmptsp")
    return ds


def add_month(ds: Path, period: str = "2026-09") -> None:
    """Another month of disdukcapil's performance (a change for the next publish)."""
    write_table(ds, "performance", [perf_row(period=period)], period=period)


def copy_with_new_month(published: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of a published datasets folder with one more month submitted (a publish has work to do)."""
    copy = tmp_path / "ds"
    shutil.copytree(published[0], copy)
    add_month(copy)
    return copy


def copy_output(published: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of a published output folder."""
    copy = tmp_path / "out"
    shutil.copytree(published[1], copy)
    return copy


def cli(*args: str) -> list[str]:
    """The command line of ``python -m pipeline``."""
    return [sys.executable, "-m", "pipeline", *args]


def publish_cmd(ds: Path, out: Path, *extra: str) -> list[str]:
    """``publish`` on ``ds`` into ``out`` without the CKAN push."""
    return cli("publish", "--datasets", str(ds), "--output", str(out), "--as-of", AS_OF, "--no-push", *extra)


def env() -> dict[str, str]:
    """The environment of a child run: no CKAN, unbuffered output."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    child["PYTHONUNBUFFERED"] = "1"
    return child


def run(cmd: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root and capture its output."""
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env(), check=False)


def start(cmd: list[str]) -> subprocess.Popen[str]:
    """Start a command from the repository root (its output captured)."""
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str, timeout: float = 120) -> None:
    """Poll ``condition`` until true; fail if ``proc`` ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process ended ({proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.005)
    proc.kill()
    raise AssertionError(f"timed out waiting for {what}")


def holds_lock(out: Path, pid: int) -> Callable[[], bool]:
    """True once ``<out>/.lock`` names ``pid`` (the lock is taken and described)."""
    def check() -> bool:
        try:
            return f'"pid": {pid},' in (out / ".lock").read_text(encoding="utf-8")
        except OSError:
            return False
    return check


def kill(proc: subprocess.Popen[str]) -> None:
    """SIGKILL a child and reap it."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by relative path, except the names in ``skip``.

    The site's row cache (``site-cache/``) is left out: it is no output but rows kept by the
    CSV's SHA-256, which a build that reads a changed table refreshes even when it fails later
    (tests/site/test_site_rowcache.py proves a stale or damaged one is never used).
    """
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.relative_to(folder).as_posix() not in skip
            and not p.relative_to(folder).as_posix().startswith("site-cache/")}


PAGE = 4096  # tmpfs counts its size in pages of this many bytes


@contextmanager
def tmpfs(where: Path, size: str = "8m", inodes: int | None = None) -> Iterator[Path]:
    """A real, small tmpfs mounted at ``where`` (unmounted at the end); fails when mounting is refused."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        missing(f"cannot mount a tmpfs to fill (run the tests as root, as `make test` does, on a machine "
                f"that allows mounts): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(mount: Path, leave_pages: int = 0) -> Path:
    """Fill the filesystem at ``mount`` with one file, then free ``leave_pages`` pages again."""
    filler = mount / "filler"
    chunk = b"\0" * PAGE
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    if leave_pages:
        os.truncate(filler, max(filler.stat().st_size - leave_pages * PAGE, 0))
    return filler


def free_pages(mount: Path) -> int:
    """Pages still free on ``mount``."""
    st = os.statvfs(mount)
    return st.f_bavail * st.f_frsize // PAGE


def limit_inodes(mount: Path, free: int) -> None:
    """Remount the tmpfs at ``mount`` so that exactly ``free`` more files or folders fit."""
    st = os.statvfs(mount)
    used = st.f_files - st.f_ffree
    subprocess.run(["mount", "-o", f"remount,nr_inodes={used + free}", str(mount)], check=True)


def pages_of(folder: Path, inside: str | None = None) -> int:
    """tmpfs pages the files under ``folder`` take (only those under ``inside`` when given)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    if inside is not None:
        files = [p for p in files if inside in p.relative_to(folder).parts]
    return sum(-(-p.stat().st_size // PAGE) for p in files)


def child_running(pid: int, needle: str, comm: str = "") -> int | None:
    """The pid of a descendant of ``pid`` whose command line contains ``needle`` and whose program name
    starts with ``comm``, if any (publish runs each stage in a child process, which starts Pagefind
    through setpriv: a grandchild of the command, named setpriv until setpriv runs Pagefind, started
    by a thread of the stage)."""
    # Every thread's children: the site build starts Pagefind from its indexing threads.
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue
    for child in children:
        try:
            if needle in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace") and \
                    Path(f"/proc/{child}/comm").read_text().startswith(comm):
                return int(child)
        except OSError:
            continue
        found = child_running(int(child), needle, comm)
        if found is not None:
            return found
    return None


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False
