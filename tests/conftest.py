"""Session fixtures shared by the test folders: the sample published once, a small datasets folder published once.

``make test`` runs the suite in two pytest-xdist workers (see the Makefile). The sample is then
published once for both workers, and once for the whole ``make test`` when TEST_SHARED_DIR names
a folder for the run: the first worker to need it publishes under a lock, the others read it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

from tests.checkers import require_chromium
from tests.run_support import publish_cmd, run, small_datasets
from tests.sample_support import SAMPLE_AS_OF, SAMPLE_NOW, PublishedSample
from tests.shared_fixture import read_only

REPO = Path(__file__).resolve().parent.parent


class ModuleScheduling(LoadScopeScheduling):
    """xdist scheduling that sends a whole test module to one worker, and every CKAN test to the same one.

    Many modules build an expensive fixture once (a publish, a site, a CKAN that takes a
    minute to start): split across workers, each would build it again. xdist's own
    ``--dist loadgroup`` marks do not take effect with pytest 9 (xdist 3.8.0 renames
    ``item._nodeid``, which pytest 9 no longer reads), so the grouping is done here, by node id.
    """

    def _split_scope(self, nodeid: str) -> str:
        """The module of a test, or "tests/ckan" for every CKAN test (one CKAN server per run)."""
        module = nodeid.split("::", 1)[0]
        return "tests/ckan" if module.startswith("tests/ckan/") else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> ModuleScheduling:
    """Use ``ModuleScheduling`` whenever the suite runs in xdist workers."""
    return ModuleScheduling(config, log)


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this run sees: TEST_SHARED_DIR, else the workers' common temp folder."""
    named = os.environ.get("TEST_SHARED_DIR")
    if named:
        folder = Path(named).resolve()
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.getbasetemp().parent  # pytest-of-<user>/pytest-N, shared by the workers
    else:
        folder = tmp_path_factory.getbasetemp()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _publish_sample(output: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``make publish`` on datasets/ into ``output`` with the fixed as-of date and clock."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-push", "--as-of", SAMPLE_AS_OF, "--now", SAMPLE_NOW,
         "--datasets", str(REPO / "datasets"), "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
    )
    return done, time.perf_counter() - started


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedSample]:
    """``make publish`` on datasets/ (site included, no push), fixed as-of date and clock; read only.

    The golden checksums, the sample's facts and the browser tests all read this one output:
    publishing the sample is the slowest step of the suite, so it is done once per run.
    """
    folder = shared_dir(tmp_path_factory) / "published-sample"
    folder.mkdir(exist_ok=True)
    record = folder / "run.json"
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the one publishing
        if not record.exists():
            done, seconds = _publish_sample(folder / "output")
            assert done.returncode == 0, done.stderr[-3000:]
            record.write_text(json.dumps({"args": done.args, "stdout": done.stdout, "stderr": done.stderr,
                                          "seconds": seconds}), encoding="utf-8")
            print(f"\nsample publish (site included): {seconds:.1f} s")
        kept = json.loads(record.read_text(encoding="utf-8"))
    run_ = subprocess.CompletedProcess(kept["args"], 0, kept["stdout"], kept["stderr"])
    output = folder / "output"
    with read_only(REPO / "datasets", output):
        yield PublishedSample(output, run_, float(kept["seconds"]))


@pytest.fixture(scope="session")
def small_published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A small datasets folder (two agencies, one month) published once, site included; read only."""
    root = tmp_path_factory.mktemp("small-published")
    ds = small_datasets(root)
    done = run(publish_cmd(ds, root / "out"))
    assert done.returncode == 0, done.stderr
    with read_only(root):
        yield ds, root / "out"


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright (sync API) per worker, shared by every browser fixture.

    Its sync API refuses to start while another instance is open in the process, and the
    site's browser lives for the whole session: a second ``sync_playwright()`` in a module
    that runs after a site test in the same worker would fail.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw
