"""A publish with nothing new leaves the site stage out (runner/sitestamp.py), but never past a change it reads.

The small generated town is published for real, site included (``python -m pipeline publish``);
then runs with nothing new are judged by every output file's stat, and runs after a change that
the publish record does not see (a report in the store, the search partition variable) must
reach the site's own check, which then rebuilds; a damaged stamp only lets the site stage start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.town_support import ROOT
from tools.bench import city
from tools.bench.shape import shape_for

STAMP = Path("site-cache") / "site-stamp.json"


def _publish(datasets: Path, output: Path, env: dict[str, str] | None = None) -> str:
    """``python -m pipeline publish`` with the site, without the push; its standard output and error."""
    done = subprocess.run([sys.executable, "-m", "pipeline", "publish", "--datasets", str(datasets), "--output",
                           str(output), "--no-push", "--as-of", "2026-11-30", "--now", "2026-11-30T08:00:00"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _snapshot(output: Path) -> dict[str, tuple[int, int, int, int]]:
    """(inode, size, mtime, ctime) of every file but the run log and the lock."""
    return {p.relative_to(output).as_posix(): (s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
            for p in output.rglob("*") if p.is_file() and p.name not in ("runs.jsonl", ".lock")
            for s in [p.stat()]}


def test_nothing_new_skips_the_site_stage_but_not_past_a_change_it_reads(tmp_path: Path) -> None:
    datasets, output = tmp_path / "datasets", tmp_path / "output"
    city.generate(city.build(shape_for("town")), datasets)
    first = _publish(datasets, output)
    assert "build skipped" not in first and (output / "site" / "index.html").is_file()
    stamp = json.loads((output / STAMP).read_bytes())
    assert stamp["variables"] == [] and "jinja2" in stamp["libraries"] and "pagefind" not in stamp["libraries"]
    # Nothing new: both stages skipped, not one file written (the stamp and digest caches included).
    before = _snapshot(output)
    # Python's import log (PYTHONPROFILEIMPORTTIME, inherited by the forked stages) shows whether
    # the site stage started: it imports the site package, the command itself never does.
    imports = {"PYTHONPROFILEIMPORTTIME": "1"}
    again = _publish(datasets, output, imports)
    assert "nothing to do" in again and "build skipped" in again and "pipeline.site.build" not in again
    assert _snapshot(output) == before
    # A report in the store edited by hand: outside the publish record, read by the report pages.
    report = sorted((output / "store" / "reports").rglob("*.json"))[0]
    report.write_bytes(report.read_bytes() + b"\n")
    edited = _publish(datasets, output)
    assert "nothing to do" in edited and "build skipped" not in edited
    assert "build skipped" in _publish(datasets, output)  # the build that ran stamped the new state
    # The search partition variable of the Pagefind index is read by nothing now: still skipped.
    seven = {"PIPELINE_SEARCH_PARTITION_PAGES": "7"}
    assert "build skipped" in _publish(datasets, output, seven)
    # A damaged stamp costs the site stage's own check only: still skipped, still nothing written.
    (output / STAMP).write_bytes(b'{"format": "mpp-site-stamp 1", "libraries": [1], "variables": "x"')
    before = _snapshot(output)
    damaged = _publish(datasets, output, {**seven, **imports})
    assert "nothing to do" in damaged and "build skipped" in damaged and "pipeline.site.build" in damaged
    assert _snapshot(output) == before
    (output / STAMP).write_bytes(b"[]")
    assert "build skipped" in _publish(datasets, output, seven)
    # A build command that ran stamps the site it built: the next publish with nothing new does
    # not start the site stage again.
    report.write_bytes(report.read_bytes() + b"\n")
    built = subprocess.run([sys.executable, "-m", "pipeline", "build", "--datasets", str(datasets), "--output",
                            str(output), "--as-of", "2026-11-30"], cwd=ROOT, capture_output=True, text=True,
                           timeout=900, check=False, env={**os.environ, **seven})
    assert built.returncode == 0 and "build skipped" not in built.stdout, built.stdout + built.stderr
    after = _publish(datasets, output, {**seven, **imports})
    assert "build skipped" in after and "pipeline.site.build" not in after
