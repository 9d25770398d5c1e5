"""Session fixtures shared by the test folders: the sample published once, a small datasets folder published once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.run_support import publish_cmd, run, small_datasets
from tests.sample_support import SAMPLE_AS_OF, SAMPLE_NOW, PublishedSample
from tests.shared_fixture import read_only

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedSample]:
    """``make publish`` on datasets/ (site included, no push), fixed as-of date and clock; read only.

    The golden checksums, the sample's facts and the browser tests all read this one output:
    publishing the sample is the slowest step of the suite, so it is done once.
    """
    output = tmp_path_factory.mktemp("sample") / "output"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-push", "--as-of", SAMPLE_AS_OF, "--now", SAMPLE_NOW,
         "--datasets", str(REPO / "datasets"), "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"\nsample publish (site included): {seconds:.1f} s")
    with read_only(REPO / "datasets", output):
        yield PublishedSample(output, done, seconds)


@pytest.fixture(scope="session")
def small_published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A small datasets folder (two agencies, one month) published once, site included; read only."""
    root = tmp_path_factory.mktemp("small-published")
    ds = small_datasets(root)
    done = run(publish_cmd(ds, root / "out"))
    assert done.returncode == 0, done.stderr
    with read_only(root):
        yield ds, root / "out"
